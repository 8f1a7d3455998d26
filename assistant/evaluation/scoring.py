"""Scoring one answered (or retrieved) question against its gold.

Everything here is pure: the runner asks the questions and hands the
results in, so every metric can be checked on hand-made examples.

Errors.  A turn whose answerer raised is scored as wrong on every metric
it would have had (miss, incorrect, no citation, language mismatch), so a
crashing backend cannot look better than a weak one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.answer.citations import strip_markers
from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.metrics import HIT_DEPTH, MRR_DEPTH, TurnMetrics
from assistant.evaluation.normalize import matches, squad_exact_match, squad_f1
from assistant.evaluation.points import KEY_POINT_PASS, key_point_recall, supported_points
from assistant.evaluation.quotation import answer_language, is_quote
from assistant.evaluation.relevance import citation_is_supported, citation_overlaps_gold, passage_is_relevant
from assistant.evaluation.results import PassageRef
from assistant.types import Citation


def retrieval_scores(case: Case, gold: GoldTurn, passages: Sequence[PassageRef]) -> dict[str, Any]:
    """rank / hit@1 / hit@5 / mrr@10 for one question (all None without gold)."""
    if case.gold_source is None and not gold.gold_spans:
        return {"rank": None, "hit_at_1": None, "hit_at_5": None, "mrr_at_10": None}
    rank = next(
        (i for i, p in enumerate(passages, 1) if passage_is_relevant(p, gold.gold_spans, case.gold_source)),
        None,
    )
    return {
        "rank": rank,
        "hit_at_1": 1.0 if rank == 1 else 0.0,
        "hit_at_5": 1.0 if rank is not None and rank <= HIT_DEPTH else 0.0,
        "mrr_at_10": 1.0 / rank if rank is not None and rank <= MRR_DEPTH else 0.0,
    }


def score_turn(
    case: Case,
    gold: GoldTurn,
    *,
    text: str,
    refused: bool,
    language: str,
    citations: Sequence[Citation],
    passages: Sequence[PassageRef],
) -> TurnMetrics:
    """All metrics of one answered question."""
    retr = retrieval_scores(case, gold, passages)
    correct, key_points = _correctness(case, gold, text, refused)
    em = f1 = None
    if case.squad and case.answerable:
        golds = list(gold.accept) or [gold.reference]
        em = 0.0 if refused else squad_exact_match(text, golds)
        f1 = 0.0 if refused else squad_f1(text, golds)
    supported = sum(citation_is_supported(c, gold) for c in citations) if case.answerable else 0
    n_points, points_ok = supported_points(text, citations) if gold.points and not refused else (0, 0)
    precision = recall = None
    if case.answerable:
        if citations:
            precision = supported / len(citations)
        if gold.gold_spans:
            recall = 1.0 if any(citation_overlaps_gold(c, gold.gold_spans) for c in citations) else 0.0
        elif gold.accepted_strings:
            recall = 1.0 if supported else 0.0
    # "Answered correctly, with at least one citation covering a gold passage": without citation gold
    # (recall None) the answer alone decides.
    grounded = correct * (1.0 if recall is None else recall) if case.answerable else None
    lang = answer_language(text, refused, language)
    return TurnMetrics(
        **retr,
        correct=correct,
        grounded=grounded,
        exact_match=em,
        f1=f1,
        citations=len(citations),
        citations_supported=supported,
        citation_precision=precision,
        citation_recall=recall,
        refused=refused,
        language_match=1.0 if lang == case.lang else 0.0,
        quoted=None if refused else float(is_quote(text)),
        key_point_recall=key_points,
        points=n_points,
        points_supported=points_ok,
    )


def _correctness(case: Case, gold: GoldTurn, text: str, refused: bool) -> tuple[float, float | None]:
    """(correct, key-point recall): an open question's by its key points, a fact's by its accept strings."""
    if not case.answerable:
        return (1.0 if refused else 0.0), None
    if gold.points:
        recall = 0.0 if refused else (key_point_recall(text, gold.points) or 0.0)
        return (1.0 if not refused and recall >= KEY_POINT_PASS else 0.0), recall
    right = matches(text, gold.accept, gold.accept_all)
    if not right and case.f1_accept is not None and gold.accept:
        right = squad_f1(strip_markers(text), list(gold.accept)) >= case.f1_accept
    return (1.0 if not refused and right else 0.0), None


def score_retrieval_turn(case: Case, gold: GoldTurn, passages: Sequence[PassageRef]) -> TurnMetrics:
    """Metrics of a retrieval-only question: only the retrieval ones apply."""
    return TurnMetrics(**retrieval_scores(case, gold, passages))


def score_failed_turn(case: Case, gold: GoldTurn, *, retrieval_only: bool = False) -> TurnMetrics:
    """Worst values for a question whose answerer raised (see module doc)."""
    retr = retrieval_scores(case, gold, ())
    if retrieval_only:
        return TurnMetrics(**retr)
    squad = case.squad and case.answerable
    has_recall_gold = bool(gold.gold_spans or gold.accepted_strings)
    return TurnMetrics(
        **retr,
        correct=0.0,
        grounded=0.0 if case.answerable else None,
        exact_match=0.0 if squad else None,
        f1=0.0 if squad else None,
        citation_recall=0.0 if case.answerable and has_recall_gold else None,
        refused=False,
        language_match=0.0,
    )
