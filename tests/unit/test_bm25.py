"""BM25Store: ranking on German text, persistence, and damage on load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import IndexError_
from assistant.retrieval.bm25 import BM25Store

TEXTS = {
    "haushalt": "Deutschland erhöht den Verteidigungshaushalt auf 124 Milliarden Euro "
    "und erreicht das 3,5-Prozent-Ziel vorzeitig.",
    "drohnen": "Deutschland und die Ukraine produzieren gemeinsam weitreichende Drohnen.",
    "island": "Island ist der Maritimen Sicherheitspartnerschaft im Nord-Atlantik beigetreten.",
    "patriot": "Eine Instandsetzungseinrichtung für Patriot PAC-3-Flugabwehrraketen wird in Europa aufgebaut.",
    "pazifik": "Auch Australien, Japan, Südkorea und Neuseeland nahmen am Gipfel teil.",
    "p8a": "Deutschland und Dänemark kooperieren beim Einsatz der Seefernaufklärer P-8A.",
}


@pytest.fixture(scope="module")
def store() -> BM25Store:
    return BM25Store.build(list(TEXTS), list(TEXTS.values()))


def _top(store: BM25Store, query: str) -> str:
    hits = store.search(query, 3)
    assert hits, query
    return hits[0][0]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Wie hoch ist der Verteidigungshaushalt?", "haushalt"),
        ("Wer produziert die Drohne?", "drohnen"),
        ("Welche Rolle spielt Island?", "island"),
        ("PAC-3", "patriot"),
        ("P8A", "p8a"),
        ("124", "haushalt"),
        ("3,5 Prozent", "haushalt"),
    ],
)
def test_right_text_ranks_first(store: BM25Store, query: str, expected: str) -> None:
    assert _top(store, query) == expected


def test_spelling_without_umlaut_still_hits(store: BM25Store) -> None:
    assert _top(store, "Suedkorea") == "pazifik"
    assert _top(store, "Sudkorea") == "pazifik"
    assert _top(store, "Daenemark") == "p8a"


def test_results_are_sorted_positive_and_clipped(store: BM25Store) -> None:
    hits = store.search("Deutschland", 100)
    assert [i for i, _ in hits] and len(hits) <= len(store)
    scores = [s for _, s in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)
    assert {i for i, _ in hits} == {"haushalt", "drohnen", "p8a"}
    assert len(store.search("Deutschland", 1)) == 1


@pytest.mark.parametrize("query", ["", "   ", "der die das und ist", "What is the", "Xylophon"])
def test_queries_without_known_terms_return_nothing(store: BM25Store, query: str) -> None:
    assert store.search(query, 5) == []


def test_non_positive_k(store: BM25Store) -> None:
    assert store.search("Drohnen", 0) == []
    assert store.search("Drohnen", -3) == []


def test_len(store: BM25Store) -> None:
    assert len(store) == len(TEXTS)


def test_build_validates_input() -> None:
    with pytest.raises(ValueError, match="ids"):
        BM25Store.build(["a"], ["x", "y"])
    with pytest.raises(ValueError, match="unique"):
        BM25Store.build(["a", "a"], ["x", "y"])


def test_corpus_without_terms_matches_nothing(tmp_path: Path) -> None:
    empty = BM25Store.build(["a", "b"], ["und der", "?!"])
    assert empty.search("und Drohnen", 5) == []
    empty.save(tmp_path / "bm25")
    loaded = BM25Store.load(tmp_path / "bm25")
    assert len(loaded) == 2
    assert loaded.search("Drohnen", 5) == []


QUERIES = ["Verteidigungshaushalt 124", "Drohnen Ukraine", "PAC-3", "Südkorea", "Deutschland"]


def test_save_load_round_trip(store: BM25Store, tmp_path: Path) -> None:
    store.save(tmp_path / "bm25")
    loaded = BM25Store.load(tmp_path / "bm25")
    assert len(loaded) == len(store)
    for query in QUERIES:
        assert loaded.search(query, 6) == store.search(query, 6)


def test_load_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="assistant index --rebuild"):
        BM25Store.load(tmp_path / "nope")


def test_load_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="assistant index --rebuild"):
        BM25Store.load(tmp_path)


def _saved(store: BM25Store, tmp_path: Path) -> Path:
    directory = tmp_path / "bm25"
    store.save(directory)
    return directory


def test_load_corrupt_manifest(store: BM25Store, tmp_path: Path) -> None:
    directory = _saved(store, tmp_path)
    (directory / "bm25_store.json").write_text("{not json", "utf-8")
    with pytest.raises(IndexError_, match="assistant index --rebuild"):
        BM25Store.load(directory)


def test_load_stale_analyzer(store: BM25Store, tmp_path: Path) -> None:
    directory = _saved(store, tmp_path)
    manifest = json.loads((directory / "bm25_store.json").read_text("utf-8"))
    manifest["analyzer"] = "something-older"
    (directory / "bm25_store.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexError_, match="analyzer"):
        BM25Store.load(directory)


@pytest.mark.parametrize(
    "victim", ["data.csc.index.npy", "indptr.csc.index.npy", "vocab.index.json", "params.index.json"]
)
def test_load_missing_or_truncated_file(store: BM25Store, tmp_path: Path, victim: str) -> None:
    directory = _saved(store, tmp_path)
    (directory / victim).write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(IndexError_, match="assistant index --rebuild"):
        BM25Store.load(directory)
    (directory / victim).unlink()
    with pytest.raises(IndexError_, match="assistant index --rebuild"):
        BM25Store.load(directory)


def test_load_mismatched_ids(store: BM25Store, tmp_path: Path) -> None:
    directory = _saved(store, tmp_path)
    manifest = json.loads((directory / "bm25_store.json").read_text("utf-8"))
    manifest["ids"] = manifest["ids"][:-1]
    (directory / "bm25_store.json").write_text(json.dumps(manifest), "utf-8")
    with pytest.raises(IndexError_, match="rows"):
        BM25Store.load(directory)


def test_load_out_of_range_matrix(store: BM25Store, tmp_path: Path) -> None:
    directory = _saved(store, tmp_path)
    indices = np.load(directory / "indices.csc.index.npy")
    np.save(directory / "indices.csc.index.npy", indices + 1000)
    with pytest.raises(IndexError_, match="damaged"):
        BM25Store.load(directory)
