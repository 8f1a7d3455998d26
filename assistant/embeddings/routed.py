"""Queries and small builds on ONNX Runtime, large builds on torch in bfloat16.

Each runtime wins where the other loses (2 cores, measured): ONNX Runtime
starts in about 1 s against 8-9 s for importing torch and
sentence-transformers and building the model, and embeds a query in 0.03 s;
but on a long run of 700-character passages torch under bfloat16 autocast
embeds 6.2 passages/s against ONNX Runtime's 4.5 in float32. So a build
of at least ``threshold`` texts (about where the start-up is paid back)
goes to torch, when it is installed, and everything else stays on ONNX.

The two agree to a cosine of 0.99997 on average, with the same XQuAD hit@1
and MRR (evals/results/embedding-dtype-2026-11-28.md), so vectors from
either may share one index: the fingerprint names the model and prompts,
not the runtime.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from assistant.embeddings.base import Embedder, Vector, WrappedEmbedder
from assistant.errors import ModelError


class RoutedEmbedder(WrappedEmbedder):
    """Identity (name, fingerprint, dimension) is the fast runtime's: both give the same vectors."""

    def __init__(self, fast: Embedder, bulk: Callable[[], Embedder], threshold: int) -> None:
        super().__init__(fast)
        self._fast = fast
        self._bulk_factory: Callable[[], Embedder] | None = bulk
        self._bulk: Embedder | None = None
        self._threshold = threshold
        self._lock = threading.Lock()

    def bulk(self) -> Embedder:
        """The bulk runtime, loaded on first use; the fast one if torch cannot load."""
        with self._lock:
            if self._bulk is None and self._bulk_factory is not None:
                try:
                    self._bulk = self._bulk_factory()
                except ModelError:
                    self._bulk_factory = None  # not installed or unloadable: stay on the fast runtime
            return self._bulk or self._fast

    def loads_bulk(self, count: int) -> bool:
        """Would a build of ``count`` texts first have to load the bulk runtime (about 10 s)?"""
        unloaded = self._bulk is None and self._bulk_factory is not None
        return unloaded and bool(self._threshold) and count >= self._threshold

    def pick(self, count: int) -> Embedder:
        """The runtime for a build of ``count`` texts (which may arrive in several calls)."""
        return self.bulk() if self._threshold and count >= self._threshold else self._fast

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self.pick(len(texts)).embed_documents(texts)

    def embed_query(self, text: str) -> Vector:
        return self._fast.embed_query(text)
