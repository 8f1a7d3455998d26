"""HybridRetriever on a small index built with the hash embedder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from assistant.config import RetrievalSettings
from assistant.embeddings.base import Vector, WrappedEmbedder
from assistant.embeddings.fake import HashEmbedder
from assistant.errors import ConfigError
from assistant.indexing import LoadedIndex, build_index, documents_fingerprint, open_index
from assistant.ingest.chunk import ChunkParams
from assistant.retrieval.base import Retriever
from assistant.retrieval.fusion import rrf
from assistant.retrieval.retriever import HybridRetriever, drop_duplicates
from assistant.retrieval.signals import best_sentence_scores, is_document_question
from assistant.types import Chunk, Document, Hit

if TYPE_CHECKING:
    from tests.unit.conftest import IndexedDoc

BYLINE = "8.7.2026 - Lara Finke | Bundesministerium für Verteidigung"
DOCS = [
    Document(
        "d1",
        "corpus/gipfel.txt",
        f"{BYLINE}\n\nDie Partner trafen sich in Ankara zum Gipfel. Das Treffen dauerte zwei Tage.\n\n"
        "Deutschland erhöht den Verteidigungshaushalt auf 124 Milliarden Euro. Andere Partner folgen.\n\n"
        "Island ist der Maritimen Sicherheitspartnerschaft beigetreten. Die Partnerschaft schützt den Nordatlantik.",
        {"title": "NATO-Gipfel"},
    ),
    Document(
        "d2",
        "corpus/brot.txt",
        "Brot wird aus Mehl, Wasser und Hefe gebacken. Der Teig muss eine Stunde ruhen.\n\n"
        "Sauerteig gibt dem Brot einen kräftigen Geschmack.",
        {"title": "Backen"},
    ),
    Document(
        "d3",
        "corpus/drohnen.txt",
        "Die NATO beschafft fünf Triton-Drohnen vom Typ MQ-4C. Sie überwachen den Nordatlantik.",
        {"title": "Drohnen"},
    ),
]
# No score is ever exactly 0 or 1 with these texts; the thresholds bracket all of them.
ALWAYS = -1.0
NEVER = 2.0


def _settings(**over: Any) -> RetrievalSettings:
    base: dict[str, Any] = {"min_dense_score": 0.0}
    base.update(over)
    return RetrievalSettings(**base)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LoadedIndex:
    directory = tmp_path_factory.mktemp("retriever-index")
    build_index(directory, DOCS, HashEmbedder(dim=64), ChunkParams(), documents_fingerprint(DOCS))
    return open_index(directory, None)


def _retriever(index: LoadedIndex, **over: Any) -> HybridRetriever:
    return HybridRetriever(index, HashEmbedder(dim=64), _settings(**over))


def _on(doc: IndexedDoc, **over: Any) -> HybridRetriever:
    """A retriever with these settings on a shared document index (``indexed_doc``: the summit, the library)."""
    return HybridRetriever(doc.retriever.index, doc.retriever.embedder, _settings(**over))


def _ids(hits: list[Hit]) -> list[str]:
    return [h.chunk.chunk_id for h in hits]


# -- modes ---------------------------------------------------------------------


def test_dense_mode_ranks_by_chunk_cosine(indexed_doc: IndexedDoc) -> None:
    retriever = _on(indexed_doc)
    r = retriever.retrieve(indexed_doc.keywords, k=10, mode="dense")
    scores = [h.score for h in r.hits]
    assert len(scores) > 1 and scores == sorted(scores, reverse=True)
    assert all(h.score == h.dense_score and h.bm25_score is None for h in r.hits)
    assert r.top_dense == pytest.approx(scores[0])
    # The score is the cosine of the query's vector with the chunk's stored vector.
    query = np.asarray(retriever.embed_query(indexed_doc.keywords))
    stored = retriever.index.store.vectors(_ids(r.hits))
    for h in r.hits:
        assert h.score == pytest.approx(float(query @ np.asarray(stored[h.chunk.chunk_id])), abs=1e-5)


def test_bm25_mode_returns_only_keyword_matches(index: LoadedIndex) -> None:
    r = _retriever(index).retrieve("Sauerteig", k=10, mode="bm25")
    assert len(r.hits) == 1
    assert "Sauerteig" in r.hits[0].chunk.clean
    assert r.hits[0].score == r.hits[0].bm25_score
    assert "bm25" in r.timings_ms


def test_hybrid_takes_candidates_from_both(index: LoadedIndex) -> None:
    retriever = _retriever(index)
    query = "Island Sicherheitspartnerschaft"
    hybrid = set(_ids(retriever.retrieve(query, k=50).hits))
    dense = set(_ids(retriever.retrieve(query, k=50, mode="dense").hits))
    keyword = set(_ids(retriever.retrieve(query, k=50, mode="bm25").hits))
    assert hybrid == dense | keyword
    assert "Island" in retriever.retrieve(query, k=1).hits[0].chunk.clean


def test_k_limits_hits_and_defaults_to_top_k(indexed_doc: IndexedDoc) -> None:
    retriever = _on(indexed_doc, top_k=2)
    query = indexed_doc.keywords
    assert len(retriever.retrieve(query).hits) == 2
    assert len(retriever.retrieve(query, k=1).hits) == 1
    ids = _ids(retriever.retrieve(query, k=50).hits)
    assert len(ids) > 2 and len(ids) == len(set(ids))


SLOW_S = 0.2


class _SlowQueries(WrappedEmbedder):
    """The hash embedder, SLOW_S slower per query: a stage whose duration is known."""

    def embed_query(self, text: str) -> Vector:
        time.sleep(SLOW_S)
        return self.inner.embed_query(text)


def test_timings_are_per_stage_in_milliseconds(indexed_doc: IndexedDoc) -> None:
    retriever = HybridRetriever(indexed_doc.retriever.index, _SlowQueries(indexed_doc.retriever.embedder), _settings())
    t = retriever.retrieve(indexed_doc.keywords).timings_ms
    stages = ("embed", "dense", "bm25", "fuse")
    assert set(t) == {*stages, "total"}
    # The slow query embedding is measured, in milliseconds, and charged to its own stage only.
    assert t["embed"] >= SLOW_S * 1000
    assert max(t["dense"], t["bm25"], t["fuse"]) < t["embed"]
    # The stages run one after another inside the total.
    assert t["total"] >= sum(t[s] for s in stages)
    # A stage that did not run has no timing.
    assert "bm25" not in retriever.retrieve(indexed_doc.keywords, mode="dense").timings_ms


# -- score fusion and language weighting ---------------------------------------


def test_hybrid_score_is_dense_plus_normalised_bm25(index: LoadedIndex) -> None:
    retriever = _retriever(index, sentence_weight=0.0, lead_weight=0.0, bm25_weight=0.3)
    r = retriever.retrieve("Nordatlantik Drohnen", k=50, language="de")
    top_bm25 = max(h.bm25_score or 0.0 for h in r.hits)
    for h in r.hits:
        if h.dense_score is not None:
            expected = h.dense_score + 0.3 * (h.bm25_score or 0.0) / top_bm25
            assert h.score == pytest.approx(expected)


def test_bm25_weight_depends_on_language(index: LoadedIndex) -> None:
    retriever = _retriever(index, sentence_weight=0.0, lead_weight=0.0, bm25_weight=0.3, cross_lingual_bm25_weight=0.0)
    assert retriever.bm25_weight("de") == 0.3
    assert retriever.bm25_weight("en") == 0.0
    query = "Nordatlantik Drohnen"
    german = {h.chunk.chunk_id: h for h in retriever.retrieve(query, k=50, language="de").hits}
    english = retriever.retrieve(query, k=50, language="en")
    assert english.language == "en"
    for h in english.hits:
        if h.dense_score is not None:
            assert h.score == pytest.approx(h.dense_score)  # BM25 switched off
    boosted = [cid for cid, h in german.items() if h.bm25_score]
    assert boosted and all(german[cid].score > score_of(english.hits, cid) for cid in boosted)


def score_of(hits: list[Hit], cid: str) -> float:
    return next(h.score for h in hits if h.chunk.chunk_id == cid)


def test_language_is_detected_when_not_given(index: LoadedIndex) -> None:
    retriever = _retriever(index)
    assert retriever.retrieve("Wie viele Drohnen beschafft die NATO?").language == "de"
    assert retriever.retrieve("How many drones does NATO buy?").language == "en"


def test_rrf_fusion_is_available(index: LoadedIndex) -> None:
    retriever = _retriever(index, fusion="rrf", rrf_k=60, bm25_weight=1.0)
    query = "Triton Drohnen Nordatlantik"
    dense = _ids(retriever.retrieve(query, k=50, mode="dense").hits)
    keyword = _ids(retriever.retrieve(query, k=50, mode="bm25").hits)
    expected = dict(rrf([dense, keyword], k=60))
    for h in retriever.retrieve(query, k=50, language="de").hits:
        assert h.score == pytest.approx(expected[h.chunk.chunk_id])


# -- signals -------------------------------------------------------------------


def test_best_sentence_scores_take_the_closest_sentence() -> None:
    q = np.array([1.0, 0.0], dtype=np.float32)
    vectors = {"a": np.array([[0.0, 1.0], [0.6, 0.8]], dtype=np.float32), "b": np.zeros((0, 2), dtype=np.float32)}
    assert best_sentence_scores(q, ["a", "b", "c"], vectors) == {"a": pytest.approx(0.6)}


def test_sentence_weight_mixes_the_evidence(index: LoadedIndex) -> None:
    query = "Der Teig muss eine Stunde ruhen"
    chunk_only = _retriever(index, sentence_weight=0.0).retrieve(query, k=1)
    sentence_only = _retriever(index, sentence_weight=1.0).retrieve(query, k=1)
    assert chunk_only.evidence == pytest.approx(chunk_only.top_dense)
    # The query is one sentence of a two-sentence chunk: that sentence matches better.
    assert sentence_only.evidence > chunk_only.evidence
    assert sentence_only.evidence == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Wer hat die Pressemitteilung verfasst?", True),
        ("Von welchem Ministerium stammt der Artikel?", True),
        ("wer ist die autorin des artikels", True),
        ("Who wrote the press release?", True),
        ("On what date was the press release published?", True),
        ("Who is the NATO Secretary General mentioned in the text?", False),
        ("Wann wurde das Buch veröffentlicht?", False),
        ("Wie hoch ist der Verteidigungshaushalt?", False),
    ],
)
def test_document_questions(question: str, expected: bool) -> None:
    assert is_document_question(question) is expected


def test_lead_bonus_lifts_the_byline_chunk(index: LoadedIndex) -> None:
    question = "Wer hat den Artikel verfasst?"
    lead = next(c for c in index.chunks.values() if c.source == "corpus/gipfel.txt" and c.order == 0)
    assert BYLINE in lead.clean
    leads = {c.chunk_id for c in index.chunks.values() if c.order == 0}
    boosted = _retriever(index, lead_weight=1.0).retrieve(question, k=50)
    # Every document's first chunk gets the bonus, so they all come first.
    assert set(_ids(boosted.hits[: len(leads)])) == leads
    before = _retriever(index, lead_weight=0.0).retrieve(question, k=50)
    assert score_of(boosted.hits, lead.chunk_id) == pytest.approx(score_of(before.hits, lead.chunk_id) + 1.0)
    # Not a document question: no bonus, whatever the weight.
    plain = _retriever(index, lead_weight=1.0).retrieve("Wer hat den Haushalt erhöht?", k=50)
    unboosted = _retriever(index, lead_weight=0.0).retrieve("Wer hat den Haushalt erhöht?", k=50)
    assert [h.score for h in plain.hits] == [h.score for h in unboosted.hits]


# -- relevance -----------------------------------------------------------------


def test_relevance_follows_the_threshold(indexed_doc: IndexedDoc) -> None:
    query = indexed_doc.keywords
    assert _on(indexed_doc, min_dense_score=ALWAYS).retrieve(query).relevant
    assert not _on(indexed_doc, min_dense_score=NEVER).retrieve(query).relevant
    r = _on(indexed_doc).retrieve(query)
    assert _on(indexed_doc, min_dense_score=r.evidence).retrieve(query).relevant
    assert not _on(indexed_doc, min_dense_score=r.evidence + 1e-6).retrieve(query).relevant


def test_off_topic_question_is_not_relevant(index: LoadedIndex) -> None:
    retriever = _retriever(index, min_dense_score=0.2)
    assert retriever.retrieve("Island Sicherheitspartnerschaft Nordatlantik").relevant
    off = retriever.retrieve("quantum chromodynamics lattice gauge")  # no word in common
    assert not off.relevant
    assert off.evidence < 0.2


def test_relevance_is_the_same_in_every_mode(indexed_doc: IndexedDoc) -> None:
    retriever = _on(indexed_doc)
    for query in (indexed_doc.keywords, indexed_doc.question):
        values = {m: retriever.retrieve(query, mode=m).evidence for m in ("hybrid", "dense", "bm25")}
        assert len(set(values.values())) == 1, values


# -- duplicates and settings ---------------------------------------------------


def _hit(cid: str, source: str, start: int, end: int, text: str) -> Hit:
    return Hit(Chunk(cid, "d", source, "", start, end, text, text), 1.0)


def test_drop_duplicates_removes_contained_and_repeated_chunks() -> None:
    hits = [
        _hit("a", "s1", 0, 100, "A"),
        _hit("inside", "s1", 50, 100, "B"),  # wholly inside "a"
        _hit("other-source", "s2", 50, 100, "C"),
        _hit("overlap", "s1", 90, 150, "D"),  # overlaps but adds text
        _hit("copy", "s3", 0, 10, "C"),  # same text as "other-source"
    ]
    assert _ids(drop_duplicates(hits)) == ["a", "other-source", "overlap"]


def test_retrieve_never_returns_a_chunk_inside_a_better_one(indexed_doc: IndexedDoc) -> None:
    for mode in ("hybrid", "dense", "bm25"):
        hits = _on(indexed_doc).retrieve(indexed_doc.keywords, k=50, mode=mode).hits
        assert hits
        for i, later in enumerate(hits):
            for earlier in hits[:i]:
                c, e = later.chunk, earlier.chunk
                assert not (c.source == e.source and e.start <= c.start and c.end <= e.end)


@pytest.mark.parametrize(
    "over",
    [{"bm25_weight": -0.1}, {"lead_weight": float("nan")}, {"sentence_weight": 1.5}, {"candidates": 0}],
)
def test_bad_settings_are_rejected(index: LoadedIndex, over: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="retrieval"):
        _retriever(index, **over)


def test_defaults_are_the_tuned_values(tmp_path: Path) -> None:
    from assistant.config import load_settings

    s = load_settings(None, **{"paths.root": str(tmp_path)}).retrieval
    assert s.fusion == "score"
    assert (s.bm25_weight, s.cross_lingual_bm25_weight, s.sentence_weight) == (0.15, 0.05, 0.4)
    assert s.min_dense_score == RetrievalSettings().min_dense_score > 0


# -- the Retriever protocol ------------------------------------------------------


def test_hybrid_retriever_is_a_retriever(indexed_doc: IndexedDoc) -> None:
    r = _on(indexed_doc)
    index = r.index
    seam: Retriever = r  # mypy checks the signatures; isinstance only that the members exist
    assert isinstance(seam, Retriever)
    assert seam.sentence_vectors is index.sentence_vectors
    assert sorted(seam.chunk_texts()) == sorted(c.clean for c in index.chunks.values())
    assert seam.embed_query(indexed_doc.question) == HashEmbedder(dim=128).embed_query(indexed_doc.question)


def test_bm25_weight_follows_each_document_language(tmp_path: Path) -> None:
    """A corpus may mix languages: an English question gets full BM25 weight on an English document only."""
    from assistant.indexing import build_index, documents_fingerprint, open_index
    from assistant.ingest.chunk import ChunkParams
    from assistant.types import Document

    docs = [
        Document(
            "de1", "burg.txt", "Die Burg wurde im Jahr 1385 von den Grafen erbaut und ist seit dem Krieg eine Ruine."
        ),
        Document(
            "en1", "museum.txt", "The museum was opened in 1911 and it holds the works of the painters of the city."
        ),
    ]
    emb = HashEmbedder(dim=64)
    build_index(tmp_path, docs, emb, ChunkParams(min_chars=10), documents_fingerprint(docs))
    retriever = HybridRetriever(
        open_index(tmp_path, None), emb, _settings(bm25_weight=0.3, cross_lingual_bm25_weight=0.0)
    )
    assert retriever.languages == {"burg.txt": "de", "museum.txt": "en"}
    assert retriever.bm25_weight("en", "museum.txt") == 0.3
    assert retriever.bm25_weight("en", "burg.txt") == 0.0
    assert retriever.bm25_weight("de", "burg.txt") == 0.3


# -- a document's chunks --------------------------------------------------------


def test_chunks_of_one_source_come_in_reading_order(index: LoadedIndex) -> None:
    retriever = _retriever(index)
    everything = retriever.chunks()
    assert {c.source for c in everything} == {d.source for d in DOCS}
    assert everything == sorted(everything, key=lambda c: (c.source, c.order))
    for doc in DOCS:
        own = retriever.chunks(doc.source)
        assert own and all(c.source == doc.source for c in own)
        assert [c.order for c in own] == sorted(c.order for c in own)
    assert retriever.chunks("corpus/never-indexed.txt") == []
