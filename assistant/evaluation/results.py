"""What a run recorded: each question as asked, each case, and their ``results.json`` form.

Unit of scoring.  A multi-turn case is scored turn by turn (each turn has
its own gold, see ``evals/README.md``); a case ``passed`` when all of its
turns did: an answerable turn when its answer is right and one of its
citations covers the gold evidence (``grounded_accuracy``), an
unanswerable one when it was refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.metrics import TurnMetrics
from assistant.evaluation.stats import mean, rounded
from assistant.types import Citation, Hit


@dataclass(frozen=True)
class PassageRef:
    """A retrieved passage as recorded in results (no text: keeps files small)."""

    chunk_id: str
    source: str
    section: str
    start: int
    end: int
    score: float

    @classmethod
    def from_hit(cls, hit: Hit) -> PassageRef:
        c = hit.chunk
        return cls(c.chunk_id, c.source, c.section, c.start, c.end, float(hit.score))

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "source": self.source,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class TurnResult:
    """One question as asked: what came back and how it scored."""

    gold: GoldTurn
    metrics: TurnMetrics
    answer: str | None = None
    refused: bool | None = None
    language: str | None = None
    citations: tuple[Citation, ...] = ()
    passages: tuple[PassageRef, ...] = ()
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    error: str | None = None
    reason: str = ""  # the code of the check that decided the answer (Answer.reason)

    def to_dict(self) -> dict[str, Any]:
        g = self.gold
        return {
            "question": g.question,
            "answer": self.answer,
            "refused": self.refused,
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "reference": g.reference,
            "accept": list(g.accept),
            "accept_all": [list(grp) for grp in g.accept_all],
            "gold_quotes": list(g.gold_quotes),
            "gold_spans": [list(s) for s in g.gold_spans],
            "metrics": self.metrics.to_dict(),
            "timings_ms": {k: round(float(v), 1) for k, v in self.timings_ms.items()},
            "notes": list(self.notes),
            "reason": self.reason,
            "error": self.error,
        }


@dataclass(frozen=True)
class CaseResult:
    """All turns of one case; ``passed`` is None when nothing was gradable."""

    case: Case
    turns: tuple[TurnResult, ...]
    retrieval_only: bool = False

    @property
    def error(self) -> str | None:
        return next((t.error for t in self.turns if t.error), None)

    @property
    def passed(self) -> bool | None:
        if self.error:
            return False
        if self.retrieval_only:
            values = [t.metrics.hit_at_5 for t in self.turns]
        else:  # an answerable question passes only when its answer is right *and* cites the evidence
            values = [t.metrics.correct if t.metrics.grounded is None else t.metrics.grounded for t in self.turns]
        graded = [v for v in values if v is not None]
        if not graded:
            return None
        return all(v == 1.0 for v in graded)

    def case_metrics(self) -> dict[str, float | None]:
        """Each turn metric averaged over this case's turns."""
        per_turn = [t.metrics.to_dict() for t in self.turns]
        out: dict[str, float | None] = {}
        for key in ("hit@1", "hit@5", "mrr@10", "accuracy", "grounded_accuracy", "exact_match", "f1",
                    "citation_precision", "citation_recall", "language_match"):  # fmt: skip
            out[key] = rounded(mean(d[key] for d in per_turn))
        return out

    def to_dict(self) -> dict[str, Any]:
        c = self.case
        return {
            "id": c.id,
            "lang": c.lang,
            "answerable": c.answerable,
            "kind": c.kind,
            "gold_source": c.gold_source,
            "question": c.turns[0].question if c.turns else "",
            "questions": [t.gold.question for t in self.turns],
            "answer": self.turns[-1].answer if self.turns else None,
            "refused": self.turns[-1].refused if self.turns else None,
            "passed": self.passed,
            "error": self.error,
            "metrics": self.case_metrics(),
            "turns": [t.to_dict() for t in self.turns],
        }
