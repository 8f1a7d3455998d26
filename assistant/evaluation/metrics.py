"""The metrics of an eval run: their names, their order, and one question's values.

Every module that scores, summarises, gates or displays a run reads the
metric names from here, so that a new metric is added in one place.

Null rule.  A metric that does not apply is ``None`` (``null`` in JSON),
never 0: a retrieval-only run has no accuracy, a set without unanswerable
cases has no refusal rate, a non-SQuAD set has no exact match.  A zero
would read as "measured and terrible" and would trip ``--fail-under``
checks for the wrong reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.evaluation.stats import rounded

HIT_DEPTH = 5
MRR_DEPTH = 10

LANGS = ("de", "en")
TYPES = ("answerable", "unanswerable")
LATENCY_KEYS = ("retrieve", "first_token", "total")
# The scalar metrics of a summary, in display order.
SCALAR_METRICS = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "accuracy",
    "grounded_accuracy",
    "exact_match",
    "f1",
    "citation_precision",
    "citation_recall",
    "refusal_rate",
    "false_refusal_rate",
    "language_match",
    "quote_share",
    "key_point_recall",
    "point_precision",
)
# For these a smaller value is better (used by fail_under and compare).
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "quote_share"})


@dataclass(frozen=True)
class TurnMetrics:
    """Per-question metric values; ``None`` = does not apply to this question."""

    rank: int | None = None  # 1-based rank of the first relevant passage
    hit_at_1: float | None = None
    hit_at_5: float | None = None
    mrr_at_10: float | None = None
    correct: float | None = None
    # Answerable questions only: correct *and* a citation covers the gold evidence (the target).
    grounded: float | None = None
    exact_match: float | None = None
    f1: float | None = None
    citations: int = 0
    citations_supported: int = 0
    citation_precision: float | None = None
    citation_recall: float | None = None
    refused: bool | None = None
    language_match: float | None = None
    quoted: float | None = None  # a given (not refused) answer that is mostly a quotation of the source
    # Open questions (gold ``points``): the share of key points named, and the answer's points whose facts
    # stand in the sentences they cite.
    key_point_recall: float | None = None
    points: int = 0
    points_supported: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "hit@1": self.hit_at_1,
            "hit@5": self.hit_at_5,
            "mrr@10": self.mrr_at_10,
            "accuracy": self.correct,
            "grounded_accuracy": self.grounded,
            "exact_match": self.exact_match,
            "f1": rounded(self.f1),
            "citations": self.citations,
            "citations_supported": self.citations_supported,
            "citation_precision": rounded(self.citation_precision),
            "citation_recall": self.citation_recall,
            "refused": self.refused,
            "language_match": self.language_match,
            "quoted": self.quoted,
            "key_point_recall": rounded(self.key_point_recall),
            "points": self.points,
            "points_supported": self.points_supported,
        }
