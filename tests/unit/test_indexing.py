"""Index build, reuse, staleness and atomicity, with the hash embedder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.config import RetrievalSettings
from assistant.embeddings.base import Vector
from assistant.embeddings.fake import HashEmbedder
from assistant.errors import IndexError_
from assistant.indexing import (
    build_index,
    current_build,
    documents_fingerprint,
    expected_manifest,
    open_index,
)
from assistant.ingest.chunk import ChunkParams
from assistant.retrieval.retriever import HybridRetriever
from assistant.types import Document

DOCS = [
    Document(
        "a", "corpus/a.txt", "Haushalt\n\nDeutschland erhöht den Verteidigungshaushalt auf 124 Milliarden Euro.", {}
    ),
    Document("b", "corpus/b.txt", "Island\n\nIsland ist der Maritimen Sicherheitspartnerschaft beigetreten.", {}),
]
P = ChunkParams()


def _build(index: Path, docs: Sequence[Document] = DOCS, emb: HashEmbedder | None = None, **kw: object):  # type: ignore[no-untyped-def]
    e = emb or HashEmbedder()
    return build_index(index, docs, e, P, documents_fingerprint(docs), **kw)  # type: ignore[arg-type]


def test_build_then_reuse(tmp_path: Path) -> None:
    emb = HashEmbedder()
    first = _build(tmp_path, emb=emb)
    assert first.built and first.chunks == 2
    calls = emb.calls
    second = _build(tmp_path, emb=emb)
    assert not second.built and second.reason == "up to date"
    assert emb.calls == calls  # no embedding work at all
    assert _build(tmp_path, emb=emb, force=True).built


def test_changed_corpus_is_stale_and_rebuilt(tmp_path: Path) -> None:
    _build(tmp_path)
    changed = [DOCS[0], Document("b", "corpus/b.txt", "Island trat 2026 bei.", {})]
    expected = expected_manifest(HashEmbedder(), P, documents_fingerprint(changed))
    with pytest.raises(IndexError_, match=r"stale.*corpus"):
        open_index(tmp_path, expected)
    result = _build(tmp_path, docs=changed)
    assert result.built and "corpus files changed" in result.reason
    open_index(tmp_path, expected)


def test_other_embedder_is_stale(tmp_path: Path) -> None:
    _build(tmp_path)
    expected = expected_manifest(HashEmbedder(dim=32), P, documents_fingerprint(DOCS))
    with pytest.raises(IndexError_, match="embedding model changed"):
        open_index(tmp_path, expected)


class _Exploding(HashEmbedder):
    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        raise KeyboardInterrupt  # like Ctrl-C or a kill in the middle of a build


def test_interrupted_build_keeps_previous_index(tmp_path: Path) -> None:
    _build(tmp_path)
    before = current_build(tmp_path)
    changed = [Document("c", "corpus/c.txt", "Etwas ganz anderes.", {})]
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, docs=changed, emb=_Exploding())
    assert current_build(tmp_path) == before
    assert not list(tmp_path.glob(".tmp-*"))
    idx = open_index(tmp_path, expected_manifest(HashEmbedder(), P, documents_fingerprint(DOCS)))
    hits = HybridRetriever(idx, HashEmbedder(), RetrievalSettings()).retrieve("Verteidigungshaushalt 124", k=1).hits
    assert "124 Milliarden" in hits[0].chunk.text


def test_disk_full_during_write_keeps_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build(tmp_path)
    before = current_build(tmp_path)
    from assistant.retrieval import bm25

    def full(self: object, directory: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bm25.BM25Store, "save", full)
    with pytest.raises(OSError):
        _build(tmp_path, force=True)
    assert current_build(tmp_path) == before


def test_missing_and_corrupt_index(tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="assistant index"):
        open_index(tmp_path, None)
    result = _build(tmp_path)
    (result.path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexError_, match="--rebuild"):
        open_index(tmp_path, None)


def test_bm25_store_is_checked_with_the_index(tmp_path: Path) -> None:
    result = _build(tmp_path)
    for f in (result.path / "bm25").iterdir():
        f.unlink()
    with pytest.raises(IndexError_, match="--rebuild"):
        open_index(tmp_path, None)


def test_search_offsets_match_source(tmp_path: Path) -> None:
    _build(tmp_path)
    idx = open_index(tmp_path, None)
    r = HybridRetriever(idx, HashEmbedder(), RetrievalSettings()).retrieve("Island Sicherheitspartnerschaft", k=2)
    texts = {d.source: d.text for d in DOCS}
    for h in r.hits:
        assert texts[h.chunk.source][h.chunk.start : h.chunk.end] == h.chunk.text


@pytest.mark.parametrize(("threshold", "bulk_used"), [(100, True), (10_000, False)])
def test_a_build_goes_wholly_to_one_runtime(tmp_path: Path, threshold: int, bulk_used: bool) -> None:
    from assistant.embeddings.routed import RoutedEmbedder

    many = [
        Document(f"d{i}", f"corpus/d{i}.txt", "".join(f"Satz {j} aus Text {i} zum Gipfel. " for j in range(40)), {})
        for i in range(4)
    ]
    fast, bulk = HashEmbedder(), HashEmbedder()
    said: list[str] = []
    routed = RoutedEmbedder(fast, lambda: bulk, threshold)
    build_index(tmp_path, many, routed, P, documents_fingerprint(many), progress=lambda m, _: said.append(m))
    used, idle = (bulk, fast) if bulk_used else (fast, bulk)
    assert used.calls > 64 and idle.calls == 0  # more than one progress step, all on one runtime
    assert any("in bulk" in m for m in said) is bulk_used  # the wait for torch is announced
