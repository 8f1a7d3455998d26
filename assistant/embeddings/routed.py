"""Queries and small builds on ONNX Runtime in float32, large builds on a faster bulk runtime.

ONNX Runtime starts in about 1 s and embeds a query in 0.03 s, but on a
long run of 700-character passages it is the slowest way to embed on this
2-core machine (float32: 2.6 XQuAD chunks/s). A build of at least
``threshold`` texts therefore goes to the bulk runtime: by default an int8
copy of the same export (5.3-6.9 chunks/s, open in about 1 s), or torch
under bfloat16 autocast (3.5 chunks/s after a 10 s start).

Against float32 documents, torch's bfloat16 leaves XQuAD retrieval as it
was and the int8 copy loses 4 of 612 English questions at hit@1, none of
the German ones (evals/results/embedding-dtype-2026-11-28.md,
onnx-int8-2026-11-29.md). So vectors from any of them may share one index:
the fingerprint names the model and prompts, not the runtime. Questions
always go to the float32 runtime.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from assistant.embeddings.base import Embedder, Vector, WrappedEmbedder, quiet
from assistant.errors import ModelError


class RoutedEmbedder(WrappedEmbedder):
    """Identity (name, fingerprint, dimension) is the fast runtime's: both give the same vectors."""

    def __init__(self, fast: Embedder, bulk: Callable[[], Embedder], threshold: int, *, note: str = "") -> None:
        super().__init__(fast)
        self.note = note  # what loading the bulk runtime involves, for progress messages
        self._bulk_factory: Callable[[], Embedder] | None = bulk
        self._bulk: Embedder | None = None
        self._threshold = threshold
        self._lock = threading.Lock()

    def bulk(self) -> Embedder:
        """The bulk runtime, loaded on first use; the fast one if it cannot load."""
        with self._lock:
            if self._bulk is None and self._bulk_factory is not None:
                try:
                    self._bulk = self._bulk_factory()
                except ModelError:
                    self._bulk_factory = None  # not installed or unloadable: stay on the fast runtime
            return self._bulk or self.inner

    def loads_bulk(self, count: int) -> bool:
        """Would a build of ``count`` texts first have to load the bulk runtime?"""
        unloaded = self._bulk is None and self._bulk_factory is not None
        return unloaded and bool(self._threshold) and count >= self._threshold

    def pick(self, count: int) -> Embedder:
        """The runtime for a build of ``count`` texts (which may arrive in several calls)."""
        return self.bulk() if self._threshold and count >= self._threshold else self.inner

    def runtime(self, count: int, announce: Callable[[str], None] = quiet) -> Embedder:
        """The runtime is chosen once for a whole build, not per batch of it."""
        if self.loads_bulk(count):
            announce(f"{self.note or 'loading the bulk runtime'} to embed {count} texts in bulk")
        return self.pick(count)

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self.pick(len(texts)).embed_documents(texts)

    def embed_query(self, text: str) -> Vector:
        return self.inner.embed_query(text)
