"""``make loadtest``: many concurrent sessions against ``assistant serve``, through the UI or the API.

``--client ui``: each session is its own ``gradio_client.Client`` (its own
Gradio session and ``gr.State``), asks its questions one after another, and
checks that the transcript it gets back holds its own questions only, each
with a finished answer (sources or a refusal) and no error box.

``--client api``: each session is its own ``openai`` client against
``/v1``, holding one conversation (every question a follow-up of the ones
before). It checks that each answer is complete (text, and citations unless
refused) and that the retrieval query the server reports carries no other
session's question. The server's line for the model is sized for all the
sessions, so nobody is turned away with 429. Bounded either way: a fixed
number of questions, a time limit, loopback only.

    python -m assistant.loadtest [--client ui|api] [--sessions 10] [--questions 100] [--backend B] [--out D]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from assistant.evaluation.stats import percentile, rounded
from assistant.net import free_port

QUESTIONS = (
    "Wie hoch ist der Verteidigungshaushalt 2026?",
    "Wer ist NATO-Generalsekretär?",
    "Welches Land ist der Maritimen Sicherheitspartnerschaft beigetreten?",
    "How much military aid was pledged to Ukraine for 2026?",
    "Which company helps maintain Patriot missiles?",
    "Wie viele Triton-Drohnen sollen beschafft werden?",
    "Where did the 2026 summit take place?",
    "Welche Indo-Pazifik-Partner nahmen teil?",
    "Who wrote the press release?",
    "Wie viel gibt Frankreich 2026 für Verteidigung aus?",
)


def _rss_mb(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    get = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in status if line.startswith(("VmRSS", "VmHWM"))}
    return {"rss_mb": get.get("VmRSS", 0.0), "peak_rss_mb": get.get("VmHWM", 0.0)}


def _wait_ready(url: str, timeout: float) -> float:
    import httpx

    t = time.perf_counter()
    while time.perf_counter() - t < timeout:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - t
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"server at {url} not ready after {timeout:.0f} s")


def _transcript(result: Any) -> str:
    items = result if isinstance(result, list | tuple) else [result]
    return next((x for x in items if isinstance(x, str) and "turn" in x), str(items[0]))


def session(i: int, url: str, n: int, deadline: float, out: dict[str, Any]) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    tag = f"[S{i:02d}]"
    latencies: list[float] = []
    errors: list[str] = []
    for q in range(n):
        if time.time() > deadline:
            errors.append("time limit reached")
            break
        question = f"{QUESTIONS[(i + q) % len(QUESTIONS)]} {tag}{q}"
        t = time.perf_counter()
        try:
            html = _transcript(client.predict(question, api_name="/ask"))
        except Exception as err:
            errors.append(f"{question}: {err.__class__.__name__}: {err}")
            continue
        latencies.append(time.perf_counter() - t)
        foreign = set(re.findall(r"\[S(\d\d)\]", html)) - {f"{i:02d}"}
        if foreign:
            errors.append(f"{question}: transcript holds other sessions' questions {sorted(foreign)}")
        if f"{tag}{q}" not in html:
            errors.append(f"{question}: own question missing from the transcript")
        if "error-box" in html:
            errors.append(f"{question}: error shown")
        answered = html.count('class="answer"') + html.count('class="refusal"')
        if answered < q + 1:
            errors.append(f"{question}: only {answered} answers in the transcript")
    out[str(i)] = {"latencies": latencies, "errors": errors}


def api_session(i: int, url: str, n: int, deadline: float, out: dict[str, Any]) -> None:
    """One conversation through ``/v1``, the questions untagged (a tag's digits would be refused as numbers the
    text lacks); a leak shows as a question in the server's retrieval query that this session never asked."""
    from openai import OpenAI

    client = OpenAI(base_url=f"{url}v1", api_key="loadtest", max_retries=0, timeout=1800)
    model = client.models.list().data[0].id  # the server's default backend profile
    latencies: list[float] = []
    errors: list[str] = []
    messages: list[dict[str, str]] = []
    refused = 0
    for q in range(n):
        if time.time() > deadline:
            errors.append("time limit reached")
            break
        question = QUESTIONS[(i + q) % len(QUESTIONS)]
        messages.append({"role": "user", "content": question})
        t = time.perf_counter()
        try:
            reply = client.chat.completions.create(model=model, messages=messages)  # type: ignore[arg-type]
        except Exception as err:
            errors.append(f"{question}: {err.__class__.__name__}: {err}")
            messages.pop()
            continue
        latencies.append(time.perf_counter() - t)
        text = reply.choices[0].message.content or ""
        extra = (reply.model_extra or {}).get("summit", {})
        messages.append({"role": "assistant", "content": text})
        asked = {m["content"] for m in messages if m["role"] == "user"}
        query = str(extra.get("retrieval_query", ""))
        foreign = [other for other in QUESTIONS if other in query and other not in asked]
        if foreign:
            errors.append(f"{question}: the server carried questions this session never asked: {foreign}")
        if not text.strip() or not (extra.get("refused") or extra.get("citations")):
            errors.append(f"{question}: incomplete answer {text[:80]!r}")
        refused += bool(extra.get("refused"))
    out[str(i)] = {"latencies": latencies, "errors": errors, "refused": refused}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--questions", type=int, default=100)
    p.add_argument("--client", choices=["ui", "api"], default="ui")
    p.add_argument("--backend", default="llamacpp")
    p.add_argument("--model", default="")
    p.add_argument("--time-limit", type=float, default=1800)
    p.add_argument("--out", default="evals/results")
    return p


