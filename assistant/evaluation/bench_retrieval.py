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

Systems: our ``HybridRetriever`` in its three modes, and the llama-index
quickstart (``VectorStoreIndex.from_documents`` with the default
``SentenceSplitter`` and top-2 dense retrieval) on the same EmbeddingGemma
model with the same query/document prompts, so that only the pipeline
differs.  The quickstart returns 2 passages, so its hit@3, hit@5 and
MRR@10 are computed over those 2.

Latency is the question's embedding time plus the system's own search
time.  The embedding is measured once per question and shared: every
system embeds the same text with the same model, and embedding each
question four times would double the run time on two cores without
changing any number.

The run also calibrates the "nothing relevant" threshold (see
``calibrate``): it asks the summit set's unanswerable questions and the
clearly off-topic questions in ``OFF_TOPIC`` and records how the hybrid
retriever's dense evidence separates them from answerable questions.  With
``--write-calibration`` the result is written to
``assistant/retrieval/calibration.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.config import Settings, load_settings
from assistant.embeddings.base import Embedder, Vector, WrappedEmbedder
from assistant.evaluation.evalset import load_evalset
from assistant.evaluation.squad import load_squad
from assistant.types import Document

if TYPE_CHECKING:  # the retriever pulls in Chroma; import it only when running
    from assistant.retrieval.retriever import HybridRetriever, Mode

# (source, start, end): a half-open character span of a corpus document.
Span = tuple[str, int, int]

K = 10
QUICKSTART_TOP_K = 2
SYSTEMS = ("bm25", "dense", "hybrid", "quickstart")
SYSTEM_LABELS = {
    "bm25": "BM25 only",
    "dense": "dense only",
    "hybrid": "hybrid (ours)",
    "quickstart": "llama-index quickstart (top-2)†",
}
SETTINGS_ORDER = ("summit", "xquad_de", "xquad_en")
SETTING_LABELS = {
    "summit": "summit (de+en+typo)",
    "xquad_de": "XQuAD de→de",
    "xquad_en": "XQuAD en→de",
}
CALIBRATION_FILE = Path(__file__).resolve().parents[1] / "retrieval" / "calibration.json"
#: Share of answerable questions that may be flagged "nothing relevant".
MAX_FALSE_IRRELEVANT = 0.01

#: Questions no document of this project answers.  They calibrate the
#: "nothing relevant" threshold from below: the threshold should catch them
#: while keeping (almost) all answerable questions.
OFF_TOPIC: tuple[str, ...] = (
    "Wie backe ich Brot?",
    "What is the capital of Peru?",
    "Wie wird das Wetter morgen in Hamburg?",
    "How do I reset my iPhone?",
    "Welche Zutaten braucht man für einen Käsekuchen?",
    "Who won the FIFA World Cup in 2014?",
    "Wie lange muss ein Ei kochen, bis es hart ist?",
    "What is the boiling point of water at sea level?",
    "Wie viele Einwohner hat Brasilien?",
    "How do I install Python on Windows?",
    "Was ist der beste Dünger für Tomaten?",
    "Who painted the Mona Lisa?",
    "Wie pflege ich eine Orchidee richtig?",
    "What is the speed of light?",
    "Welcher Fluss ist der längste in Afrika?",
    "How many calories are in a banana?",
    "Wann wurde Johann Sebastian Bach geboren?",
    "What's a good recipe for pancakes?",
    "Wie funktioniert eine Wärmepumpe?",
    "Which planet is closest to the sun?",
    "Wie schreibe ich eine Bewerbung?",
    "How do I tie a tie?",
    "Was kostet ein Ticket für den Eiffelturm?",
    "What is the plot of Hamlet?",
    "Welche Hunderasse eignet sich für Familien?",
    "How do vaccines work?",
    "Wie spät ist es in Tokio?",
    "Who is the lead singer of Coldplay?",
    "Wie berechnet man den Flächeninhalt eines Kreises?",
    "What are the rules of chess castling?",
    "Wo kann ich in Berlin gut Sushi essen?",
    "How tall is Mount Everest?",
    "Wie entferne ich Rotweinflecken aus dem Teppich?",
    "What is photosynthesis?",
    "Hallo, wie geht es dir?",
    "Tell me a joke.",
    "Welche Filme laufen heute im Kino?",
    "How do I convert Celsius to Fahrenheit?",
    "Wie lerne ich am schnellsten Spanisch?",
    "What is the stock price of Apple today?",
)


