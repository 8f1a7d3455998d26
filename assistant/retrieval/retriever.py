"""Hybrid retrieval: dense (EmbeddingGemma via Chroma) + BM25, fused on scores.

How the hybrid score is built, and why (numbers: XQuAD dev, 120 German
paragraphs, 612 questions per language, hit@1; the record of what was
tried, kept and dropped is ``evals/results/retrieval-tuning.md``):

1. **Dense evidence** = ``(1 - sentence_weight)`` x chunk cosine +
   ``sentence_weight`` x cosine of the chunk's best sentence.  A chunk
   vector blurs several sentences; the best sentence catches the question
   that one sentence answers (dense alone: de 0.938 -> 0.954, en 0.948 ->
   0.959).
2. **BM25** is divided by the best BM25 score among the candidates, so it
   is in [0, 1] whatever the query, and added with a weight that depends
   on the question's language: ``bm25_weight`` when it is the corpus
   language, ``cross_lingual_bm25_weight`` otherwise.  An English question
   shares only names and numbers with a German passage, so BM25 is mostly
   noise there (one weight for both: en 0.959 -> 0.948).  Score fusion
   beat reciprocal-rank fusion: on the same chunk-only dense ranking the
   best RRF (k 5..60, several weights) reached de 0.940 / en 0.948, score
   fusion de 0.951 / en 0.949.  RRF throws away *how much* better the
   dense top hit is, so a chunk that BM25 ranks first on one shared word
   overtakes a clear dense winner.  ``fusion: rrf`` keeps it for comparison.
3. A small **lead bonus** on each document's first chunk for questions
   about the document itself (author, date, publisher; see ``signals``).

Chunks that only BM25 found have no chunk cosine from Chroma; they get the
lowest cosine of the dense candidates, an upper bound of their true one,
so a strong keyword match is not buried by a missing value.  Contained
duplicates (a chunk inside a higher-ranked chunk of the same source, or the
same text twice) are dropped so that they do not use up a slot of ``k``.

"Nothing relevant" is decided on the best dense evidence (1.), a score
comparable across questions, against ``min_dense_score``; the threshold is
calibrated on eval data (``assistant/retrieval/calibration.json``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from assistant.answer.facts import NameBook
from assistant.answer.lang import detect_language, document_language
from assistant.config import RetrievalSettings
from assistant.embeddings.base import Embedder, Vector
from assistant.errors import ConfigError
from assistant.indexing import LoadedIndex
from assistant.retrieval.base import Retrieval
from assistant.retrieval.fusion import rrf
from assistant.retrieval.rerank import NoopReranker, Reranker
from assistant.retrieval.signals import best_sentence_scores, is_document_question
from assistant.summaries import DocumentSummary
from assistant.types import Chunk, Hit

Mode = Literal["hybrid", "dense", "bm25"]


def _check(settings: RetrievalSettings) -> None:
    """Reject weights that would silently turn the fusion upside down."""
    weights = {
        "dense_weight": settings.dense_weight,
        "bm25_weight": settings.bm25_weight,
        "cross_lingual_bm25_weight": settings.cross_lingual_bm25_weight,
        "lead_weight": settings.lead_weight,
    }
    for name, value in weights.items():
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"Invalid setting retrieval.{name}: must be a non-negative number, got {value}")
    if not 0.0 <= settings.sentence_weight <= 1.0:
        share = settings.sentence_weight
        raise ConfigError(f"Invalid setting retrieval.sentence_weight: must be in [0, 1], got {share}")
    if settings.candidates < 1 or settings.top_k < 1:
        raise ConfigError("Invalid setting retrieval.candidates/top_k: must be at least 1")


def drop_duplicates(hits: Sequence[Hit]) -> list[Hit]:
    """Drop hits that add no text to a better-ranked hit.

    A chunk lying inside a better chunk of the same source (the chunker can
    emit a sentence-overlap tail that is wholly contained in its
    neighbour), or with the same clean text as one (a document indexed
    twice), would only take a slot in the top ``k``.
    """
    kept: list[Hit] = []
    texts: set[str] = set()
    for hit in hits:
        c = hit.chunk
        if c.clean in texts:
            continue
        if any(k.chunk.source == c.source and k.chunk.start <= c.start and c.end <= k.chunk.end for k in kept):
            continue
        kept.append(hit)
        texts.add(c.clean)
    return kept


def _chunks_by_source(index: LoadedIndex) -> dict[str, tuple[Chunk, ...]]:
    """Each document's chunks in reading order, grouped once: a summary or a document view asks for one
    source's chunks, and scanning every chunk per question grows with the corpus."""
    grouped: dict[str, list[Chunk]] = {}
    for c in index.chunks.values():
        grouped.setdefault(c.source, []).append(c)
    return {s: tuple(sorted(cs, key=lambda c: c.order)) for s, cs in grouped.items()}