def _start_server(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    cmd = [str(Path(sys.executable).parent / "assistant"), "serve", "--port", str(port), "--backend", args.backend]
    cmd += ["--model", args.model] if args.model else []
    cmd += ["--api-only"] if args.client == "api" else []
    # Everyone may wait for the model for as long as the run lasts: this measures the line, not its bounds.
    env = {
        **os.environ,
        "SUMMIT_SERVER__QUEUE_MAX": str(args.sessions),
        "SUMMIT_SERVER__QUEUE_TIMEOUT_S": str(args.time_limit),
    }
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = _start_server(args, port)
    try:
        ready_s = _wait_ready(url + "readyz", 300)  # the page is up at once; /readyz once the models are warm
        mem_before = _rss_mb(server.pid)
        per = max(1, args.questions // args.sessions)
        results: dict[str, Any] = {}
        deadline = time.time() + args.time_limit
        t0 = time.perf_counter()
        threads = [
            threading.Thread(
                target=api_session if args.client == "api" else session, args=(i, url, per, deadline, results)
            )
            for i in range(args.sessions)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        wall = time.perf_counter() - t0
        mem_after = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=60)
    lat = sorted(x for r in results.values() for x in r["latencies"])
    errors = [e for r in results.values() for e in r["errors"]]
    summary = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "client": args.client,
        "backend": args.backend,
        "model": args.model or "default",
        "sessions": args.sessions,
        "questions_asked": args.sessions * per,
        "answered": len(lat),
        "errors": len(errors),
        "refused": sum(int(r.get("refused", 0)) for r in results.values()),
        "error_samples": errors[:10],
        "wall_s": round(wall, 1),
        "latency_s": {
            "p50": rounded(percentile(lat, 50), 2),
            "p95": rounded(percentile(lat, 95), 2),
        },
        "server_ready_s": round(ready_s, 1),
        "memory_mb": {"before": mem_before, "after": mem_after},
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"loadtest-{time.strftime('%Y-%m-%d')}-{args.backend}-{args.client}.json").write_text(
        json.dumps(summary, indent=2)
    )
    print(json.dumps(summary, indent=2))
    return 0 if not errors and len(lat) == args.sessions * per else 1


if __name__ == "__main__":
    sys.exit(main())