# -- questions and gold --------------------------------------------------------


@dataclass(frozen=True)
class BenchQuestion:
    """One question and what counts as a relevant passage for it.

    SQuAD style gold is a whole paragraph (``gold_source``); summit gold is
    a set of quote spans that a passage must cover.
    """

    id: str
    text: str
    group: str
    gold_source: str | None = None
    gold_spans: tuple[Span, ...] = ()

    def is_hit(self, span: Span) -> bool:
        source, start, end = span
        if self.gold_source is not None:
            return source == self.gold_source
        return any(s == source and start <= a and b <= end for s, a, b in self.gold_spans)


def quote_spans(quotes: Sequence[str], texts: dict[str, str], source: str | None) -> tuple[Span, ...]:
    """Every occurrence of every quote, in ``source`` or else in any text."""
    spans: list[Span] = []
    for src, text in texts.items():
        if source is not None and src != source:
            continue
        for quote in quotes:
            at = text.find(quote) if quote else -1
            while at >= 0:
                spans.append((src, at, at + len(quote)))
                at = text.find(quote, at + 1)
    return tuple(spans)


def summit_questions(
    evalset: Path, docs: Sequence[Document], limit: int | None
) -> tuple[list[BenchQuestion], list[str]]:
    """Answerable questions with gold spans, and the unanswerable questions.

    Multi-turn cases contribute their first turn only: later turns ("Und
    bis wann?") are retrieved with a rewritten query, which is the chat
    layer's job and not measured here.
    """
    cases, issues = load_evalset(evalset)
    if issues:
        print(f"warning: {len(issues)} eval-set line(s) skipped, first: {issues[0]}", file=sys.stderr)
    texts = {d.source: d.text for d in docs}
    answerable: list[BenchQuestion] = []
    unanswerable: list[str] = []
    for case in cases:
        if not case.answerable:
            unanswerable.append(case.question)
            continue
        first = case.as_turns()[0]
        group = "typo" if "typo" in case.id else case.lang
        spans = quote_spans(first.gold_quotes, texts, case.source)
        answerable.append(BenchQuestion(case.id, first.question, group, gold_spans=spans))
    return _cut(answerable, limit), _cut(unanswerable, limit)


def xquad_questions(
    xquad_dir: Path, limit: int | None
) -> tuple[list[Document], list[BenchQuestion], list[BenchQuestion]]:
    """German paragraphs, German questions, English questions (by id)."""
    german = load_squad(xquad_dir / "xquad.de.dev.json", "de", limit=limit)
    english = load_squad(xquad_dir / "xquad.de.dev.json", "de", xquad_dir / "xquad.en.dev.json", limit=limit)
    if english.skipped:
        print(f"warning: {len(english.skipped)} question id(s) missing from the English file", file=sys.stderr)

    def convert(questions: Sequence[Any], lang: str) -> list[BenchQuestion]:
        return [BenchQuestion(q.id, q.question, lang, gold_source=q.doc_source) for q in questions]

    return (
        german.documents,
        _cut(convert(german.questions, "de"), limit),
        _cut(convert(english.questions, "en"), limit),
    )


def _cut(items: list[Any], limit: int | None) -> list[Any]:
    return items if limit is None else items[:limit]


# -- systems -------------------------------------------------------------------


class QueryClock(WrappedEmbedder):
    """An embedder that embeds each question once and remembers how long it took.

    All four systems embed the same question text with the same model; the
    clock lets them share one embedding and still report a latency that
    includes it (see the module docstring).  Documents pass through.
    """

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self._vectors: dict[str, Vector] = {}
        self.ms: dict[str, float] = {}

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> Vector:
        vec = self._vectors.get(text)
        if vec is None:
            t = time.perf_counter()
            vec = self.inner.embed_query(text)
            self.ms[text] = (time.perf_counter() - t) * 1000
            self._vectors[text] = vec
        return vec


@dataclass
class Outcome:
    """What one system returned for one question."""

    spans: list[Span]
    ms: float
    evidence: float | None = None
    bm25_ms: float | None = None


class Searcher:
    """A system under test: question in, ranked passage spans out."""

    def __init__(self, name: str, search: Callable[[str], Outcome]) -> None:
        self.name = name
        self.search = search


