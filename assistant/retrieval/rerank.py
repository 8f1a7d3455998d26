"""The reranker seam.

No cross-encoder ships (none is available offline), so the default is a
no-op; ``CrossEncoderReranker`` is used when a local cross-encoder folder
is configured. Cheap lexical signals live in ``signals.py`` and are kept
only where the benchmark shows that they help.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

from assistant.types import Hit


class Reranker(Protocol):
    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]: ...


class NoopReranker:
    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        return list(hits)


class CrossEncoderReranker:
    """A local sentence-transformers CrossEncoder; imported lazily."""

    def __init__(self, model_path: str) -> None:
        from sentence_transformers import CrossEncoder

        self._model: Any = CrossEncoder(model_path, device="cpu", local_files_only=True)

    def rerank(self, query: str, hits: Sequence[Hit]) -> list[Hit]:
        if not hits:
            return []
        scores = self._model.predict([(query, h.chunk.clean) for h in hits])
        rescored = [replace(h, score=float(s)) for h, s in zip(hits, scores, strict=True)]
        return sorted(rescored, key=lambda h: h.score, reverse=True)
