"""Scale-out store: a real `chroma run` server on loopback, with a full
index, search and answer round trip that survives a server restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import build_retriever, index_corpus
from assistant.service import Assistant
from tests.net import ChromaServer, free_port


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("chroma-data"), free_port())
    server.start()
    yield server
    server.stop()


def test_index_search_answer_and_restart(chroma: ChromaServer, real_settings, real_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = real_settings.with_overrides(**{"store.chroma_url": chroma.url, "paths.index": str(tmp_path / "idx")})
    result = index_corpus(settings, real_embedder)
    assert result.built and result.chunks > 10
    retriever = build_retriever(settings, real_embedder)
    hits = retriever.retrieve("Wie hoch ist der Verteidigungshaushalt 2026?", k=3).hits
    assert "124 Milliarden Euro" in hits[0].chunk.text
    bot = Assistant(settings, retriever, None)
    assert "124 Milliarden" in bot.ask("Wie hoch ist der Verteidigungshaushalt 2026?").text

    chroma.stop()
    chroma.start()  # same data folder: the collection must still be there
    again = retriever.retrieve("Wie hoch ist der Verteidigungshaushalt 2026?", k=3).hits
    assert "124 Milliarden Euro" in again[0].chunk.text
    # A fresh process-level open (as a restarted replica would do) also works, and a second
    # `assistant index` with the same corpus does no work.
    assert not index_corpus(settings, real_embedder).built
    assert build_retriever(settings, real_embedder).retrieve("Island", k=1).hits
