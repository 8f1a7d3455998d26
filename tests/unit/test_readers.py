"""Word, PowerPoint and EPUB files through llama-index's readers: real files written here with the formats'
own libraries (python-pptx, EbookLib) or by the spec (a minimal .docx), then loaded, indexed and cited."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.embeddings.fake import HashEmbedder
from assistant.errors import IngestError
from assistant.indexing import build_index, documents_fingerprint, load_corpus, open_index
from assistant.ingest.chunk import ChunkParams
from assistant.ingest.loaders import SUPPORTED, load_document
from assistant.retrieval.retriever import HybridRetriever

PARAGRAPHS = (
    "Die Stadtbibliothek Lindenau öffnet montags bis freitags um neun Uhr.",
    "Am Samstag schließt sie bereits um dreizehn Uhr; sonntags bleibt sie geschlossen.",
)

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def write_docx(path: Path, paragraphs: tuple[str, ...]) -> Path:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", _DOCX_TYPES)
        z.writestr("word/document.xml", xml)
    return path


def write_pptx(path: Path, paragraphs: tuple[str, ...]) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for i, text in enumerate(paragraphs, 1):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = f"Folie {i}"
        slide.placeholders[1].text = text
    deck.save(str(path))
    return path


def write_epub(path: Path, paragraphs: tuple[str, ...]) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("lindenau-1")
    book.set_title("Stadtbibliothek Lindenau")
    book.set_language("de")
    chapters = []
    for i, text in enumerate(paragraphs, 1):
        ch = epub.EpubHtml(title=f"Kapitel {i}", file_name=f"ch{i}.xhtml", lang="de")
        ch.content = f"<html><body><h1>Kapitel {i}</h1><p>{text}</p></body></html>"
        book.add_item(ch)
        chapters.append(ch)
    book.toc = chapters
    book.spine = ["nav", *chapters]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(path), book)
    return path


WRITERS = {".docx": write_docx, ".pptx": write_pptx, ".epub": write_epub}


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_each_format_loads_its_text(tmp_path: Path, suffix: str) -> None:
    assert suffix in SUPPORTED
    doc = load_document(WRITERS[suffix](tmp_path / f"oeffnungszeiten{suffix}", PARAGRAPHS))
    for p in PARAGRAPHS:
        assert p in doc.text
    assert doc.metadata["title"] == "oeffnungszeiten"


@pytest.mark.parametrize("suffix", sorted(WRITERS))
def test_a_renamed_file_is_refused_before_any_reader(tmp_path: Path, suffix: str) -> None:
    fake = tmp_path / f"bericht{suffix}"
    fake.write_text("this is plain text, not a zip container", encoding="utf-8")
    with pytest.raises(IngestError, match="not a .* file"):
        load_document(fake)


def test_a_broken_container_is_one_readable_error(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.docx"
    with zipfile.ZipFile(broken, "w") as z:
        z.writestr("hello.txt", "no word/document.xml in here")
    with pytest.raises(IngestError, match="the Word file could not be read"):
        load_document(broken)


def test_office_files_index_and_cite_with_exact_offsets(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_docx(corpus / "hours.docx", PARAGRAPHS)
    write_epub(corpus / "hours.epub", PARAGRAPHS[::-1])
    docs = load_corpus(corpus, tmp_path)
    assert sorted(d.source for d in docs) == ["corpus/hours.docx", "corpus/hours.epub"]
    emb = HashEmbedder(dim=128)
    build_index(tmp_path / "index", docs, emb, ChunkParams(), documents_fingerprint(docs))
    settings = load_settings(None, **{"paths.root": str(tmp_path)})
    retriever = HybridRetriever(open_index(tmp_path / "index", None), emb, settings.retrieval)
    texts = {d.source: d.text for d in docs}
    hits = retriever.retrieve("Wann schließt die Bibliothek am Samstag?", k=4).hits
    assert hits
    for h in hits:
        assert texts[h.chunk.source][h.chunk.start : h.chunk.end] == h.chunk.text
