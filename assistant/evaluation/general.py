"""``make eval-general``: the answer policy measured on documents nobody here wrote.

The summit set is the development set of the answer layer, so a score on it
says little about a user's own files. This benchmark asks the same pipeline
about two other corpora, side by side with the naive llama-index quickstart
on the same corpora, models and questions:

* **XQuAD** (the development half in ``../shared/data/xquad/``): each German
  Wikipedia article is one document of a multi-document corpus, and a few
  articles are left out of it, so that their questions are off-corpus and
  must be refused. Every question is asked in German and in English (XQuAD
  is parallel). An answer is right when it holds the German or the English
  gold answer, or has token F1 >= 0.5 with one of them; it is grounded when
  a citation lies in the question's paragraph.
* **The Debian Reference** (``../shared/data/debian-reference-de/``), a large
  real HTML manual, with the hand-written questions of
  ``evals/debian-reference.jsonl`` and their gold passages.

Indexes are built once per corpus, chunking and embedding model and reused
(``.data/eval-general/``); the answers are never cached, except the naive
baseline's with ``--naive-cache`` while iterating (its pipeline does not
change). Results go to ``evals/results/general-<date>.{json,md}`` with one
full report per corpus and backend beside them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.answer.model import Answer
from assistant.config import Settings, load_settings
from assistant.evaluation.evalset import load_evalset
from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.runner import Answerer, EvalRun, load_cases, run_eval
from assistant.evaluation.squad import field, read
from assistant.types import Citation, Document

if TYPE_CHECKING:
    from assistant.app import Extractive
    from assistant.embeddings.base import Embedder
    from assistant.indexing import BuildResult
    from assistant.llm.base import LLM
    from assistant.service import Assistant

F1_ACCEPT = 0.5
LEFT_OUT_EVERY = 6  # every 6th article (positions 5, 11, 17, 23 of 24) is left out of the corpus


@dataclass(frozen=True)
class Corpus:
    """Documents to index, the cases asked about them, and the texts their gold spans point into."""

    name: str
    documents: list[Document]
    cases: list[Case]

    @property
    def texts(self) -> dict[str, str]:
        return {d.source: d.text for d in self.documents}


def _spread(items: Sequence[Any], n: int) -> list[Any]:
    """``n`` items evenly spaced over ``items`` (all of them when there are fewer)."""
    if n <= 0:
        return []
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


def xquad_corpus(folder: Path, per_article: int, *, left_out_every: int = LEFT_OUT_EVERY) -> Corpus:
    """One document per German article; ``per_article`` questions of each, asked in German and English.

    A question's gold span is its paragraph inside the article's document.
    Articles at positions ``left_out_every - 1``, ``2 * left_out_every - 1``, ...
    are not indexed: their questions are the off-corpus ones.
    """
    de, en = read(folder / "xquad.de.dev.json"), read(folder / "xquad.en.dev.json")
    en_answers: dict[str, tuple[str, ...]] = {}
    en_questions: dict[str, str] = {}
    for article in en:
        for para in field(article, "paragraphs", list, "xquad.en"):
            for qa in field(para, "qas", list, "xquad.en"):
                en_questions[qa["id"]] = qa["question"]
                en_answers[qa["id"]] = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
    documents: list[Document] = []
    cases: list[Case] = []
    for a, article in enumerate(de):
        title = str(field(article, "title", str, f"xquad.de article {a}")).replace("_", " ")
        source = f"xquad/{a:02d}-{title.replace(' ', '_')}.txt"
        off = (a + 1) % left_out_every == 0
        parts: list[str] = []
        spans: list[tuple[int, int]] = []
        asked: list[tuple[dict[str, Any], int]] = []
        pos = 0
        for p, para in enumerate(field(article, "paragraphs", list, f"xquad.de article {a}")):
            context = str(para["context"]).strip()
            spans.append((pos, pos + len(context)))
            parts.append(context)
            pos += len(context) + 2
            asked.extend((qa, p) for qa in para["qas"])
        if not off:
            documents.append(
                Document(
                    doc_id=hashlib.sha1(source.encode()).hexdigest()[:12],
                    source=source,
                    text="\n\n".join(parts),
                    metadata={"title": title},
                )
            )
        for qa, p in _spread(asked, per_article):
            qid = str(qa["id"])
            golds = tuple(dict.fromkeys([*(x["text"] for x in qa["answers"]), *en_answers.get(qid, ())]))
            for lang, question in (("de", str(qa["question"])), ("en", en_questions.get(qid, ""))):
                if not question:
                    continue
                turn = GoldTurn(
                    question,
                    accept=() if off else golds,
                    gold_spans=() if off else ((source, *spans[p]),),
                    reference=golds[0] if not off else "",
                )
                kind = "off" if off else "xq"
                cases.append(Case(f"{lang}-{kind}-{qid}", lang, not off, (turn,), f1_accept=F1_ACCEPT))
    return Corpus("xquad", documents, cases)


def debian_corpus(folder: Path, evalset: Path) -> Corpus:
    """The manual's HTML chapters as documents, and the hand-written cases about them."""
    from assistant.ingest.loaders import load_document

    documents = [load_document(p, source=p.name) for p in sorted(folder.glob("*.html"))]
    texts = {d.source: d.text for d in documents}
    loaded, issues = load_evalset(evalset, texts)
    for issue in issues:
        print(f"{evalset}: {issue} (case skipped)", file=sys.stderr)
    return Corpus("debian", documents, load_cases(loaded, texts))


