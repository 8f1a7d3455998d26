"""The answer policy as named checks: each one reads a draft answer and passes it, refuses, or falls back.

Why named components instead of one long method: a check must earn its
place on documents it was not written for (``make eval-general``), and that
is only measurable when it can be switched off by name
(``answer.checks`` in the settings, in order) and when every outcome says
which check decided it. The outcome's ``reason`` is that check's code, for
programs (the UI, the API, the eval report); its note is for people.

Two stages, because they see different things:

* ``evidence`` checks run before the model is asked, on the question and
  the retrieved passages: is there anything here that could answer it?
  They refuse.
* ``reply`` checks run on the model's reply after its claims were matched
  to passage sentences (``Draft.claims``): is what it says what the
  passages say? They fall back to an answer built from the best sentence,
  or refuse when the reply shows that the text does not answer at all.
* ``fallback`` checks run only when a reply check fell back, on the
  sentence the fallback would answer from: with the model's reply
  discarded, nothing but the ranking vouches for that sentence, so they
  may turn the fallback into a refusal.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, Protocol

import numpy as np

from assistant.answer.citations import ClaimCheck
from assistant.answer.facts import NameBook
from assistant.answer.model import Answer
from assistant.answer.passages import Passage
from assistant.config import AnswerSettings
from assistant.llm.base import LLM, Message
from assistant.types import Citation, Hit

Stage = Literal["evidence", "reply", "fallback"]
Pick = tuple[Passage, int, float]


class Action(Enum):
    PASS = "pass"
    REFUSE = "refuse"
    FALL_BACK = "fall_back"


@dataclass(frozen=True)
class Verdict:
    """What one check decided; ``reason`` is the check's machine-readable code, ``note`` says why to people."""

    action: Action = Action.PASS
    reason: str = ""
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.action is Action.PASS


PASS = Verdict()


def refuse(reason: str, note: str) -> Verdict:
    return Verdict(Action.REFUSE, reason, note)


def fall_back(reason: str, note: str) -> Verdict:
    return Verdict(Action.FALL_BACK, reason, note)


@dataclass
class Draft:
    """One question on its way to an answer: what was retrieved, and what the model replied.

    Checks read it; only the service writes it.
    """

    question: str
    language: str
    query: str
    hits: tuple[Hit, ...] = ()
    passages: list[Passage] = field(default_factory=list)
    relevant: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    byline: bool = False  # a question about the document itself: its dateline answers it
    previous: str = ""  # the conversation so far: recent questions and the last answer
    picks: list[Pick] = field(default_factory=list)  # the best passage sentences, best first
    passage_languages: dict[int, str] = field(default_factory=dict)  # passage n -> its document's language
    # After the model replied:
    raw: str = ""
    messages: Sequence[Message] = ()
    claims: list[ClaimCheck] = field(default_factory=list)
    text: str = ""  # the kept claims, rendered with their markers


def finished(
    draft: Draft,
    text: str,
    refused: bool,
    citations: Sequence[Citation],
    t0: float,
    *,
    passages: Sequence[Hit],
    backend: str,
    model: str,
    reason: str = "",
) -> Answer:
    """The Answer of ``draft``, timed from ``t0``: one place builds it, for fact and open answers alike, so
    that every answer carries the same timings, notes and retrieval query."""
    draft.timings["total"] = (time.perf_counter() - t0) * 1000
    draft.timings.setdefault("first_token", draft.timings["total"])
    return Answer(
        question=draft.question,
        text=text,
        language=draft.language,
        refused=refused,
        citations=tuple(citations),
        passages=tuple(passages),
        backend=backend,
        model=model if backend != "extractive" else "none",
        timings_ms=dict(draft.timings),
        notes=tuple(draft.notes),
        retrieval_query=draft.query,
        raw_text=draft.raw,
        reason=reason,
    )


@dataclass(frozen=True)
class Context:
    """What checks may use besides the draft: the corpus's names, the vectors and the model."""

    names: NameBook
    sentence_vectors: Mapping[str, np.ndarray]
    question_vec: Callable[[str], np.ndarray]
    llm: LLM | None
    settings: AnswerSettings
    max_tokens: int = 256  # of a second reply


class Check(Protocol):
    """One rule of the answer policy; see the module docstring."""

    @property
    def name(self) -> str: ...

    @property
    def stage(self) -> Stage: ...

    def check(self, draft: Draft, ctx: Context) -> Verdict: ...


def run_checks(checks: Sequence[Check], draft: Draft, ctx: Context) -> Verdict:
    """The first verdict that is not a pass, or a pass."""
    for check in checks:
        verdict = check.check(draft, ctx)
        if not verdict.passed:
            return verdict
    return PASS
