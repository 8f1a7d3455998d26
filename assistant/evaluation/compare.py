"""Compare two eval runs: summary deltas and per-case flips, as Markdown.

Averages hide trade-offs: a change can keep accuracy flat while breaking
five cases and fixing five others.  So besides the metric deltas the
comparison lists every case that went pass→fail or fail→pass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.evaluation.metrics import LATENCY_KEYS, LOWER_IS_BETTER, SCALAR_METRICS
from assistant.evaluation.report_format import fmt, fmt_ms
from assistant.evaluation.report_markdown import md_cell

# Differences smaller than this are noise from rounding, not a change.
_EPS = 1e-9
# Latency jitters between identical runs; a smaller relative change is "≈".
LATENCY_TOLERANCE = 0.05


def load_results(path: Path | str) -> dict[str, Any]:
    """Read a run's ``results.json``; ``path`` may be the run folder itself."""
    p = Path(path)
    if p.is_dir():
        p = p / "results.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssistantError(f"no eval results at {p}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AssistantError(f"cannot read eval results {p}: {exc}") from None
    if not isinstance(data, dict) or "summary" not in data or "cases" not in data:
        raise AssistantError(f"{p} is not an eval results file (needs 'summary' and 'cases')")
    return data


def _verdict(delta: float, lower_is_better: bool) -> str:
    if abs(delta) < _EPS:
        return "="
    better = delta < 0 if lower_is_better else delta > 0
    return "✅ improved" if better else "❌ regressed"


def _row(label: str, a: Any, b: Any, *, lower_is_better: bool, ms: bool, metric: str = "") -> str:
    shown_a = fmt_ms(a) if ms else fmt(metric, a)
    shown_b = fmt_ms(b) if ms else fmt(metric, b)
    if a is None or b is None:
        return f"| {label} | {shown_a} | {shown_b} | n/a | |"
    delta = float(b) - float(a)
    if ms and abs(delta) <= LATENCY_TOLERANCE * abs(float(a)):
        return f"| {label} | {shown_a} | {shown_b} | {delta:+,.0f} ms | ≈ |"
    if ms:
        shown_d = f"{delta:+,.0f} ms"
    elif metric == "mrr@10":
        shown_d = f"{delta:+.3f}"
    else:
        shown_d = f"{delta * 100:+.1f} pt"
    return f"| {label} | {shown_a} | {shown_b} | {shown_d} | {_verdict(delta, lower_is_better)} |"


def _name(results: Mapping[str, Any], fallback: str) -> str:
    c = results.get("config") or {}
    if c.get("retrieval_only"):
        return f"{fallback} (retrieval)"
    parts = [str(x) for x in (c.get("backend"), c.get("model")) if x]
    return f"{fallback} ({' / '.join(parts)})" if parts else fallback


def compare(results_a: Mapping[str, Any], results_b: Mapping[str, Any]) -> str:
    """Markdown: metrics of A and B with deltas (B − A), then per-case flips.

    Latency changes within ``LATENCY_TOLERANCE`` (relative) are marked "≈"
    rather than improved/regressed, since timings jitter between runs.
    """
    sa, sb = results_a.get("summary") or {}, results_b.get("summary") or {}
    name_a, name_b = _name(results_a, "A"), _name(results_b, "B")
    out = [f"# Eval comparison: {md_cell(name_a)} → {md_cell(name_b)}", ""]
    out += _summary_rows(sa, sb)
    out += _group_sections(sa, sb)
    out += _case_changes(results_a, results_b)
    return "\n".join(out) + "\n"


def _summary_rows(sa: Mapping[str, Any], sb: Mapping[str, Any]) -> list[str]:
    """The overall table: every scalar metric, then p50/p95 of each latency stage."""
    out = ["| metric | A | B | Δ (B − A) | |", "|---|---:|---:|---:|---|"]
    out.append(f"| cases | {sa.get('n', 0)} | {sb.get('n', 0)} | | |")
    for metric in SCALAR_METRICS:
        out.append(_row(metric, sa.get(metric), sb.get(metric), lower_is_better=metric in LOWER_IS_BETTER,
                        ms=False, metric=metric))  # fmt: skip
    for key in LATENCY_KEYS:
        la = (sa.get("latency_ms") or {}).get(key) or {}
        lb = (sb.get("latency_ms") or {}).get(key) or {}
        for p in ("p50", "p95"):
            out.append(_row(f"latency {key} {p}", la.get(p), lb.get(p), lower_is_better=True, ms=True))
    return out


def _group_sections(sa: Mapping[str, Any], sb: Mapping[str, Any]) -> list[str]:
    """One table per language and per question type, leaving out metrics neither run has there."""
    out: list[str] = []
    for group in ("by_lang", "by_type"):
        keys = list(dict.fromkeys([*(sa.get(group) or {}), *(sb.get(group) or {})]))
        for key in keys:
            ba = (sa.get(group) or {}).get(key) or {}
            bb = (sb.get(group) or {}).get(key) or {}
            rows = [
                _row(m, ba.get(m), bb.get(m), lower_is_better=m in LOWER_IS_BETTER, ms=False, metric=m)
                for m in SCALAR_METRICS
                if ba.get(m) is not None or bb.get(m) is not None
            ]
            if rows:
                out += ["", f"### {key}", "", "| metric | A | B | Δ (B − A) | |", "|---|---:|---:|---:|---|"]
                out += rows
    return out


def _case_changes(results_a: Mapping[str, Any], results_b: Mapping[str, Any]) -> list[str]:
    """Cases that flipped between the runs, with both answers, and cases only one run has."""
    cases_a = {c.get("id"): c for c in results_a.get("cases", [])}
    cases_b = {c.get("id"): c for c in results_b.get("cases", [])}
    common = [cid for cid in cases_a if cid in cases_b]
    broke = [cid for cid in common if cases_a[cid].get("passed") is True and cases_b[cid].get("passed") is False]
    fixed = [cid for cid in common if cases_a[cid].get("passed") is False and cases_b[cid].get("passed") is True]
    only_a = [cid for cid in cases_a if cid not in cases_b]
    only_b = [cid for cid in cases_b if cid not in cases_a]

    out = ["", "## Per-case changes", ""]
    out.append(f"{len(common)} cases in both runs: {len(broke)} pass → fail, {len(fixed)} fail → pass.")
    for title, ids in (("Regressed (pass → fail)", broke), ("Fixed (fail → pass)", fixed)):
        out += ["", f"### {title}", ""]
        if not ids:
            out.append("None.")
            continue
        out += ["| case | question | A answer | B answer |", "|---|---|---|---|"]
        for cid in ids:
            a, b = cases_a[cid], cases_b[cid]
            answer_a = a.get("error") or a.get("answer")
            answer_b = b.get("error") or b.get("answer")
            out.append(f"| {md_cell(cid)} | {md_cell(a.get('question'))} | {md_cell(answer_a)} | {md_cell(answer_b)} |")
    if only_a or only_b:
        out += ["", "### Not in both runs", ""]
        if only_a:
            out.append(f"- only in A: {', '.join(md_cell(c) for c in only_a)}")
        if only_b:
            out.append(f"- only in B: {', '.join(md_cell(c) for c in only_b)}")
    return out