def xquad_open_corpus(folder: Path, evalset: Path) -> Corpus:
    """The XQuAD articles as ``xquad_corpus`` indexes them, asked the hand-written open questions about
    five of them (summaries, lists, comparisons, explanations, two-part questions)."""
    documents = xquad_corpus(folder, 0).documents
    texts = {d.source: d.text for d in documents}
    loaded, issues = load_evalset(evalset, texts)
    for issue in issues:
        print(f"{evalset}: {issue} (case skipped)", file=sys.stderr)
    return Corpus("xquad-open", documents, load_cases(loaded, texts))


# -- running ---------------------------------------------------------------------------------------------
def _index_dir(settings: Settings, corpus: Corpus) -> Path:
    digest = hashlib.sha256("".join(sorted(d.source + d.text for d in corpus.documents)).encode()).hexdigest()
    return settings.root / ".data" / "eval-general" / f"{corpus.name}-{digest[:12]}"


class CachedAnswers:
    """The naive baseline's answers by (corpus, model, question), for runs that iterate on our pipeline.

    The baseline's pipeline does not change between them, and on 2 cores it
    costs 5-15 s an answer (two 1,024-token nodes in every prompt).
    """

    def __init__(self, inner: Answerer, path: Path, key: str) -> None:
        self.backend, self.model = inner.backend, inner.model
        self._inner, self._path, self._key = inner, path, key
        self._store: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        k = hashlib.sha256(f"{self._key}|{self.model}|{question}".encode()).hexdigest()
        if k not in self._store:
            a = self._inner.ask(question, history)
            self._store[k] = {
                "text": a.text,
                "language": a.language,
                "refused": a.refused,
                "citations": [c.to_dict() for c in a.citations],
                "timings_ms": a.timings_ms,
            }
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._path.write_text(json.dumps(self._store, ensure_ascii=False))
        d = self._store[k]
        cites = tuple(Citation(**c) for c in d["citations"])
        return Answer(
            question, d["text"], d["language"], d["refused"], cites, (), self.backend, self.model, d["timings_ms"]
        )


Progress = Callable[[int, int, dict[str, float | None]], None]


