"""The few statistics every report here shares: one percentile, one mean, one rounding.

One definition on purpose: a p95 in an eval report, the retrieval
benchmark, ``make bench`` and ``make loadtest`` must mean the same thing,
or two tables that look comparable are not.  Pure and dependency-free, so
that ``assistant.loadtest`` can use it without importing any evaluation
machinery.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), ``q`` in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that apply; ``None`` when none does (the null rule of ``metrics``)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def rounded(value: float | None, places: int = 4) -> float | None:
    """``round`` that lets "does not apply" through, so null stays null in JSON."""
    return None if value is None else round(value, places)
