"""Defer loading the embedding model until a vector is actually needed.

Checking whether the index is current needs only the model's identity
(name, fingerprint, dimension), not its 1.2 GB of weights; so a second
``assistant index`` with nothing changed returns at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from assistant.embeddings.base import Embedder, Vector, quiet


class LazyEmbedder:
    def __init__(self, factory: Callable[[], Embedder], name: str, fingerprint: str, dim: int | None) -> None:
        self._factory = factory
        self._name = name
        self._fingerprint = fingerprint
        self._dim = dim
        self._inner: Embedder | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._inner is not None

    def load(self) -> Embedder:
        with self._lock:  # a background load and a first query may race
            if self._inner is None:
                self._inner = self._factory()
            return self._inner

    def load_in_background(self) -> threading.Thread:
        """Start loading now, so that importing torch overlaps other start-up work.

        A cold ``assistant ask`` loads the LLM (mostly C code that releases the
        GIL) while torch and the embedding model load here.
        """
        thread = threading.Thread(target=self.load, name="load-embedder", daemon=True)
        thread.start()
        return thread

    def warm_up(self) -> None:
        if not self.loaded:
            self.load_in_background()

    def runtime(self, count: int, announce: Callable[[str], None] = quiet) -> Embedder:
        return self.load().runtime(count, announce)

    @property
    def name(self) -> str:
        return self._name

    @property
    def fingerprint(self) -> str:
        return self._fingerprint

    @property
    def dim(self) -> int:
        return self._dim if self._dim is not None else self.load().dim

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self.load().embed_documents(texts)

    def embed_query(self, text: str) -> Vector:
        return self.load().embed_query(text)