def corpus_assistant(
    settings: Settings, corpus: Corpus, *, llm: LLM | Extractive | None = None, embedder: Embedder | None = None
) -> tuple[Assistant, BuildResult, Path]:
    """Our Assistant over ``corpus``'s own index (built, or reused when its documents are unchanged), with the
    build's result and folder: for the runner, and for tools that study one corpus (``scripts/``)."""
    from assistant.app import build_assistant, build_embedder, index_documents
    from assistant.indexing import open_index
    from assistant.retrieval.retriever import HybridRetriever

    embedder = embedder or build_embedder(settings)
    folder = _index_dir(settings, corpus)
    t = time.perf_counter()
    built = index_documents(settings, corpus.documents, embedder, folder)
    print(
        f"{corpus.name}: index {built.reason} ({built.chunks} chunks, {time.perf_counter() - t:.0f} s)", file=sys.stderr
    )
    retriever = HybridRetriever(open_index(folder, None), embedder, settings.retrieval)
    return build_assistant(settings, retriever=retriever, llm=llm), built, folder


def run_corpus(
    settings: Settings,
    corpus: Corpus,
    *,
    naive: bool,
    naive_cache: bool,
    ours: bool = True,
    progress: Progress | None = None,
    llm: LLM | Extractive | None = None,
    done: Callable[[str, EvalRun], None] = lambda _b, _r: None,
) -> dict[str, EvalRun]:
    """Our pipeline (and the naive one) over one corpus: backend name -> run; ``done`` gets each run as it
    ends, so that a long run's first half is on disk before the second starts."""
    from assistant.app import build_embedder
    from assistant.evaluation.naive import NaiveLlamaIndex

    embedder = build_embedder(settings)
    bot, built, folder = corpus_assistant(settings, corpus, llm=llm, embedder=embedder)
    config = {"corpus": corpus.name, "documents": len(corpus.documents), "chunks": built.chunks}
    runs: dict[str, EvalRun] = {}
    if ours:
        runs["ours"] = run_eval(corpus.cases, bot, corpus_texts=corpus.texts, progress=progress, config=config)
        done("ours", runs["ours"])
    if naive and bot.llm is not None:
        baseline: Answerer = NaiveLlamaIndex(corpus.documents, embedder, bot.llm)
        if naive_cache:
            baseline = CachedAnswers(baseline, folder.with_suffix(".naive.json"), folder.name)
        runs["naive"] = run_eval(corpus.cases, baseline, corpus_texts=corpus.texts, progress=progress, config=config)
        done("naive", runs["naive"])
    return runs


# -- the table -------------------------------------------------------------------------------------------
ROWS = (
    ("accuracy (de)", ("by_lang", "de", "answerable", "accuracy")),
    ("accuracy (en)", ("by_lang", "en", "answerable", "accuracy")),
    ("grounded accuracy", ("by_type", "answerable", "grounded_accuracy")),
    ("false refusals", ("by_type", "answerable", "false_refusal_rate")),
    ("off-corpus refused", ("by_type", "unanswerable", "refusal_rate")),
    ("language match", ("language_match",)),
    ("answers that are quotes", ("quote_share",)),
    ("hit@5", ("by_type", "answerable", "hit@5")),
    ("key-point recall (open questions)", ("by_type", "answerable", "key_point_recall")),
    ("point precision (open questions)", ("by_type", "answerable", "point_precision")),
)


def answerable_by_lang(run: EvalRun) -> dict[str, float | None]:
    """Accuracy on the answerable questions of each language (the summary's by_lang mixes in refusals)."""
    out: dict[str, float | None] = {}
    for lang in ("de", "en"):
        vals = [
            t.metrics.correct
            for r in run.cases
            if r.case.lang == lang and r.case.answerable
            for t in r.turns
            if t.metrics.correct is not None
        ]
        out[lang] = round(sum(vals) / len(vals), 4) if vals else None
    return out


def figures(run: EvalRun) -> dict[str, float | None]:
    """The benchmark's rows for one run."""
    s = run.summary
    acc = answerable_by_lang(run)
    out: dict[str, float | None] = {"accuracy (de)": acc["de"], "accuracy (en)": acc["en"]}
    for label, path in ROWS[2:]:
        value: Any = s
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        out[label] = value
    return out


