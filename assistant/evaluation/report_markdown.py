"""A run's ``report.md``: summary and latency tables, then every failed case with its evidence.

Markdown because it is what a pull request or a terminal shows; every cell
from a run goes through ``md_cell``, since answers are model output and
Markdown renderers pass raw HTML through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.evaluation.metrics import LATENCY_KEYS
from assistant.evaluation.report_format import (
    LABELS,
    as_dict,
    cite_label,
    columns,
    failed_cases,
    fmt,
    latency_cells,
    passage_label,
    report_metrics,
    run_line,
    turn_ok,
)
from assistant.evaluation.runner import EvalRun


def md_cell(text: Any) -> str:
    """Table-cell safe, and raw HTML neutralised (renderers pass it through)."""
    s = "" if text is None else str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def render_markdown(results: EvalRun | Mapping[str, Any]) -> str:
    res = as_dict(results)
    config, summary = res.get("config", {}), res.get("summary", {})
    retrieval_only = bool(config.get("retrieval_only"))
    cols = columns(summary)
    out = ["# Eval report", "", md_cell(run_line(config, summary)), "", "## Summary", ""]
    out.append("| metric | " + " | ".join(title for title, _ in cols) + " |")
    out.append("|---|" + "---:|" * len(cols))
    for metric in report_metrics(summary):
        out.append(f"| {LABELS[metric]} | " + " | ".join(fmt(metric, b.get(metric)) for _, b in cols) + " |")

    out += ["", "## Latency", "", "| questions | " + " | ".join(f"{k} p50 | {k} p95" for k in LATENCY_KEYS) + " |"]
    out.append("|---|" + "---:|" * (2 * len(LATENCY_KEYS)))
    for title, block in cols:
        out.append(f"| {title} | " + " | ".join(latency_cells(block)) + " |")

    failures = failed_cases(res)
    errors = [c for c in res.get("cases", []) if c.get("error")]
    out += ["", f"## Failures ({len(failures)} of {len(res.get('cases', []))}, {len(errors)} with errors)", ""]
    if not failures:
        out.append("None.")
    for case in failures:
        out += _failure(case, retrieval_only)
    return "\n".join(out).rstrip() + "\n"


def _failure(case: Mapping[str, Any], retrieval_only: bool) -> list[str]:
    """One failed case: each turn's question, answer, evidence and gold, so it can be judged here."""
    kind = "answerable" if case.get("answerable") else "unanswerable"
    out = [f"### {md_cell(case.get('id'))} ({md_cell(case.get('lang'))}, {kind})", ""]
    turns = case.get("turns", [])
    for i, turn in enumerate(turns, 1):
        ok = turn_ok(turn, retrieval_only)
        mark = {True: "✓", False: "✗", None: "–"}[ok]
        prefix = f"Turn {i}/{len(turns)} {mark} — " if len(turns) > 1 else ""
        out.append(f"- {prefix}**Q:** {md_cell(turn.get('question'))}")
        if turn.get("error"):
            out.append(f"  - **Error:** {md_cell(turn['error'])}")
        if not retrieval_only and turn.get("answer") is not None:
            refused = " *(refused)*" if turn.get("refused") else ""
            out.append(f"  - **A:**{refused} {md_cell(turn.get('answer'))}")
        if turn.get("reference"):
            out.append(f"  - **Expected:** {md_cell(turn['reference'])}")
        for c in turn.get("citations", []):
            out.append(f"  - citation {md_cell(cite_label(c))}: „{md_cell(c.get('quote'))}“")
        if retrieval_only:
            for j, p in enumerate(turn.get("passages", [])[:5], 1):
                out.append(f"  - passage {md_cell(passage_label(j, p))}")
        for q in turn.get("gold_quotes", []):
            out.append(f"  - gold quote: „{md_cell(q)}“")
    out.append("")
    return out
