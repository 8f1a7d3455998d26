"""Unit fixtures: small real indexes, with the hash embedder.

Two documents are indexed the same way: the real corpus (the NATO summit
press release) and a short neutral one (``tests/data/library``: a town
library's opening hours and history), so that a test of behaviour that
should not depend on the document can run on both (``indexed_doc``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.embeddings.fake import HashEmbedder
from assistant.indexing import build_index, documents_fingerprint, load_corpus, open_index
from assistant.ingest.chunk import ChunkParams
from assistant.retrieval.retriever import HybridRetriever

ROOT = Path(__file__).resolve().parents[2]
LIBRARY_DIR = ROOT / "tests" / "data" / "library"
LIBRARY_FILE = LIBRARY_DIR / "stadtbibliothek-lindenau.txt"


def _hash_retriever(corpus_dir: Path, index_dir: Path) -> HybridRetriever:
    settings = load_settings(None, **{"paths.root": str(ROOT)})
    docs = load_corpus(corpus_dir, ROOT)
    emb = HashEmbedder(dim=128)
    build_index(index_dir, docs, emb, ChunkParams(), documents_fingerprint(docs))
    return HybridRetriever(open_index(index_dir, None), emb, settings.retrieval)


@pytest.fixture(scope="session")
def hash_retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    corpus_dir = load_settings(None, **{"paths.root": str(ROOT)}).corpus_dir
    return _hash_retriever(corpus_dir, tmp_path_factory.mktemp("hash-index"))


@pytest.fixture(scope="session")
def library_retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    """The neutral document, indexed exactly as ``hash_retriever`` indexes the corpus."""
    return _hash_retriever(LIBRARY_DIR, tmp_path_factory.mktemp("library-index"))


@pytest.fixture(scope="session")
def library_text() -> str:
    with LIBRARY_FILE.open(encoding="utf-8", newline="") as fh:
        return fh.read()


@dataclass(frozen=True)
class IndexedDoc:
    """One indexed document and what a document-independent test needs to ask of it."""

    name: str
    retriever: HybridRetriever
    text: str  # the file's exact text: every citation and passage offset points into it
    source: str
    keywords: str  # words that occur in the document (a keyword query)
    question: str  # a German question the document answers
    question_en: str  # the same question in English
    reply: str  # a model reply that answers it from passage [1]
    fact: str  # what a citation of that reply must quote


@pytest.fixture(scope="session", params=["summit", "library"])
def indexed_doc(request: pytest.FixtureRequest, original_text: str, library_text: str) -> IndexedDoc:
    if request.param == "summit":
        return IndexedDoc(
            "summit",
            request.getfixturevalue("hash_retriever"),
            original_text,
            "corpus/nato-gipfel-2026-ankara.txt",
            keywords="Verteidigungshaushalt Milliarden Partner",
            question="Wie hoch ist der Verteidigungshaushalt 2026?",
            question_en="How high is the defence budget in 2026?",
            reply="Der Verteidigungshaushalt steigt 2026 auf 124 Milliarden Euro [1].",
            fact="124 Milliarden Euro",
        )
    return IndexedDoc(
        "library",
        request.getfixturevalue("library_retriever"),
        library_text,
        "tests/data/library/stadtbibliothek-lindenau.txt",
        keywords="Bibliothek Medien Marktplatz",
        question="Wie viele Medien verleiht die Stadtbibliothek Lindenau?",
        question_en="How many media does the Lindenau town library lend?",
        reply="Die Stadtbibliothek Lindenau verleiht rund 38.000 Medien [1].",
        fact="38.000 Medien",
    )


@pytest.fixture(autouse=True, scope="module")
def _no_anchor_gap() -> Iterator[None]:
    """The year-elsewhere check compares EmbeddingGemma cosines; the hash embedder's mean nothing to it.

    Module-scoped, so that it is set before module-scoped fixtures that ask questions."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUMMIT_ANSWER__ANCHOR_GAP", "0")
        yield
