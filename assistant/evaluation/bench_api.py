"""What the ``/v1`` API adds to an answer: the same questions through the Python API and over HTTP.

Both sides run the same pipeline with the extractive backend, so an answer
takes tens of milliseconds and the difference is the API's own cost (HTTP,
JSON, the thread pool, the queue ticket). That cost does not depend on the
model: with the 1.5B model it is the same number of milliseconds on top of
seconds. Calls alternate, one at a time, after one warm-up call on each side.
The server is a real ``assistant serve --api-only`` on loopback.

    python -m assistant.evaluation.bench_api --out evals/results [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from assistant.evaluation.stats import percentile
from assistant.net import free_port


def _questions(settings: Any, limit: int) -> list[str]:
    from assistant.evaluation.evalset import load_evalset
    from assistant.indexing import load_corpus

    texts = {d.source: d.text for d in load_corpus(settings.corpus_dir, settings.root)}
    cases, _ = load_evalset(settings.root / "evals" / "summit.jsonl", texts)
    single = [c.question for c in cases if not c.turns]
    step = max(1, len(single) // limit)
    return single[::step][:limit]


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"assistant serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"assistant serve was not ready in {timeout:.0f} s")


def api_overhead(limit: int = 30) -> dict[str, Any]:
    """Per-answer milliseconds through ``Assistant.ask`` and through ``POST /v1/chat/completions``."""
    import httpx

    from assistant.app import build_assistant
    from assistant.config import load_settings

    settings = load_settings(None, **{"llm.backend": "extractive"})
    bot = build_assistant(settings)
    questions = _questions(settings, limit)
    port = free_port()
    env = {**os.environ, "SUMMIT_SERVER__RATE_LIMIT_PER_MINUTE": "0"}
    cmd = [
        str(Path(sys.executable).parent / "assistant"),
        "serve",
        "--api-only",
        "--backend",
        "extractive",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    py_ms: list[float] = []
    api_ms: list[float] = []
    same = 0
    try:
        _wait_ready(url, proc)
        with httpx.Client(timeout=120) as client:

            def over_http(q: str) -> str:
                body = {"model": "extractive", "messages": [{"role": "user", "content": q}]}
                resp = client.post(f"{url}/v1/chat/completions", json=body)
                resp.raise_for_status()
                return str(resp.json()["choices"][0]["message"]["content"])

            bot.ask(questions[0])
            over_http(questions[0])
            for q in questions:
                t = time.perf_counter()
                text = bot.ask(q).text
                py_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                served = over_http(q)
                api_ms.append((time.perf_counter() - t) * 1000)
                same += int(served == text)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    paired = [a - p for a, p in zip(api_ms, py_ms, strict=True)]
    return {
        "n": len(questions),
        "backend": "extractive",
        "python_ms": {"p50": percentile(py_ms, 50), "p95": percentile(py_ms, 95)},
        "api_ms": {"p50": percentile(api_ms, 50), "p95": percentile(api_ms, 95)},
        "overhead_ms_p50": statistics.median(paired),
        "same_answer_text": same,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="evals/results")
    p.add_argument("--limit", type=int, default=30)
    args = p.parse_args(argv)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "command": "python -m assistant.evaluation.bench_api",
        **api_overhead(args.limit),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench-api-{result['date']}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
