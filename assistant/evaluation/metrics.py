"""Scoring one answered (or retrieved) question, and summarising a run.

Everything here is pure: the runner asks the questions and hands the
results in, so every metric can be checked on hand-made examples.

Unit of scoring.  A multi-turn case is scored turn by turn (each turn has
its own gold, see ``evals/README.md``), so every rate in a summary is over
*questions asked*; only ``n`` counts cases, and a case ``passed`` when all
of its turns did: an answerable turn when its answer is right and one of
its citations covers the gold evidence (``grounded_accuracy``), an
unanswerable one when it was refused.

Null rule.  A metric that does not apply is ``None`` (``null`` in JSON),
never 0: a retrieval-only run has no accuracy, a set without unanswerable
cases has no refusal rate, a non-SQuAD set has no exact match.  A zero
would read as "measured and terrible" and would trip ``--fail-under``
checks for the wrong reason.

Errors.  A turn whose answerer raised is scored as wrong on every metric
it would have had (miss, incorrect, no citation, language mismatch), so a
crashing backend cannot look better than a weak one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.citations import strip_markers
from assistant.answer.lang import detect_language
from assistant.evaluation.normalize import contains_normalized, matches, squad_exact_match, squad_f1
from assistant.types import Citation, Hit

# (source, start, end): a half-open character span in a corpus file.
Span = tuple[str, int, int]

HIT_DEPTH = 5
MRR_DEPTH = 10
# A passage that holds at least this share of a gold quote counts as a hit.
# Why not full containment only: a long sentence can straddle a chunk
# boundary, and then no chunk "covers" it although the top chunk clearly
# carries the evidence.
HIT_MIN_COVERAGE = 0.5

LANGS = ("de", "en")
TYPES = ("answerable", "unanswerable")
LATENCY_KEYS = ("retrieve", "first_token", "total")
# The scalar metrics of a summary, in display order.
SCALAR_METRICS = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "accuracy",
    "grounded_accuracy",
    "exact_match",
    "f1",
    "citation_precision",
    "citation_recall",
    "refusal_rate",
    "false_refusal_rate",
    "language_match",
    "quote_share",
)
# For these a smaller value is better (used by fail_under and compare).
LOWER_IS_BETTER = frozenset({"false_refusal_rate", "quote_share"})
# An answer whose own words (outside quotation marks) are less than this share of it is a quote.
QUOTE_SHARE = 0.5


@dataclass(frozen=True)
class GoldTurn:
    """What one question must be answered with, and where the evidence is."""

    question: str
    accept: tuple[str, ...] = ()
    accept_all: tuple[tuple[str, ...], ...] = ()
    gold_quotes: tuple[str, ...] = ()
    gold_spans: tuple[Span, ...] = ()
    reference: str = ""

    @property
    def accepted_strings(self) -> tuple[str, ...]:
        """Every accept string and ``accept_all`` alternative, for citation checks."""
        return self.accept + tuple(a for group in self.accept_all for a in group)


@dataclass(frozen=True)
class Case:
    """The runner's view of a gold case.

    Retrieval gold is either ``gold_spans`` on each turn (summit style: a
    passage is relevant if it holds a gold quote) or ``gold_source`` (SQuAD
    style: the question's paragraph is a document of its own, and any
    passage from it is relevant).  ``squad`` switches on exact match / F1.
    """

    id: str
    lang: str
    answerable: bool
    turns: tuple[GoldTurn, ...]
    gold_source: str | None = None
    squad: bool = False
    # Also right when the answer's token F1 with an accept string reaches this (the general benchmark's
    # rule for SQuAD-style gold spans, which a correct answer may word differently); None: matching only.
    f1_accept: float | None = None

    @property
    def kind(self) -> str:
        return "squad" if self.squad else "summit"


@dataclass(frozen=True)
class TurnMetrics:
    """Per-question metric values; ``None`` = does not apply to this question."""

    rank: int | None = None  # 1-based rank of the first relevant passage
    hit_at_1: float | None = None
    hit_at_5: float | None = None
    mrr_at_10: float | None = None
    correct: float | None = None
    # Answerable questions only: correct *and* a citation covers the gold evidence (the target).
    grounded: float | None = None
    exact_match: float | None = None
    f1: float | None = None
    citations: int = 0
    citations_supported: int = 0
    citation_precision: float | None = None
    citation_recall: float | None = None
    refused: bool | None = None
    language_match: float | None = None
    quoted: float | None = None  # a given (not refused) answer that is mostly a quotation of the source

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "hit@1": self.hit_at_1,
            "hit@5": self.hit_at_5,
            "mrr@10": self.mrr_at_10,
            "accuracy": self.correct,
            "grounded_accuracy": self.grounded,
            "exact_match": self.exact_match,
            "f1": _round(self.f1),
            "citations": self.citations,
            "citations_supported": self.citations_supported,
            "citation_precision": _round(self.citation_precision),
            "citation_recall": self.citation_recall,
            "refused": self.refused,
            "language_match": self.language_match,
            "quoted": self.quoted,
        }


@dataclass(frozen=True)
class PassageRef:
    """A retrieved passage as recorded in results (no text: keeps files small)."""

    chunk_id: str
    source: str
    section: str
    start: int
    end: int
    score: float

    @classmethod
    def from_hit(cls, hit: Hit) -> PassageRef:
        c = hit.chunk
        return cls(c.chunk_id, c.source, c.section, c.start, c.end, float(hit.score))

    def to_dict(self) -> dict[str, Any]:
        return {
            "chunk_id": self.chunk_id,
            "source": self.source,
            "section": self.section,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 6),
        }


@dataclass(frozen=True)
class TurnResult:
    """One question as asked: what came back and how it scored."""

    gold: GoldTurn
    metrics: TurnMetrics
    answer: str | None = None
    refused: bool | None = None
    language: str | None = None
    citations: tuple[Citation, ...] = ()
    passages: tuple[PassageRef, ...] = ()
    timings_ms: Mapping[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    error: str | None = None
    reason: str = ""  # the code of the check that decided the answer (Answer.reason)

    def to_dict(self) -> dict[str, Any]:
        g = self.gold
        return {
            "question": g.question,
            "answer": self.answer,
            "refused": self.refused,
            "language": self.language,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "reference": g.reference,
            "accept": list(g.accept),
            "accept_all": [list(grp) for grp in g.accept_all],
            "gold_quotes": list(g.gold_quotes),
            "gold_spans": [list(s) for s in g.gold_spans],
            "metrics": self.metrics.to_dict(),
            "timings_ms": {k: round(float(v), 1) for k, v in self.timings_ms.items()},
            "notes": list(self.notes),
            "reason": self.reason,
            "error": self.error,
        }


@dataclass(frozen=True)
class CaseResult:
    """All turns of one case; ``passed`` is None when nothing was gradable."""

    case: Case
    turns: tuple[TurnResult, ...]
    retrieval_only: bool = False

    @property
    def error(self) -> str | None:
        return next((t.error for t in self.turns if t.error), None)

    @property
    def passed(self) -> bool | None:
        if self.error:
            return False
        if self.retrieval_only:
            values = [t.metrics.hit_at_5 for t in self.turns]
        else:  # an answerable question passes only when its answer is right *and* cites the evidence
            values = [t.metrics.correct if t.metrics.grounded is None else t.metrics.grounded for t in self.turns]
        graded = [v for v in values if v is not None]
        if not graded:
            return None
        return all(v == 1.0 for v in graded)

    def case_metrics(self) -> dict[str, float | None]:
        """Each turn metric averaged over this case's turns."""
        per_turn = [t.metrics.to_dict() for t in self.turns]
        out: dict[str, float | None] = {}
        for key in ("hit@1", "hit@5", "mrr@10", "accuracy", "grounded_accuracy", "exact_match", "f1",
                    "citation_precision", "citation_recall", "language_match"):  # fmt: skip
            out[key] = _round(_mean(d[key] for d in per_turn))
        return out

    def to_dict(self) -> dict[str, Any]:
        c = self.case
        return {
            "id": c.id,
            "lang": c.lang,
            "answerable": c.answerable,
            "kind": c.kind,
            "gold_source": c.gold_source,
            "question": c.turns[0].question if c.turns else "",
            "questions": [t.gold.question for t in self.turns],
            "answer": self.turns[-1].answer if self.turns else None,
            "refused": self.turns[-1].refused if self.turns else None,
            "passed": self.passed,
            "error": self.error,
            "metrics": self.case_metrics(),
            "turns": [t.to_dict() for t in self.turns],
        }


