"""Frozen value types shared by every layer.

They are plain dataclasses, not llama-index nodes, so that the CLI, the UI
and the eval runner can render them without importing the pipeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Document:
    """One source file (or one SQuAD paragraph) as loaded, before cleaning.

    ``text`` is the exact original text; every offset in the system points
    into it, so that a citation can be checked against the file on disk.
    """

    doc_id: str
    source: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage.

    ``text`` is ``original[start:end]`` verbatim (layout damage included), and
    ``clean`` is the repaired text that is embedded and shown to the model.
    """

    chunk_id: str
    doc_id: str
    source: str
    section: str
    start: int
    end: int
    text: str
    clean: str
    order: int = 0
    # JSON list of [clean_start, clean_end, orig_start, orig_end] per
    # sentence (clean offsets relative to ``clean``); a string so that it
    # fits a Chroma metadata value unchanged.
    sentences: str = "[]"

    @property
    def is_lead(self) -> bool:
        """The document's first chunk: its first sentence is the dateline ("8.7.2026 - Lara Finke | …"),
        which answers "who wrote it / when?" and which no sentence vector ranks high for such a question."""
        return self.order == 0

    @cached_property
    def _spans(self) -> tuple[tuple[int, int, int, int], ...]:
        # Parsed once per chunk: the answer step asks for a chunk's spans once per sentence it scores.
        return tuple((int(a), int(b), int(c), int(d)) for a, b, c, d in json.loads(self.sentences))

    def sentence_spans(self) -> tuple[tuple[int, int, int, int], ...]:
        return self._spans

    def to_meta(self) -> dict[str, str | int]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "clean": self.clean,
            "order": self.order,
            "sentences": self.sentences,
        }


@dataclass(frozen=True)
class Hit:
    """A chunk with the score that one retriever (or the fusion) gave it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "chunk_id": c.chunk_id,
            "source": c.source,
            "section": c.section,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "score": round(float(self.score), 6),
        }


@dataclass(frozen=True)
class Citation:
    """A checked citation: the exact quote and where it lives in the source."""

    n: int
    chunk_id: str
    source: str
    section: str
    start: int
    end: int
    quote: str

    def to_dict(self) -> dict[str, Any]:
        # By hand rather than dataclasses.asdict, which deep-copies: a large corpus's summaries hold 100,000.
        return {
            "n": self.n,
            "chunk_id": self.chunk_id,
            "source": self.source,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
        }
