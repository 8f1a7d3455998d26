"""The embedding seam.

Queries and documents are embedded differently (EmbeddingGemma wants a task
prompt on each side), so the protocol has two methods rather than one.
Vectors are L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

Vector = list[float]


def quiet(note: str) -> None:
    """Announce nothing."""


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

    def warm_up(self) -> None:
        """Start opening the model in the background and return at once; a no-op when it is open.

        Opening the embedding model (torch or ONNX Runtime, 1.2 GB) can
        overlap other start-up work: loading the LLM, chunking a corpus.
        """
        ...

    def runtime(self, count: int, announce: Callable[[str], None] = quiet) -> Embedder:
        """The embedder that should embed a job of ``count`` texts (itself, unless a bulk runtime is faster).

        ``announce`` hears, before any slow load, what is being opened, so
        that a build's progress line says why it pauses.
        """
        ...


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

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Vector:
        return self.inner.embed_query(text)

    def warm_up(self) -> None:
        self.inner.warm_up()

    def runtime(self, count: int, announce: Callable[[str], None] = quiet) -> Embedder:
        """Itself: a wrapper (a cache, a clock) must see every text, so it is not bypassed for bulk work."""
        return self
