"""The `make bench` table: every measured column, and each target judged from its own number."""

from __future__ import annotations

import copy
from typing import Any

from assistant.evaluation.bench import markdown, targets


def _lat(embed: float, retrieve: float, first: float, total: float) -> dict[str, dict[str, float]]:
    return {
        "embed": {"p50": embed, "p95": embed * 2},
        "retrieve": {"p50": retrieve, "p95": retrieve * 2},
        "first_token": {"p50": first, "p95": first * 2},
        "total": {"p50": total, "p95": total * 2},
    }


def _row(name: str, accuracy: float, lat: dict[str, Any]) -> dict[str, Any]:
    return {
        "row": name,
        "n": 40,
        "accuracy": accuracy,
        "grounded_accuracy": accuracy,
        "prompt_tokens_median": 500,
        "gen_tokens_per_s": 25.0,
        "latency_ms": lat,
        "peak_rss_mb": 2000.0,
    }


RESULT: dict[str, Any] = {
    "date": "2026-11-29",
    "machine": "2 cores",
    "command": "make bench",
    "rows": [
        _row("ours-1.5b", 0.9, _lat(41, 45, 2083, 3010)),
        _row("naive-llama-index-1.5b", 0.65, _lat(52, 53, 13062, 13917)),
    ],
    "other": {
        "cold_ask": {"first_token_s": 7.4, "total_s": 9.1},
        "help_s": 0.05,
        "serve": {"ready_s": 9.2, "peak_rss_mb": 2574.0},
        "index": {"summit_cold_s": 11.4, "xquad_chunks": 239, "xquad_chunks_per_s": 4.6},
    },
}


def test_the_table_shows_p50_and_p95_of_every_stage() -> None:
    md = markdown(RESULT)
    assert "| ours-1.5b | 0.90 | 0.90 | 500 | 41 / 82 ms | 45 / 90 ms | 2083 / 4166 ms | 3010 / 6020 ms |" in md
    assert "6.3× faster" in md and "| baseline |" in md


def test_each_target_is_judged_by_its_measured_value() -> None:
    judged = {name: ok for name, _, ok in targets(RESULT)}
    assert len(judged) == 10 and all(judged.values())
    slow = copy.deepcopy(RESULT)
    slow["other"]["index"]["xquad_chunks_per_s"] = 3.5
    slow["rows"][0]["latency_ms"]["first_token"]["p50"] = 7000.0  # also under 2x faster than naive
    judged = {name: ok for name, _, ok in targets(slow)}
    failed = sorted(name for name, ok in judged.items() if not ok)
    assert failed == [
        "XQuAD dev paragraphs ≥ 4 chunks/s",
        "first token ≥ 2× faster than naive llama-index",
        "warm first token p50 ≤ 3.5 s (1.5B)",
    ]
    assert "| XQuAD dev paragraphs ≥ 4 chunks/s | 3.5 | not met |" in markdown(slow)
