"""CI smoke eval: a small slice, extractive backend, real retrieval; and
proof that the quality gate can fail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = str(Path(sys.executable).parent / "assistant")


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ASSISTANT, *args], capture_output=True, text=True, timeout=600, check=False, env={**os.environ, **env}
    )


def test_smoke_eval_passes_its_gate(tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = _run(["eval", "--backend", "extractive", "--limit", "12", "--out", str(out),
              "--fail-under", "hit@5=0.7", "--fail-under", "accuracy=0.3"])  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("results.json", "report.md", "report.html"):
        assert (out / name).is_file()
    results = json.loads((out / "results.json").read_text())
    assert set(results) == {"config", "summary", "cases"} and results["summary"]["n"] == 12
    assert results["summary"]["by_lang"]


def test_broken_backend_fails_the_gate(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there: the backend is down
    r = _run(["eval", "--backend", "openai", "--limit", "4", "--out", str(tmp_path / "broken"),
              "--fail-under", "accuracy=0.5"], SUMMIT_LLM__URL=f"http://127.0.0.1:{port}", SUMMIT_LLM__TIMEOUT_S="2")  # fmt: skip
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FAIL: " in r.stderr and "accuracy" in r.stderr


def test_malformed_eval_file_reports_lines_and_keeps_the_rest(tmp_path: Path) -> None:
    good = (ROOT / "evals" / "summit.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([good[0], "{not json", good[1], '{"id": "x"}', good[2]]) + "\n", encoding="utf-8")
    r = _run(["eval", str(bad), "--retrieval-only", "--out", str(tmp_path / "o")])
    assert r.returncode == 0, r.stderr
    assert "line 2" in r.stderr and "line 4" in r.stderr
    assert json.loads((tmp_path / "o" / "results.json").read_text())["summary"]["n"] == 3
