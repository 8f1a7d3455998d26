"""Shared fixtures.

Unit tests use fakes (a hash embedder, a scripted LLM). Integration tests
use the real EmbeddingGemma, a real Chroma on disk and the real corpus;
they need `make models` and fail (not skip) without them, so that CI cannot
pass by testing nothing. Set SUMMIT_SKIP_INTEGRATION=1 to run unit tests only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import offline

offline.apply()

ROOT = Path(__file__).resolve().parents[1]
CORPUS_FILE = ROOT / "corpus" / "nato-gipfel-2026-ankara.txt"
XQUAD_DIR = ROOT.parent / "shared" / "data" / "xquad"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
    if os.environ.get("SUMMIT_SKIP_INTEGRATION") == "1":
        skip = pytest.mark.skip(reason="SUMMIT_SKIP_INTEGRATION=1")
        for item in items:
            if "integration" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def original_text() -> str:
    with CORPUS_FILE.open(encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from assistant.config import load_settings

    index_dir = tmp_path_factory.mktemp("index")
    return load_settings(None, **{"paths.index": str(index_dir), "paths.root": str(ROOT)})


@pytest.fixture(scope="session")
def real_embedder(real_settings):  # type: ignore[no-untyped-def]
    from assistant.app import build_embedder

    emb = build_embedder(real_settings)
    emb.load()
    return emb


@pytest.fixture(scope="session")
def real_retriever(real_settings, real_embedder) -> Iterator[object]:  # type: ignore[no-untyped-def]
    from assistant.app import build_retriever, index_corpus

    index_corpus(real_settings, real_embedder)
    yield build_retriever(real_settings, real_embedder)