# -- locating gold ------------------------------------------------------------
def locate_quotes(
    quotes: Iterable[str], corpus_texts: Mapping[str, str], source: str | None = None
) -> tuple[Span, ...]:
    """Every occurrence of every quote, as spans in the original files.

    Why every occurrence: a short quote can appear twice, and a passage
    holding either copy does carry the evidence.  ``source`` restricts the
    search to one file when the case names it.
    """
    if source is not None and source in corpus_texts:
        texts: Mapping[str, str] = {source: corpus_texts[source]}
    else:
        texts = corpus_texts
    spans: list[Span] = []
    for quote in quotes:
        if not quote:
            continue
        for src, text in texts.items():
            start = text.find(quote)
            while start >= 0:
                spans.append((src, start, start + len(quote)))
                start = text.find(quote, start + 1)
    return tuple(dict.fromkeys(spans))


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def passage_is_relevant(passage: PassageRef, gold_spans: Sequence[Span], gold_source: str | None) -> bool:
    """Whether a retrieved passage carries the gold evidence (see ``Case``)."""
    if gold_source is not None:
        return passage.source == gold_source
    for src, start, end in gold_spans:
        if src != passage.source or end <= start:
            continue
        covered = _overlap(passage.start, passage.end, start, end)
        if covered >= max(1, math.ceil(HIT_MIN_COVERAGE * (end - start))):
            return True
    return False


