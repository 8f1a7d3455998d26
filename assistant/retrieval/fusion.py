"""Combining rankings from several retrievers (dense, BM25) into one.

Rank fusion is used instead of mixing scores because cosine similarities
and BM25 scores live on unrelated scales that also shift with the query;
ranks are comparable without calibration.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _first_ranks(ranking: Sequence[str]) -> dict[str, int]:
    """1-based rank of each id's first occurrence; later repeats are noise."""
    ranks: dict[str, int] = {}
    for position, doc_id in enumerate(ranking, start=1):
        ranks.setdefault(doc_id, position)
    return ranks


def _check_weights(n_rankings: int, weights: Sequence[float] | None) -> list[float]:
    if weights is None:
        return [1.0] * n_rankings
    if len(weights) != n_rankings:
        raise ValueError(f"got {len(weights)} weights for {n_rankings} rankings")
    for w in weights:
        if not math.isfinite(w) or w < 0:
            raise ValueError(f"weights must be finite and non-negative, got {w!r}")
    return [float(w) for w in weights]


def rrf(
    rankings: Sequence[Sequence[str]],
    weights: Sequence[float] | None = None,
    k: int = 60,
) -> list[tuple[str, float]]:
    """Weighted reciprocal-rank fusion: score(d) = sum_i w_i / (k + rank_i(d)).

    ``k`` damps the advantage of the very first ranks (the usual 60 comes
    from Cormack et al., 2009).  A ranking with weight 0 contributes nothing,
    and its ids are not added either, so a weight of 0 switches a retriever
    off instead of appending its results with score 0.  Equal scores are
    ordered by the best rank the id had in any ranking, then by first
    appearance (rankings in order, each from the top), which makes the output
    deterministic.
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    checked = _check_weights(len(rankings), weights)
    scores: dict[str, float] = {}
    best_rank: dict[str, int] = {}
    for ranking, weight in zip(rankings, checked, strict=True):
        if weight == 0.0:
            continue
        for doc_id, rank in _first_ranks(ranking).items():
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
            best_rank[doc_id] = min(best_rank.get(doc_id, rank), rank)
    first_seen = {doc_id: n for n, doc_id in enumerate(scores)}
    order = sorted(scores, key=lambda d: (-scores[d], best_rank[d], first_seen[d]))
    return [(doc_id, scores[doc_id]) for doc_id in order]


def agreement(a: Sequence[str], b: Sequence[str], depth: int = 10) -> float:
    """Average overlap of the two top-``depth`` lists, in [0, 1].

    Mean over d = 1..D of |top_d(a) & top_d(b)| / d, with D the length of
    the longer (deduplicated, truncated) list.  Unlike a plain Jaccard of
    the top ``depth`` it is top-weighted: agreeing on rank 1 counts more
    than agreeing on rank 10, which is what matters when it decides how far
    to trust BM25 next to dense retrieval.  Identical lists give 1.0,
    disjoint lists 0.0, and an empty list 0.0 (no evidence of agreement).
    """
    if depth <= 0:
        raise ValueError(f"depth must be positive, got {depth}")
    top_a = list(_first_ranks(a))[:depth]
    top_b = list(_first_ranks(b))[:depth]
    if not top_a or not top_b:
        return 0.0
    n = max(len(top_a), len(top_b))
    total = sum(len(set(top_a[:d]) & set(top_b[:d])) / d for d in range(1, n + 1))
    return total / n
