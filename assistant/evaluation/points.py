"""Scoring an open answer: which key points it names, and whether each of its points stands in its source.

*Key-point recall* is the share of the gold's point groups that the answer
names (any accepted string of a group, matched as ``accept`` strings are).
*Point precision* is the share of the answer's points (its bullet lines,
or its sentences when it has none) whose numbers, codes, places and names
stand in the sentences they cite, read by the same fact extraction as the
answer checks (``assistant.answer.facts``), so a point that cites nothing
or states a figure its source lacks counts against it.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answer.citations import parse_markers, split_claims, strip_markers
from assistant.answer.facts import NameBook, missing_facts
from assistant.evaluation.normalize import contains_normalized
from assistant.types import Citation

KEY_POINT_PASS = 0.5  # an open answer counts as correct (``accuracy``) when it names this share of its points


def key_point_recall(answer: str, points: Sequence[Sequence[str]]) -> float | None:
    if not points:
        return None
    named = sum(any(contains_normalized(answer, alt) for alt in group) for group in points)
    return named / len(points)


def answer_points(answer: str) -> list[str]:
    """The answer's points: its "- " lines, or its sentences."""
    lines = [ln.strip()[2:] for ln in answer.splitlines() if ln.strip().startswith("- ")]
    return lines or split_claims(answer)


def supported_points(answer: str, citations: Sequence[Citation]) -> tuple[int, int]:
    """(points, points whose facts stand in the quotes of the citations they mark)."""
    by_n: dict[int, list[str]] = {}
    for c in citations:
        by_n.setdefault(c.n, []).append(c.quote)
    book = NameBook.from_texts(q for qs in by_n.values() for q in qs)
    points = answer_points(answer)
    ok = 0
    for point in points:
        quotes = [q for n in parse_markers(point) for q in by_n.get(n, [])]
        if quotes and not missing_facts(strip_markers(point), " ".join(quotes), book):
            ok += 1
    return len(points), ok
