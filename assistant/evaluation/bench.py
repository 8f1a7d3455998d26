"""``make bench``: speed and accuracy, side by side, on this machine.

Each pipeline row runs in its own process (so peak RSS is its own) on the
same summit questions; the parent also times a cold ``assistant ask``,
``assistant --help``, ``assistant serve`` until ready, and index builds.
Results go to ``evals/results/bench-<date>.json`` and ``.md``.

    python -m assistant.evaluation.bench --out evals/results [--limit N]
    python -m assistant.evaluation.bench --row ours-1.5b --limit N --json F   (one row; used internally)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.evaluation.stats import percentile
from assistant.net import free_port

ROWS = ("ours-1.5b", "ours-0.5b", "ours-extractive", "naive-llama-index-1.5b")


def _cases(settings: Any, limit: int | None) -> tuple[list[Any], dict[str, str]]:
    """Single-turn answerable and unanswerable summit cases (multi-turn: first turn)."""
    from dataclasses import replace

    from assistant.evaluation.evalset import load_evalset
    from assistant.evaluation.runner import load_cases
    from assistant.indexing import load_corpus

    texts = {d.source: d.text for d in load_corpus(settings.corpus_dir, settings.root)}
    cases, _ = load_evalset(settings.root / "evals" / "summit.jsonl", texts)
    single = [replace(c, turns=()) if c.turns else c for c in cases]
    return load_cases(single, texts, limit=limit), texts


def run_row(row: str, limit: int | None) -> dict[str, Any]:
    from assistant.app import EXTRACTIVE, build_assistant, build_retriever
    from assistant.config import load_settings
    from assistant.evaluation.naive import NaiveLlamaIndex
    from assistant.evaluation.runner import run_eval
    from assistant.indexing import load_corpus
    from assistant.llm.factory import make_llm
    from assistant.llm.metered import MeteredLLM

    over = {
        "ours-1.5b": {"llm.backend": "llamacpp", "llm.model": "qwen2.5-coder-1.5b"},
        "ours-0.5b": {"llm.backend": "llamacpp", "llm.model": "qwen2.5-coder-0.5b"},
        "ours-extractive": {"llm.backend": "extractive"},
        "naive-llama-index-1.5b": {"llm.backend": "llamacpp", "llm.model": "qwen2.5-coder-1.5b"},
    }[row]
    settings = load_settings(None, **over)
    cases, texts = _cases(settings, limit)
    retriever = build_retriever(settings)
    retriever.embedder.embed_query("warm-up")
    inner = make_llm(settings)
    llm = MeteredLLM(inner, inner.count_tokens) if inner is not None and hasattr(inner, "count_tokens") else None
    if llm is not None:  # warm the model and its system-prompt cache, as `serve` does at start
        build_assistant(settings, retriever=retriever, llm=llm).ask("Wer ist NATO-Generalsekretär?")
        llm.meter.prompt_tokens.clear()
        llm.meter.gen_tokens.clear()
        llm.meter.gen_seconds.clear()
    if row.startswith("naive"):
        assert llm is not None
        answerer: Any = NaiveLlamaIndex(load_corpus(settings.corpus_dir, settings.root), retriever.embedder, llm)
    else:
        answerer = build_assistant(settings, retriever=retriever, llm=llm if llm is not None else EXTRACTIVE)
    run = run_eval(cases, answerer, corpus_texts=texts)
    # second_opinion: the sampled second reply of the answer check (JSON only; absent for extractive and naive).
    lat: dict[str, list[float]] = {"embed": [], "retrieve": [], "first_token": [], "total": [], "second_opinion": []}
    for case in run.cases:
        for turn in case.turns:
            for key in lat:
                if key in turn.timings_ms:
                    lat[key].append(float(turn.timings_ms[key]))
    meter = llm.meter if llm is not None else None
    tps = sum(meter.gen_tokens) / sum(meter.gen_seconds) if meter is not None and sum(meter.gen_seconds) > 0 else None
    return {
        "row": row,
        "model": answerer.model,
        "n": run.summary["n"],
        "accuracy": run.summary["accuracy"],
        "grounded_accuracy": run.summary["grounded_accuracy"],
        "citation_precision": run.summary["citation_precision"],
        "refusal_rate": run.summary["refusal_rate"],
        "false_refusal_rate": run.summary["false_refusal_rate"],
        "prompt_tokens_median": statistics.median(meter.prompt_tokens) if meter and meter.prompt_tokens else 0,
        "gen_tokens_per_s": tps,
        "latency_ms": {k: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for k, v in lat.items()},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _assistant_bin() -> str:
    return str(Path(sys.executable).parent / "assistant")


def time_help() -> float:
    t = time.perf_counter()
    subprocess.run([_assistant_bin(), "--help"], capture_output=True, check=True)
    return time.perf_counter() - t


def cold_ask(question: str = "Wie hoch ist der Verteidigungshaushalt 2026?") -> dict[str, float]:
    """Launch to first answer byte, and to exit, of a new `assistant ask`."""
    t = time.perf_counter()
    proc = subprocess.Popen([_assistant_bin(), "ask", question], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    proc.stdout.read(1)
    first = time.perf_counter() - t
    proc.stdout.read()
    proc.wait()
    return {"first_token_s": first, "total_s": time.perf_counter() - t}


def serve_ready(timeout: float = 300, env: dict[str, str] | None = None) -> dict[str, float]:
    """Seconds from launching ``assistant serve`` (with ``env``) until /readyz, and its peak RSS in MB."""
    import httpx

    port = free_port()
    t = time.perf_counter()
    proc = subprocess.Popen(
        [_assistant_bin(), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    ready = None
    rss = 0.0
    try:
        while time.perf_counter() - t < timeout:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:  # models warm
                    ready = time.perf_counter() - t
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"ready_s": ready or float("nan"), "peak_rss_mb": rss}


def _summit_build(summaries: str) -> float:
    """Seconds for a cold ``assistant index`` of the summit corpus, its summaries made as ``summaries`` says."""
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        env = {**os.environ, "SUMMIT_PATHS__INDEX": tmp, "SUMMIT_ANSWER__SUMMARIES": summaries}
        subprocess.run([_assistant_bin(), "index", "-q"], env=env, check=True, capture_output=True)
        return time.perf_counter() - t


def index_builds() -> dict[str, float]:
    summit_s = _summit_build("extractive")
    llm_s = _summit_build("llm")
    code = "import json; from assistant.evaluation.bench import xquad_build; print(json.dumps(xquad_build()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    xq = json.loads(out.strip().splitlines()[-1])
    return {
        "summit_cold_s": summit_s,
        "summit_llm_summaries_s": llm_s,
        "xquad_chunks": xq["chunks"],
        "xquad_chunks_per_s": xq["chunks"] / xq["seconds"],
    }


def open_questions(limit: int | None) -> dict[str, Any]:
    """The open-question set with the default 1.5B model: time to the first shown point, the whole answer,
    and a whole-document question answered from the summary built with the index (a fresh build, so that
    its summary is the model's)."""
    from assistant.app import build_assistant, build_embedder, build_retriever, index_corpus
    from assistant.config import load_settings
    from assistant.evaluation.evalset import load_evalset
    from assistant.evaluation.runner import load_cases, run_eval
    from assistant.indexing import load_corpus
    from assistant.llm.factory import make_llm

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(None, **{"paths.index": tmp})
        embedder = build_embedder(settings)
        llm = make_llm(settings)
        index_corpus(settings, embedder, llm=llm)
        bot = build_assistant(settings, retriever=build_retriever(settings, embedder), llm=llm)
        bot.ask("Wer ist NATO-Generalsekretär?")  # warm, as `serve` does
        texts = {d.source: d.text for d in load_corpus(settings.corpus_dir, settings.root)}
        loaded, _ = load_evalset(settings.root / "evals" / "summit-open.jsonl", texts)
        answerable = [c for c in loaded if c.answerable]
        if limit is not None and limit < len(answerable):
            answerable = [answerable[int(i * len(answerable) / limit)] for i in range(limit)]
        run = run_eval(load_cases(answerable, texts), bot, corpus_texts=texts)
        lat: dict[str, list[float]] = {"first_token": [], "total": []}
        for case in run.cases:
            for turn in case.turns:
                for key in lat:
                    lat[key].append(float(turn.timings_ms.get(key, 0.0)))
        stored = []
        for _ in range(5):
            t = time.perf_counter()
            bot.ask("Worum geht es in der Pressemitteilung?")
            stored.append((time.perf_counter() - t) * 1000)
    return {
        "n": len(answerable),
        "key_point_recall": run.summary["key_point_recall"],
        "point_precision": run.summary["point_precision"],
        "latency_ms": {k: {"p50": percentile(v, 50), "p95": percentile(v, 95)} for k, v in lat.items()},
        "stored_summary_ms": {"p50": percentile(stored, 50)},
    }


def xquad_build() -> dict[str, float]:
    """Index the 120 German XQuAD dev paragraphs with loaded models: embedding throughput, not start-up."""
    from assistant.app import build_embedder, index_documents
    from assistant.config import load_settings
    from assistant.embeddings.routed import RoutedEmbedder
    from assistant.evaluation.squad import load_squad

    settings = load_settings()
    embedder = build_embedder(settings)
    if isinstance(loaded := embedder.load(), RoutedEmbedder):
        loaded.bulk()  # a build this size goes to the bulk runtime
    squad = load_squad(settings.root.parent / "shared" / "data" / "xquad" / "xquad.de.dev.json", "de")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        result = index_documents(settings, squad.documents, embedder, Path(tmp))
        return {"chunks": result.chunks, "seconds": time.perf_counter() - t}


def _machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return f"{os.cpu_count()} cores, {cpu or platform.processor()}, Python {platform.python_version()}"


def _fmt(v: Any, nd: int = 0) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def markdown(result: dict[str, Any]) -> str:
    rows = result["rows"]
    naive = next((r for r in rows if r["row"].startswith("naive")), None)
    lines = [
        f"Measured {result['date']} on {result['machine']}; command: `{result['command']}`; "
        f"{rows[0]['n']} summit questions per row (same questions, one run).",
        "",
        "| pipeline | accuracy | grounded accuracy | prompt tokens | embed p50 / p95 | retrieve p50 / p95 "
        "| first token p50 / p95 | total p50 / p95 | gen tok/s | peak RSS | first token vs naive |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lat = r["latency_ms"]
        ratio = ""
        if naive is not None and lat["first_token"]["p50"] and naive["latency_ms"]["first_token"]["p50"]:
            ratio = f"{naive['latency_ms']['first_token']['p50'] / lat['first_token']['p50']:.1f}× faster"
        lines.append(
            f"| {r['row']} | {_fmt(r['accuracy'], 2)} | {_fmt(r.get('grounded_accuracy'), 2)} "
            f"| {_fmt(r['prompt_tokens_median'])} "
            f"| {_fmt(lat['embed']['p50'])} / {_fmt(lat['embed']['p95'])} ms "
            f"| {_fmt(lat['retrieve']['p50'])} / {_fmt(lat['retrieve']['p95'])} ms "
            f"| {_fmt(lat['first_token']['p50'])} / {_fmt(lat['first_token']['p95'])} ms "
            f"| {_fmt(lat['total']['p50'])} / {_fmt(lat['total']['p95'])} ms | {_fmt(r['gen_tokens_per_s'], 1)} "
            f"| {_fmt(r['peak_rss_mb'])} MB | {ratio if not r['row'].startswith('naive') else 'baseline'} |"
        )
    o = result["other"]
    lines += [
        "",
        f"- cold `assistant ask`: first token {o['cold_ask']['first_token_s']:.1f} s, "
        f"answer complete {o['cold_ask']['total_s']:.1f} s",
        f"- `assistant --help`: {o['help_s']:.2f} s",
        f"- `assistant serve` ready: {o['serve']['ready_s']:.1f} s, peak RSS {o['serve']['peak_rss_mb']:.0f} MB",
        f"- the /v1 API adds {o['api']['overhead_ms_p50']:.1f} ms per answer (median of {o['api']['n']} paired calls)",
        f"- index build: summit corpus from cold {o['index']['summit_cold_s']:.1f} s; "
        f"XQuAD dev {o['index']['xquad_chunks']} chunks at {o['index']['xquad_chunks_per_s']:.1f} chunks/s; "
        f"summit with the 1.5B model's summaries {o['index'].get('summit_llm_summaries_s', float('nan')):.1f} s",
    ]
    if "open" in o:
        op = o["open"]
        lat = op["latency_ms"]
        lines.append(
            f"- open questions ({op['n']} of `evals/summit-open.jsonl`, 1.5B): first point "
            f"{lat['first_token']['p50'] / 1000:.1f} / {lat['first_token']['p95'] / 1000:.1f} s p50 / p95, "
            f"whole answer {lat['total']['p50'] / 1000:.1f} / {lat['total']['p95'] / 1000:.1f} s, key-point recall "
            f"{_fmt(op['key_point_recall'], 2)}, point precision {_fmt(op['point_precision'], 2)}; "
            f"a summary question from the stored summary {op['stored_summary_ms']['p50'] / 1000:.2f} s p50"
        )
    lines += ["", "| target | measured | met? |", "|---|---|---|"]
    for name, value, ok in targets(result):
        lines.append(f"| {name} | {value} | {'met' if ok else 'not met'} |")
    return "\n".join(lines) + "\n"


def targets(result: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The issue's targets, each with its measured value and whether it is met."""
    rows = {r["row"]: r for r in result["rows"]}
    o = result["other"]
    out: list[tuple[str, str, bool]] = []
    ours, naive = rows.get("ours-1.5b"), rows.get("naive-llama-index-1.5b")
    if ours is not None:
        lat = ours["latency_ms"]
        ft, total, ev = lat["first_token"]["p50"], lat["total"]["p50"], lat["retrieve"]["p50"]
        out.append(("warm first token p50 ≤ 3.5 s (1.5B)", f"{ft / 1000:.2f} s", ft <= 3500))
        out.append(("warm full answer p50 ≤ 6 s (1.5B)", f"{total / 1000:.2f} s", total <= 6000))
        out.append(("evidence shown p50 ≤ 0.3 s", f"{ev / 1000:.3f} s", ev <= 300))
        if naive is not None:
            ratio = naive["latency_ms"]["first_token"]["p50"] / ft
            out.append(("first token ≥ 2× faster than naive llama-index", f"{ratio:.1f}×", ratio >= 2))
            acc_ok = (ours["accuracy"] or 0) >= (naive["accuracy"] or 0)
            out.append(("accuracy ≥ naive llama-index", f"{ours['accuracy']:.2f} vs {naive['accuracy']:.2f}", acc_ok))
    cold, helps = o["cold_ask"]["first_token_s"], o["help_s"]
    out.append(("cold `assistant ask` to first token ≤ 12 s", f"{cold:.1f} s", cold <= 12))
    out.append(("`assistant --help` ≤ 1 s", f"{helps:.2f} s", helps <= 1))
    idx = o["index"]
    out.append(("summit index build from cold ≤ 15 s", f"{idx['summit_cold_s']:.1f} s", idx["summit_cold_s"] <= 15))
    out.append(
        ("XQuAD dev paragraphs ≥ 4 chunks/s", f"{idx['xquad_chunks_per_s']:.1f}", idx["xquad_chunks_per_s"] >= 4)
    )
    if "summit_llm_summaries_s" in idx:
        llm_s = idx["summit_llm_summaries_s"]
        out.append(("summit index with the 1.5B model's summaries ≤ 90 s", f"{llm_s:.1f} s", llm_s <= 90))
    if "open" in o:
        lat, stored = o["open"]["latency_ms"], o["open"]["stored_summary_ms"]["p50"]
        first, whole = lat["first_token"]["p50"], lat["total"]["p95"]
        out.append(("open question: first point p50 ≤ 3.5 s", f"{first / 1000:.1f} s", first <= 3500))
        out.append(("open question: whole answer p95 ≤ 15 s", f"{whole / 1000:.1f} s", whole <= 15000))
        out.append(("summary question from the stored summary p50 ≤ 1 s", f"{stored / 1000:.2f} s", stored <= 1000))
    api = o["api"]["overhead_ms_p50"]
    out.append(("the /v1 API adds ≤ 50 ms per answer over the Python API (median)", f"{api:.1f} ms", api <= 50))
    rss = o["serve"]["peak_rss_mb"]
    out.append(("`serve` peak RSS ≤ 3.5 GB (both models loaded, warmed)", f"{rss:.0f} MB", rss <= 3584))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="evals/results")
    p.add_argument("--limit", type=int, default=40, help="questions per row (0 = all)")
    p.add_argument("--row", choices=ROWS)
    p.add_argument("--rows", default=",".join(ROWS))
    p.add_argument("--json")
    p.add_argument("--open-limit", type=int, default=16, help="open questions timed (0 = all answerable)")
    p.add_argument("--no-open", action="store_true", help="skip the open-question timings")
    args = p.parse_args(argv)
    limit = args.limit or None
    if args.row:
        Path(args.json).write_text(json.dumps(run_row(args.row, limit)))
        return 0
    rows = []
    for row in args.rows.split(","):
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            cmd = [sys.executable, "-m", "assistant.evaluation.bench", "--row", row, "--json", f.name]
            subprocess.run([*cmd, "--limit", str(args.limit)], check=True)
            rows.append(json.loads(Path(f.name).read_text()))
        print(f"{row}: done", file=sys.stderr)
    from assistant.evaluation.bench_api import api_overhead

    other = {"help_s": time_help(), "cold_ask": cold_ask(), "serve": serve_ready(), "index": index_builds()}
    other["api"] = api_overhead()
    if not args.no_open:
        code = (
            "import json, sys; from assistant.evaluation.bench import open_questions; "
            f"print(json.dumps(open_questions({args.open_limit or None})))"
        )
        out_ = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        other["open"] = json.loads(out_.strip().splitlines()[-1])
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": _machine(),
        "command": f"make bench (python -m assistant.evaluation.bench --limit {args.limit})",
        "rows": rows,
        "other": other,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"bench-{result['date']}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2))
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
