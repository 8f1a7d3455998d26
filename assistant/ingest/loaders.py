"""Read corpus files into Documents.

Plain text and Markdown keep the file's exact characters (``newline=""``),
so offsets are offsets into the file. PDF and HTML go through pypdf and
BeautifulSoup, and Word, PowerPoint and EPUB through llama-index's file
readers (:mod:`assistant.ingest.readers`); for them the "original" is the
extracted text, which is what a citation's offsets then refer to. Type and
size are checked before any parser sees the bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from assistant.errors import IngestError
from assistant.ingest.readers import READERS, check_container, read_text
from assistant.types import Document

SUPPORTED = {".txt", ".md", ".pdf", ".html", ".htm", *READERS}
MAX_BYTES = 20 * 1024 * 1024
META_SUFFIX = ".meta.json"


def is_corpus_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in SUPPORTED and not path.name.startswith(".")


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise IngestError(f"Corpus folder not found: {corpus_dir}")
    return sorted(p for p in corpus_dir.rglob("*") if is_corpus_file(p))


def _check(path: Path, data: bytes) -> None:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        known = ", ".join(sorted(SUPPORTED))
        raise IngestError(f"{path.name}: unsupported type {suffix or '(none)'}; use one of {known}.", "unsupported")
    if len(data) > MAX_BYTES:
        raise IngestError(f"{path.name}: {len(data):,} bytes is over the {MAX_BYTES:,}-byte limit.", "too-large")
    if suffix == ".pdf" and not data.startswith(b"%PDF-"):
        raise IngestError(f"{path.name}: not a PDF file (its bytes do not start with %PDF-).", "not-pdf")
    if suffix in READERS:
        check_container(path, data)
    if suffix in {".txt", ".md", ".html", ".htm"} and b"\x00" in data[:8192]:
        raise IngestError(f"{path.name}: looks binary, not a {suffix} text file.", "binary")


def _decode(path: Path, data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise IngestError(f"{path.name}: not valid UTF-8 text ({err.reason} at byte {err.start}).", "encoding") from err
    return text


def _pdf_text(path: Path) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(path.read_bytes()))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(f"{path.name}: the PDF is encrypted; save an unprotected copy.", "encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as err:
        raise IngestError(f"{path.name}: the PDF could not be read ({err}).") from err
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise IngestError(f"{path.name}: the PDF has no extractable text (scanned images?).", "empty")
    return text


_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "pre", "td", "th", "caption", "blockquote")


def _html_text(raw: str) -> tuple[str, str]:
    """The page's text as one paragraph per block (heading, paragraph, list item, code block, cell).

    Only the innermost blocks are taken, so that a list item made of
    paragraphs (DocBook writes every ``<li>`` so) is not read twice, once as
    the item and once as its paragraphs; text that a block holds outside its
    inner blocks ("Optionen: <ul>…</ul>") is a paragraph of its own. A
    heading stays a line of its own, which the cleaner takes as the section
    title of what follows.
    """
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, Tag

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    blocks: list[str] = []
    for el in soup.find_all(_BLOCKS):
        if not isinstance(el, Tag):
            continue
        if el.find(_BLOCKS) is None:
            blocks.append(" ".join(el.get_text(" ").split()))
            continue
        own = [
            str(node)
            for node in el.descendants
            if isinstance(node, NavigableString) and node.find_parent(_BLOCKS) is el
        ]
        blocks.append(" ".join(" ".join(own).split()))
    text = "\n\n".join(b for b in blocks if b)
    if not text:
        text = "\n\n".join(line.strip() for line in soup.get_text("\n").splitlines() if line.strip())
    return text, title


def read_metadata(path: Path) -> dict[str, Any]:
    meta_path = path.with_name(path.name + META_SUFFIX)
    if not meta_path.is_file():
        return {}
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise IngestError(f"{meta_path.name}: invalid JSON ({err}).", "metadata") from err
    return data if isinstance(data, dict) else {}


def load_document(path: Path, source: str | None = None) -> Document:
    """Load one file; ``source`` is the path shown to users (repo-relative)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(f"{path}: cannot read ({err.strerror}).") from err
    _check(path, data)
    suffix = path.suffix.lower()
    meta = read_metadata(path)
    if suffix == ".pdf":
        text = _pdf_text(path)
    elif suffix in READERS:
        text = read_text(path)
    elif suffix in {".html", ".htm"}:
        text, title = _html_text(_decode(path, data))
        if title:
            meta.setdefault("title", title)
    else:
        # Keep "\r\n" and a BOM as they are so offsets match the file exactly.
        text = _decode(path, data)
    if not text.strip():
        raise IngestError(f"{path.name}: the file is empty.", "empty")
    src = source or path.as_posix()
    meta.setdefault("title", path.stem)
    doc_id = hashlib.sha1(src.encode()).hexdigest()[:12]
    return Document(doc_id=doc_id, source=src, text=text, metadata=meta)
