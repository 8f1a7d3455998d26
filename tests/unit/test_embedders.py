"""What the real embedding runtimes share (batching order, the query cache) and the export's guard."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.embeddings.base import Vector
from assistant.embeddings.cached import CachedEmbedder
from assistant.embeddings.onnx import read_export
from assistant.embeddings.routed import RoutedEmbedder
from assistant.errors import ModelError


class Recording(CachedEmbedder):
    def __init__(self, cache_size: int = 2) -> None:
        super().__init__(name="rec", fingerprint="fp", query_prompt="q: ", document_prompt="d: ", cache_size=cache_size)
        self.calls: list[list[str]] = []

    def _encode(self, texts: Sequence[str], prompt: str, *, documents: bool) -> list[Vector]:
        self.calls.append([prompt + t for t in texts])
        return [[float(len(t)), 1.0 if documents else 0.0] for t in texts]


def test_documents_are_encoded_shortest_first_and_returned_in_input_order() -> None:
    emb = Recording()
    out = emb.embed_documents(["ccc", "a", "bb"])
    assert emb.calls == [["d: a", "d: bb", "d: ccc"]]
    assert out == [[3.0, 1.0], [1.0, 1.0], [2.0, 1.0]]


def test_queries_are_cached_with_least_recently_used_eviction() -> None:
    emb = Recording(cache_size=2)
    for q in ("x", "y", "x", "z", "x", "y"):
        emb.embed_query(q)
    # "x" stays cached because it was used again; "y" was evicted by "z" and is encoded twice
    assert [c[0] for c in emb.calls] == ["q: x", "q: y", "q: z", "q: y"]


def _export(
    folder: Path,
    source: str = "model:abc",
    files: Sequence[str] = ("model.onnx", "model.onnx.data", "tokenizer.json"),
    weights: dict[str, object] | None = None,
) -> Path:
    folder.mkdir()
    for name in files:
        (folder / name).write_bytes(b"x")
    meta = {"source": source, "max_length": 8}
    meta["weights"] = weights if weights is not None else {"size": 1, "sha256": hashlib.sha256(b"x").hexdigest()}
    (folder / "export.json").write_text(json.dumps(meta))
    return folder


def test_a_complete_export_of_these_weights_is_accepted(tmp_path: Path) -> None:
    assert read_export(_export(tmp_path / "e"), "model:abc")["max_length"] == 8


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "No ONNX export"),
        (lambda p: _export(p, source="model:other"), "made from other weights"),
        (lambda p: _export(p, files=("model.onnx", "tokenizer.json")), "lacks model.onnx.data"),
        (lambda p: _export(p, weights={}), "no checksum"),
        (lambda p: _export(p, weights={"size": 1, "sha256": "0" * 64}), "fails its sha256 check"),
        (lambda p: _export(p, weights={"size": 2, "sha256": "0" * 64}), "has 1 bytes, expected 2"),
    ],
)
def test_a_missing_stale_or_partial_export_is_refused_with_what_to_do(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = make(tmp_path / "e")
    with pytest.raises(ModelError, match=message) as err:
        read_export(folder, "model:abc")
    assert "assistant models fetch" in str(err.value)


def test_large_builds_go_to_the_bulk_runtime_and_queries_never_do() -> None:
    fast, bulk = Recording(), Recording()
    routed = RoutedEmbedder(fast, lambda: bulk, threshold=3)
    routed.embed_documents(["a", "b"])
    routed.embed_documents(["a", "b", "c"])
    routed.embed_query("q")
    assert fast.calls == [["d: a", "d: b"], ["q: q"]]
    assert bulk.calls == [["d: a", "d: b", "d: c"]]


def test_without_the_bulk_runtime_everything_stays_on_the_fast_one() -> None:
    fast = Recording()

    def missing() -> Recording:
        raise ModelError("sentence-transformers is not installed")

    routed = RoutedEmbedder(fast, missing, threshold=1)
    assert routed.embed_documents(["a"]) == [[1.0, 1.0]]
    assert routed.bulk() is fast and fast.calls == [["d: a"]]


def test_damaged_weights_are_caught_after_a_verified_load(tmp_path: Path) -> None:
    folder = _export(tmp_path / "e")
    read_export(folder, "model:abc")  # hashed once, then stamped
    (folder / "model.onnx.data").write_bytes(b"y")  # same size, new content and mtime
    with pytest.raises(ModelError, match="sha256"):
        read_export(folder, "model:abc")
