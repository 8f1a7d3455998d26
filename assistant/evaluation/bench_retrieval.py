"""Retrieval benchmark: BM25, dense, hybrid and the llama-index quickstart.

Run as ``python -m assistant.evaluation.bench_retrieval --out evals/results``
(``make bench-retrieval``).  In one run it scores four systems on three
settings and writes ``retrieval-<date>.json`` and ``retrieval-<date>.md``:

* **summit**: the answerable questions of ``evals/summit.jsonl`` (the first
  turn of multi-turn cases) over the project index.  A hit is a retrieved
  passage whose ``[start, end)`` span in the corpus file covers one of the
  case's gold quotes.
* **xquad_de** / **xquad_en**: the German XQuAD dev paragraphs as corpus,
  asked in German and in English (questions of ``xquad.en.dev.json``,
  matched by id).  A hit is any passage of the question's paragraph.

Systems (``retrieval_systems``): our ``HybridRetriever`` in its three
modes, and the llama-index quickstart (``naive.quickstart_searcher``:
``VectorStoreIndex.from_documents`` with the default ``SentenceSplitter``
and top-2 dense retrieval) on the same EmbeddingGemma model with the same
query/document prompts, so that only the pipeline differs.  The quickstart
returns 2 passages, so its hit@3, hit@5 and MRR@10 are computed over
those 2.

Latency is the question's embedding time plus the system's own search
time.  The embedding is measured once per question and shared: every
system embeds the same text with the same model, and embedding each
question four times would double the run time on two cores without
changing any number.

The run also calibrates the "nothing relevant" threshold (see
``calibration``): it asks the summit set's unanswerable questions and the
clearly off-topic questions of ``data/off_topic.yaml`` and records how the
hybrid retriever's dense evidence separates them from answerable
questions.  With ``--write-calibration`` the result is written to
``assistant/retrieval/calibration.json``.

This module is the harness: it loads the questions, builds the indexes,
asks every system and assembles the report; ``retrieval_scoring`` scores,
``retrieval_markdown`` writes the Markdown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings, load_settings
from assistant.embeddings.base import Embedder
from assistant.evaluation.calibration import (
    CALIBRATION_FILE,
    calibrate,
    evidence_of,
    off_topic_questions,
    write_calibration,
)
from assistant.evaluation.naive import quickstart_searcher
from assistant.evaluation.retrieval_markdown import markdown
from assistant.evaluation.retrieval_questions import BenchQuestion, cut, summit_questions, xquad_questions
from assistant.evaluation.retrieval_scoring import run_setting
from assistant.evaluation.retrieval_systems import K, QueryClock, Searcher, our_searchers
from assistant.types import Document

if TYPE_CHECKING:  # the retriever pulls in Chroma; import it only when running
    from assistant.retrieval.retriever import HybridRetriever


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "load_average": _load()}


def _load() -> float | None:
    """1-minute load average: other jobs on a 2-core machine distort latency."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


@contextmanager
def _work_dir(path: Path) -> Iterator[Path]:
    """The folder for the XQuAD index, kept between runs.

    Embedding the 120 paragraphs and their sentences is the slowest part of
    the run; ``build_index`` skips it while the index is up to date (same
    paragraphs, model, prompts and chunking), exactly as for the project
    index.  An unusable folder falls back to a temporary one.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        print(f"warning: cannot use {path} ({err}); using a temporary folder", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp:
            yield Path(tmp)
        return
    yield path


@contextmanager
def _timed(timing: dict[str, float], key: str) -> Iterator[None]:
    """Record the seconds the block takes as ``timing[key]`` (the report's ``timing_s``)."""
    t = time.perf_counter()
    yield
    timing[key] = time.perf_counter() - t


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m assistant.evaluation.bench_retrieval", description=__doc__.split("\n")[0]
    )
    p.add_argument("--out", type=Path, default=Path("evals/results"), help="folder for retrieval-<date>.json/.md")
    p.add_argument("--limit", type=int, default=None, help="first N XQuAD paragraphs, at most N questions per set")
    p.add_argument("--xquad-dir", type=Path, default=None, help="default: ../shared/data/xquad next to the checkout")
    p.add_argument("--evalset", type=Path, default=None, help="default: evals/summit.jsonl")
    p.add_argument(
        "--work",
        type=Path,
        default=None,
        help="where the XQuAD index is kept and reused while up to date (default: <data dir>/bench-retrieval)",
    )
    p.add_argument("--write-calibration", action="store_true", help=f"write the calibration to {CALIBRATION_FILE}")
    return p.parse_args(argv)


def main(
    argv: Sequence[str] | None = None, *, settings: Settings | None = None, embedder: Embedder | None = None
) -> int:
    """Run the benchmark; ``settings``/``embedder`` let tests reuse loaded ones."""
    args = parse_args(argv)
    words = list(sys.argv[1:] if argv is None else argv)
    command = "python -m assistant.evaluation.bench_retrieval " + shlex.join(words)
    report = run(args, command, settings or load_settings(), embedder)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"retrieval-{report['date']}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(report), encoding="utf-8")
    if args.write_calibration:
        write_calibration(report)
    print(f"wrote {stem}.json and {stem}.md ({report['timing_s']['total']:.0f} s)")
    return 0


@dataclass(frozen=True)
class _Questions:
    """Every question list of one run, already cut to ``--limit``."""

    summit_docs: list[Document]
    answerable: list[BenchQuestion]
    unanswerable: list[str]
    xquad_docs: list[Document]
    xquad_de: list[BenchQuestion]
    xquad_en: list[BenchQuestion]
    off_topic: list[str]


