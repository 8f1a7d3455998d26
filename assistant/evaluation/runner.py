"""Run an eval set through an answerer (or a bare retriever) and score it.

The runner only depends on the small :class:`Answerer` protocol, not on
the service that implements it, so that a scripted fake can drive every
code path in tests and any backend can be evaluated the same way.

One failing question must not cost the whole run (a 20-minute run that
dies at case 97 measures nothing): an :class:`AssistantError` from the
answerer is recorded on that turn, scored as wrong, and the run goes on.
Any other exception is a bug and propagates.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from assistant.answer.model import Answer
from assistant.errors import AssistantError
from assistant.evaluation.evalset import EvalCase
from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.metrics import LANGS, LATENCY_KEYS, LOWER_IS_BETTER, MRR_DEPTH, SCALAR_METRICS, TYPES
from assistant.evaluation.relevance import locate_quotes
from assistant.evaluation.results import CaseResult, PassageRef, TurnResult
from assistant.evaluation.scoring import score_failed_turn, score_retrieval_turn, score_turn
from assistant.evaluation.summary import summarize
from assistant.types import Hit


class Answerer(Protocol):
    """What the runner needs from an assistant; ``history`` is (question, answer) pairs."""

    backend: str
    model: str

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer: ...


RetrieveFn = Callable[[str, int], list[Hit]]
# (cases done, cases total, running score: accuracy / hit@5 / mrr@10 / errors)
ProgressFn = Callable[[int, int, dict[str, float | None]], None]

SKIPPED = "not asked: an earlier turn of this conversation failed"


# -- cases ----------------------------------------------------------------------
def load_cases(
    evalcases: Iterable[EvalCase],
    corpus_texts: Mapping[str, str],
    *,
    limit: int | None = None,
    squad: bool = False,
) -> list[Case]:
    """Turn loaded eval cases into scoring cases, locating gold quotes.

    ``corpus_texts`` maps a source (as in ``Chunk.source``) to the file's
    original text, the text every chunk offset points into.  With
    ``squad=True`` a case's ``source`` is its gold paragraph (retrieval hit
    = any passage from it) and exact match / F1 are computed.  ``limit``
    keeps the first N cases (``--limit``).
    """
    out: list[Case] = []
    for ec in evalcases:
        if limit is not None and len(out) >= limit:
            break
        turns = tuple(
            GoldTurn(
                question=t.question,
                accept=t.accept,
                accept_all=t.accept_all,
                gold_quotes=t.gold_quotes,
                gold_spans=locate_quotes(t.gold_quotes, corpus_texts, ec.source),
                reference=t.reference,
                points=t.points,
            )
            for t in ec.as_turns()
        )
        out.append(
            Case(
                id=ec.id,
                lang=ec.lang,
                answerable=ec.answerable,
                turns=turns,
                gold_source=ec.source if squad else None,
                squad=squad,
                form=ec.form,
            )
        )
    return out


# -- the run --------------------------------------------------------------------
@dataclass
class EvalRun:
    """A finished run: what was run, the summary and every case."""

    config: dict[str, Any]
    cases: list[CaseResult]
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``results.json`` object: ``{"config", "summary", "cases"}``."""
        return {
            "config": self.config,
            "summary": self.summary,
            "cases": [c.to_dict() for c in self.cases],
        }

    def to_json(self, path: Path | str | None = None) -> str:
        """The results as JSON text; also written to ``path`` when given."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"
        if path is not None:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return text


class _Running:
    """Cheap running score for the progress bar (a full summary per case is O(n²))."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {"accuracy": 0.0, "hit@5": 0.0, "mrr@10": 0.0}
        self.counts: dict[str, int] = {"accuracy": 0, "hit@5": 0, "mrr@10": 0}
        self.errors = 0

    def add(self, result: CaseResult) -> None:
        for t in result.turns:
            m = t.metrics
            for key, value in (("accuracy", m.correct), ("hit@5", m.hit_at_5), ("mrr@10", m.mrr_at_10)):
                if value is not None:
                    self.sums[key] += value
                    self.counts[key] += 1
        self.errors += result.error is not None

    def score(self) -> dict[str, float | None]:
        out: dict[str, float | None] = {
            k: (round(self.sums[k] / self.counts[k], 4) if self.counts[k] else None) for k in self.sums
        }
        out["errors"] = float(self.errors)
        return out


