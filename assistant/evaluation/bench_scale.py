"""`make bench-scale`: what a corpus costs as it grows, from one press release to a thousand-page manual.

Three corpora, staged into a scratch folder: the summit text; the XQuAD
paragraphs (one file each) plus the Debian Reference; and the German GIMP
manual with part of the English one (Debian's ``gimp-help-de`` and
``gimp-help-en``, fetched with ``apt-get download`` into the cache and
never committed). At each size, with the embedded store and with a
Chroma server that this benchmark starts, every figure comes from the
real CLI and server in a subprocess, one job at a time:

- full build (``assistant index --rebuild``), its chunks/s and peak RSS;
- adding and removing one 10 KB text file (incremental ``assistant index``);
- warm retrieval p50/p95 and warm answer p50 with the default model;
- ``assistant serve`` ready time (``/readyz``) and its peak RSS;
- the index's size on disk.

Where a full build of the largest corpus with the server would repeat
the embedded one's embedding work, ``--server-full large`` is off by
default: the server index is made from the embedded one instead (the
vectors are copied, nothing is embedded), which the JSON marks as such.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.evaluation.bench_scale_corpora import ADDED_NAME, added_text, stage
from assistant.evaluation.stats import percentile
from assistant.ingest.loaders import corpus_files
from assistant.net import ChromaServer, free_port

ROOT = Path(__file__).resolve().parents[2]
SIZES = ("summit", "medium", "large")
STORES = ("embedded", "server")
# Questions each corpus can answer, so that a warm answer is an answer and not a quick refusal.
QUESTIONS = {
    "summit": (
        "Wie hoch ist der Verteidigungshaushalt 2026?",
        "Welche Länder sind der Sicherheitspartnerschaft beigetreten?",
        "Where was the summit held?",
        "Was beschlossen die Staaten zur Luftverteidigung?",
    ),
    "medium": (
        "Wie installiere ich ein Paket mit apt-get?",
        "Was ist der Unterschied zwischen apt und aptitude?",
        "What did the committee decide about the name of the university?",
        "Wie viele Einwohner hat die Stadt?",
    ),
    "large": (
        "Wie kann ich eine Ebene transparent machen?",
        "Was macht das Werkzeug Rechteckige Auswahl?",
        "How do I crop an image?",
        "Wie speichere ich ein Bild als JPEG?",
    ),
}


def _assistant() -> str:
    return str(Path(sys.executable).parent / "assistant")


def median(values: list[float]) -> float | None:
    return percentile(values, 50)


def _run(args: list[str], env: dict[str, str], timeout: float = 7200) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, stdout) of one ``assistant`` command; a failure raises with its stderr."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([_assistant(), *args], env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"assistant {' '.join(args)} exited {proc.returncode}: {err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def _env(corpus: Path, index: Path, chroma_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMIT_")}
    env.update(
        SUMMIT_PATHS__CORPUS=str(corpus),
        SUMMIT_PATHS__INDEX=str(index),
        SUMMIT_PATHS__ROOT=str(corpus.parent),
        SUMMIT_STORE__CHROMA_URL=chroma_url,
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


def _built_seconds(stdout: str) -> float:
    """The build's own seconds from ``Index built: N chunks in X.Ys`` (without Python start-up and model load)."""
    for line in stdout.splitlines():
        if line.startswith("Index built:"):
            return float(line.split(" in ", 1)[1].split("s", 1)[0])
    return float("nan")


def _chunks(stdout: str) -> int:
    for line in stdout.splitlines():
        if line.startswith("Index built:"):
            return int(line.split("Index built: ", 1)[1].split(" ", 1)[0])
    return 0


def incremental(corpus: Path, env: dict[str, str], reps: int) -> dict[str, Any]:
    """Add and remove one 10 KB file ``reps`` times; each is one ``assistant index`` run."""
    add, add_build, remove, remove_build = [], [], [], []
    target = corpus / ADDED_NAME
    for _ in range(reps):
        target.write_text(added_text(), encoding="utf-8")
        s, _, out = _run(["index", "-q"], env)
        add.append(s)
        add_build.append(_built_seconds(out))
        target.unlink()
        s, _, out = _run(["index", "-q"], env)
        remove.append(s)
        remove_build.append(_built_seconds(out))
    return {
        "add_s": median(add),
        "add_build_s": median(add_build),
        "remove_s": median(remove),
        "remove_build_s": median(remove_build),
        "added_bytes": len(added_text().encode()),
        "reps": reps,
    }


PROBE = """
import json, sys, time
from assistant.app import build_assistant, build_retriever
from assistant.config import load_settings
from assistant.evaluation.stats import percentile
questions, asks = json.loads(sys.argv[1]), int(sys.argv[2])
settings = load_settings()
retriever = build_retriever(settings)
for q in questions:
    retriever.retrieve(q, k=settings.retrieval.top_k)
took = []
for _ in range(3):
    for q in questions:
        t = time.perf_counter(); retriever.retrieve(q, k=settings.retrieval.top_k); took.append(time.perf_counter() - t)
bot = build_assistant(settings, retriever=retriever)
answers = []
if asks:
    bot.ask(questions[0])
    for q in questions[1 : asks + 1]:
        t = time.perf_counter(); bot.ask(q); answers.append(time.perf_counter() - t)
print(json.dumps({"retrieval_p50_ms": 1000 * percentile(took, 50), "retrieval_p95_ms": 1000 * percentile(took, 95),
                  "answer_p50_s": percentile(answers, 50), "answers": len(answers)}))
"""


