"""Write a run's ``results.json``, ``report.md`` and ``report.html``.

Everything is rendered from the ``results.json`` dict, not from live
objects, so an old run can be re-rendered (or a teammate's run viewed)
without re-running it.

The HTML report is self-contained (inline CSS and SVG, no scripts, no web
fonts): it must open from a CI artifact or an air-gapped laptop, and it
must not phone home.  Every piece of text from a run is escaped, because
answers are model output and may contain markup such as ``<script>``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from assistant.evaluation.metrics import LATENCY_KEYS, SCALAR_METRICS
from assistant.evaluation.runner import EvalRun

CHART_METRICS = (
    "accuracy",
    "hit@5",
    "mrr@10",
    "citation_precision",
    "citation_recall",
    "language_match",
    "refusal_rate",
)
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
}
SHORT = {
    "accuracy": "accuracy",
    "hit@5": "hit@5",
    "mrr@10": "MRR@10",
    "citation_precision": "cit. prec.",
    "citation_recall": "cit. recall",
    "language_match": "lang. match",
    "refusal_rate": "refusal",
}
PALETTE = ("#2563eb", "#f59e0b", "#10b981", "#ef4444")


def _as_dict(results: EvalRun | Mapping[str, Any]) -> Mapping[str, Any]:
    return results.to_dict() if isinstance(results, EvalRun) else results


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
    """(title, block) for overall, each language and each type."""
    cols: list[tuple[str, Mapping[str, Any]]] = [("all", summary)]
    cols += [(lang, block) for lang, block in (summary.get("by_lang") or {}).items()]
    cols += [(kind, block) for kind, block in (summary.get("by_type") or {}).items()]
    return cols


def failed_cases(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Cases that failed (``passed`` is false), in run order."""
    return [c for c in results.get("cases", []) if c.get("passed") is False]


def _turn_ok(turn: Mapping[str, Any], retrieval_only: bool) -> bool | None:
    m = turn.get("metrics") or {}
    value = m.get("hit@5") if retrieval_only else m.get("accuracy")
    if turn.get("error"):
        return False
    return None if value is None else value == 1.0


def _cite_label(c: Mapping[str, Any]) -> str:
    return f"[{c.get('n')}] {c.get('source')}:{c.get('start')}-{c.get('end')}"


def _passage_label(i: int, p: Mapping[str, Any]) -> str:
    return f"{i}. {p.get('section') or '(no section)'} ({p.get('source')}:{p.get('start')}-{p.get('end')})"


def _run_line(config: Mapping[str, Any], summary: Mapping[str, Any]) -> str:
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


def _latency_cells(block: Mapping[str, Any]) -> list[str]:
    """p50, p95 of each stage for one summary block, formatted."""
    cells = []
    for key in LATENCY_KEYS:
        lat = (block.get("latency_ms") or {}).get(key) or {}
        cells += [fmt_ms(lat.get("p50")), fmt_ms(lat.get("p95"))]
    return cells


# -- Markdown -------------------------------------------------------------------
def md_cell(text: Any) -> str:
    """Table-cell safe, and raw HTML neutralised (renderers pass it through)."""
    s = "" if text is None else str(text)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def render_markdown(results: EvalRun | Mapping[str, Any]) -> str:
    res = _as_dict(results)
    config, summary = res.get("config", {}), res.get("summary", {})
    retrieval_only = bool(config.get("retrieval_only"))
    cols = columns(summary)
    out = ["# Eval report", "", md_cell(_run_line(config, summary)), "", "## Summary", ""]
    out.append("| metric | " + " | ".join(title for title, _ in cols) + " |")
    out.append("|---|" + "---:|" * len(cols))
    for metric in ("n", *SCALAR_METRICS):
        out.append(f"| {LABELS[metric]} | " + " | ".join(fmt(metric, b.get(metric)) for _, b in cols) + " |")

    out += ["", "## Latency", "", "| questions | " + " | ".join(f"{k} p50 | {k} p95" for k in LATENCY_KEYS) + " |"]
    out.append("|---|" + "---:|" * (2 * len(LATENCY_KEYS)))
    for title, block in cols:
        out.append(f"| {title} | " + " | ".join(_latency_cells(block)) + " |")

    failures = failed_cases(res)
    errors = [c for c in res.get("cases", []) if c.get("error")]
    out += ["", f"## Failures ({len(failures)} of {len(res.get('cases', []))}, {len(errors)} with errors)", ""]
    if not failures:
        out.append("None.")
    for case in failures:
        kind = "answerable" if case.get("answerable") else "unanswerable"
        out += [f"### {md_cell(case.get('id'))} ({md_cell(case.get('lang'))}, {kind})", ""]
        turns = case.get("turns", [])
        for i, turn in enumerate(turns, 1):
            ok = _turn_ok(turn, retrieval_only)
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
                out.append(f"  - citation {md_cell(_cite_label(c))}: „{md_cell(c.get('quote'))}“")
            if retrieval_only:
                for j, p in enumerate(turn.get("passages", [])[:5], 1):
                    out.append(f"  - passage {md_cell(_passage_label(j, p))}")
            for q in turn.get("gold_quotes", []):
                out.append(f"  - gold quote: „{md_cell(q)}“")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- SVG ------------------------------------------------------------------------
