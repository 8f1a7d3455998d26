"""The answer a failed reply falls back to, written from the best sentence.

Why a module of its own: a fallback has four writers (the quote, the
model's short answer, the sentence restated, the answering span), chosen by
settings, and each is measured against the quote (``make eval-general``).
Keeping them here keeps :mod:`assistant.service` to the path of a question.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer.citations import citations_for
from assistant.answer.extractive import Pick, extractive_answer, quote_citations, with_neighbour
from assistant.answer.facts import NameBook
from assistant.answer.passages import Passage
from assistant.answer.points import PointWriter
from assistant.answer.policy import Check, Context, Draft, run_checks
from assistant.answer.prompt import build_messages, is_refusal
from assistant.answer.span import copy_span
from assistant.answer.yesno import lead_yes_no
from assistant.config import Settings
from assistant.errors import BackendError
from assistant.llm.base import LLM, complete
from assistant.retrieval.base import Retriever
from assistant.types import Citation

Written = tuple[str, tuple[Citation, ...]]
ReadReply = Callable[[Draft, str, Sequence[Passage]], None]


def quote_picks(draft: Draft, *, neighbour: bool) -> list[Pick]:
    """The sentences a quote holds: the best, with its neighbour when that is among the best too."""
    return with_neighbour(draft.picks) if neighbour else draft.picks[:1]


def quoted(draft: Draft, *, neighbour: bool) -> Written:
    """The best sentence quoted (``answer.quote_neighbour``: with its neighbour), and its citations."""
    picks = quote_picks(draft, neighbour=neighbour)
    return extractive_answer(picks, draft.language), quote_citations(picks)


@dataclass(frozen=True)
class Fallbacks:
    """The fallback writers of one assistant; ``read_reply`` checks a reply's claims as the fact path does."""

    settings: Settings
    retriever: Retriever
    llm: LLM | None
    names: NameBook
    read_reply: ReadReply
    reply_checks: Sequence[Check]
    context: Context

    def answer(self, draft: Draft) -> Written:
        """The configured writer's answer, or the quote when it fails or none is configured."""
        return self._short_answer(draft) or self._restated(draft) or self._span(draft) or self._quoted(draft)

    def _quoted(self, draft: Draft) -> Written:
        return quoted(draft, neighbour=self.settings.answer.quote_neighbour)

    def _quote_picks(self, draft: Draft) -> list[Pick]:
        return quote_picks(draft, neighbour=self.settings.answer.quote_neighbour)

    def _focus(self, draft: Draft) -> Passage:
        """The sentence(s) a fallback quotes, as the one passage a second prompt sees."""
        picks = self._quote_picks(draft)
        p = picks[0][0]
        ids = tuple(i for q, i, _ in picks if q is p)
        return Passage(p.n, p.hit, ids, " ".join(p.sentence_text(i) for i in ids))

    def _restated(self, draft: Draft) -> Written | None:
        """The best sentence restated as one checked point in the question's language (``fallback_style:
        restate``), instead of a German quote behind "According to the text:"; None when the point fails."""
        if self.llm is None or self.settings.answer.fallback_style != "restate" or not draft.picks:
            return None
        focus = self._focus(draft)
        writer = PointWriter(
            draft.question,
            draft.language,
            self.names,
            llm=self.llm,
            embed=self.retriever.embed_query,
            sentence_vectors=self.retriever.sentence_vectors,
            min_support=self.settings.answer.min_support,
        )
        t = time.perf_counter()
        point = next(writer.points([focus]), None)
        draft.timings["restate"] = (time.perf_counter() - t) * 1000
        draft.notes.extend(writer.notes)
        if point is None or point.quoted:
            return None
        return point.text, point.citations

    def _span(self, draft: Draft) -> Written | None:
        """``fallback_style: span`` (:mod:`assistant.answer.span`): the answering words of the best sentence."""
        if self.llm is None or self.settings.answer.fallback_style != "span" or not draft.picks:
            return None
        focus = self._focus(draft)
        span = copy_span(self.llm, draft, focus)
        return None if span is None else (f"{span} [{focus.n}].", self._quoted(draft)[1][:1])

    def _short_answer(self, draft: Draft) -> Written | None:
        """The model's answer from the best sentence alone, checked like any reply; None when it fails.

        Falling back to the quoted sentence answers nobody well: a German
        paragraph behind "According to the text:" for an English question.
        The best sentence (and its neighbour, as the quote would have it) is
        what the ranking trusts, so the model is asked once more with only
        that as its passage; its reply must pass the same claim checks, or
        the quote stands.
        """
        if self.llm is None or not self.settings.answer.short_fallback or not draft.picks:
            return None
        focus = self._focus(draft)
        messages = build_messages(draft.question, [focus], draft.language)
        t = time.perf_counter()
        try:
            raw = complete(self.llm, messages, max_tokens=self.settings.llm.max_tokens).strip()
        except BackendError as err:
            draft.notes.append(f"no short answer ({err})")
            return None
        finally:
            draft.timings["short_answer"] = (time.perf_counter() - t) * 1000
        if not raw or is_refusal(raw):
            return None
        trial = Draft(draft.question, draft.language, draft.query, passages=[focus], picks=draft.picks)
        trial.previous = draft.previous
        self.read_reply(trial, raw, [focus])
        verdict = run_checks([c for c in self.reply_checks if c.name != "second_opinion"], trial, self.context)
        if not verdict.passed:
            draft.notes.append(f"short answer {raw!r} failed {verdict.reason}")
            return None
        draft.notes.append(f"short answer from the best sentence: {raw}")
        text = lead_yes_no(draft.question, trial.text, draft.language)
        return text, tuple(citations_for(trial.claims, [focus]))