def warm_latency(env: dict[str, str], questions: tuple[str, ...], asks: int) -> dict[str, Any]:
    """Warm retrieval over ``questions``, three rounds, and ``asks`` answers after one warm-up answer."""
    cmd = [sys.executable, "-m", "assistant.offline", sys.executable, "-c", PROBE, json.dumps(questions), str(asks)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600, check=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def serve_ready(env: dict[str, str]) -> dict[str, float]:
    from assistant.evaluation.bench import serve_ready as launch

    got = launch(timeout=600, env=env)
    return {"serve_ready_s": got["ready_s"], "serve_peak_rss_mb": got["peak_rss_mb"]}


def _du(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1024 / 1024 if path.exists() else 0.0


EARLIER_KEYS = ("chunks", "full_build_s", "chunks_per_s", "build_peak_rss_mb", "full_build_derived")


def _earlier(path: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows an earlier run printed (one JSON object a line, as ``measure`` prints them), by (size, store)."""
    if not path:
        return {}
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.startswith("{")]
    return {(r["size"], r["store"]): r for r in rows if "full_build_s" in r}


def measure(size: str, store: str, work: Path, server: ChromaServer | None, args: argparse.Namespace) -> dict[str, Any]:
    """Every figure for one corpus size and one store."""
    corpus = work / size / "corpus"
    index = work / size / f"index-{store}"
    url = server.url if server is not None else ""
    env = _env(corpus, index, url)
    row: dict[str, Any] = {"size": size, "store": store}
    docs = len(corpus_files(corpus))
    derived = store == "server" and size not in args.server_full
    if derived:  # the server index from the embedded one: vectors copied, nothing embedded
        shutil.copytree(work / size / "index-embedded", index, dirs_exist_ok=True)
    server_before = _du(server.path) if server is not None else 0.0
    prior = args.earlier.get((size, store))
    if prior is not None and (index / "CURRENT").is_file():  # the full build measured by an earlier run
        _run(["index", "-q"], env)  # up to date with the staged corpus; not timed
        row.update({k: prior[k] for k in EARLIER_KEYS if k in prior}, documents=docs, full_build_from=args.full_from)
    else:
        seconds, rss, out = _run(["index", "-q"] if derived else ["index", "-q", "--rebuild"], env)
        chunks = _chunks(out)
        row.update(documents=docs, chunks=chunks, full_build_derived=derived, build_peak_rss_mb=rss)
        row["copy_from_embedded_s" if derived else "full_build_s"] = seconds
        if not derived:
            row["chunks_per_s"] = chunks / seconds
    row.update(incremental(corpus, env, args.reps))
    row.update(warm_latency(env, QUESTIONS[size], args.asks))
    row.update(serve_ready(env))
    row["index_disk_mb"] = _du(index) + ((_du(server.path) - server_before) if server is not None else 0.0)
    print(json.dumps(row), flush=True)
    return row


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    work = Path(args.work)
    rows: list[dict[str, Any]] = []
    for size in args.sizes:
        say(f"staging {size}")
        stage(size, work / size / "corpus", ROOT, Path(args.cache))
        for store in args.stores:
            say(f"{size} / {store}")
            if store == "server":
                server = ChromaServer(work / size / "chroma-server", free_port())
                server.start()
                try:
                    rows.append(measure(size, store, work, server, args))
                finally:
                    server.stop()
            else:
                rows.append(measure(size, store, work, None, args))
    return rows


def say(msg: str) -> None:
    print(f"[bench-scale {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None, write: Callable[[list[dict[str, Any]], Path], None] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--out", default="evals/results")
    p.add_argument("--sizes", nargs="+", default=list(SIZES), choices=SIZES)
    p.add_argument("--stores", nargs="+", default=list(STORES), choices=STORES)
    p.add_argument("--server-full", nargs="*", default=["summit", "medium"], choices=SIZES)
    p.add_argument("--reps", type=int, default=3, help="incremental add/remove repetitions (medians)")
    p.add_argument("--asks", type=int, default=3, help="timed answers per size and store")
    p.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "summit-bench-scale"))
    p.add_argument("--cache", default=str(Path.home() / ".cache" / "summit-assistant" / "bench-scale"))
    p.add_argument(
        "--full-from",
        default="",
        help="a log of an earlier run: where its index is still there, take its full-build figures from it",
    )
    args = p.parse_args(argv)
    args.earlier = _earlier(args.full_from)
    if "embedded" not in args.stores and set(args.sizes) - set(args.server_full):
        p.error("a server index without --server-full is copied from the embedded one: include --stores embedded")
    rows = run(args)
    from assistant.evaluation.bench_scale_report import write_report

    (write or write_report)(rows, Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
