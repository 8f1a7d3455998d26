"""A deterministic hash embedder for unit tests.

Token hashing into a fixed number of buckets gives vectors where texts that
share words are close, which is enough to test indexing, staleness and
fusion without loading a 300M-parameter model.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence

from assistant.embeddings.base import Embedder, Vector, quiet

_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    def __init__(self, dim: int = 64, salt: str = "") -> None:
        self._dim = dim
        self._salt = salt
        self.calls = 0

    @property
    def name(self) -> str:
        return f"hash-{self._dim}"

    @property
    def fingerprint(self) -> str:
        return f"hash:{self._dim}:{self._salt}"

    @property
    def dim(self) -> int:
        return self._dim

    def _embed(self, text: str) -> Vector:
        vec = [0.0] * self._dim
        for word in _WORD.findall(text.lower()):
            h = int(hashlib.md5((self._salt + word).encode()).hexdigest(), 16)
            vec[h % self._dim] += 1.0 if (h >> 64) & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def warm_up(self) -> None:
        """Nothing to do: the model is open once this object exists."""

    def runtime(self, count: int, announce: Callable[[str], None] = quiet) -> Embedder:
        return self

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        self.calls += len(texts)
        return [self._embed(t) for t in texts]

    def embed_query(self, text: str) -> Vector:
        self.calls += 1
        return self._embed(text)
