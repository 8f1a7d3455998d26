"""The corpus tab's operations: list, add, remove, rebuild.

A corpus change must never leave the assistant half-broken, so each one
follows the same order: validate first (``load_document`` checks type,
size, encoding and that there is text), only then touch the corpus
folder, then build the index (atomically: a failed build leaves the
previous one current), and undo the file change if the build fails.
Finally the shared retriever is reloaded so every session sees the change.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.indexing import BuildResult
from assistant.ingest.loaders import MAX_BYTES, META_SUFFIX, SUPPORTED, corpus_files, load_document, read_metadata
from assistant.ingest.scan import Skipped, relative
from assistant.types import Document
from assistant.ui.engine import Engine
from assistant.ui.i18n import t

ProgressFn = Callable[[str, float], None]


@dataclass(frozen=True)
class CorpusEntry:
    source: str
    path: Path
    name: str
    kind: str
    size: int
    title: str


def entries(engine: Engine) -> list[CorpusEntry]:
    """The corpus files, cheaply (no parsing): for the table and the pickers."""
    s = engine.settings
    out = []
    for p in corpus_files(s.corpus_dir):
        try:
            title = str(read_metadata(p).get("title") or p.stem)
        except IngestError:
            title = p.stem
        out.append(CorpusEntry(relative(p, s.root), p, p.name, p.suffix.lower().lstrip("."), p.stat().st_size, title))
    return out


def chunk_counts(engine: Engine) -> dict[str, int]:
    counts: dict[str, int] = {}
    for c in engine.retriever().index.chunks.values():
        counts[c.source] = counts.get(c.source, 0) + 1
    return counts


def skipped_files(engine: Engine) -> list[Skipped]:
    """The corpus files the current index left out, with their reasons (from its manifest)."""
    return [Skipped.from_json(raw) for raw in engine.retriever().index.manifest.get("skipped", [])]


def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


class DocumentCache:
    """Parsed documents by source, re-read only when the file changes.

    Why: the viewer shows the whole text on every citation click, and a
    PDF should not be parsed again each time.
    """

    def __init__(self) -> None:
        self._docs: dict[str, tuple[tuple[int, int, int], Document]] = {}
        self._lock = threading.Lock()

    def get(self, engine: Engine, source: str) -> Document | None:
        for e in entries(engine):
            if e.source == source:
                return self._load(e)
        return None

    def all(self, engine: Engine) -> dict[str, Document]:
        return {e.source: self._load(e) for e in entries(engine)}

    def _load(self, e: CorpusEntry) -> Document:
        st = e.path.stat()
        meta = e.path.with_name(e.path.name + META_SUFFIX)
        key = (st.st_mtime_ns, st.st_size, meta.stat().st_mtime_ns if meta.is_file() else 0)
        with self._lock:
            cached = self._docs.get(e.source)
        if cached and cached[0] == key:
            return cached[1]
        doc = load_document(e.path, e.source)
        with self._lock:
            self._docs[e.source] = (key, doc)
        return doc


_UNSAFE = re.compile(r"[^\w.\-]+")


def safe_name(filename: str) -> str:
    """A harmless file name: no folders, no leading dots, only word characters, dots and dashes."""
    base = unicodedata.normalize("NFC", Path(filename.replace("\\", "/")).name)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("-", stem).strip(".-_")[:80] or "document"
    suffix = _UNSAFE.sub("", suffix).lower()
    return f"{stem}.{suffix}" if suffix else stem


def _clamped(progress: ProgressFn | None) -> Callable[[str, float], None] | None:
    if progress is None:
        return None

    def report(msg: str, frac: float) -> None:
        progress(msg, min(1.0, max(0.0, frac)))

    return report


@dataclass(frozen=True)
class Change:
    name: str
    result: BuildResult


def validate_upload(upload: Path, name: str, source: str) -> Document:
    """Parse the upload under its final name in a scratch folder; raise IngestError if unusable."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(f"{name}: unsupported type {suffix or '(none)'}; use .txt, .md, .pdf or .html.")
    size = upload.stat().st_size
    if size > MAX_BYTES:
        raise IngestError(f"{name}: {size:,} bytes is over the {MAX_BYTES:,}-byte limit.")
    with tempfile.TemporaryDirectory(prefix="summit-upload-") as tmp:
        staged = Path(tmp) / name
        shutil.copyfile(upload, staged)
        return load_document(staged, source)


def add_document(engine: Engine, upload: Path, lang: str, progress: ProgressFn | None = None) -> Change:
    """Validate, copy into the corpus, build (embedding only this file); on a failed build it is removed again."""
    s = engine.settings
    name = safe_name(upload.name)
    target = s.corpus_dir / name
    validate_upload(upload, name, relative(target, s.root))
    with engine.corpus_lock:
        if target.exists():
            raise IngestError(t("exists", lang, name=name))
        partial = s.corpus_dir / f".{name}.{uuid.uuid4().hex[:8]}.part"  # dot-files are not corpus files
        shutil.copyfile(upload, partial)
        os.replace(partial, target)
        try:
            result = engine.build_index(progress=_clamped(progress))
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    return Change(name, result)


def remove_document(engine: Engine, source: str, lang: str, progress: ProgressFn | None = None) -> Change:
    """Move the file (and its sidecar) aside, build (nothing to embed), and put it back if the build fails."""
    with engine.corpus_lock:
        docs = entries(engine)
        entry = next((e for e in docs if e.source == source), None)
        if entry is None:
            raise IngestError(t("no_doc", lang))
        if len(docs) == 1:
            raise IngestError(t("last_doc", lang))
        moved: list[tuple[Path, Path]] = []
        aside = Path(tempfile.mkdtemp(prefix="summit-removed-"))
        try:
            for p in (entry.path, entry.path.with_name(entry.path.name + META_SUFFIX)):
                if p.exists():
                    dest = aside / p.name
                    shutil.move(str(p), dest)
                    moved.append((p, dest))
            try:
                result = engine.build_index(progress=_clamped(progress))
            except BaseException:
                for original, dest in moved:
                    shutil.move(str(dest), original)
                raise
        finally:
            shutil.rmtree(aside, ignore_errors=True)
    return Change(entry.name, result)


def rebuild(engine: Engine, progress: ProgressFn | None = None) -> BuildResult:
    with engine.corpus_lock:
        return engine.build_index(force=True, progress=_clamped(progress))


def table_rows(engine: Engine) -> list[list[Any]]:
    counts = chunk_counts(engine)
    return [[e.name, e.title, e.kind, human_size(e.size), counts.get(e.source, 0)] for e in entries(engine)]