def _e(text: Any) -> str:
    return escape("" if text is None else str(text), quote=True)


def bar_chart_svg(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> str:
    """Grouped bars of 0..1 values; a null value is drawn as a grey "n/a"."""
    width, height = 620, 270
    left, right, top, bottom = 40, 10, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    group_w = plot_w / max(1, len(categories))
    bar_w = min(26.0, (group_w - 12) / max(1, len(series)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(title)}" class="chart">',
        f'<text x="{left}" y="18" class="chart-title">{_e(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick * 100:.0f}%</text>')
    for gi, cat in enumerate(categories):
        gx = left + gi * group_w + (group_w - bar_w * len(series)) / 2
        for si, (_, values) in enumerate(series):
            value = values[gi]
            x = gx + si * bar_w
            color = PALETTE[si % len(PALETTE)]
            if value is None:
                parts.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - 4:.1f}" class="na" '
                    f'text-anchor="middle">n/a</text>'
                )
                continue
            v = max(0.0, min(1.0, float(value)))
            h = plot_h * v
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                f'fill="{color}" rx="2"><title>{_e(cat)}: {float(value) * 100:.1f}%</title></rect>'
            )
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" class="val" '
                f'text-anchor="middle">{float(value) * 100:.0f}</text>'
            )
        parts.append(
            f'<text x="{left + gi * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" class="cat" '
            f'text-anchor="middle">{_e(cat)}</text>'
        )
    lx = left
    for si, (name, _) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{lx + 14}" y="{height - 5}" class="legend">{_e(name)}</text>')
        lx += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def histogram_svg(title: str, values_ms: Sequence[float], bins: int | None = None) -> str:
    """Histogram of latencies in ms (bin edges labelled), or a placeholder."""
    width, height = 620, 240
    left, right, top, bottom = 40, 10, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e(title)}" class="chart"><text x="{left}" y="18" class="chart-title">{_e(title)}</text>'
    )
    if not values_ms:
        return head + f'<text x="{width / 2}" y="{height / 2}" class="na" text-anchor="middle">no timings</text></svg>'
    n_bins = bins or max(5, min(20, round(len(values_ms) ** 0.5)))
    lo, hi = min(values_ms), max(values_ms)
    span = (hi - lo) or 1.0
    step = span / n_bins
    counts = [0] * n_bins
    for v in values_ms:
        counts[min(n_bins - 1, int((v - lo) / step))] += 1
    peak = max(counts)
    bar_w = plot_w / n_bins
    parts = [head]
    for tick in range(0, peak + 1, max(1, -(-peak // 4))):
        y = top + plot_h * (1 - tick / peak)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{tick}</text>')
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        x = left + i * bar_w
        a, b = lo + i * step, lo + (i + 1) * step
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(1.0, bar_w - 2):.1f}" '
            f'height="{h:.1f}" fill="{PALETTE[0]}" rx="1"><title>{fmt_ms(a)} – {fmt_ms(b)}: {count}</title></rect>'
        )
    label_every = max(1, n_bins // 5)
    for i in range(0, n_bins + 1, label_every):
        x = left + i * bar_w
        anchor = "start" if i == 0 else "end" if i == n_bins else "middle"
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" class="tick" text-anchor="{anchor}">'
            f"{_e(fmt_ms(lo + i * step))}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" class="legend" text-anchor="middle">'
        f"total time per question ({len(values_ms)} questions)</text></svg>"
    )
    return "".join(parts)


# -- HTML -----------------------------------------------------------------------
CSS = """
:root { --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f9fafb; --ok:#047857; --bad:#b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; padding: 28px 36px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin-bottom: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 12px; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .v { font-size: 22px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.na { color: var(--muted); }
.single { max-width: 640px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.chart { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
.chart text { font-family: inherit; fill: var(--fg); }
.chart .chart-title { font-size: 13px; font-weight: 600; }
.chart .tick, .chart .legend { font-size: 10px; fill: var(--muted); }
.chart .cat { font-size: 10.5px; }
.chart .val { font-size: 9px; fill: var(--muted); }
.chart .na { font-size: 9px; fill: #9ca3af; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.failures td { font-size: 13px; }
.failures .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: nowrap; }
.tag { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 11px; background: var(--line); }
.tag.bad { background: #fee2e2; color: var(--bad); }
.tag.ok { background: #d1fae5; color: var(--ok); }
.err { color: var(--bad); font-weight: 600; }
ul.q { margin: 0; padding-left: 16px; }
ul.q li { margin-bottom: 6px; }
.quote { border-left: 3px solid #c7d2fe; padding: 1px 0 1px 8px; margin: 4px 0; color: #374151; }
.src { color: var(--muted); font-size: 11px; font-family: ui-monospace, Menlo, Consolas, monospace; }
.muted { color: var(--muted); }
"""


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
    return (
        '<div class="cards">'
        + "".join(f'<div class="card"><div class="v">{_e(v)}</div><div class="k">{_e(k)}</div></div>' for k, v in items)
        + "</div>"
    )


def _summary_table(summary: Mapping[str, Any]) -> str:
    cols = columns(summary)
    head = "<tr><th>metric</th>" + "".join(f'<th class="num">{_e(t)}</th>' for t, _ in cols) + "</tr>"
    rows = []
    for metric in ("n", *SCALAR_METRICS):
        cells = []
        for _, block in cols:
            value = block.get(metric)
            cls = "num na" if value is None else "num"
            cells.append(f'<td class="{cls}">{_e(fmt(metric, value))}</td>')
        rows.append(f"<tr><td>{_e(LABELS[metric])}</td>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _latency_table(summary: Mapping[str, Any]) -> str:
    head = (
        "<tr><th>questions</th>"
        + "".join(f'<th class="num">{_e(k)} p50</th><th class="num">{_e(k)} p95</th>' for k in LATENCY_KEYS)
        + "</tr>"
    )
    rows = []
    for title, block in columns(summary):
        cells = "".join(f'<td class="{"num na" if c == "n/a" else "num"}">{_e(c)}</td>' for c in _latency_cells(block))
        rows.append(f"<tr><td>{_e(title)}</td>{cells}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _chart(summary: Mapping[str, Any], group: str, title: str) -> str:
    blocks = summary.get(group) or {}
    metrics = [m for m in CHART_METRICS if any((b or {}).get(m) is not None for b in blocks.values())]
    if not metrics:
        metrics = list(CHART_METRICS)
    series = [(name, [(b or {}).get(m) for m in metrics]) for name, b in blocks.items()]
    return bar_chart_svg(title, [SHORT[m] for m in metrics], series)


def _turn_cells(turn: Mapping[str, Any], retrieval_only: bool) -> tuple[str, str, str]:
    """(answer, citations or passages, gold) cells for one failed turn."""
    answer = ""
    if turn.get("error"):
        answer += f'<div class="err">error: {_e(turn["error"])}</div>'
    if not retrieval_only and turn.get("answer") is not None:
        if turn.get("refused"):
            answer += '<span class="tag">refused</span> '
        answer += _e(turn.get("answer"))
    if retrieval_only:
        items = [_e(_passage_label(i, p)) for i, p in enumerate(turn.get("passages", [])[:5], 1)]
    else:
        items = [
            f'<span class="src">{_e(_cite_label(c))}</span><div class="quote">{_e(c.get("quote"))}</div>'
            for c in turn.get("citations", [])
        ]
    cites = (
        '<ul class="q">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
        if items
        else ('<span class="muted">none</span>')
    )
    gold = ""
    if turn.get("reference"):
        gold += f'<div><span class="muted">expected:</span> {_e(turn["reference"])}</div>'
    quotes = turn.get("gold_quotes", [])
    if quotes:
        gold += "".join(f'<div class="quote">{_e(q)}</div>' for q in quotes)
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
            ok = _turn_ok(turn, retrieval_only)
            tag = {True: '<span class="tag ok">ok</span>', False: '<span class="tag bad">wrong</span>', None: ""}[ok]
            kind = "answerable" if case.get("answerable") else "unanswerable"
            label = f'<div class="id">{_e(case.get("id"))}</div><div class="muted">{_e(case.get("lang"))} · {kind}'
            if len(turns) > 1:
                label += f" · turn {i}/{len(turns)}"
            label += f"</div>{tag}"
            answer, cites, gold = _turn_cells(turn, retrieval_only)
            rows.append(
                f"<tr><td>{label}</td><td>{_e(turn.get('question'))}</td><td>{answer}</td>"
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
    res = _as_dict(results)
    config, summary = res.get("config", {}), res.get("summary", {})
    retrieval_only = bool(config.get("retrieval_only"))
    n_fail = len(failed_cases(res))
    body = [
        "<h1>Eval report</h1>",
        f'<div class="meta">{_e(_run_line(config, summary))}</div>',
        _cards(summary, retrieval_only),
        "<h2>Metrics</h2>",
        '<div class="charts">',
        _chart(summary, "by_lang", "By language"),
        _chart(summary, "by_type", "By question type"),
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
        "<table>" + "".join(f"<tr><td>{_e(k)}</td><td>{_e(_config_value(v))}</td></tr>" for k, v in config.items()),
        "</table>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Eval report – {_e(config.get('backend') or 'retrieval')}</title>"
        f"<style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def write_report(results: EvalRun | Mapping[str, Any], out_dir: Path | str) -> dict[str, Path]:
    """Write results.json, report.md and report.html into ``out_dir``; return their paths."""
    res = _as_dict(results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "results.json", "markdown": out / "report.md", "html": out / "report.html"}
    paths["json"].write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(render_markdown(res), encoding="utf-8")
    paths["html"].write_text(render_html(res), encoding="utf-8")
    return paths
