"""The retrieval seam: what the Assistant needs from a retriever, and what one returns.

Why a Protocol: the answer pipeline needs more than ranked hits (the
sentence vectors to pick quotes with, the query's embedding, the chunk
texts to learn names from), and asking the retriever for them, instead of
reaching through it into the index and the embedder, lets another retriever
(a fake in a test, a different store) stand in for :class:`HybridRetriever`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from assistant.embeddings.base import Vector
from assistant.summaries import DocumentSummary
from assistant.types import Chunk, Hit


@dataclass(frozen=True)
class Retrieval:
    """What one question retrieved, and whether any of it looks relevant.

    ``top_dense`` is the best chunk cosine from the vector store; ``evidence``
    is the best dense evidence (chunk and best-sentence cosine mixed), the
    value that ``relevant`` compares with ``min_dense_score``.
    """

    query: str
    hits: list[Hit]
    language: str
    relevant: bool
    top_dense: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    evidence: float = 0.0


@runtime_checkable
class Retriever(Protocol):
    def retrieve(self, query: str, k: int | None = None) -> Retrieval: ...

    def embed_query(self, text: str) -> Vector:
        """The query's embedding, as retrieval computed it (an embedder caches it: no second model call)."""
        ...

    @property
    def sentence_vectors(self) -> Mapping[str, np.ndarray]:
        """Chunk id -> (n_sentences, dim) unit vectors, in sentence order."""
        ...

    def chunk_texts(self) -> list[str]:
        """The clean text of every indexed chunk."""
        ...

    def summary(self, source: str) -> DocumentSummary | None:
        """The summary built with the index for ``source`` (``assistant.summaries``), if any."""
        ...

    def chunks(self, source: str | None = None) -> list[Chunk]:
        """Every indexed chunk (of ``source`` only, if given), in reading order: a summary reads a whole document."""
        ...
