"""Inline SVG charts for the HTML report and the UI's eval tab.

Hand-written SVG rather than a plotting library: the report must open
from a CI artifact or an air-gapped laptop with no scripts and no fetches,
and two chart kinds do not justify a dependency.  Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assistant.evaluation.report_format import esc, fmt_ms

CHART_METRICS = (
    "accuracy",
    "hit@5",
    "mrr@10",
    "citation_precision",
    "citation_recall",
    "language_match",
    "refusal_rate",
)
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


def bar_chart_svg(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]) -> str:
    """Grouped bars of 0..1 values; a null value is drawn as a grey "n/a"."""
    width, height = 620, 270
    left, right, top, bottom = 40, 10, 34, 46
    plot_w, plot_h = width - left - right, height - top - bottom
    group_w = plot_w / max(1, len(categories))
    bar_w = min(26.0, (group_w - 12) / max(1, len(series)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{esc(title)}" class="chart">',
        f'<text x="{left}" y="18" class="chart-title">{esc(title)}</text>',
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
                f'fill="{color}" rx="2"><title>{esc(cat)}: {float(value) * 100:.1f}%</title></rect>'
            )
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 3:.1f}" class="val" '
                f'text-anchor="middle">{float(value) * 100:.0f}</text>'
            )
        parts.append(
            f'<text x="{left + gi * group_w + group_w / 2:.1f}" y="{top + plot_h + 16}" class="cat" '
            f'text-anchor="middle">{esc(cat)}</text>'
        )
    lx = left
    for si, (name, _) in enumerate(series):
        color = PALETTE[si % len(PALETTE)]
        parts.append(f'<rect x="{lx}" y="{height - 14}" width="10" height="10" fill="{color}" rx="2"/>')
        parts.append(f'<text x="{lx + 14}" y="{height - 5}" class="legend">{esc(name)}</text>')
        lx += 24 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def group_chart(summary: Mapping[str, Any], group: str, title: str) -> str:
    """Bars of the chart metrics for each block of ``summary[group]`` (``by_lang`` or ``by_type``).

    Metrics no block has are left out, so a retrieval-only run is not a
    row of "n/a"; if none applies, all are shown and say so.
    """
    blocks = summary.get(group) or {}
    metrics = [m for m in CHART_METRICS if any((b or {}).get(m) is not None for b in blocks.values())]
    if not metrics:
        metrics = list(CHART_METRICS)
    series = [(name, [(b or {}).get(m) for m in metrics]) for name, b in blocks.items()]
    return bar_chart_svg(title, [SHORT[m] for m in metrics], series)


def histogram_svg(title: str, values_ms: Sequence[float], bins: int | None = None) -> str:
    """Histogram of latencies in ms (bin edges labelled), or a placeholder."""
    width, height = 620, 240
    left, right, top, bottom = 40, 10, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{esc(title)}" class="chart"><text x="{left}" y="18" class="chart-title">{esc(title)}</text>'
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
            f"{esc(fmt_ms(lo + i * step))}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 4}" class="legend" text-anchor="middle">'
        f"total time per question ({len(values_ms)} questions)</text></svg>"
    )
    return "".join(parts)
