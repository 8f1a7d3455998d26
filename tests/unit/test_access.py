"""API keys, roles, the UI login and rate limits (assistant.access), and the serve exposure check."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.access import ADMIN_LOGIN, Access, RateLimiter, Role, read_keys_file
from assistant.config import load_settings
from assistant.errors import ConfigError
from assistant.server import check_exposure, is_loopback

USER_KEY = "user-key-0123456789"
ADMIN_KEY = "admin-key-0123456789"


def test_an_open_server_lets_everyone_in_as_admin() -> None:
    access = Access([])
    caller = access.caller(None)
    assert not access.enabled and caller is not None and caller.admin
    assert access.may_change_corpus(None)


def test_keys_have_roles_and_a_wrong_key_is_refused() -> None:
    access = Access([(USER_KEY, Role.USER), (ADMIN_KEY, Role.ADMIN)])
    user, admin = access.caller(USER_KEY), access.caller(ADMIN_KEY)
    assert user is not None and not user.admin
    assert admin is not None and admin.admin
    assert access.caller("user-key-012345678") is None  # a prefix of a real key
    assert access.caller(USER_KEY + "x") is None
    assert access.caller("") is None and access.caller(None) is None


def test_a_callers_name_never_holds_its_key() -> None:
    access = Access([(USER_KEY, Role.USER)])
    caller = access.caller(USER_KEY)
    assert caller is not None and USER_KEY not in caller.name and caller.name == "key 1"


def test_a_key_listed_twice_keeps_its_admin_role() -> None:
    access = Access([(ADMIN_KEY, Role.ADMIN), (ADMIN_KEY, Role.USER)])
    caller = access.caller(ADMIN_KEY)
    assert caller is not None and caller.admin


def test_a_short_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="at least 8"):
        Access([("abc", Role.USER)])


def test_the_ui_login_needs_an_admin_key_for_the_admin_name() -> None:
    access = Access([(USER_KEY, Role.USER), (ADMIN_KEY, Role.ADMIN)])
    assert access.ui_login("lena", USER_KEY)
    assert access.ui_login(ADMIN_LOGIN, ADMIN_KEY)
    assert not access.ui_login(ADMIN_LOGIN, USER_KEY)
    assert not access.ui_login("lena", "wrong-key-0123456")
    assert not access.ui_login("  ", USER_KEY)
    assert access.may_change_corpus(ADMIN_LOGIN)
    assert not access.may_change_corpus("lena") and not access.may_change_corpus(None)


def test_keys_file_with_roles_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_text(f"# team keys\n{USER_KEY}\n\n{ADMIN_KEY} admin  # Lena\n", encoding="utf-8")
    assert read_keys_file(path) == [(USER_KEY, Role.USER), (ADMIN_KEY, Role.ADMIN)]


@pytest.mark.parametrize("line", [f"{USER_KEY} superuser", f"{USER_KEY} admin extra"])
def test_a_bad_keys_file_line_names_its_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "keys.txt"
    path.write_text(f"{ADMIN_KEY}\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"keys\.txt:2"):
        read_keys_file(path)


def test_a_missing_keys_file_is_one_readable_error(tmp_path: Path) -> None:
    settings = load_settings(None, **{"paths.root": str(tmp_path), "server.api_keys_file": "nope.txt"})
    with pytest.raises(ConfigError, match="Cannot read the API keys file"):
        Access.from_settings(settings)


def test_keys_from_settings_the_environment_and_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "keys.txt").write_text(f"{ADMIN_KEY} admin\n", encoding="utf-8")
    monkeypatch.setenv("SUMMIT_SERVER__API_KEYS", f"{USER_KEY}, second-key-0123456")
    settings = load_settings(None, **{"paths.root": str(tmp_path), "server.api_keys_file": "keys.txt"})
    assert settings.server.api_keys == (USER_KEY, "second-key-0123456")
    access = Access.from_settings(settings)
    admin = access.caller(ADMIN_KEY)
    assert access.caller("second-key-0123456") is not None and admin is not None and admin.admin


def test_rate_limiter_allows_a_burst_then_says_how_long_to_wait() -> None:
    now = [100.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.wait_s("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.wait_s("a")
    assert wait == pytest.approx(20.0)  # 3 a minute: one more every 20 s
    assert limiter.wait_s("b") == 0.0  # another caller has its own bucket
    now[0] += 20.0
    assert limiter.wait_s("a") == 0.0
    assert RateLimiter(0).wait_s("a") == 0.0  # 0: no limit


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.5", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_open_server_beyond_loopback_is_refused_unless_insecure() -> None:
    open_ = Access([])
    check_exposure("127.0.0.1", open_)
    with pytest.raises(ConfigError, match="without API keys"):
        check_exposure("0.0.0.0", open_)
    check_exposure("0.0.0.0", open_, insecure=True)
    check_exposure("0.0.0.0", Access([(USER_KEY, Role.USER)]))
