"""The eval tab: run an eval set through the same engine the chat uses.

The run goes through :class:`~assistant.ui.engine.Engine`, so a local
model is taken from the same line as chat requests, one question at a
time: people chatting while an eval runs wait for at most one question,
not for the whole run. A stop request is checked before each question.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.answer.model import Answer
from assistant.evaluation.charts import CHART_METRICS, SHORT, bar_chart_svg
from assistant.evaluation.evalset import EvalIssue, load_evalset
from assistant.evaluation.report import write_report
from assistant.evaluation.report_format import LABELS, fmt, fmt_ms
from assistant.evaluation.runner import EvalRun, load_cases, run_eval
from assistant.ui.corpus import DocumentCache
from assistant.ui.engine import Engine
from assistant.ui.queue import Cancelled, Ticket
from assistant.ui.render import esc
from assistant.ui.session import Prefs

CARD_METRICS = (
    "accuracy",
    "grounded_accuracy",
    "hit@5",
    "citation_precision",
    "citation_recall",
    "refusal_rate",
    "false_refusal_rate",
)
EvalProgress = Callable[[int, int, Mapping[str, float | None]], None]


def eval_dir(engine: Engine) -> Path:
    return engine.settings.root / "evals"


def eval_files(engine: Engine) -> list[Path]:
    d = eval_dir(engine)
    return sorted(d.glob("*.jsonl")) if d.is_dir() else []


class UIAnswerer:
    """The runner's Answerer, built per question from the engine (so the model line is shared)."""

    def __init__(self, engine: Engine, prefs: Prefs, cancel: threading.Event) -> None:
        self.engine = engine
        self.prefs = prefs
        self.cancel = cancel
        probe = engine.assistant(prefs)
        self.backend, self.model = probe.backend, probe.model

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        if self.cancel.is_set():
            raise Cancelled
        ticket = Ticket(cancelled=self.cancel)
        return self.engine.assistant(self.prefs, ticket).ask(question, history)


@dataclass(frozen=True)
class EvalOutcome:
    run: EvalRun
    report_html: Path
    issues: tuple[EvalIssue, ...]


def run_ui_eval(
    engine: Engine,
    docs: DocumentCache,
    prefs: Prefs,
    path: Path,
    *,
    limit: int | None,
    cancel: threading.Event,
    progress: EvalProgress | None = None,
) -> EvalOutcome:
    """Load, run and report one eval set; the report lands under ``data_dir/eval-runs``."""
    texts = {source: doc.text for source, doc in docs.all(engine).items()}
    evalcases, issues = load_evalset(path, texts)
    cases = load_cases(evalcases, texts, limit=limit or None)
    answerer = UIAnswerer(engine, prefs, cancel)
    run = run_eval(
        cases,
        answerer,
        corpus_texts=texts,
        progress=progress,
        config={"eval_set": path.name, "ui_backend": prefs.backend},
    )
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out = engine.settings.data_dir / "eval-runs" / f"{stamp}-{path.stem}-{prefs.backend}"
    paths = write_report(run, out)
    return EvalOutcome(run, paths["html"], tuple(issues))


def summary_html(run: EvalRun) -> str:
    """Metric cards and the charts by language and by question type (the report's own SVG)."""
    s = run.summary
    cards = [("n", str(s.get("n", 0)))] + [(LABELS[k], fmt(k, s.get(k))) for k in CARD_METRICS]
    total = ((s.get("latency_ms") or {}).get("total") or {}).get("p95")
    cards.append(("total p95", fmt_ms(total)))
    card_html = "".join(
        f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>' for k, v in cards
    )
    charts = "".join(_chart(s, group, title) for group, title in (("by_lang", "By language"), ("by_type", "By type")))
    cfg = run.config
    line = f"{cfg.get('eval_set')} · {cfg.get('backend')} · {cfg.get('model')} · {cfg.get('duration_s')} s"
    return (
        f'<div class="eval-summary"><div class="meta">{esc(line)}</div>'
        f'<div class="cards">{card_html}</div><div class="charts">{charts}</div></div>'
    )


def _chart(summary: Mapping[str, Any], group: str, title: str) -> str:
    blocks = summary.get(group) or {}
    metrics = [m for m in CHART_METRICS if any((b or {}).get(m) is not None for b in blocks.values())] or list(
        CHART_METRICS
    )
    series = [(str(name), [(b or {}).get(m) for m in metrics]) for name, b in blocks.items()]
    return bar_chart_svg(title, [SHORT[m] for m in metrics], series)


def _problem(case: Mapping[str, Any], turn: Mapping[str, Any]) -> str:
    if turn.get("error"):
        return f"error: {turn['error']}"
    if case.get("answerable") and turn.get("refused"):
        return "refused an answerable question"
    if not case.get("answerable") and turn.get("refused") is False:
        return "answered an unanswerable question"
    return "expected facts missing from the answer"


def failure_rows(run: EvalRun) -> list[list[str]]:
    """[case, question, answer, expected, problem] for each failed turn (plain text: the table escapes it)."""
    rows = []
    for case in run.to_dict()["cases"]:
        if case.get("passed") is not False:
            continue
        for turn in case.get("turns", []):
            correct = (turn.get("metrics") or {}).get("accuracy")
            if correct == 1.0 and not turn.get("error"):
                continue
            rows.append(
                [
                    str(case.get("id", "")),
                    str(turn.get("question", "")),
                    str(turn.get("answer") or ""),
                    str(turn.get("reference") or ", ".join(turn.get("accept") or [])),
                    _problem(case, turn),
                ]
            )
    return rows