def citation_overlaps_gold(citation: Citation, gold_spans: Sequence[Span]) -> bool:
    return any(
        src == citation.source and _overlap(citation.start, citation.end, start, end) > 0
        for src, start, end in gold_spans
    )


def citation_is_supported(citation: Citation, gold: GoldTurn) -> bool:
    """A citation is good if it points at gold evidence or quotes an accepted answer.

    Why both: gold quotes are one author's pick of the evidence; a citation
    of another sentence that states the accepted fact is just as valid.
    """
    if citation_overlaps_gold(citation, gold.gold_spans):
        return True
    return any(contains_normalized(citation.quote, a) for a in gold.accepted_strings)


# -- scoring one turn ---------------------------------------------------------
def retrieval_scores(case: Case, gold: GoldTurn, passages: Sequence[PassageRef]) -> dict[str, Any]:
    """rank / hit@1 / hit@5 / mrr@10 for one question (all None without gold)."""
    if case.gold_source is None and not gold.gold_spans:
        return {"rank": None, "hit_at_1": None, "hit_at_5": None, "mrr_at_10": None}
    rank = next(
        (i for i, p in enumerate(passages, 1) if passage_is_relevant(p, gold.gold_spans, case.gold_source)),
        None,
    )
    return {
        "rank": rank,
        "hit_at_1": 1.0 if rank == 1 else 0.0,
        "hit_at_5": 1.0 if rank is not None and rank <= HIT_DEPTH else 0.0,
        "mrr_at_10": 1.0 / rank if rank is not None and rank <= MRR_DEPTH else 0.0,
    }


_STRAIGHT_QUOTED = re.compile(r"\"[^\"]*\"")


def _unquoted(text: str) -> str:
    """``text`` with its quotations blanked out, nested ones included.

    The source nests quotes („… „Wir gestalten die Zukunft …“, heißt es …“),
    so a quote cannot be matched as „ up to the first “: that would leave
    the rest of the German quotation standing as the answer's own words.
    „ and « open, ” and » close, and “ closes a German quote when one is
    open and opens an English one otherwise. An unbalanced quotation (one
    that is never closed) is left as it is.
    """
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch in "„«":
            depth += 1
        elif ch == "“":
            depth = depth - 1 if depth else 1
        elif ch in "”»":
            depth = max(0, depth - 1)
        elif not depth:
            out.append(ch)
            continue
        out.append(" ")
    if depth:
        return text
    return _STRAIGHT_QUOTED.sub(" ", "".join(out))


def answer_language(text: str, refused: bool, declared: str) -> str:
    """The language an answer is in: the language of its own words.

    Quotes are left out: an English answer that quotes the German source
    verbatim ("The headline is „NATO-Gipfel 2026 …“") is an English answer.
    An answer that is nothing but a quote is judged on the quote.

    Why refusals use the declared language: a refusal is a fixed template
    the pipeline picked for the question's language, and detection on a
    one-line template is less reliable than the pipeline's own choice.
    """
    if refused:
        return declared
    own = _unquoted(strip_markers(text))
    return detect_language(own if len(own.split()) >= 3 else text)


def is_quote(text: str) -> bool:
    """Is the answer mostly a quotation rather than the assistant's own words?

    "According to the text: „Die Allianz … vereinbart.“ [1]" answers nobody: it hands the reader the
    source sentence to read. Measured on any backend's text alone, so the naive baseline is scored alike.
    """
    body = " ".join(strip_markers(text).split())
    if not body:
        return False
    own = " ".join(_unquoted(body).split())
    return len(own) < QUOTE_SHARE * len(body)


