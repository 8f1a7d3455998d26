"""The reply checks of the answer policy: run on the model's answer, against the passages it cites.

Each catches one way a reply can fail a reader (empty, a refusal in other
words, unsupported, not anchored to the question, a list cut short, a
restatement of the question, an answer the model does not repeat when asked
again) and says whether to refuse or fall back to the best sentence. See
:mod:`assistant.answer.policy` for the protocol, and each class for its rule
and reason code.
"""

import time
from dataclasses import dataclass

from assistant.answer.answerable import (
    anchors,
    designations,
    left_out,
    missing_kind,
    numbers,
)
from assistant.answer.citations import NO_SUPPORT, restates_question
from assistant.answer.consistency import agreement
from assistant.answer.facts import facts
from assistant.answer.passages import Passage
from assistant.answer.policy import PASS, Context, Draft, Stage, Verdict, fall_back, refuse
from assistant.answer.prompt import is_refusal
from assistant.errors import BackendError
from assistant.llm.base import Sampling, complete


# -- reply: after the model answered ------------------------------------------------------------
@dataclass(frozen=True)
class NonEmpty:
    """The model said nothing: not a refusal, since the evidence checks passed."""

    name: str = "non_empty"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        return PASS if draft.raw.strip() else fall_back("empty_reply", "the model returned nothing")


@dataclass(frozen=True)
class ModelRefusal:
    """The model says the passages do not answer. Trusted, except for a question about the document itself,
    whose byline a small model does not read as one ("8.7.2026 - Lara Finke | Ministerium")."""

    name: str = "model_refusal"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if not is_refusal(draft.raw):
            return PASS
        if draft.byline:
            return fall_back("byline", "the model found no answer; the document's byline answers questions about it")
        return refuse("model_refused", "the model found no answer in the passages")


@dataclass(frozen=True)
class Supported:
    """No sentence of the reply is backed by its cited passage (``assistant.answer.citations``): fall back.

    The reason says what was missing: the question's own subject, or
    anything like the reply at all (``unsupported_subject``), or a detail
    (``unsupported``). Both used to differ in action too, the first a
    refusal, for the model that pins "France" onto a passage about Germany.
    But on XQuAD every one of those refusals was of an answerable question
    (4 of 4, a question's "UK" against the passage's "britisch", its "two"
    against a list of two names), and the best sentence answered all four;
    the one off-corpus question it caught, the ``on_topic`` fallback check
    refuses too (cosine 0.20). So the fallback checks decide, as for any
    other failed reply; a country the passages never name is refused before
    the model is asked (``question_facts``).
    """

    name: str = "supported"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if any(c.supported for c in draft.claims):
            return PASS
        missing = {m for c in draft.claims for m in c.missing}
        if missing & facts(draft.question, ctx.names) or missing == {NO_SUPPORT}:
            return fall_back("unsupported_subject", "no passage supports the model's answer about the question")
        return fall_back("unsupported", "no sentence passed the citation check")


def quoted(draft: Draft) -> list[tuple[Passage, int]]:
    """(passage, sentence index) of the sentence quoted for each kept claim."""
    by_n = {p.n: p for p in draft.passages}
    return [(by_n[c.quote_sentence[0]], c.quote_sentence[1]) for c in draft.claims if c.supported and c.quote_sentence]


@dataclass(frozen=True)
class Anchored:
    """The reply cites sentences without any of the question's numbers (or passages without its type codes),
    while the best sentence has them all.

    A number must be in the cited sentence ("Welches Land kam 2025 hinzu?"
    is not answered by the sentence on the 2024 founders); a type code in
    its passage, since a paragraph names a thing once and then refers to it.
    """

    name: str = "anchored"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        years, kinds = anchors(draft.question), designations(draft.question)
        if not (years or kinds) or not draft.picks:
            return PASS
        best = draft.picks[0][0].sentence_text(draft.picks[0][1])
        if not years <= numbers(best) or not kinds <= designations(best):
            return PASS
        cited = quoted(draft)
        off = bool(cited) and all(
            not years & numbers(p.sentence_text(i)) and not kinds & designations(p.hit.chunk.clean) for p, i in cited
        )
        if off:
            return fall_back("off_anchor", "the model cited a sentence without the question's number or code")
        return PASS


@dataclass(frozen=True)
class CompleteList:
    """The reply names two or more items of a list in its cited sentence, but not all of them."""

    name: str = "complete_list"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        text = " ".join(c.sentence for c in draft.claims if c.supported)
        for p, i in quoted(draft):
            dropped = left_out(text, p.sentence_text(i))
            if dropped:
                return fall_back("list_incomplete", f"the model's list left out {', '.join(dropped)}")
        return PASS


@dataclass(frozen=True)
class NewToConversation:
    """A follow-up's reply only repeats the conversation so far ("Which ministry is she with?" ->
    "The press release was written by Lara Finke [1]." again)."""

    name: str = "new_to_conversation"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if draft.previous and restates_question(draft.text, f"{draft.question} {draft.previous}"):
            return fall_back("repeats_conversation", "the model's answer only repeated the conversation so far")
        return PASS


@dataclass(frozen=True)
class ReplyKind:
    """The question asks for a sum, count, date, share, distance or country, and the reply holds none."""

    name: str = "reply_kind"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        kind = missing_kind(draft.question, draft.text, draft.language)
        if kind is None:
            return PASS
        return fall_back("kind_missing", f"the question asks for a {kind} and the model's answer holds none")


@dataclass(frozen=True)
class NotARestatement:
    """The reply adds no content word to the question: true, cited and useless ("Mark Rutte lobte
    Deutschland [1]." for "Mit welchen Worten lobte Mark Rutte Deutschland?")."""

    name: str = "not_a_restatement"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if restates_question(draft.text, draft.question):
            return fall_back("restates_question", "the model's answer only restated the question")
        return PASS


@dataclass(frozen=True)
class SecondOpinion:
    """Asked again with the same prompt, sampled, the model says something else
    (:mod:`assistant.answer.consistency`); ``answer.self_check`` switches it on."""

    name: str = "second_opinion"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        cfg = ctx.settings
        if not cfg.self_check or not draft.messages or ctx.llm is None:
            return PASS
        t = time.perf_counter()
        try:
            sampling = Sampling(temperature=cfg.self_check_temperature)
            second = complete(ctx.llm, draft.messages, max_tokens=ctx.max_tokens, sampling=sampling)
        except BackendError as err:
            draft.notes.append(f"no second opinion ({err}); kept the model's answer")
            return PASS
        finally:
            draft.timings["second_opinion"] = (time.perf_counter() - t) * 1000
        share = agreement(draft.raw, second, draft.question, draft.language)
        draft.notes.append(f"second opinion: {second.strip()} (agreement {share:.2f})")
        if share >= cfg.self_check_agreement:
            return PASS
        return fall_back("unstable", "the model's answer changed when it was asked again")