def _ask_case(case: Case, answerer: Answerer) -> CaseResult:
    history: list[tuple[str, str]] = []
    turns: list[TurnResult] = []
    failed = False
    for gold in case.turns:
        if failed:
            turns.append(TurnResult(gold, score_failed_turn(case, gold), error=SKIPPED))
            continue
        try:
            # A fresh list each time: an answerer that keeps the reference
            # must not see later turns appear in it.
            answer = answerer.ask(gold.question, list(history) if history else None)
        except AssistantError as err:
            failed = True
            turns.append(TurnResult(gold, score_failed_turn(case, gold), error=str(err) or type(err).__name__))
            continue
        passages = tuple(PassageRef.from_hit(h) for h in answer.passages)
        metrics = score_turn(
            case,
            gold,
            text=answer.text,
            refused=answer.refused,
            language=answer.language,
            citations=answer.citations,
            passages=passages,
        )
        turns.append(
            TurnResult(
                gold,
                metrics,
                answer=answer.text,
                refused=answer.refused,
                language=answer.language,
                citations=tuple(answer.citations),
                passages=passages,
                timings_ms=dict(answer.timings_ms),
                notes=tuple(answer.notes) + ((f"model said: {answer.raw_text}",) if answer.raw_text else ()),
                reason=answer.reason,
            )
        )
        history.append((gold.question, answer.text))
    return CaseResult(case, tuple(turns))


def _retrieve_case(case: Case, retrieve: RetrieveFn, k: int) -> CaseResult:
    """Retrieval-only: each turn's question as written (no history to rewrite it with)."""
    turns: list[TurnResult] = []
    for gold in case.turns:
        t0 = time.perf_counter()
        try:
            hits = retrieve(gold.question, k)
        except AssistantError as err:
            metrics = score_failed_turn(case, gold, retrieval_only=True)
            turns.append(TurnResult(gold, metrics, error=str(err) or type(err).__name__))
            continue
        ms = (time.perf_counter() - t0) * 1000
        passages = tuple(PassageRef.from_hit(h) for h in hits)
        turns.append(
            TurnResult(
                gold,
                score_retrieval_turn(case, gold, passages),
                passages=passages,
                timings_ms={"retrieve": ms, "total": ms},
            )
        )
    return CaseResult(case, tuple(turns), retrieval_only=True)


def run_eval(
    cases: Sequence[Case | EvalCase],
    answerer: Answerer | None,
    *,
    retrieve: RetrieveFn | None = None,
    corpus_texts: Mapping[str, str] | None = None,
    k: int = MRR_DEPTH,
    retrieval_only: bool = False,
    limit: int | None = None,
    progress: ProgressFn | None = None,
    config: Mapping[str, Any] | None = None,
) -> EvalRun:
    """Ask (or retrieve for) every case and score it.

    ``cases`` may be scoring :class:`Case` objects or raw ``EvalCase``
    objects (converted with :func:`load_cases` against ``corpus_texts``).
    ``k`` is how many passages a retrieval-only run asks for; it defaults
    to 10 so that MRR@10 sees ten ranks (hit@5 always looks at the top 5).
    With an answerer, the passages are whatever the answer carries.
    ``config`` is merged into the recorded config (eval files, settings).
    """
    if retrieval_only and retrieve is None:
        raise ValueError("a retrieval-only run needs a retrieve function")
    if not retrieval_only and answerer is None:
        raise ValueError("an answer run needs an answerer (or pass retrieval_only=True)")
    texts = corpus_texts or {}
    prepared = [c if isinstance(c, Case) else load_cases([c], texts)[0] for c in cases]
    if limit is not None:
        prepared = prepared[: max(0, limit)]

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    running = _Running()
    results: list[CaseResult] = []
    total = len(prepared)
    for i, case in enumerate(prepared, 1):
        if retrieval_only:
            assert retrieve is not None
            result = _retrieve_case(case, retrieve, k)
        else:
            assert answerer is not None
            result = _ask_case(case, answerer)
        results.append(result)
        running.add(result)
        if progress is not None:
            progress(i, total, running.score())

    run_config: dict[str, Any] = {
        "backend": None if retrieval_only or answerer is None else answerer.backend,
        "model": None if retrieval_only or answerer is None else answerer.model,
        "retrieval_only": retrieval_only,
        "k": k if retrieval_only else None,
        "n_cases": total,
        "kinds": sorted({c.kind for c in prepared}),
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 2),
    }
    run_config.update(config or {})
    return EvalRun(run_config, results, summarize(results))


