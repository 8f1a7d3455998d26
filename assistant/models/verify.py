"""Hash checks with a stamp, so that a verified model is not re-hashed on
every start (hashing 1 GB costs about a second) but any change to its size
or mtime — such as a flipped byte — forces a full check again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from assistant.errors import ModelError

_STAMP_SUFFIX = ".verified.json"


def sha256_file(path: Path, bufsize: int = 1 << 22) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(bufsize):
            h.update(block)
    return h.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + _STAMP_SUFFIX)


def _fingerprint(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def verify_file(path: Path, sha256: str, size: int | None = None, *, force: bool = False) -> None:
    """Raise ModelError unless ``path`` has the expected size and hash."""
    if not path.is_file():
        raise ModelError(f"Model file missing: {path}. Run `assistant models fetch`.")
    actual_size = path.stat().st_size
    if size is not None and actual_size != size:
        raise ModelError(
            f"Model file {path} has {actual_size:,} bytes, expected {size:,}. "
            "It is damaged: delete it and run `assistant models fetch`."
        )
    stamp = _stamp_path(path)
    if not force and stamp.is_file():
        try:
            saved = json.loads(stamp.read_text())
        except (OSError, ValueError):
            saved = {}
        if saved == {**_fingerprint(path), "sha256": sha256}:
            return
    actual = sha256_file(path)
    if actual != sha256:
        stamp.unlink(missing_ok=True)
        raise ModelError(
            f"Model file {path} fails its sha256 check (got {actual[:12]}…, expected "
            f"{sha256[:12]}…). It is corrupted: delete it and run `assistant models fetch`."
        )
    _write_stamp(path, sha256)


def _write_stamp(path: Path, sha256: str) -> None:
    _stamp_path(path).write_text(json.dumps({**_fingerprint(path), "sha256": sha256}))


def hash_and_stamp(path: Path) -> str:
    """The sha256 of a file this program has just written, stamped so that the next check is a stat."""
    digest = sha256_file(path)
    _write_stamp(path, digest)
    return digest