def our_searchers(retriever: HybridRetriever) -> list[Searcher]:
    """BM25, dense and hybrid: the three modes of one ``HybridRetriever``."""

    def make(mode: Mode) -> Searcher:
        def search(question: str) -> Outcome:
            t = time.perf_counter()
            r = retriever.retrieve(question, k=K, mode=mode)
            ms = (time.perf_counter() - t) * 1000
            spans = [(h.chunk.source, h.chunk.start, h.chunk.end) for h in r.hits]
            return Outcome(spans, ms, r.evidence, r.timings_ms.get("bm25"))

        return Searcher(mode, search)

    return [make("bm25"), make("dense"), make("hybrid")]


def quickstart_searcher(docs: Sequence[Document], embedder: Embedder) -> Searcher:
    """The llama-index starter pipeline over ``docs``, top-2 dense retrieval.

    Documents carry no metadata, so the embedded node text is the passage
    text alone, as with our chunks.  ``embed_model`` and the splitter are
    passed explicitly: the global ``Settings`` singleton is never touched,
    and nothing can fall back to a default (downloaded) model.
    """
    from llama_index.core import Document as LlamaDocument
    from llama_index.core import VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    texts = {d.source: d.text for d in docs}
    index = VectorStoreIndex.from_documents(
        [LlamaDocument(text=d.text, id_=d.source) for d in docs],
        embed_model=llama_embedding(embedder),
        transformations=[SentenceSplitter()],
    )
    retriever = index.as_retriever(similarity_top_k=QUICKSTART_TOP_K)

    def search(question: str) -> Outcome:
        t = time.perf_counter()
        found = retriever.retrieve(question)
        ms = (time.perf_counter() - t) * 1000
        return Outcome([_node_span(n.node, texts) for n in found], ms)

    return Searcher("quickstart", search)


def llama_embedding(embedder: Embedder) -> Any:
    """Our embedder as a llama-index ``BaseEmbedding``.

    Why not ``HuggingFaceEmbedding``: wrapping the very object our index
    uses guarantees the same model file, prompts and normalisation, so the
    comparison measures the pipeline and nothing else; and it cannot try
    to download anything.  Defined lazily because llama-index is slow to
    import and only the benchmark needs it.
    """
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class _Wrapped(BaseEmbedding):
        _inner: Embedder = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=64)
            self._inner = inner

        @classmethod
        def class_name(cls) -> str:
            return "SummitEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.embed_query(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.embed_documents([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.embed_documents(texts)

    return _Wrapped(embedder)


def _node_span(node: Any, texts: dict[str, str]) -> Span:
    source = str(node.ref_doc_id)
    start, end = node.start_char_idx, node.end_char_idx
    if start is None or end is None:  # the splitter could not place it
        content = node.get_content()
        start = texts.get(source, "").find(content)
        end = start + len(content) if start >= 0 else -1
    return (source, int(start), int(end))


# -- scoring -------------------------------------------------------------------


@dataclass
class SystemResult:
    """Ranks and latencies of one system on one setting."""

    ids: list[str] = field(default_factory=list)
    ranks: list[int | None] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    bm25_ms: list[float] = field(default_factory=list)

    def add(self, question: BenchQuestion, outcome: Outcome, embed_ms: float) -> None:
        rank = next((i for i, span in enumerate(outcome.spans[:K], 1) if question.is_hit(span)), None)
        self.ids.append(question.id)
        self.ranks.append(rank)
        self.ms.append(outcome.ms + embed_ms)
        self.groups.append(question.group)
        if outcome.bm25_ms is not None:
            self.bm25_ms.append(outcome.bm25_ms)

    def summary(self) -> dict[str, Any]:
        out = _rank_metrics(self.ranks)
        out["p50_ms"] = _percentile(self.ms, 50)
        out["p95_ms"] = _percentile(self.ms, 95)
        if self.bm25_ms:
            out["bm25_search_p50_ms"] = _percentile(self.bm25_ms, 50)
        by_group: dict[str, list[int | None]] = {}
        for group, rank in zip(self.groups, self.ranks, strict=True):
            by_group.setdefault(group, []).append(rank)
        out["by_group"] = {g: _rank_metrics(r) for g, r in sorted(by_group.items())}
        # Which questions failed, so that a change in the numbers can be traced.
        out["misses@3"] = [qid for qid, r in zip(self.ids, self.ranks, strict=True) if r is None or r > 3]
        return out


def _rank_metrics(ranks: Sequence[int | None]) -> dict[str, Any]:
    n = len(ranks)

    def hit(depth: int) -> float | None:
        return round(sum(1 for r in ranks if r is not None and r <= depth) / n, 4) if n else None

    mrr = round(sum(1 / r for r in ranks if r is not None) / n, 4) if n else None
    return {"n": n, "hit@1": hit(1), "hit@3": hit(3), "hit@5": hit(5), "mrr@10": mrr}


