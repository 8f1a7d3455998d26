"""The corpus as a list of sources, each known by a content digest before it is parsed.

Why digests first: an incremental build must tell which files changed
without parsing a thousand HTML pages, so each source's digest hashes its
bytes (and its sidecar metadata), and only the sources whose digest is new
are loaded. A file that cannot be loaded is skipped and reported with its
reason, so that one bad file costs only itself.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.ingest.loaders import META_SUFFIX, corpus_files, load_document
from assistant.types import Document


@dataclass(frozen=True)
class Source:
    """One corpus entry: ``source`` is the path users see, ``digest`` what its content hashes to."""

    source: str
    digest: str
    load: Callable[[], Document]


@dataclass(frozen=True)
class Skipped:
    """A source the build left out, and why (``IngestError.reason``)."""

    source: str
    reason: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "reason": self.reason, "message": self.message}

    @classmethod
    def from_json(cls, raw: Any) -> Skipped:
        return cls(str(raw.get("source", "")), str(raw.get("reason", "")), str(raw.get("message", "")))


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _file_digest(path: Path, source: str) -> str:
    """Hash of the file's name, bytes and sidecar; an unreadable file hashes as such and fails at load."""
    h = hashlib.sha256(source.encode() + b"\x00")
    for part in (path, path.with_name(path.name + META_SUFFIX)):
        try:
            h.update(hashlib.sha256(part.read_bytes()).digest())
        except FileNotFoundError:
            h.update(b"-")
        except OSError as err:
            h.update(f"unreadable {err.errno}".encode())
    return h.hexdigest()


def scan_files(files: Iterable[Path], root: Path) -> list[Source]:
    out = []
    for path in sorted(files):
        source = relative(path, root)
        out.append(Source(source, _file_digest(path, source), functools.partial(load_document, path, source)))
    return out


def scan_corpus(corpus_dir: Path, root: Path) -> list[Source]:
    """Every corpus file under ``corpus_dir`` (IngestError when the folder is missing)."""
    return scan_files(corpus_files(corpus_dir), root)


def document_digest(doc: Document) -> str:
    h = hashlib.sha256(doc.source.encode() + b"\x00" + hashlib.sha256(doc.text.encode()).digest())
    h.update(json.dumps(doc.metadata, sort_keys=True, default=str).encode())
    return h.hexdigest()


def from_documents(docs: Sequence[Document]) -> list[Source]:
    """Documents already in memory (a SQuAD file's paragraphs) as sources."""
    return [Source(d.source, document_digest(d), _Given(d)) for d in sorted(docs, key=lambda d: d.source)]


@dataclass(frozen=True)
class _Given:
    """A loader for a document that is already in memory."""

    doc: Document

    def __call__(self) -> Document:
        return self.doc


def corpus_digest(sources: Sequence[Source]) -> str:
    """The manifest's corpus hash: every source's digest, bad files included, so fixing one is a change."""
    h = hashlib.sha256()
    for s in sorted(sources, key=lambda s: s.source):
        h.update(s.source.encode() + b"\x00" + s.digest.encode())
    return h.hexdigest()


def load_sources(sources: Sequence[Source]) -> tuple[list[Document], list[Skipped]]:
    """Load each source; one that raises IngestError is skipped with its reason, the rest load."""
    docs: list[Document] = []
    skipped: list[Skipped] = []
    for s in sources:
        try:
            docs.append(s.load())
        except IngestError as err:
            skipped.append(Skipped(s.source, err.reason, str(err)))
    return docs, skipped


def skip_note(skipped: Sequence[Skipped]) -> str:
    """What a failed build adds to "no text to index": the files it skipped, and why."""
    if not skipped:
        return ""
    shown = "; ".join(s.message for s in skipped[:5])
    return f" Every file was skipped: {shown}" + ("; …" if len(skipped) > 5 else "")
