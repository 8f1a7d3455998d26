"""Scale-out store: a real `chroma run` server on loopback, with a full
index, search and answer round trip that survives a server restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import index_reuse
from assistant.app import build_retriever, index_corpus
from assistant.errors import IndexError_
from assistant.index_manifest import read_manifest
from assistant.service import Assistant
from assistant.store import ChromaStore, open_client
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


def _hits(settings, embedder, questions):  # type: ignore[no-untyped-def]
    retriever = build_retriever(settings, embedder)
    return [sorted((-round(h.score, 5), h.chunk.chunk_id) for h in retriever.retrieve(q, k=5).hits) for q in questions]


QUESTIONS = ["Wie hoch ist der Verteidigungshaushalt 2026?", "Wer führt die Übung Hafenwacht?", "Island"]


def test_incremental_builds_on_the_server_match_a_full_one(
    chroma: ChromaServer, real_settings, real_embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(Path(real_settings.corpus_dir), corpus)
    over = {"paths.corpus": str(corpus), "answer.summaries": "extractive"}
    embedded = real_settings.with_overrides(**over, **{"paths.index": str(tmp_path / "idx")})
    assert index_corpus(embedded, real_embedder).work.loaded == 1
    on_disk = _hits(embedded, real_embedder, QUESTIONS)
    # Moving the index to the server: stale, and the next build copies the vectors instead of embedding them.
    served = embedded.with_overrides(**{"store.chroma_url": chroma.url})
    with pytest.raises(IndexError_, match="vector store changed"):
        build_retriever(served, real_embedder)
    moved = index_corpus(served, real_embedder)
    assert moved.work.kept == 1 and moved.work.embedded == 0
    assert _hits(served, real_embedder, QUESTIONS) == on_disk

    (corpus / "hafenwacht.txt").write_text(
        "Übung Hafenwacht\n\nDie Übung Hafenwacht führt die Deutsche Marine mit sechs Partnern in Kiel durch.\n",
        encoding="utf-8",
    )
    added = index_corpus(served, real_embedder)
    assert added.work.kept == 1 and added.work.loaded == 1 and 0 < added.work.embedded <= 4
    full = served.with_overrides(**{"paths.index": str(tmp_path / "idx-full")})
    assert index_corpus(full, real_embedder, force=True).work.kept == 0
    assert _hits(served, real_embedder, QUESTIONS) == _hits(full, real_embedder, QUESTIONS)
    assert "Kiel" in build_retriever(served, real_embedder).retrieve(QUESTIONS[1], k=1).hits[0].chunk.text

    # The add was a new version of the moved build's collection: nothing kept was written again, and the
    # build before it (which a running server may still be reading) sees none of the new file.
    builds = sorted((tmp_path / "idx").glob("build-*"))
    before, after = read_manifest(builds[-2]), read_manifest(builds[-1])
    assert after["collection"] == before["collection"] and after["lineage"][:-1] == before["lineage"]
    client = open_client(None, chroma.url)
    parent = ChromaStore(client, before["collection"], lineage=before["lineage"])
    assert {c.source for c in parent.all_chunks()} == set(before["sources"]) and "hafenwacht.txt" not in before[
        "sources"
    ]

    (corpus / "hafenwacht.txt").unlink()
    removed = index_corpus(served, real_embedder)
    assert removed.work.removed == 1 and removed.work.embedded == 0
    assert _hits(served, real_embedder, QUESTIONS) == on_disk
    # Pruning dropped the moved build; its records live on in the two kept builds' versions, and the
    # added file's chunk stays for the previous build until that build is pruned too.
    assert client.get_collection(after["collection"]).count() == added.chunks

    # A lineage at its length limit is compacted: the next build starts a fresh collection and copies.
    monkeypatch.setattr(index_reuse, "MAX_LINEAGE", len(read_manifest(removed.path)["lineage"]))
    (corpus / "hafenwacht.txt").write_text("Übung Hafenwacht\n\nDie Übung Hafenwacht führt die Marine in Kiel.\n")
    compacted = index_corpus(served, real_embedder)
    fresh = read_manifest(compacted.path)
    assert fresh["collection"] != after["collection"] and len(fresh["lineage"]) == 1
    assert compacted.work.kept == 1 and 0 < compacted.work.embedded <= 4
    assert "Kiel" in build_retriever(served, real_embedder).retrieve(QUESTIONS[1], k=1).hits[0].chunk.text
