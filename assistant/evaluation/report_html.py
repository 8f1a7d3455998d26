"""A run's ``report.html``: cards, charts, tables and failures in one self-contained file.

Self-contained (inline CSS and SVG, no scripts, no web fonts): it must
open from a CI artifact or an air-gapped laptop, and it must not phone
home.  Every piece of text from a run is escaped, because answers are
model output and may contain markup such as ``<script>``.  The style sheet
is package data (``data/report.css``) so it can be edited as CSS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from assistant.evaluation.charts import group_chart, histogram_svg
from assistant.evaluation.metrics import LATENCY_KEYS
from assistant.evaluation.report_format import (
    LABELS,
    as_dict,
    cite_label,
    columns,
    esc,
    failed_cases,
    fmt,
    fmt_ms,
    latency_cells,
    passage_label,
    report_metrics,
    run_line,
    turn_ok,
)
from assistant.evaluation.runner import EvalRun


@cache
def css() -> str:
    """The report's style sheet, read once from the installed package (wheel or editable)."""
    return (resources.files("assistant.evaluation") / "data" / "report.css").read_text(encoding="utf-8")


def _cards(summary: Mapping[str, Any], retrieval_only: bool) -> str:
    keys = ["hit@5", "mrr@10"] if retrieval_only else [
        "accuracy", "grounded_accuracy", "hit@5", "citation_precision", "citation_recall", "refusal_rate",
        "false_refusal_rate", "language_match",
    ]  # fmt: skip
    if summary.get("f1") is not None:
        keys += ["exact_match", "f1"]
    items = [(LABELS["n"], str(summary.get("n", 0)))]
    items += [(LABELS[k], fmt(k, summary.get(k))) for k in keys]
    total = ((summary.get("latency_ms") or {}).get("total") or {}).get("p95")
    items.append(("total p95", fmt_ms(total)))
    card = '<div class="card"><div class="v">{}</div><div class="k">{}</div></div>'
    cards = "".join(card.format(esc(v), esc(k)) for k, v in items)
    return f'<div class="cards">{cards}</div>'


def _summary_table(summary: Mapping[str, Any]) -> str:
    cols = columns(summary)
    head = "<tr><th>metric</th>" + "".join(f'<th class="num">{esc(t)}</th>' for t, _ in cols) + "</tr>"
    rows = []
    for metric in report_metrics(summary):
        cells = []
        for _, block in cols:
            value = block.get(metric)
            cls = "num na" if value is None else "num"
            cells.append(f'<td class="{cls}">{esc(fmt(metric, value))}</td>')
        rows.append(f"<tr><td>{esc(LABELS[metric])}</td>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _latency_table(summary: Mapping[str, Any]) -> str:
    head = (
        "<tr><th>questions</th>"
        + "".join(f'<th class="num">{esc(k)} p50</th><th class="num">{esc(k)} p95</th>' for k in LATENCY_KEYS)
        + "</tr>"
    )
    rows = []
    for title, block in columns(summary):
        cells = "".join(f'<td class="{"num na" if c == "n/a" else "num"}">{esc(c)}</td>' for c in latency_cells(block))
        rows.append(f"<tr><td>{esc(title)}</td>{cells}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _turn_cells(turn: Mapping[str, Any], retrieval_only: bool) -> tuple[str, str, str]:
    """(answer, citations or passages, gold) cells for one failed turn."""
    answer = ""
    if turn.get("error"):
        answer += f'<div class="err">error: {esc(turn["error"])}</div>'
    if not retrieval_only and turn.get("answer") is not None:
        if turn.get("refused"):
            answer += '<span class="tag">refused</span> '
        answer += esc(turn.get("answer"))
    if retrieval_only:
        items = [esc(passage_label(i, p)) for i, p in enumerate(turn.get("passages", [])[:5], 1)]
    else:
        items = [
            f'<span class="src">{esc(cite_label(c))}</span><div class="quote">{esc(c.get("quote"))}</div>'
            for c in turn.get("citations", [])
        ]
    cites = (
        '<ul class="q">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
        if items
        else ('<span class="muted">none</span>')
    )
    gold = ""
    if turn.get("reference"):
        gold += f'<div><span class="muted">expected:</span> {esc(turn["reference"])}</div>'
    quotes = turn.get("gold_quotes", [])
    if quotes:
        gold += "".join(f'<div class="quote">{esc(q)}</div>' for q in quotes)
    return answer, cites, gold or '<span class="muted">none</span>'


def _failures_table(results: Mapping[str, Any], retrieval_only: bool) -> str:
    failures = failed_cases(results)
    if not failures:
        return '<p class="muted">No failures.</p>'
    what = "retrieved passages" if retrieval_only else "citations"
    head = f"<tr><th>case</th><th>question</th><th>answer</th><th>{what}</th><th>gold</th></tr>"
    rows = []
    for case in failures:
        turns = case.get("turns", [])
        for i, turn in enumerate(turns, 1):
            ok = turn_ok(turn, retrieval_only)
            tag = {True: '<span class="tag ok">ok</span>', False: '<span class="tag bad">wrong</span>', None: ""}[ok]
            kind = "answerable" if case.get("answerable") else "unanswerable"
            label = f'<div class="id">{esc(case.get("id"))}</div><div class="muted">{esc(case.get("lang"))} · {kind}'
            if len(turns) > 1:
                label += f" · turn {i}/{len(turns)}"
            label += f"</div>{tag}"
            answer, cites, gold = _turn_cells(turn, retrieval_only)
            rows.append(
                f"<tr><td>{label}</td><td>{esc(turn.get('question'))}</td><td>{answer}</td>"
                f"<td>{cites}</td><td>{gold}</td></tr>"
            )
    return f'<table class="failures">{head}{"".join(rows)}</table>'


def total_latencies(results: Mapping[str, Any]) -> list[float]:
    return [
        float(t["timings_ms"]["total"])
        for c in results.get("cases", [])
        for t in c.get("turns", [])
        if not t.get("error") and "total" in (t.get("timings_ms") or {})
    ]


def _config_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render_html(results: EvalRun | Mapping[str, Any]) -> str:
    res = as_dict(results)
    config, summary = res.get("config", {}), res.get("summary", {})
    retrieval_only = bool(config.get("retrieval_only"))
    n_fail = len(failed_cases(res))
    body = [
        "<h1>Eval report</h1>",
        f'<div class="meta">{esc(run_line(config, summary))}</div>',
        _cards(summary, retrieval_only),
        "<h2>Metrics</h2>",
        '<div class="charts">',
        group_chart(summary, "by_lang", "By language"),
        group_chart(summary, "by_type", "By question type"),
        group_chart(summary, "by_form", "By question form") if summary.get("by_form") else "",
        "</div>",
        _summary_table(summary),
        "<h2>Latency</h2>",
        '<div class="single">',
        histogram_svg("Total time per question", total_latencies(res)),
        "</div>",
        _latency_table(summary),
        f"<h2>Failures ({n_fail} of {len(res.get('cases', []))})</h2>",
        _failures_table(res, retrieval_only),
        "<h2>Run configuration</h2>",
        "<table>" + "".join(f"<tr><td>{esc(k)}</td><td>{esc(_config_value(v))}</td></tr>" for k, v in config.items()),
        "</table>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Eval report – {esc(config.get('backend') or 'retrieval')}</title>"
        f"<style>\n{css()}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