# -- thresholds -----------------------------------------------------------------
def _groups(summary: Mapping[str, Any]) -> dict[str, list[str]]:
    return {"by_lang": list(summary.get("by_lang") or LANGS), "by_type": list(TYPES)}


def metric_names(summary: Mapping[str, Any]) -> list[str]:
    """Every name ``fail_under`` accepts for this summary."""
    base = list(SCALAR_METRICS) + [f"latency_ms.{k}.{p}" for k in LATENCY_KEYS for p in ("p50", "p95")]
    names = list(base)
    for group, keys in _groups(summary).items():
        names += [f"{group}.{key}.{m}" for key in keys for m in base]
    return names


def _valid_names_help(summary: Mapping[str, Any]) -> str:
    base = list(SCALAR_METRICS) + [f"latency_ms.{k}.{p}" for k in LATENCY_KEYS for p in ("p50", "p95")]
    prefixes = " or ".join(f"{g}.<{'|'.join(keys)}>." for g, keys in _groups(summary).items())
    return f"{', '.join(base)} (each optionally prefixed by {prefixes})"


def _lookup(summary: Mapping[str, Any], name: str) -> Any:
    node: Any = summary
    for part in name.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _lower_is_better(name: str) -> bool:
    leaf = name.rsplit(".", 1)[-1]
    return leaf in LOWER_IS_BETTER or leaf in ("p50", "p95")


def fail_under(summary: Mapping[str, Any], specs: Sequence[str]) -> list[str]:
    """Check ``METRIC=VALUE`` thresholds; return one message per failure.

    A rate must be at least VALUE; for metrics where lower is better
    (``false_refusal_rate``, ``latency_ms.*``) VALUE is a ceiling instead.
    A metric that is null in this run fails: a gate on something that was
    not measured must not pass silently.  A malformed spec or an unknown
    metric name raises ``ValueError`` (a typo in CI config is a bug).
    """
    valid = metric_names(summary)
    failures: list[str] = []
    for spec in specs:
        name, sep, raw = spec.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name or not raw:
            raise ValueError(f"bad threshold {spec!r}: expected METRIC=VALUE, e.g. accuracy=0.8")
        if name not in valid:
            raise ValueError(f"unknown metric {name!r} in {spec!r}; valid names: {_valid_names_help(summary)}")
        try:
            threshold = float(raw)
        except ValueError:
            raise ValueError(f"bad threshold {spec!r}: {raw!r} is not a number") from None
        value = _lookup(summary, name)
        if value is None:
            failures.append(f"{name} is null (not measured in this run), so {name}={raw} cannot be met")
        elif _lower_is_better(name):
            if float(value) > threshold:
                failures.append(f"{name} = {value:g}, above the allowed maximum {threshold:g}")
        elif float(value) < threshold:
            failures.append(f"{name} = {value:g}, below the required {threshold:g}")
    return failures
