"""Hybrid retrieval: dense (EmbeddingGemma via Chroma) + BM25, fused by RRF.

Naive fusion hurts cross-lingual questions: BM25 over German text finds
little for an English question and its noise drags good dense hits down.
So BM25's weight depends on the question's language (full weight when it
matches the corpus language, ``cross_lingual_bm25_weight`` otherwise).

"Nothing relevant" is decided on the best dense cosine, the one score that
is comparable across questions; the threshold is calibrated on eval data
(see ``assistant/retrieval/calibration.json`` and the README).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from assistant.answer.lang import detect_language
from assistant.config import RetrievalSettings
from assistant.embeddings.base import Embedder
from assistant.indexing import LoadedIndex
from assistant.retrieval.fusion import rrf
from assistant.retrieval.rerank import NoopReranker, Reranker
from assistant.types import Hit

Mode = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True)
class Retrieval:
    query: str
    hits: list[Hit]
    language: str
    relevant: bool
    top_dense: float
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    def __init__(
        self,
        index: LoadedIndex,
        embedder: Embedder,
        settings: RetrievalSettings,
        *,
        reranker: Reranker | None = None,
        corpus_language: str = "de",
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self.reranker = reranker or NoopReranker()
        self.corpus_language = corpus_language

    def bm25_weight(self, language: str) -> float:
        s = self.settings
        return s.bm25_weight if language == self.corpus_language else s.cross_lingual_bm25_weight

    def retrieve(
        self, query: str, k: int | None = None, mode: Mode = "hybrid", language: str | None = None
    ) -> Retrieval:
        k = k or self.settings.top_k
        n = max(self.settings.candidates, k)
        lang = language or detect_language(query)
        timings: dict[str, float] = {}
        keyword: list[tuple[str, float]] = []
        # Dense runs in every mode: its top cosine also decides relevance.
        t = time.perf_counter()
        vec = self.embedder.embed_query(query)
        timings["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        dense = self.index.store.query(vec, n)
        timings["dense"] = (time.perf_counter() - t) * 1000
        if mode in ("hybrid", "bm25"):
            t = time.perf_counter()
            keyword = self.index.bm25.search(query, n)
            timings["bm25"] = (time.perf_counter() - t) * 1000
        top_dense = dense[0].score if dense else 0.0
        hits = self._combine(mode, dense, keyword, lang)
        hits = self.reranker.rerank(query, hits)[:k]
        relevant = top_dense >= self.settings.min_dense_score
        timings["total"] = sum(v for key, v in timings.items() if key != "total")
        return Retrieval(query, hits, lang, relevant, top_dense, timings)

    def _combine(self, mode: Mode, dense: Sequence[Hit], keyword: Sequence[tuple[str, float]], lang: str) -> list[Hit]:
        by_id = {h.chunk.chunk_id: h for h in dense}
        bm25_scores = dict(keyword)
        chunks = self.index.chunks

        def make(cid: str, score: float) -> Hit:
            d = by_id.get(cid)
            return Hit(chunks[cid], score, d.dense_score if d else None, bm25_scores.get(cid))

        if mode == "dense":
            return [make(h.chunk.chunk_id, h.score) for h in dense]
        if mode == "bm25":
            return [make(cid, s) for cid, s in keyword if cid in chunks]
        fused = rrf(
            [[h.chunk.chunk_id for h in dense], [cid for cid, _ in keyword if cid in chunks]],
            weights=[self.settings.dense_weight, self.bm25_weight(lang)],
            k=self.settings.rrf_k,
        )
        return [make(cid, s) for cid, s in fused]