class HybridRetriever:
    """Dense + BM25 search over one loaded index; see the module docstring.

    ``mode`` "dense" and "bm25" return one retriever's ranking alone (the
    baselines of the benchmark); relevance is judged the same way in every
    mode, so switching modes never changes what counts as "nothing found".
    """

    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        settings: RetrievalSettings,
        *,
        reranker: Reranker | None = None,
    ) -> None:
        _check(settings)
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.reranker = reranker or NoopReranker()
        self.languages = _document_languages(index)
        self._leads = _lead_chunks(index)
        self._by_source = _chunks_by_source(index)

    # -- what the answer pipeline reads besides the hits (the Retriever protocol) --
    def embed_query(self, text: str) -> Vector:
        return self.embedder.embed_query(text)

    @property
    def sentence_vectors(self) -> Mapping[str, np.ndarray]:
        return self.index.sentence_vectors

    def chunk_texts(self) -> list[str]:
        return [c.clean for c in self.index.chunks.values()]

    def name_book(self) -> NameBook:
        """The corpus's names: the build's saved ones (each source's, joined), else found in every chunk."""
        saved = self.index.names
        if saved and set(saved) >= {c.source for c in self.index.chunks.values()}:
            return NameBook(frozenset(n for names in saved.values() for n in names))
        return NameBook.from_texts(self.chunk_texts())

    def summary(self, source: str) -> DocumentSummary | None:
        return self.index.summaries.get(source)

    def chunks(self, source: str | None = None) -> list[Chunk]:
        if source is None:
            return [c for s in sorted(self._by_source) for c in self._by_source[s]]
        return list(self._by_source.get(source, ()))

    def bm25_weight(self, language: str, source: str | None = None) -> float:
        """BM25's weight for a question in ``language`` on a chunk of ``source`` (default: the corpus's main
        language): full within one language, small across two, since they then share only names and numbers."""
        s = self.settings
        doc = self.languages.get(source, self.main_language) if source is not None else self.main_language
        return s.bm25_weight if language == doc else s.cross_lingual_bm25_weight

    @property
    def main_language(self) -> str:
        """The language most of the corpus's documents are in."""
        values = list(self.languages.values())
        return max(set(values), key=values.count) if values else "de"

    def retrieve(
        self, query: str, k: int | None = None, mode: Mode = "hybrid", language: str | None = None
    ) -> Retrieval:
        start = time.perf_counter()
        k = k or self.settings.top_k
        n = max(self.settings.candidates, k)
        lang = language or detect_language(query)
        timings: dict[str, float] = {}
        keyword: list[tuple[str, float]] = []
        # Dense runs in every mode: its evidence also decides relevance.
        t = time.perf_counter()
        vec = self.embedder.embed_query(query)
        timings["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        dense = self.index.store.query(vec, n)
        timings["dense"] = (time.perf_counter() - t) * 1000
        if mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            keyword = [(cid, s) for cid, s in self.index.bm25.search(query, n) if cid in self.index.chunks]
            timings["bm25"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        scorer = _Scorer(self, np.asarray(vec, dtype=np.float32), dense, keyword)
        if mode == "hybrid" and self.settings.lead_weight > 0 and is_document_question(query):
            scorer.add_leads(self._leads)
        if mode == "dense":
            hits = [scorer.hit(h.chunk.chunk_id, h.score) for h in dense]
        elif mode == "bm25":
            hits = [scorer.hit(cid, s) for cid, s in keyword]
        elif self.settings.fusion == "rrf":
            hits = self._rrf(scorer, dense, keyword, lang)
        else:
            weights = {source: self.bm25_weight(lang, source) for source in self.languages}
            hits = scorer.fused(self.settings.dense_weight, weights, self.bm25_weight(lang), self.settings.lead_weight)
        hits = self.reranker.rerank(query, drop_duplicates(hits))[:k]
        timings["fuse"] = (time.perf_counter() - t) * 1000
        evidence = scorer.evidence()
        top_dense = dense[0].score if dense else 0.0
        relevant = evidence >= self.settings.min_dense_score
        timings["total"] = (time.perf_counter() - start) * 1000
        return Retrieval(query, hits, lang, relevant, top_dense, timings, evidence)

    def _rrf(self, scorer: _Scorer, dense: Sequence[Hit], keyword: Sequence[tuple[str, float]], lang: str) -> list[Hit]:
        fused = rrf(
            [[h.chunk.chunk_id for h in dense], [cid for cid, _ in keyword]],
            weights=[self.settings.dense_weight, self.bm25_weight(lang)],
            k=self.settings.rrf_k,
        )
        return [scorer.hit(cid, s) for cid, s in fused]


def _document_languages(index: LoadedIndex) -> dict[str, str]:
    """Source -> the language of its text, detected from its first chunks: a corpus may mix languages."""
    texts: dict[str, list[str]] = {}
    for chunk in sorted(index.chunks.values(), key=lambda c: (c.source, c.order)):
        parts = texts.setdefault(chunk.source, [])
        if sum(len(p) for p in parts) < 4000:
            parts.append(chunk.clean)
    return {source: document_language(" ".join(parts)) for source, parts in texts.items()}


def _lead_chunks(index: LoadedIndex) -> dict[str, str]:
    """Source -> id of its first chunk (lowest ``order``): where a byline is."""
    leads: dict[str, tuple[int, str]] = {}
    for cid, chunk in index.chunks.items():
        best = leads.get(chunk.source)
        if best is None or chunk.order < best[0]:
            leads[chunk.source] = (chunk.order, cid)
    return {source: cid for source, (_, cid) in leads.items()}


class _Scorer:
    """The candidates of one query and their dense, sentence and BM25 scores."""

    def __init__(
        self,
        retriever: HybridRetriever,
        query: np.ndarray,
        dense: Sequence[Hit],
        keyword: Sequence[tuple[str, float]],
    ) -> None:
        self._chunks = retriever.index.chunks
        self._sentences = retriever.index.sentence_vectors
        self._query = query
        self._share = retriever.settings.sentence_weight
        self.cosine = {h.chunk.chunk_id: h.score for h in dense if h.chunk.chunk_id in self._chunks}
        self.bm25 = dict(keyword)
        self.dense_ids = list(self.cosine)
        # Candidates in a fixed order (dense rank, then BM25 rank) so ties
        # resolve the same way every time.
        self.ids = list(dict.fromkeys([*self.dense_ids, *(cid for cid, _ in keyword)]))
        self._floor = min(self.cosine.values()) if self.cosine else 0.0
        self._best_sentence = best_sentence_scores(query, self.ids, self._sentences)
        self._leads: set[str] = set()

    def add_leads(self, leads: dict[str, str]) -> None:
        """Make the first chunk of every candidate's document a candidate too."""
        sources = {self._chunks[cid].source for cid in self.ids}
        extra = [leads[s] for s in sorted(sources) if s in leads]
        self._leads = set(extra)
        new = [cid for cid in extra if cid not in self.ids]
        self.ids.extend(new)
        self._best_sentence.update(best_sentence_scores(self._query, new, self._sentences))

    def dense_evidence(self, cid: str) -> float:
        chunk = self.cosine.get(cid, self._floor)
        sentence = self._best_sentence.get(cid, chunk)
        return (1.0 - self._share) * chunk + self._share * sentence

    def evidence(self) -> float:
        """Best dense evidence among the chunks the vector store returned."""
        return max((self.dense_evidence(cid) for cid in self.dense_ids), default=0.0)

    def hit(self, cid: str, score: float) -> Hit:
        return Hit(self._chunks[cid], score, self.cosine.get(cid), self.bm25.get(cid))

    def fused(
        self, dense_weight: float, bm25_weights: dict[str, float], bm25_default: float, lead_weight: float
    ) -> list[Hit]:
        """Dense evidence plus BM25 (weighted by the language of each chunk's document) plus the lead bonus."""
        top_bm25 = max(self.bm25.values(), default=0.0)
        scores: dict[str, float] = {}
        for cid in self.ids:
            score = dense_weight * self.dense_evidence(cid)
            if top_bm25 > 0:
                weight = bm25_weights.get(self._chunks[cid].source, bm25_default)
                score += weight * self.bm25.get(cid, 0.0) / top_bm25
            if cid in self._leads:
                score += lead_weight
            scores[cid] = score
        order = sorted(self.ids, key=lambda cid: -scores[cid])  # stable: ties keep candidate order
        return [self.hit(cid, scores[cid]) for cid in order]
