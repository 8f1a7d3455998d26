"""Unit fixtures: a small real index over the real corpus, with the hash embedder."""

from __future__ import annotations

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
