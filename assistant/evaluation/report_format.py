"""How a run reads to people: metric labels, value formats, and the facts every report shows.

The Markdown report, the HTML report, the comparison and the UI's eval tab
all print the same numbers; formatting them in one place keeps "87.5 %"
from turning into "0.875" in one of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from assistant.evaluation.metrics import LATENCY_KEYS, SCALAR_METRICS
from assistant.evaluation.runner import EvalRun

LABELS = {
    "n": "cases",
    "hit@1": "hit@1",
    "hit@5": "hit@5",
    "mrr@10": "MRR@10",
    "accuracy": "accuracy",
    "grounded_accuracy": "answerable: correct and cited",
    "exact_match": "exact match",
    "f1": "F1",
    "citation_precision": "citation precision",
    "citation_recall": "citation recall",
    "refusal_rate": "refusal rate (unanswerable)",
    "false_refusal_rate": "false refusal rate (answerable)",
    "language_match": "language match",
    "quote_share": "answers that are quotes",
    "key_point_recall": "key-point recall (open questions)",
    "point_precision": "point precision (open questions)",
}
OPEN_ONLY = frozenset({"key_point_recall", "point_precision"})


def report_metrics(summary: Mapping[str, Any]) -> list[str]:
    """The rows of a report: every scalar metric, the open-question ones only where the set has open cases
    (so a fact set's report reads as before)."""
    return ["n", *(m for m in SCALAR_METRICS if m not in OPEN_ONLY or summary.get(m) is not None)]


def as_dict(results: EvalRun | Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``results.json`` form: reports render from it alone, so an old run re-renders the same."""
    return results.to_dict() if isinstance(results, EvalRun) else results


def esc(text: Any) -> str:
    """HTML-escaped text; answers are model output and may hold markup such as ``<script>``."""
    return escape("" if text is None else str(text), quote=True)


def fmt(metric: str, value: Any) -> str:
    """A metric value for people: rates as percentages, null as "n/a"."""
    if value is None:
        return "n/a"
    if metric == "n":
        return str(value)
    if metric == "mrr@10":
        return f"{float(value):.3f}"
    return f"{float(value) * 100:.1f} %"


def fmt_ms(value: Any) -> str:
    if value is None:
        return "n/a"
    v = float(value)
    return f"{v / 1000:.2f} s" if v >= 10_000 else f"{v:,.0f} ms"


def columns(summary: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(title, block) for overall, each language, each type and each question form (open sets)."""
    cols: list[tuple[str, Mapping[str, Any]]] = [("all", summary)]
    cols += [(lang, block) for lang, block in (summary.get("by_lang") or {}).items()]
    cols += [(kind, block) for kind, block in (summary.get("by_type") or {}).items()]
    cols += [(form, block) for form, block in (summary.get("by_form") or {}).items()]
    return cols


def failed_cases(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Cases that failed (``passed`` is false), in run order."""
    return [c for c in results.get("cases", []) if c.get("passed") is False]


def turn_ok(turn: Mapping[str, Any], retrieval_only: bool) -> bool | None:
    """Whether one turn of a failed case was right, so a reader sees which turn broke it."""
    m = turn.get("metrics") or {}
    value = m.get("hit@5") if retrieval_only else m.get("accuracy")
    if turn.get("error"):
        return False
    return None if value is None else value == 1.0


def cite_label(c: Mapping[str, Any]) -> str:
    return f"[{c.get('n')}] {c.get('source')}:{c.get('start')}-{c.get('end')}"


def passage_label(i: int, p: Mapping[str, Any]) -> str:
    return f"{i}. {p.get('section') or '(no section)'} ({p.get('source')}:{p.get('start')}-{p.get('end')})"


def run_line(config: Mapping[str, Any], summary: Mapping[str, Any]) -> str:
    """One line naming what ran, so a report read on its own says what it measured."""
    if config.get("retrieval_only"):
        what = f"retrieval only (k={config.get('k')})"
    else:
        what = f"backend {config.get('backend')}, model {config.get('model') or '(default)'}"
    parts = [what, f"{summary.get('n', 0)} cases"]
    if config.get("started_at"):
        parts.append(f"started {config['started_at']}")
    if config.get("duration_s") is not None:
        parts.append(f"took {float(config['duration_s']):.1f} s")
    return ", ".join(parts)


def latency_cells(block: Mapping[str, Any]) -> list[str]:
    """p50, p95 of each stage for one summary block, formatted."""
    cells = []
    for key in LATENCY_KEYS:
        lat = (block.get("latency_ms") or {}).get(key) or {}
        cells += [fmt_ms(lat.get("p50")), fmt_ms(lat.get("p95"))]
    return cells
