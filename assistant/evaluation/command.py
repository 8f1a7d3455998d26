"""``assistant eval``: load eval sets, build what they need, run, report.

Kept apart from ``cli.py`` so that the CLI stays a thin edge and the UI's
eval tab can call the same code. A SQuAD file gets its own temporary index
(its paragraphs are the corpus), built with the same pipeline as ours.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import EvalSetError
from assistant.evaluation.evalset import EvalCase, load_evalset
from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.report import write_report
from assistant.evaluation.runner import EvalRun, ProgressFn, load_cases, run_eval
from assistant.evaluation.squad import load_squad


@dataclass
class EvalRequest:
    files: Sequence[Path] = ()
    squad: Path | None = None
    questions_from: Path | None = None
    limit: int | None = None
    sample: int | None = None
    multi_turn: bool = False
    retrieval_only: bool = False
    out: Path | None = None
    warn: Callable[[str], None] = field(default=lambda m: print(m, file=sys.stderr))


def default_out(settings: Settings, req: EvalRequest) -> Path:
    name = (req.squad.stem if req.squad else "-".join(p.stem for p in req.files)) or "eval"
    return settings.root / "evals" / "results" / f"{time.strftime('%Y%m%d-%H%M%S')}-{name}"


def text_progress(width: int = 30) -> ProgressFn:
    """A one-line progress bar with a running score, on stderr."""

    def show(done: int, total: int, score: dict[str, float | None]) -> None:
        filled = int(width * done / max(1, total))
        parts = [f"{k} {v:.2f}" for k, v in score.items() if isinstance(v, float)]
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}  " + "  ".join(parts)
        print(line, end="\n" if done == total else "", file=sys.stderr, flush=True)

    return show


def _summit_cases(settings: Settings, req: EvalRequest) -> tuple[list[Case], dict[str, str]]:
    from assistant.indexing import load_corpus

    texts = {d.source: d.text for d in load_corpus(settings.corpus_dir, settings.root)}
    loaded: list[EvalCase] = []
    for f in req.files:
        cases, issues = load_evalset(Path(f), texts)
        for issue in issues:
            req.warn(f"{f}: {issue} (case skipped)")
        loaded.extend(cases)
    if not loaded:
        raise EvalSetError("No usable eval cases were found in " + ", ".join(str(f) for f in req.files))
    if req.multi_turn:
        loaded = [c for c in loaded if c.turns]
    if req.sample and req.sample < len(loaded):
        # Evenly spaced over the file, so a short run still covers every section and case type.
        step = len(loaded) / req.sample
        loaded = [loaded[int(i * step)] for i in range(req.sample)]
    return load_cases(loaded, texts, limit=req.limit), texts


def run_request(
    settings: Settings, req: EvalRequest, progress: ProgressFn | None = None, llm: Any = None
) -> tuple[EvalRun, dict[str, Path]]:
    """Run one eval request end to end and write its reports."""
    from assistant.answer.question import clean_question
    from assistant.app import build_assistant, build_embedder, build_retriever, index_documents
    from assistant.indexing import open_index
    from assistant.retrieval.retriever import HybridRetriever

    config: dict[str, Any] = {
        "files": [str(f) for f in req.files],
        "follow_up": settings.answer.follow_up,
        "checks": list(settings.answer.checks),
        "passages": settings.answer.passages,
        "self_check": settings.answer.self_check,
    }
    with tempfile.TemporaryDirectory(prefix="summit-squad-") as tmp:
        if req.squad is not None:
            sq = load_squad(req.squad, "de", req.questions_from, limit=req.limit)
            if sq.skipped:
                req.warn(f"{len(sq.skipped)} question ids had no parallel question and were skipped")
            embedder = build_embedder(settings)
            index_documents(settings, sq.documents, embedder, Path(tmp))
            retriever = HybridRetriever(open_index(Path(tmp), None), embedder, settings.retrieval)
            cases = [
                Case(
                    q.id, q.lang, True, (GoldTurn(q.question, accept=q.answers),), gold_source=q.doc_source, squad=True
                )
                for q in sq.questions
            ]
            texts = {d.source: d.text for d in sq.documents}
            config.update({"squad": str(req.squad), "questions_from": str(req.questions_from or "")})
        else:
            cases, texts = _summit_cases(settings, req)
            retriever = build_retriever(settings)
        if req.retrieval_only:
            run = run_eval(
                cases,
                None,
                retrieve=lambda q, k: retriever.retrieve(clean_question(q), k=k).hits,
                corpus_texts=texts,
                retrieval_only=True,
                progress=progress,
                config=config,
            )
        else:
            bot = build_assistant(settings, retriever=retriever, llm=llm)
            run = run_eval(cases, bot, corpus_texts=texts, progress=progress, config=config)
    out = req.out or default_out(settings, req)
    return run, write_report(run, out)
