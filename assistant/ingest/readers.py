"""Office and e-book formats (``.docx``, ``.pptx``, ``.epub``) through llama-index's file readers.

Why llama-index's readers: they are maintained for these formats (Word
through docx2txt, PowerPoint through python-pptx, EPUB through EbookLib and
html2text), and the project uses llama-index as its pipeline's library.
What stays ours is the seam: the bytes are checked before a reader sees
them, every reader failure is one :class:`IngestError`, and the extracted
text is the document's "original", which every offset then slices, as
for PDF and HTML.

The readers are imported only when such a file is read: importing them
costs about 4 s (pandas comes with them).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.errors import IngestError

#: suffix -> (the reader's class in llama_index.readers.file, the format's name, its constructor's arguments)
READERS: dict[str, tuple[str, str, dict[str, Any]]] = {
    ".docx": ("DocxReader", "Word", {}),
    # No image captions (they would download a vision model) and no worker threads.
    ".pptx": ("PptxReader", "PowerPoint", {"extract_images": False, "num_workers": 0, "raise_on_error": True}),
    ".epub": ("EpubReader", "EPUB", {}),
}
ZIP_MAGIC = b"PK\x03\x04"  # all three are zip containers


def check_container(path: Path, data: bytes) -> None:
    """Before any parser: a renamed file is refused by its first bytes."""
    _, kind, _ = READERS[path.suffix.lower()]
    if not data.startswith(ZIP_MAGIC):
        raise IngestError(f"{path.name}: not a {kind} file (it is not a zip container).", "binary")


def read_text(path: Path) -> str:
    """The file's text, one block per paragraph, slide or chapter as its reader gives them."""
    name, kind, kwargs = READERS[path.suffix.lower()]
    try:
        import llama_index.readers.file as readers
    except ImportError as err:  # pragma: no cover - depends on the install
        raise IngestError(f"{path.name}: reading {kind} files needs llama-index-readers-file ({err}).") from err
    try:
        docs = getattr(readers, name)(**kwargs).load_data(file=path)
    except Exception as err:  # each reader fails in its own way (zip, XML, KeyError); the seam speaks one
        why = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise IngestError(f"{path.name}: the {kind} file could not be read ({why}).") from err
    blocks = [_tidy(str(d.text)) for d in docs]
    return "\n\n".join(b for b in blocks if b)


_BLOCK_START = re.compile(r"^\s*(?:[#>|*+-]\s|\d+[.)]\s|```)")


def _tidy(text: str) -> str:
    """One paragraph per blank-line block, with a reader's hard wrapping undone (html2text wraps EPUB text at
    78 columns): a line joins the one before unless it starts a heading, list item, quote, table row or code
    fence, which stay lines of their own."""
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines: list[str] = []
        for line in block.split("\n"):
            if not line.strip():
                continue
            if lines and not _BLOCK_START.match(line) and not _BLOCK_START.match(lines[-1]):
                lines[-1] = f"{lines[-1].rstrip()} {line.strip()}"
            else:
                lines.append(line.rstrip())
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
