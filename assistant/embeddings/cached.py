"""What every real embedding runtime shares: length-sorted batches, a query cache, unit vectors.

The runtimes (torch through sentence-transformers, ONNX Runtime) differ
only in how one batch of prompted texts becomes vectors. Documents are
sorted by length first, so that each batch pads to similar lengths;
queries are cached, because users repeat and rephrase questions and the
UI re-asks on a backend switch.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from assistant.embeddings.base import Embedder, Vector, quiet


def unit_rows(arr: np.ndarray) -> list[Vector]:
    """Renormalise in float32: reduced-precision runs leave vectors slightly off unit length."""
    vecs = np.asarray(arr, dtype=np.float32)
    vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    return [row.tolist() for row in vecs]


class CachedEmbedder:
    """Base class: subclasses implement ``_encode`` for one list of texts and one prompt."""

    def __init__(
        self, *, name: str, fingerprint: str, query_prompt: str, document_prompt: str, cache_size: int
    ) -> None:
        self._name = name
        self._fingerprint = fingerprint
        self._qp = query_prompt
        self._dp = document_prompt
        self._cache: OrderedDict[str, Vector] = OrderedDict()
        self._cache_size = cache_size

    @property
    def name(self) -> str:
        return self._name

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    def warm_up(self) -> None:
        """Nothing to do: the model is open once this object exists."""

    def runtime(self, count: int, announce: Callable[[str], None] = quiet) -> Embedder:
        return self

    @property
    def dim(self) -> int:
        raise NotImplementedError

    def _encode(self, texts: Sequence[str], prompt: str, *, documents: bool) -> list[Vector]:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vecs = self._encode([texts[i] for i in order], self._dp, documents=True)
        out: list[Vector] = [[] for _ in texts]
        for pos, i in enumerate(order):
            out[i] = vecs[pos]
        return out

    def embed_query(self, text: str) -> Vector:
        hit = self._cache.get(text)
        if hit is not None:
            self._cache.move_to_end(text)
            return hit
        vec = self._encode([text], self._qp, documents=False)[0]
        self._cache[text] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vec
