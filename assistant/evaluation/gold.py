"""The runner's view of gold: what each question must be answered with, and where the evidence is.

Kept apart from ``evalset`` (the JSONL file format): a SQuAD set, the
general benchmark and hand-built tests produce these directly, and scoring
needs nothing else from a case.
"""

from __future__ import annotations

from dataclasses import dataclass

# (source, start, end): a half-open character span in a corpus file.
Span = tuple[str, int, int]


@dataclass(frozen=True)
class GoldTurn:
    """What one question must be answered with, and where the evidence is."""

    question: str
    accept: tuple[str, ...] = ()
    accept_all: tuple[tuple[str, ...], ...] = ()
    gold_quotes: tuple[str, ...] = ()
    gold_spans: tuple[Span, ...] = ()
    reference: str = ""
    points: tuple[tuple[str, ...], ...] = ()  # an open question's key points, each a group of accepted strings

    @property
    def accepted_strings(self) -> tuple[str, ...]:
        """Every accept string, ``accept_all`` and ``points`` alternative, for citation checks."""
        return self.accept + tuple(a for group in (*self.accept_all, *self.points) for a in group)


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
    form: str = "fact"  # the question's form (evalset.FORMS), for the report's breakdown

    @property
    def kind(self) -> str:
        return "squad" if self.squad else "summit"
