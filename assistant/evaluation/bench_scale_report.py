"""The scale benchmark's outputs: ``bench-scale-<date>.json``, a Markdown table and a PNG plot.

The targets are the issue's (2 cores, medians); a row says whether it
meets each, so a reader need not compare numbers by eye.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# figure -> (label, unit, target test on the largest size's row, target text)
# The index is live at the end of the build, which is what a change costs in the Corpus tab; the CLI's wall
# time (Python start-up, opening the models, and the model's summary of a new file after the switch) is shown
# beside it.
TARGETS: dict[str, tuple[str, str, str]] = {
    "add_build_s": ("add one 10 KB file (incremental; in build, CLI wall)", "s", "≤ 15 s and ≤ 1 % of a full build"),
    "remove_build_s": ("remove one file (in build, CLI wall)", "s", "≤ 5 s"),
    "retrieval_p50_ms": ("warm retrieval p50", "ms", "≤ 200 ms"),
    "serve_ready_s": ("`serve` ready", "s", "≤ 15 s"),
    "serve_peak_rss_mb": ("peak RSS of `serve`", "MB", "≤ 4096 MB"),
    "chunks_per_s": ("full build throughput", "chunks/s", "≥ 4 chunks/s"),
}
COLUMNS = (
    ("documents", "docs", "{:.0f}"),
    ("chunks", "chunks", "{:.0f}"),
    ("full_build_s", "full build s", "{:.0f}"),
    ("chunks_per_s", "chunks/s", "{:.2f}"),
    ("add_s", "add 10 KB s", "{:.1f}"),
    ("add_build_s", "(in build) s", "{:.1f}"),
    ("remove_s", "remove s", "{:.1f}"),
    ("remove_build_s", "(in build) s", "{:.1f}"),
    ("retrieval_p50_ms", "retrieval p50 ms", "{:.0f}"),
    ("retrieval_p95_ms", "p95 ms", "{:.0f}"),
    ("answer_p50_s", "answer p50 s", "{:.1f}"),
    ("serve_ready_s", "serve ready s", "{:.1f}"),
    ("serve_peak_rss_mb", "serve RSS MB", "{:.0f}"),
    ("build_peak_rss_mb", "build RSS MB", "{:.0f}"),
    ("index_disk_mb", "disk MB", "{:.0f}"),
)


def _cell(row: dict[str, Any], key: str, fmt: str) -> str:
    value = row.get(key)
    if key == "full_build_s" and row.get("full_build_from") and isinstance(value, float):
        return f"{value:.0f}*"
    if key == "full_build_s" and row.get("full_build_derived"):
        return f"copied {row.get('copy_from_embedded_s', float('nan')):.0f}"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return fmt.format(value)


def meets(row: dict[str, Any], key: str, full_build_s: float | None) -> bool | None:
    """Whether ``row`` meets the target on ``key``; None where it does not apply."""
    value = row.get(key)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if key == "add_build_s":
        return bool(value <= 15 and (full_build_s is None or value <= 0.01 * full_build_s))
    limits = {"remove_build_s": 5, "retrieval_p50_ms": 200, "serve_ready_s": 15, "serve_peak_rss_mb": 4096}
    if key in limits:
        return bool(value <= limits[key])
    return bool(value >= 4) if key == "chunks_per_s" else None


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    head = "| size | store | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    for r in sorted(rows, key=lambda r: (r.get("chunks", 0), r["store"])):
        lines.append(f"| {r['size']} | {r['store']} | " + " | ".join(_cell(r, k, f) for k, _, f in COLUMNS) + " |")
    lines += ["", "| target (largest size, medians) | embedded | server | target |", "|---|---|---|---|"]
    biggest = max(rows, key=lambda r: r.get("chunks", 0))["size"] if rows else ""
    largest = [r for r in rows if r["size"] == biggest]
    by_store = {r["store"]: r for r in largest}
    full = by_store.get("embedded", {}).get("full_build_s")
    for key, (label, unit, target) in TARGETS.items():
        cells = []
        for store in ("embedded", "server"):
            got = by_store.get(store)
            ok = meets(got, key, full) if got else None
            value = got.get(key) if got else None
            shown = "–" if value is None else f"{value:.1f} {unit}"
            wall = got.get(key.replace("_build_s", "_s")) if got and key.endswith("_build_s") else None
            shown += f" ({wall:.1f} s)" if isinstance(wall, float) else ""
            cells.append(shown + ("" if ok is None else (" ✓" if ok else " ✗")))
        lines.append(f"| {label} | {cells[0]} | {cells[1]} | {target} |")
    return "\n".join(lines) + "\n"


def plot(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """Four panels against the chunk count (log scale): build, incremental change, retrieval, serve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (
        ("full build (s)", ("full_build_s",)),
        ("incremental (s)", ("add_s", "remove_s")),
        ("warm retrieval (ms)", ("retrieval_p50_ms", "retrieval_p95_ms")),
        ("serve", ("serve_ready_s", "serve_peak_rss_mb")),
    )
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    for ax, (title, keys) in zip(axes, panels, strict=True):
        for store, style in (("embedded", "-o"), ("server", "--s")):
            own = [r for r in rows if r["store"] == store]
            for key in keys:
                pts = [(r["chunks"], r[key]) for r in own if isinstance(r.get(key), (int, float))]
                if key == "serve_peak_rss_mb":
                    pts = [(x, y / 1000) for x, y in pts]  # GB, on the same axis as seconds
                if pts:
                    ax.plot(*zip(*pts, strict=True), style, label=f"{key.replace('_', ' ')} ({store})")
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_title(title + (" · RSS in GB" if title == "serve" else ""))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    fig.suptitle("summit-assistant: cost by corpus size (2 cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(rows: list[dict[str, Any]], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    stem = f"bench-scale-{time.strftime('%Y-%m-%d')}"
    (out / f"{stem}.json").write_text(json.dumps({"rows": rows, "machine": _machine()}, indent=2) + "\n")
    (out / f"{stem}.md").write_text(markdown(rows))
    plot(rows, out / f"{stem}.png")
    print(markdown(rows))


def _machine() -> dict[str, Any]:
    import os
    import platform

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "when": time.strftime("%Y-%m-%dT%H:%M")}
