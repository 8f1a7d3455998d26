"""The retrieval benchmark's ``retrieval-<date>.md``: the results table, the summit groups, the threshold.

Rendered from the report dict alone (the ``.json`` written beside it), so
a recorded run re-renders without re-running it.  Each section is its own
function; ``markdown`` only puts them in order.
"""

from __future__ import annotations

from typing import Any

from assistant.evaluation.retrieval_systems import SYSTEM_LABELS, SYSTEMS

SETTINGS_ORDER = ("summit", "xquad_de", "xquad_en")
SETTING_LABELS = {
    "summit": "summit (de+en+typo)",
    "xquad_de": "XQuAD de→de",
    "xquad_en": "XQuAD en→de",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.0f}"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    lines = _header(report) + _results_table(report) + _notes(report) + _groups_table(report)
    lines += _threshold(report["calibration"])
    return "\n".join(lines)


def _header(report: dict[str, Any]) -> list[str]:
    """Title and the conditions of the run: latency on a shared 2-core machine means little without them."""
    m = report["machine"]
    return [
        f"# Retrieval benchmark, {report['date']}",
        "",
        f"Machine: {m['nproc']} CPUs (nproc), {m['cpu']}; load average {m['load_average']} at the start, "
        f"{report['load_average_end']} at the end. Command: `{report['command']}`. "
        f"Embedding: {report['embedding']}. Total run time: {report['timing_s']['total']:.0f} s "
        f"(XQuAD index {'built' if report['xquad_index_rebuilt'] else 'reused'}: "
        f"{report['timing_s']['xquad_index']:.0f} s).",
        "",
    ]


def _results_table(report: dict[str, Any]) -> list[str]:
    lines = [
        "| setting | system | n | hit@1 | hit@3 | hit@5 | MRR@10 | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for setting in SETTINGS_ORDER:
        systems = report["settings"].get(setting, {})
        for name in SYSTEMS:
            r = systems.get(name)
            if r is None:
                continue
            cells = [r["n"], r["hit@1"], r["hit@3"], r["hit@5"], r["mrr@10"], r["p50_ms"], r["p95_ms"]]
            lines.append(
                f"| {SETTING_LABELS[setting]} | {SYSTEM_LABELS[name]} | " + " | ".join(map(_fmt, cells)) + " |"
            )
    return lines


def _notes(report: dict[str, Any]) -> list[str]:
    """What the table cannot say: the quickstart's handicap and what a latency includes."""
    bm25_alone = _fmt(report["settings"]["summit"].get("bm25", {}).get("bm25_search_p50_ms"))
    return [
        "",
        "† The quickstart returns 2 passages (`similarity_top_k=2`): its hit@3, hit@5 and MRR@10 are "
        "computed over those 2. Its passages are `SentenceSplitter` nodes (1024 tokens), mostly whole "
        "XQuAD paragraphs and about a third of the summit text each, so a hit there is easier than with "
        "our ~700-character chunks.",
        "",
        "Latency = the question's embedding time (measured once per question, shared by all systems) + "
        "the system's own search time. The BM25 row includes the embedding because `retrieve` computes "
        "dense evidence in every mode for the relevance flag; "
        f"BM25 search alone: p50 {bm25_alone} ms "
        "on the summit index.",
        "",
    ]


def _groups_table(report: dict[str, Any]) -> list[str]:
    groups = report["summit_groups"]
    lines = [
        "## Summit set by question group (hit@3)",
        "",
        "| system | " + " | ".join(groups) + " |",
        "|---|" + "---:|" * len(groups),
    ]
    for name in SYSTEMS:
        r = report["settings"].get("summit", {}).get(name)
        if r is None:
            continue
        cells = [r["by_group"].get(g, {}).get("hit@3") for g in groups]
        lines.append(f"| {SYSTEM_LABELS[name]} | " + " | ".join(map(_fmt, cells)) + " |")
    return lines


def _threshold(cal: dict[str, Any]) -> list[str]:
    """The nothing-relevant threshold: recommended vs configured, each population, what slips through."""
    rec = cal["recommended"]
    lines = [
        "",
        "Groups: `de`/`en` = German/English questions, `typo` = misspelled and all-lower-case questions.",
        "",
        "## Nothing-relevant threshold",
        "",
        f"Score: {cal['score']}. Recommended threshold {rec['threshold']:.2f} ({rec.get('reason', '')}); "
        f"configured `retrieval.min_dense_score` = {cal['configured_min_dense_score']}.",
        "",
        "| questions | n | min | median | max | flagged at configured |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, stats in cal["at_configured"].items():
        dist = cal["distribution"].get(name, {})
        lines.append(
            f"| {name} | {stats['n']} | {_fmt(dist.get('min'))} | {_fmt(dist.get('median'))} | "
            f"{_fmt(dist.get('max'))} | {stats['flagged']} ({_fmt(stats['rate'])}) |"
        )
    missed = cal["off_topic_not_caught_at_configured"]
    lines += [
        "",
        "Off-topic questions above the threshold: "
        + "; ".join(f"{k}: " + (", ".join(f"„{q}“" for q in v) or "none") for k, v in missed.items())
        + ".",
        "",
        "Unanswerable summit questions are on-topic by design (a number the text does not give): "
        "the threshold is not expected to catch them; the answering step has to.",
        "",
    ]
    return lines