def reasons(run: EvalRun) -> dict[str, int]:
    """How many answers each check decided (``Answer.reason``; "" is the model's reply standing)."""
    counts: dict[str, int] = {}
    for r in run.cases:
        for t in r.turns:
            key = t.reason or ("refused" if t.refused else "answered")
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def markdown(results: dict[str, dict[str, dict[str, float | None]]], header: str) -> str:
    """One table per corpus: a row per metric, a column per backend, and ours minus naive."""
    lines = [header, ""]
    for corpus, by_backend in results.items():
        backends = list(by_backend)
        both = "naive" in by_backend and "ours" in by_backend
        lines += [
            f"### {corpus}",
            "",
            "| metric | " + " | ".join(backends) + (" | ours − naive |" if both else " |"),
        ]
        lines.append("|---" * (len(backends) + 1 + both) + "|")
        for label, _ in ROWS:
            vals = [by_backend[b].get(label) for b in backends]
            cells = ["—" if v is None else f"{v:.3f}" for v in vals]
            if both:
                o, n = by_backend["ours"].get(label), by_backend["naive"].get(label)
                cells.append("—" if o is None or n is None else f"{o - n:+.3f}")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.evaluation.command import text_progress
    from assistant.evaluation.report import write_report

    ap = argparse.ArgumentParser(prog="python -m assistant.evaluation.general", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("evals/results"))
    ap.add_argument("--data", type=Path, default=None, help="folder with xquad/ and debian-reference-de/")
    ap.add_argument("--per-article", type=int, default=4, help="XQuAD questions per article (each asked de and en)")
    ap.add_argument("--only", choices=("xquad", "xquad-open", "debian"), default=None)
    ap.add_argument("--no-naive", action="store_true", help="skip the naive llama-index baseline")
    ap.add_argument("--naive-cache", action="store_true", help="reuse the baseline's earlier answers")
    ap.add_argument("--naive-only", action="store_true", help="run only the naive baseline")
    ap.add_argument("--backend", default=None, help="llm.backend override (extractive: no model)")
    ap.add_argument("--tag", default="", help="appended to the result file names")
    args = ap.parse_args(argv)
    overrides = {"llm.backend": args.backend} if args.backend else {}
    settings = load_settings(None, **overrides)
    data = args.data or settings.root.parent / "shared" / "data"
    corpora: list[Corpus] = []
    if args.only in (None, "xquad"):
        corpora.append(xquad_corpus(data / "xquad", args.per_article))
    if args.only in (None, "xquad-open"):
        corpora.append(xquad_open_corpus(data / "xquad", settings.root / "evals" / "xquad-open.jsonl"))
    if args.only in (None, "debian"):
        corpora.append(debian_corpus(data / "debian-reference-de", settings.root / "evals" / "debian-reference.jsonl"))
    stamp = time.strftime("%Y-%m-%d-%H%M")
    name = f"general-{stamp}{'-' + args.tag if args.tag else ''}"
    table: dict[str, dict[str, dict[str, float | None]]] = {}
    record: dict[str, Any] = {"started": stamp, "argv": list(argv or sys.argv[1:]), "corpora": {}}
    t0 = time.perf_counter()
    for corpus in corpora:
        table[corpus.name] = {}
        record["corpora"][corpus.name] = {}

        def done(backend: str, run: EvalRun, corpus: Corpus = corpus) -> None:
            write_report(run, args.out / name / f"{corpus.name}-{backend}")
            table[corpus.name][backend] = figures(run)
            record["corpora"][corpus.name][backend] = {
                "figures": table[corpus.name][backend],
                "reasons": reasons(run),
                "summary": run.summary,
            }

        run_corpus(
            settings,
            corpus,
            naive=not args.no_naive,
            naive_cache=args.naive_cache,
            ours=not args.naive_only,
            progress=text_progress(),
            done=done,
        )
    record["duration_s"] = round(time.perf_counter() - t0, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
    text = markdown(table, f"## General benchmark, {stamp} ({record['duration_s']:.0f} s)")
    (args.out / f"{name}.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
