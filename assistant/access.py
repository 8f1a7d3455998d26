"""Who may use a server, and how often: API keys with roles, the UI login, rate limits.

Why one object for the API and the UI: the same keys open both, so a key
that is revoked in the settings is revoked everywhere, and the rule for
who may change the corpus is written once.

Keys are compared with :func:`hmac.compare_digest` against every known
key (no early exit), so the time a check takes says nothing about how
much of a guess was right. Keys are never logged or shown; a key is
named in logs by its position ("key 2") only.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from assistant.config import Settings
from assistant.errors import ConfigError

#: The UI login name that asks for the admin role (with an admin key as the password).
ADMIN_LOGIN = "admin"


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: ``name`` is for logs and rate limits, never the key itself."""

    name: str
    role: Role

    @property
    def admin(self) -> bool:
        return self.role is Role.ADMIN


OPEN_CALLER = Caller("anonymous", Role.ADMIN)  # no keys configured: a local, single-user server


def read_keys_file(path: Path) -> list[tuple[str, Role]]:
    """``KEY`` or ``KEY admin`` per line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise ConfigError(f"Cannot read the API keys file {path}: {err.strerror or err}.") from err
    keys: list[tuple[str, Role]] = []
    for number, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1] not in {r.value for r in Role}):
            raise ConfigError(f"{path}:{number}: expected 'KEY' or 'KEY admin'.")
        keys.append((words[0], Role(words[1]) if len(words) == 2 else Role.USER))
    return keys


class Access:
    """The server's keys and their roles; empty means the server is open."""

    def __init__(self, keys: list[tuple[str, Role]]) -> None:
        roles: dict[str, Role] = {}
        for key, role in keys:
            if len(key) < 8:
                raise ConfigError("An API key must be at least 8 characters long.")
            if roles.get(key) is not Role.ADMIN:  # a key listed twice keeps its higher role
                roles[key] = role
        self._keys = [(key.encode(), role, f"key {i}") for i, (key, role) in enumerate(roles.items(), 1)]

    @classmethod
    def from_settings(cls, settings: Settings) -> Access:
        cfg = settings.server
        keys = [(k, Role.USER) for k in cfg.api_keys] + [(k, Role.ADMIN) for k in cfg.admin_keys]
        if cfg.api_keys_file:
            path = Path(cfg.api_keys_file).expanduser()
            keys += read_keys_file(path if path.is_absolute() else settings.root / path)
        return cls(keys)

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def caller(self, key: str | None) -> Caller | None:
        """The caller a key belongs to, or None for a wrong or missing key (open server: everyone)."""
        if not self.enabled:
            return OPEN_CALLER
        given = (key or "").encode()
        found: Caller | None = None
        for known, role, name in self._keys:  # every key is compared, match or not
            if hmac.compare_digest(known, given) and found is None:
                found = Caller(name, role)
        return found

    def ui_login(self, username: str, password: str) -> bool:
        """Gradio's auth callback: any name with any key; the name ``admin`` only with an admin key.

        Why the name carries the role: Gradio tells a handler who logged in
        (``request.username``) but not with which password, so the name is
        what :meth:`may_change_corpus` can check later.
        """
        caller = self.caller(password)
        if caller is None or not username.strip():
            return False
        return username != ADMIN_LOGIN or caller.admin

    def may_change_corpus(self, username: str | None) -> bool:
        """Uploads and removals: anyone on an open server, else only the ``admin`` login."""
        return not self.enabled or username == ADMIN_LOGIN


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests a minute, in bursts of up to as many.

    Returns how many seconds to wait before the next request is allowed
    (0 when it is allowed now), which becomes HTTP 429's ``Retry-After``.
    """

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_s(self, who: str) -> float:
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        now = self.clock()
        with self._lock:
            bucket = self._buckets.setdefault(who, _Bucket(float(self.per_minute), now))
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate
