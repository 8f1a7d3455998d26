"""Large builds: the int8 ONNX copy against torch in bfloat16, side by side, on XQuAD.

Speed: `assistant.evaluation.bench.xquad_build` (the 120 German XQuAD dev
paragraphs, models loaded, as `make bench` times it), each runtime in a
fresh process, alternating, REPEATS times. Quality: the eval runner on the
index each runtime builds: retrieval for the German and the English
questions, and the extractive backend's answers to the German ones
(sentence vectors pick the quoted sentence).

Run on a quiet machine:  .venv/bin/python scripts/bulk_runtime.py [OUT.json]
Env: REPEATS (3), RUNTIMES (onnx-int8,torch), QUALITY (1; 0: speed only).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XQ = ROOT.parent / "shared" / "data" / "xquad"
BIN = Path(sys.executable).parent
RUNTIMES = os.environ.get("RUNTIMES", "onnx-int8,torch").split(",")
REPEATS = int(os.environ.get("REPEATS", "3"))
T0 = time.perf_counter()


def log(*a: object) -> None:
    print(f"[{time.perf_counter() - T0:7.1f}s]", *a, flush=True)


def env(runtime: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "SUMMIT_EMBEDDING__BULK_RUNTIME": runtime}


def build(runtime: str) -> float:
    code = "import json; from assistant.evaluation.bench import xquad_build; print(json.dumps(xquad_build()))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env(runtime), cwd=ROOT
    ).stdout
    r = json.loads(out.strip().splitlines()[-1])
    return float(r["chunks"] / r["seconds"])


def evaluate(runtime: str, *extra: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [str(BIN / "assistant"), "eval", "--squad", str(XQ / "xquad.de.dev.json"), "--out", tmp, *extra]
        subprocess.run(cmd, capture_output=True, text=True, check=True, env=env(runtime), cwd=ROOT)
        summary = json.loads((Path(tmp) / "results.json").read_text())["summary"]
    keep = ("hit@1", "hit@5", "mrr@10", "exact_match", "f1", "accuracy", "grounded_accuracy", "citation_recall")
    overall = summary.get("all", summary)
    return {k: overall[k] for k in keep if overall.get(k) is not None}


speed: dict[str, list[float]] = {r: [] for r in RUNTIMES}
for rep in range(REPEATS):
    for runtime in RUNTIMES:
        speed[runtime].append(round(build(runtime), 2))
        log(f"repeat {rep + 1}: {runtime} {speed[runtime][-1]} chunks/s")
result: dict[str, object] = {
    "date": time.strftime("%Y-%m-%d %H:%M"),
    "speed_chunks_per_s": speed,
    "median_chunks_per_s": {r: statistics.median(v) for r, v in speed.items()},
}
if os.environ.get("QUALITY", "1") == "1":
    quality: dict[str, dict[str, object]] = {}
    for runtime in RUNTIMES:
        quality[runtime] = {
            "de_retrieval": evaluate(runtime, "--retrieval-only"),
            "en_de_retrieval": evaluate(runtime, "--retrieval-only", "--questions-from", str(XQ / "xquad.en.dev.json")),
            "de_extractive": evaluate(runtime, "--backend", "extractive"),
        }
        log(runtime, json.dumps(quality[runtime]))
    result["quality"] = quality
out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/bulk-runtime.json")
out.write_text(json.dumps(result, indent=2) + "\n")
log(f"wrote {out}")