def _percentile(values: Sequence[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def run_setting(
    questions: Sequence[BenchQuestion], searchers: Sequence[Searcher], clock: QueryClock
) -> tuple[dict[str, SystemResult], list[float]]:
    """Ask every question of one setting to every system.

    Returns the per-system results and the hybrid evidence per question
    (for the relevance calibration).
    """
    results = {s.name: SystemResult() for s in searchers}
    evidence: list[float] = []
    for q in questions:
        clock.embed_query(q.text)  # timed once, then shared
        for s in searchers:
            outcome = s.search(q.text)
            results[s.name].add(q, outcome, clock.ms[q.text])
            if s.name == "hybrid" and outcome.evidence is not None:
                evidence.append(outcome.evidence)
    return results, evidence


# -- relevance calibration -----------------------------------------------------


def recommend_threshold(answerable: Mapping[str, Sequence[float]], off_topic: Sequence[float]) -> dict[str, Any]:
    """The "nothing relevant" threshold on the best dense evidence.

    Rule: the threshold may flag at most 1 % (``MAX_FALSE_IRRELEVANT``) of
    the answerable questions *of each population* (summit, XQuAD), so that
    the large XQuAD sample cannot hide a bad rate on the product's own
    corpus.  That gives an upper bound.  If the off-topic questions (asked
    against the summit index) all score below every answerable question,
    the threshold goes halfway between the two (a margin on both sides for
    questions not in the data), capped by the bound; otherwise it is the
    bound itself.  It is rounded down to 0.01.
    """
    bounds = {}
    for name, values in answerable.items():
        ordered = sorted(values)
        if ordered:
            bounds[name] = ordered[math.floor(MAX_FALSE_IRRELEVANT * len(ordered))]
    if not bounds:
        return {"threshold": 0.0, "bound": None, "reason": "no answerable questions"}
    bound = min(bounds.values())
    lowest = min(min(v) for v in answerable.values() if v)
    highest_off = max(off_topic, default=-1.0)
    if highest_off < lowest:
        value = min(bound, (highest_off + lowest) / 2)
        reason = "separable: halfway between the highest off-topic and the lowest answerable score"
    else:
        value = bound
        reason = "overlapping: the highest threshold that keeps the false-irrelevant rate within the limit"
    return {
        "threshold": math.floor(value * 100) / 100,
        "bound": round(bound, 4),
        "bound_per_population": {k: round(v, 4) for k, v in bounds.items()},
        "lowest_answerable": round(lowest, 4),
        "highest_off_topic": round(highest_off, 4),
        "reason": reason,
    }


def flagged(values: Sequence[float], threshold: float) -> dict[str, Any]:
    """How many of ``values`` fall below ``threshold`` (= marked irrelevant)."""
    n = len(values)
    below = sum(1 for v in values if v < threshold)
    return {"n": n, "flagged": below, "rate": round(below / n, 4) if n else None}


def calibrate(populations: dict[str, list[float]], configured: float, off_topic: Sequence[str]) -> dict[str, Any]:
    """Recommend a threshold and show what it and the configured one catch.

    ``off_topic`` are the question texts behind the ``off_topic_*``
    populations (same order), to name the ones that slip through.
    """
    answerable = {k.removesuffix("_answerable"): v for k, v in populations.items() if k.endswith("_answerable")}
    recommendation = recommend_threshold(answerable, populations["off_topic_summit"])
    chosen = recommendation["threshold"]
    return {
        "score": "best dense evidence of the hybrid retriever: "
        "(1 - sentence_weight) * chunk cosine + sentence_weight * best-sentence cosine",
        "method": recommend_threshold.__doc__ and " ".join(recommend_threshold.__doc__.split()),
        "recommended": recommendation,
        "configured_min_dense_score": configured,
        "at_recommended": {k: flagged(v, chosen) for k, v in populations.items()},
        "at_configured": {k: flagged(v, configured) for k, v in populations.items()},
        "off_topic_not_caught_at_configured": {
            k: [q for q, v in zip(off_topic, values, strict=True) if v >= configured]
            for k, values in populations.items()
            if k.startswith("off_topic")
        },
        "distribution": {
            k: {"min": round(min(v), 4), "median": round(float(np.median(v)), 4), "max": round(max(v), 4)}
            for k, v in populations.items()
            if v
        },
    }


def evidence_of(searcher: Searcher, questions: Sequence[str]) -> list[float]:
    """The hybrid retriever's relevance score for each question, in order."""
    return [searcher.search(q).evidence or 0.0 for q in questions]


# -- report --------------------------------------------------------------------


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


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.0f}"
    return str(value)


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Retrieval benchmark, {report['date']}",
        "",
        f"Machine: {m['nproc']} CPUs (nproc), {m['cpu']}; load average {m['load_average']} at the start, "
        f"{report['load_average_end']} at the end. Command: `{report['command']}`. "
        f"Embedding: {report['embedding']}. Total run time: {report['timing_s']['total']:.0f} s "
        f"(XQuAD index {'built' if report['xquad_index_rebuilt'] else 'reused'}: "
        f"{report['timing_s']['xquad_index']:.0f} s).",
        "",
        "| setting | system | n | hit@1 | hit@3 | hit@5 | MRR@10 | p50 ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for setting in SETTINGS_ORDER:
        systems = report["settings"].get(setting, {})
        for name in SYSTEMS:
            r = systems.get(name)
            if r is None:
                continue
            cells = [r["n"], r["hit@1"], r["hit@3"], r["hit@5"], r["mrr@10"], r["p50_ms"], r["p95_ms"]]
            lines.append(
                f"| {SETTING_LABELS[setting]} | {SYSTEM_LABELS[name]} | " + " | ".join(map(_fmt, cells)) + " |"
            )
    lines += [
        "",
        "† The quickstart returns 2 passages (`similarity_top_k=2`): its hit@3, hit@5 and MRR@10 are "
        "computed over those 2. Its passages are `SentenceSplitter` nodes (1024 tokens), mostly whole "
        "XQuAD paragraphs and about a third of the summit text each, so a hit there is easier than with "
        "our ~700-character chunks.",
        "",
        "Latency = the question's embedding time (measured once per question, shared by all systems) + "
        "the system's own search time. The BM25 row includes the embedding because `retrieve` computes "
        "dense evidence in every mode for the relevance flag; "
        f"BM25 search alone: p50 {_fmt(report['settings']['summit'].get('bm25', {}).get('bm25_search_p50_ms'))} ms "
        "on the summit index.",
        "",
        "## Summit set by question group (hit@3)",
        "",
        "| system | " + " | ".join(report["summit_groups"]) + " |",
        "|---|" + "---:|" * len(report["summit_groups"]),
    ]
    for name in SYSTEMS:
        r = report["settings"].get("summit", {}).get(name)
        if r is None:
            continue
        cells = [r["by_group"].get(g, {}).get("hit@3") for g in report["summit_groups"]]
        lines.append(f"| {SYSTEM_LABELS[name]} | " + " | ".join(map(_fmt, cells)) + " |")
    cal = report["calibration"]
    rec = cal["recommended"]
    lines += [
        "",
        "Groups: `de`/`en` = German/English questions, `typo` = misspelled and all-lower-case questions.",
        "",
        "## Nothing-relevant threshold",
        "",
        f"Score: {cal['score']}. Recommended threshold {rec['threshold']:.2f} ({rec.get('reason', '')}); "
        f"configured `retrieval.min_dense_score` = {cal['configured_min_dense_score']}.",
        "",
        "| questions | n | min | median | max | flagged at configured |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, stats in cal["at_configured"].items():
        dist = cal["distribution"].get(name, {})
        lines.append(
            f"| {name} | {stats['n']} | {_fmt(dist.get('min'))} | {_fmt(dist.get('median'))} | "
            f"{_fmt(dist.get('max'))} | {stats['flagged']} ({_fmt(stats['rate'])}) |"
        )
    missed = cal["off_topic_not_caught_at_configured"]
    lines += [
        "",
        "Off-topic questions above the threshold: "
        + "; ".join(f"{k}: " + (", ".join(f"„{q}“" for q in v) or "none") for k, v in missed.items())
        + ".",
        "",
        "Unanswerable summit questions are on-topic by design (a number the text does not give): "
        "the threshold is not expected to catch them; the answering step has to.",
        "",
    ]
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------


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


def run(args: argparse.Namespace, command: str, settings: Settings, embedder: Embedder | None) -> dict[str, Any]:
    from assistant.app import build_embedder, chunk_params, index_corpus, load_index
    from assistant.indexing import build_index, documents_fingerprint, load_corpus, open_index
    from assistant.retrieval.retriever import HybridRetriever

    t_start = time.perf_counter()
    host = machine()  # before the run loads the CPUs itself
    timing: dict[str, float] = {}
    xquad_dir = args.xquad_dir or settings.root.parent / "shared" / "data" / "xquad"
    evalset = args.evalset or settings.root / "evals" / "summit.jsonl"
    emb = embedder or build_embedder(settings)
    clock = QueryClock(emb)
    t = time.perf_counter()
    emb.embed_query("warm-up")  # load the model outside any measurement
    timing["model_load"] = time.perf_counter() - t

    summit_docs = load_corpus(settings.corpus_dir, settings.root)
    answerable, unanswerable = summit_questions(evalset, summit_docs, args.limit)
    xq_docs, xq_de, xq_en = xquad_questions(xquad_dir, args.limit)
    off_topic = _cut(list(OFF_TOPIC), args.limit)

    settings_out: dict[str, dict[str, Any]] = {}
    populations: dict[str, list[float]] = {}
    with _work_dir(args.work or settings.data_dir / "bench-retrieval") as work:
        t = time.perf_counter()
        index_corpus(settings, emb)
        summit = HybridRetriever(load_index(settings, emb), clock, settings.retrieval)
        summit_quick = quickstart_searcher(summit_docs, clock)
        timing["summit_index"] = time.perf_counter() - t
        t = time.perf_counter()
        # One folder per slice, so a --limit run does not evict the full index.
        xq_dir = work / f"xquad-index-{'all' if args.limit is None else args.limit}"
        built = build_index(xq_dir, xq_docs, emb, chunk_params(settings), documents_fingerprint(xq_docs))
        xquad = HybridRetriever(open_index(xq_dir, None), clock, settings.retrieval)
        timing["xquad_index"] = time.perf_counter() - t
        t = time.perf_counter()
        xquad_quick = quickstart_searcher(xq_docs, clock)
        timing["xquad_quickstart_index"] = time.perf_counter() - t

        t = time.perf_counter()
        summit_searchers = [*our_searchers(summit), summit_quick]
        results, populations["summit_answerable"] = run_setting(answerable, summit_searchers, clock)
        settings_out["summit"] = {k: v.summary() for k, v in results.items()}
        xquad_searchers = [*our_searchers(xquad), xquad_quick]
        evidence: list[float] = []
        for name, questions in (("xquad_de", xq_de), ("xquad_en", xq_en)):
            results, ev = run_setting(questions, xquad_searchers, clock)
            settings_out[name] = {k: v.summary() for k, v in results.items()}
            evidence += ev
        populations["xquad_answerable"] = evidence
        timing["questions"] = time.perf_counter() - t

        t = time.perf_counter()
        hybrid_summit = our_searchers(summit)[2]
        populations["summit_unanswerable"] = evidence_of(hybrid_summit, unanswerable)
        populations["off_topic_summit"] = evidence_of(hybrid_summit, off_topic)
        populations["off_topic_xquad"] = evidence_of(our_searchers(xquad)[2], off_topic)
        timing["calibration"] = time.perf_counter() - t

    timing["total"] = time.perf_counter() - t_start
    groups = sorted({q.group for q in answerable})
    return {
        "date": dt.date.today().isoformat(),
        "machine": host,
        "command": command,
        "embedding": emb.name,
        "limit": args.limit,
        "k": K,
        "retrieval_settings": settings.retrieval.model_dump(),
        "settings": settings_out,
        "summit_groups": groups,
        "calibration": calibrate(populations, settings.retrieval.min_dense_score, off_topic),
        "off_topic_questions": off_topic,
        "timing_s": {k: round(v, 1) for k, v in timing.items()},
        "load_average_end": _load(),
        "xquad_index_rebuilt": built.built,
        "notes": [
            "quickstart returns 2 passages; its hit@3/hit@5/MRR@10 are over those 2",
            "latency = shared per-question embedding time + the system's own search time",
        ],
    }


def write_calibration(report: dict[str, Any]) -> None:
    """Record the threshold, how it was chosen and what it catches."""
    cal = report["calibration"]
    data = {
        "date": report["date"],
        "command": report["command"],
        "embedding": report["embedding"],
        "retrieval_settings": report["retrieval_settings"],
        "min_dense_score": cal["recommended"]["threshold"],
        **cal,
        "off_topic_questions": report["off_topic_questions"],
    }
    CALIBRATION_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
