"""The embedding seam.

Queries and documents are embedded differently (EmbeddingGemma wants a task
prompt on each side), so the protocol has two methods rather than one.
Vectors are L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

Vector = list[float]


@runtime_checkable
class Embedder(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def fingerprint(self) -> str:
        """Changes whenever vectors would change (model file hash, prompts)."""
        ...

    @property
    def dim(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]: ...

    def embed_query(self, text: str) -> Vector: ...


class WrappedEmbedder:
    """Base for an embedder that wraps another (routing, caching, timing): it keeps the inner one's identity.

    Why a base class: the index fingerprint must name the model, not the
    wrapper, so every wrapper has to pass name, fingerprint and dimension
    through unchanged; writing that once keeps a new wrapper from getting it wrong.
    """

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def dim(self) -> int:
        return self.inner.dim
