"""Unit fixtures: a small real index over the real corpus, with the hash embedder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.config import load_settings
from assistant.embeddings.fake import HashEmbedder
from assistant.indexing import build_index, documents_fingerprint, load_corpus, open_index
from assistant.ingest.chunk import ChunkParams
from assistant.retrieval.retriever import HybridRetriever

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hash_retriever(tmp_path_factory: pytest.TempPathFactory) -> HybridRetriever:
    settings = load_settings(None, **{"paths.root": str(ROOT)})
    docs = load_corpus(settings.corpus_dir, ROOT)
    emb = HashEmbedder(dim=128)
    index_dir = tmp_path_factory.mktemp("hash-index")
    build_index(index_dir, docs, emb, ChunkParams(), documents_fingerprint(docs))
    return HybridRetriever(open_index(index_dir, None), emb, settings.retrieval)


@pytest.fixture(autouse=True, scope="module")
def _no_anchor_gap() -> Iterator[None]:
    """The year-elsewhere check compares EmbeddingGemma cosines; the hash embedder's mean nothing to it.

    Module-scoped, so that it is set before module-scoped fixtures that ask questions."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SUMMIT_ANSWER__ANCHOR_GAP", "0")
        yield
