"""The retrieval benchmark end to end on a small slice (real model, real data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.evaluation.bench_retrieval import main
from assistant.evaluation.retrieval_systems import SYSTEM_LABELS, SYSTEMS


@pytest.fixture(scope="module")
def bench(real_settings: Any, real_embedder: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    from assistant.app import index_corpus

    out = tmp_path_factory.mktemp("bench-out")
    index_corpus(real_settings, real_embedder)  # shared with the other integration tests
    argv = ["--out", str(out), "--limit", "20", "--work", str(out / "work")]
    assert main(argv, settings=real_settings, embedder=real_embedder) == 0
    return out, json.loads(next(out.glob("retrieval-*.json")).read_text(encoding="utf-8"))


def test_writes_json_and_markdown(bench: tuple[Path, Any]) -> None:
    out, report = bench
    stem = f"retrieval-{report['date']}"
    assert (out / f"{stem}.json").is_file()
    md = (out / f"{stem}.md").read_text(encoding="utf-8")
    assert md.startswith(f"# Retrieval benchmark, {report['date']}")
    assert "nproc" in md and "--limit 20" in md
    assert report["command"].endswith("--limit 20 --work " + str(out / "work"))


def test_all_four_systems_on_every_setting(bench: tuple[Path, Any]) -> None:
    out, report = bench
    md = next(out.glob("retrieval-*.md")).read_text(encoding="utf-8")
    for setting in ("summit", "xquad_de", "xquad_en"):
        rows = report["settings"][setting]
        assert set(rows) == set(SYSTEMS)
        for row in rows.values():
            assert row["n"] == 20
            for metric in ("hit@1", "hit@3", "hit@5", "mrr@10"):
                assert 0.0 <= row[metric] <= 1.0
            assert row["hit@1"] <= row["hit@3"] <= row["hit@5"]
            assert 0 < row["p50_ms"] <= row["p95_ms"]
    for label in SYSTEM_LABELS.values():
        assert md.count(f"| {label} |") == 4  # three settings + the group table


def test_retrieval_quality_on_the_slice(bench: tuple[Path, Any]) -> None:
    _, report = bench
    for setting in ("xquad_de", "xquad_en"):
        assert report["settings"][setting]["hybrid"]["hit@5"] >= 0.9
    summit = report["settings"]["summit"]
    assert summit["hybrid"]["mrr@10"] >= summit["bm25"]["mrr@10"]


def test_calibration_is_reported(bench: tuple[Path, Any]) -> None:
    _, report = bench
    cal = report["calibration"]
    assert set(cal["at_configured"]) == {
        "summit_answerable",
        "xquad_answerable",
        "summit_unanswerable",
        "off_topic_summit",
        "off_topic_xquad",
    }
    assert cal["at_configured"]["off_topic_summit"]["n"] == 20
    # Off-topic questions score far below answerable ones on the summit index.
    dist = cal["distribution"]
    assert dist["off_topic_summit"]["median"] < dist["summit_answerable"]["median"]
    assert 0.0 < cal["recommended"]["threshold"] < 1.0
