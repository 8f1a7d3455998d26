"""Scoring the retrieval benchmark: ranks, hit@k, MRR and latency per system and setting.

Latency is the question's embedding time (measured once, shared by every
system, see ``QueryClock``) plus the system's own search time, so a system
is not charged or spared an embedding the others pay for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.evaluation.retrieval_questions import BenchQuestion
from assistant.evaluation.retrieval_systems import K, Outcome, QueryClock, Searcher
from assistant.evaluation.stats import percentile, rounded


@dataclass
class SystemResult:
    """Ranks and latencies of one system on one setting."""

    ids: list[str] = field(default_factory=list)
    ranks: list[int | None] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    bm25_ms: list[float] = field(default_factory=list)

    def add(self, question: BenchQuestion, outcome: Outcome, embed_ms: float) -> None:
        rank = next((i for i, span in enumerate(outcome.spans[:K], 1) if question.is_hit(span)), None)
        self.ids.append(question.id)
        self.ranks.append(rank)
        self.ms.append(outcome.ms + embed_ms)
        self.groups.append(question.group)
        if outcome.bm25_ms is not None:
            self.bm25_ms.append(outcome.bm25_ms)

    def summary(self) -> dict[str, Any]:
        out = rank_metrics(self.ranks)
        out["p50_ms"] = rounded(percentile(self.ms, 50), 1)
        out["p95_ms"] = rounded(percentile(self.ms, 95), 1)
        if self.bm25_ms:
            out["bm25_search_p50_ms"] = rounded(percentile(self.bm25_ms, 50), 1)
        by_group: dict[str, list[int | None]] = {}
        for group, rank in zip(self.groups, self.ranks, strict=True):
            by_group.setdefault(group, []).append(rank)
        out["by_group"] = {g: rank_metrics(r) for g, r in sorted(by_group.items())}
        # Which questions failed, so that a change in the numbers can be traced.
        out["misses@3"] = [qid for qid, r in zip(self.ids, self.ranks, strict=True) if r is None or r > 3]
        return out


def rank_metrics(ranks: Sequence[int | None]) -> dict[str, Any]:
    """n, hit@1/3/5 and MRR@10 of 1-based ranks (``None``: no relevant passage in the top ``K``)."""
    n = len(ranks)

    def hit(depth: int) -> float | None:
        return round(sum(1 for r in ranks if r is not None and r <= depth) / n, 4) if n else None

    mrr = round(sum(1 / r for r in ranks if r is not None) / n, 4) if n else None
    return {"n": n, "hit@1": hit(1), "hit@3": hit(3), "hit@5": hit(5), "mrr@10": mrr}


def run_setting(
    questions: Sequence[BenchQuestion], searchers: Sequence[Searcher], clock: QueryClock
) -> tuple[dict[str, SystemResult], list[float]]:
    """Ask every question of one setting to every system.

    Returns the per-system results and the hybrid evidence per question
    (for the relevance calibration).
    """
    results = {s.name: SystemResult() for s in searchers}
    evidence: list[float] = []
    for q in questions:
        clock.embed_query(q.text)  # timed once, then shared
        for s in searchers:
            outcome = s.search(q.text)
            results[s.name].add(q, outcome, clock.ms[q.text])
            if s.name == "hybrid" and outcome.evidence is not None:
                evidence.append(outcome.evidence)
    return results, evidence