def score_turn(
    case: Case,
    gold: GoldTurn,
    *,
    text: str,
    refused: bool,
    language: str,
    citations: Sequence[Citation],
    passages: Sequence[PassageRef],
) -> TurnMetrics:
    """All metrics of one answered question."""
    retr = retrieval_scores(case, gold, passages)
    if case.answerable:
        right = matches(text, gold.accept, gold.accept_all)
        if not right and case.f1_accept is not None and gold.accept:
            right = squad_f1(strip_markers(text), list(gold.accept)) >= case.f1_accept
        correct = 1.0 if not refused and right else 0.0
    else:
        correct = 1.0 if refused else 0.0
    em = f1 = None
    if case.squad and case.answerable:
        golds = list(gold.accept) or [gold.reference]
        em = 0.0 if refused else squad_exact_match(text, golds)
        f1 = 0.0 if refused else squad_f1(text, golds)
    supported = sum(citation_is_supported(c, gold) for c in citations) if case.answerable else 0
    precision = recall = None
    if case.answerable:
        if citations:
            precision = supported / len(citations)
        if gold.gold_spans:
            recall = 1.0 if any(citation_overlaps_gold(c, gold.gold_spans) for c in citations) else 0.0
        elif gold.accepted_strings:
            recall = 1.0 if supported else 0.0
    # "Answered correctly, with at least one citation covering a gold passage": without citation gold
    # (recall None) the answer alone decides.
    grounded = correct * (1.0 if recall is None else recall) if case.answerable else None
    lang = answer_language(text, refused, language)
    return TurnMetrics(
        **retr,
        correct=correct,
        grounded=grounded,
        exact_match=em,
        f1=f1,
        citations=len(citations),
        citations_supported=supported,
        citation_precision=precision,
        citation_recall=recall,
        refused=refused,
        language_match=1.0 if lang == case.lang else 0.0,
        quoted=None if refused else float(is_quote(text)),
    )


def score_retrieval_turn(case: Case, gold: GoldTurn, passages: Sequence[PassageRef]) -> TurnMetrics:
    """Metrics of a retrieval-only question: only the retrieval ones apply."""
    return TurnMetrics(**retrieval_scores(case, gold, passages))


def score_failed_turn(case: Case, gold: GoldTurn, *, retrieval_only: bool = False) -> TurnMetrics:
    """Worst values for a question whose answerer raised (see module doc)."""
    retr = retrieval_scores(case, gold, ())
    if retrieval_only:
        return TurnMetrics(**retr)
    squad = case.squad and case.answerable
    has_recall_gold = bool(gold.gold_spans or gold.accepted_strings)
    return TurnMetrics(
        **retr,
        correct=0.0,
        grounded=0.0 if case.answerable else None,
        exact_match=0.0 if squad else None,
        f1=0.0 if squad else None,
        citation_recall=0.0 if case.answerable and has_recall_gold else None,
        refused=False,
        language_match=0.0,
    )


# -- aggregation --------------------------------------------------------------
def _round(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), ``q`` in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _latency(turns: Sequence[TurnResult]) -> dict[str, dict[str, float | None]]:
    out: dict[str, dict[str, float | None]] = {}
    for key in LATENCY_KEYS:
        values = [float(t.timings_ms[key]) for t in turns if t.error is None and key in t.timings_ms]
        out[key] = {"p50": _round(percentile(values, 50), 1), "p95": _round(percentile(values, 95), 1)}
    return out


def _block(results: Sequence[CaseResult]) -> dict[str, Any]:
    """One summary block (overall, one language or one type)."""
    turns = [(r.case, t) for r in results for t in r.turns]
    m = [t.metrics for _, t in turns]
    answered = [(c, t) for c, t in turns if t.metrics.refused is not None]
    cited = [t.metrics for c, t in answered if c.answerable]
    total_citations = sum(x.citations for x in cited)
    precision = sum(x.citations_supported for x in cited) / total_citations if total_citations else None
    return {
        "n": len(results),
        "hit@1": _round(_mean(x.hit_at_1 for x in m)),
        "hit@5": _round(_mean(x.hit_at_5 for x in m)),
        "mrr@10": _round(_mean(x.mrr_at_10 for x in m)),
        "accuracy": _round(_mean(x.correct for x in m)),
        "grounded_accuracy": _round(_mean(x.grounded for x in m)),
        "exact_match": _round(_mean(x.exact_match for x in m)),
        "f1": _round(_mean(x.f1 for x in m)),
        "citation_precision": _round(precision),
        "citation_recall": _round(_mean(x.citation_recall for x in m)),
        "refusal_rate": _round(_mean(float(bool(t.metrics.refused)) for c, t in answered if not c.answerable)),
        "false_refusal_rate": _round(_mean(float(bool(t.metrics.refused)) for c, t in answered if c.answerable)),
        "language_match": _round(_mean(x.language_match for x in m)),
        "quote_share": _round(_mean(x.quoted for x in m)),
        "latency_ms": _latency([t for _, t in turns]),
    }


def summarize(case_results: Sequence[CaseResult]) -> dict[str, Any]:
    """The run's summary: overall, ``by_lang`` and ``by_type`` (see module doc)."""
    summary = _block(case_results)
    langs = list(LANGS) + sorted({r.case.lang for r in case_results} - set(LANGS))
    summary["by_lang"] = {lang: _block([r for r in case_results if r.case.lang == lang]) for lang in langs}
    summary["by_type"] = {
        "answerable": _block([r for r in case_results if r.case.answerable]),
        "unanswerable": _block([r for r in case_results if not r.case.answerable]),
    }
    return summary
