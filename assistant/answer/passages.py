"""Turn retrieved chunks into short numbered passages for the prompt.

Time to first token on a laptop CPU is set by the prompt's length, so each
passage carries only the sentences closest to the question (by the
sentence vectors stored in the index) plus a neighbour for context, not
the whole chunk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.retrieval.signals import sentence_cosines
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

    def around(self, i: int) -> str:
        """Sentence ``i`` with its neighbours: the context a claim drawn from it may use."""
        n = len(self.hit.chunk.sentence_spans())
        return " ".join(self.sentence_text(j) for j in range(max(0, i - 1), min(n, i + 2)))


def _pick(scores: np.ndarray, lengths: list[int], budget: int, best: int, shown: set[int]) -> list[int]:
    """Best sentence, then the next best and neighbours while they fit; never one in ``shown``."""
    chosen = [best]
    used = lengths[best]
    order = [int(i) for i in np.argsort(-scores)]
    candidates = [best - 1, best + 1] + [i for i in order if i != best]
    for i in candidates:
        if 0 <= i < len(lengths) and i not in chosen and i not in shown and used + lengths[i] <= budget:
            chosen.append(i)
            used += lengths[i]
        if len(chosen) >= 3:
            break
    return sorted(chosen)


def build_passages(
    hits: Sequence[Hit],
    query_vec: Sequence[float] | None,
    sentence_vectors: Mapping[str, np.ndarray],
    *,
    max_passages: int = 2,
    chars_per_passage: int = 500,
    byline: bool = False,
) -> list[Passage]:
    """Numbered passages; ``byline`` (a "who wrote it / when?" question) keeps
    the dateline of a document's first chunk ("8.7.2026 - Lara Finke | …"),
    which no sentence vector ranks high for such a question.

    Chunks overlap by a sentence, so a sentence already shown in an earlier
    passage is left out of later ones, and a hit with nothing new is skipped
    for the next: a small model given the same sentence twice gains nothing
    and pays for its tokens.
    """
    q = np.asarray(query_vec, dtype=np.float32) if query_vec is not None else None
    out: list[Passage] = []
    seen: set[tuple[str, int]] = set()  # (source, start in the original file) of shown sentences
    for hit in hits:
        if len(out) >= max_passages:
            break
        spans = hit.chunk.sentence_spans()
        shown = {i for i, (_, _, start, _) in enumerate(spans) if (hit.chunk.source, start) in seen}
        if not spans or len(shown) == len(spans):
            continue
        lengths = [b - a for a, b, _, _ in spans]
        sims = sentence_cosines(hit.chunk.chunk_id, len(spans), q, sentence_vectors)
        scores = sims if sims is not None else np.zeros(len(spans), dtype=np.float32)
        masked = np.where([i in shown for i in range(len(spans))], -np.inf, scores)
        best = 0 if byline and hit.chunk.is_lead and 0 not in shown else int(np.argmax(masked))
        fresh = [i for i in range(len(spans)) if i not in shown]
        if sum(lengths[i] for i in fresh) <= chars_per_passage:
            ids = fresh
        else:
            ids = _pick(scores, lengths, chars_per_passage, best, shown)
        parts: list[str] = []
        for j, i in enumerate(ids):
            if j and ids[j - 1] != i - 1:
                parts.append("…")
            a, b, _, _ = spans[i]
            parts.append(hit.chunk.clean[a:b])
            seen.add((hit.chunk.source, spans[i][2]))
        text = " ".join(parts).replace("\n\n", " ")
        out.append(Passage(len(out) + 1, hit, tuple(ids), text))
    return out
