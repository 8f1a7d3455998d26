"""A run's summary: every metric averaged overall, by language and by question type.

Every rate is over *questions asked* (a multi-turn case contributes each
of its turns, see ``results``); only ``n`` counts cases.  A block with
nothing to average for a metric shows ``None`` (the null rule of
``metrics``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.evaluation.metrics import LANGS, LATENCY_KEYS
from assistant.evaluation.results import CaseResult, TurnResult
from assistant.evaluation.stats import mean, percentile, rounded


def _latency(turns: Sequence[TurnResult]) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for key in LATENCY_KEYS:
        values = [float(t.timings_ms[key]) for t in turns if t.error is None and key in t.timings_ms]
        out[key] = {"p50": rounded(percentile(values, 50), 1), "p95": rounded(percentile(values, 95), 1)}
    return out


def _block(results: Sequence[CaseResult]) -> dict[str, Any]:
    """One summary block (overall, one language or one type)."""
    turns = [(r.case, t) for r in results for t in r.turns]
    m = [t.metrics for _, t in turns]
    answered = [(c, t) for c, t in turns if t.metrics.refused is not None]
    cited = [t.metrics for c, t in answered if c.answerable]
    total_citations = sum(x.citations for x in cited)
    precision = sum(x.citations_supported for x in cited) / total_citations if total_citations else None
    total_points = sum(x.points for x in cited)
    point_precision = sum(x.points_supported for x in cited) / total_points if total_points else None
    return {
        "n": len(results),
        "hit@1": rounded(mean(x.hit_at_1 for x in m)),
        "hit@5": rounded(mean(x.hit_at_5 for x in m)),
        "mrr@10": rounded(mean(x.mrr_at_10 for x in m)),
        "accuracy": rounded(mean(x.correct for x in m)),
        "grounded_accuracy": rounded(mean(x.grounded for x in m)),
        "exact_match": rounded(mean(x.exact_match for x in m)),
        "f1": rounded(mean(x.f1 for x in m)),
        "citation_precision": rounded(precision),
        "citation_recall": rounded(mean(x.citation_recall for x in m)),
        "refusal_rate": rounded(mean(float(bool(t.metrics.refused)) for c, t in answered if not c.answerable)),
        "false_refusal_rate": rounded(mean(float(bool(t.metrics.refused)) for c, t in answered if c.answerable)),
        "language_match": rounded(mean(x.language_match for x in m)),
        "quote_share": rounded(mean(x.quoted for x in m)),
        "key_point_recall": rounded(mean(x.key_point_recall for x in m)),
        "point_precision": rounded(point_precision),
        "latency_ms": _latency([t for _, t in turns]),
    }


def summarize(case_results: Sequence[CaseResult]) -> dict[str, Any]:
    """The run's summary: overall, ``by_lang`` and ``by_type`` (see module doc)."""
    summary = _block(case_results)
    langs = list(LANGS) + sorted({r.case.lang for r in case_results} - set(LANGS))
    summary["by_lang"] = {lang: _block([r for r in case_results if r.case.lang == lang]) for lang in langs}
    summary["by_type"] = {
        "answerable": _block([r for r in case_results if r.case.answerable]),
        "unanswerable": _block([r for r in case_results if not r.case.answerable]),
    }
    forms = sorted({r.case.form for r in case_results})
    if forms != ["fact"]:
        summary["by_form"] = {f: _block([r for r in case_results if r.case.form == f]) for f in forms}
    return summary
