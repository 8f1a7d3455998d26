"""Turn retrieved chunks into short numbered passages for the prompt.

Time to first token on a laptop CPU is set by the prompt's length, so each
passage carries only the sentences closest to the question (by the
sentence vectors stored in the index) plus a neighbour for context, not
the whole chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.types import Hit


@dataclass(frozen=True)
class Passage:
    n: int
    hit: Hit
    sentence_ids: tuple[int, ...]  # indices into hit.chunk.sentence_spans()
    text: str

    def sentence_text(self, i: int) -> str:
        a, b, _, _ = self.hit.chunk.sentence_spans()[i]
        return self.hit.chunk.clean[a:b]


def _pick(scores: np.ndarray, lengths: list[int], budget: int, best: int) -> list[int]:
    """Best sentence, then the next best and neighbours while they fit."""
    chosen = [best]
    used = lengths[best]
    order = [int(i) for i in np.argsort(-scores)]
    candidates = [best - 1, best + 1] + [i for i in order if i != best]
    for i in candidates:
        if 0 <= i < len(lengths) and i not in chosen and used + lengths[i] <= budget:
            chosen.append(i)
            used += lengths[i]
        if len(chosen) >= 3:
            break
    return sorted(chosen)


def build_passages(
    hits: Sequence[Hit],
    query_vec: Sequence[float] | None,
    sentence_vectors: dict[str, np.ndarray],
    *,
    max_passages: int = 2,
    chars_per_passage: int = 500,
    byline: bool = False,
) -> list[Passage]:
    """Numbered passages; ``byline`` (a "who wrote it / when?" question) keeps
    the dateline of a document's first chunk ("8.7.2026 - Lara Finke | …"),
    which no sentence vector ranks high for such a question."""
    q = np.asarray(query_vec, dtype=np.float32) if query_vec is not None else None
    out: list[Passage] = []
    for hit in hits[:max_passages]:
        spans = hit.chunk.sentence_spans()
        if not spans:
            continue
        lengths = [b - a for a, b, _, _ in spans]
        vecs = sentence_vectors.get(hit.chunk.chunk_id)
        if q is not None and vecs is not None and len(vecs) == len(spans):
            scores = vecs @ q
        else:
            scores = np.zeros(len(spans), dtype=np.float32)
        best = 0 if byline and hit.chunk.order == 0 else int(np.argmax(scores))
        if sum(lengths) <= chars_per_passage:
            ids = list(range(len(spans)))
        else:
            ids = _pick(scores, lengths, chars_per_passage, best)
        parts: list[str] = []
        for j, i in enumerate(ids):
            if j and ids[j - 1] != i - 1:
                parts.append("…")
            a, b, _, _ = spans[i]
            parts.append(hit.chunk.clean[a:b])
        text = " ".join(parts).replace("\n\n", " ")
        out.append(Passage(len(out) + 1, hit, tuple(ids), text))
    return out
