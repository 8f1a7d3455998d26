"""The retrieval benchmark's questions, and what counts as a relevant passage for each.

Two kinds of gold: summit questions name quotes, and a passage is relevant
when it covers one; XQuAD questions belong to a paragraph, and any passage
of it is relevant.  ``BenchQuestion.is_hit`` hides the difference from the
systems and the scoring.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from assistant.evaluation.evalset import load_evalset
from assistant.evaluation.gold import Span
from assistant.evaluation.squad import load_squad
from assistant.types import Document

T = TypeVar("T")


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
    return cut(answerable, limit), cut(unanswerable, limit)


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
        cut(convert(german.questions, "de"), limit),
        cut(convert(english.questions, "en"), limit),
    )


def cut(items: list[T], limit: int | None) -> list[T]:
    """The first ``limit`` items (all without one): ``--limit`` trims every question list alike."""
    return items if limit is None else items[:limit]