@dataclass(frozen=True)
class _Systems:
    """Our retriever and the quickstart over each of the two corpora."""

    summit: HybridRetriever
    summit_quick: Searcher
    xquad: HybridRetriever
    xquad_quick: Searcher
    xquad_rebuilt: bool


def _questions(args: argparse.Namespace, settings: Settings) -> _Questions:
    from assistant.indexing import load_corpus

    xquad_dir = args.xquad_dir or settings.root.parent / "shared" / "data" / "xquad"
    evalset = args.evalset or settings.root / "evals" / "summit.jsonl"
    summit_docs = load_corpus(settings.corpus_dir, settings.root)
    answerable, unanswerable = summit_questions(evalset, summit_docs, args.limit)
    xq_docs, xq_de, xq_en = xquad_questions(xquad_dir, args.limit)
    off_topic = cut(list(off_topic_questions()), args.limit)
    return _Questions(summit_docs, answerable, unanswerable, xq_docs, xq_de, xq_en, off_topic)


def _systems(
    settings: Settings, emb: Embedder, clock: QueryClock, qs: _Questions, xq_dir: Path, timing: dict[str, float]
) -> _Systems:
    """Index both corpora for both pipelines; the XQuAD index in ``xq_dir`` is reused while up to date."""
    from assistant.app import chunk_params, index_corpus, load_index
    from assistant.indexing import build_index, documents_fingerprint, open_index
    from assistant.retrieval.retriever import HybridRetriever

    with _timed(timing, "summit_index"):
        index_corpus(settings, emb)
        summit = HybridRetriever(load_index(settings, emb), clock, settings.retrieval)
        summit_quick = quickstart_searcher(qs.summit_docs, clock)
    with _timed(timing, "xquad_index"):
        fingerprint = documents_fingerprint(qs.xquad_docs)
        built = build_index(xq_dir, qs.xquad_docs, emb, chunk_params(settings), fingerprint)
        xquad = HybridRetriever(open_index(xq_dir, None), clock, settings.retrieval)
    with _timed(timing, "xquad_quickstart_index"):
        xquad_quick = quickstart_searcher(qs.xquad_docs, clock)
    return _Systems(summit, summit_quick, xquad, xquad_quick, built.built)


def _ask(
    qs: _Questions, systems: _Systems, clock: QueryClock, populations: dict[str, list[float]]
) -> dict[str, dict[str, Any]]:
    """Every setting's per-system summary; records the answerable questions' evidence in ``populations``."""
    out: dict[str, dict[str, Any]] = {}
    results, populations["summit_answerable"] = run_setting(
        qs.answerable, [*our_searchers(systems.summit), systems.summit_quick], clock
    )
    out["summit"] = {k: v.summary() for k, v in results.items()}
    xquad_searchers = [*our_searchers(systems.xquad), systems.xquad_quick]
    evidence: list[float] = []
    for name, questions in (("xquad_de", qs.xquad_de), ("xquad_en", qs.xquad_en)):
        results, ev = run_setting(questions, xquad_searchers, clock)
        out[name] = {k: v.summary() for k, v in results.items()}
        evidence += ev
    populations["xquad_answerable"] = evidence
    return out


def _ask_off_topic(qs: _Questions, systems: _Systems, populations: dict[str, list[float]]) -> None:
    """The calibration's other populations: questions the hybrid retriever should find nothing for."""
    hybrid_summit = our_searchers(systems.summit)[2]
    populations["summit_unanswerable"] = evidence_of(hybrid_summit, qs.unanswerable)
    populations["off_topic_summit"] = evidence_of(hybrid_summit, qs.off_topic)
    populations["off_topic_xquad"] = evidence_of(our_searchers(systems.xquad)[2], qs.off_topic)


def run(args: argparse.Namespace, command: str, settings: Settings, embedder: Embedder | None) -> dict[str, Any]:
    from assistant.app import build_embedder

    t_start = time.perf_counter()
    host = machine()  # before the run loads the CPUs itself
    timing: dict[str, float] = {}
    emb = embedder or build_embedder(settings)
    clock = QueryClock(emb)
    with _timed(timing, "model_load"):
        emb.embed_query("warm-up")  # load the model outside any measurement
    qs = _questions(args, settings)

    populations: dict[str, list[float]] = {}
    with _work_dir(args.work or settings.data_dir / "bench-retrieval") as work:
        # One folder per slice, so a --limit run does not evict the full index.
        xq_dir = work / f"xquad-index-{'all' if args.limit is None else args.limit}"
        systems = _systems(settings, emb, clock, qs, xq_dir, timing)
        with _timed(timing, "questions"):
            settings_out = _ask(qs, systems, clock, populations)
        with _timed(timing, "calibration"):
            _ask_off_topic(qs, systems, populations)

    timing["total"] = time.perf_counter() - t_start
    return {
        "date": dt.date.today().isoformat(),
        "machine": host,
        "command": command,
        "embedding": emb.name,
        "limit": args.limit,
        "k": K,
        "retrieval_settings": settings.retrieval.model_dump(),
        "settings": settings_out,
        "summit_groups": sorted({q.group for q in qs.answerable}),
        "calibration": calibrate(populations, settings.retrieval.min_dense_score, qs.off_topic),
        "off_topic_questions": qs.off_topic,
        "timing_s": {k: round(v, 1) for k, v in timing.items()},
        "load_average_end": _load(),
        "xquad_index_rebuilt": systems.xquad_rebuilt,
        "notes": [
            "quickstart returns 2 passages; its hit@3/hit@5/MRR@10 are over those 2",
            "latency = shared per-question embedding time + the system's own search time",
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
