"""The systems under test in the retrieval benchmark, behind one interface.

A ``Searcher`` turns a question into ranked passage spans and its own
search time, so the harness and the scoring treat our three retriever
modes and the llama-index quickstart (``naive.quickstart_searcher``) alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.embeddings.base import Embedder, Vector, WrappedEmbedder
from assistant.evaluation.gold import Span

if TYPE_CHECKING:  # the retriever pulls in Chroma; import it only when running
    from assistant.retrieval.retriever import HybridRetriever, Mode

K = 10
SYSTEMS = ("bm25", "dense", "hybrid", "quickstart")
SYSTEM_LABELS = {
    "bm25": "BM25 only",
    "dense": "dense only",
    "hybrid": "hybrid (ours)",
    "quickstart": "llama-index quickstart (top-2)†",
}


class QueryClock(WrappedEmbedder):
    """An embedder that embeds each question once and remembers how long it took.

    All four systems embed the same question text with the same model; the
    clock lets them share one embedding and still report a latency that
    includes it (see ``bench_retrieval``).  Documents pass through.
    """

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self._vectors: dict[str, Vector] = {}
        self.ms: dict[str, float] = {}

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Vector:
        vec = self._vectors.get(text)
        if vec is None:
            t = time.perf_counter()
            vec = self.inner.embed_query(text)
            self.ms[text] = (time.perf_counter() - t) * 1000
            self._vectors[text] = vec
        return vec


@dataclass
class Outcome:
    """What one system returned for one question."""

    spans: list[Span]
    ms: float
    evidence: float | None = None
    bm25_ms: float | None = None


class Searcher:
    """A system under test: question in, ranked passage spans out."""

    def __init__(self, name: str, search: Callable[[str], Outcome]) -> None:
        self.name = name
        self.search = search


def our_searchers(retriever: HybridRetriever) -> list[Searcher]:
    """BM25, dense and hybrid: the three modes of one ``HybridRetriever``."""

    def make(mode: Mode) -> Searcher:
        def search(question: str) -> Outcome:
            t = time.perf_counter()
            r = retriever.retrieve(question, k=K, mode=mode)
            ms = (time.perf_counter() - t) * 1000
            spans = [(h.chunk.source, h.chunk.start, h.chunk.end) for h in r.hits]
            return Outcome(spans, ms, r.evidence, r.timings_ms.get("bm25"))

        return Searcher(mode, search)

    return [make("bm25"), make("dense"), make("hybrid")]
