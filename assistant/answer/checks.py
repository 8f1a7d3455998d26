"""The checks of the answer policy, one small class each; ``CHECKS`` names them for ``answer.checks``.

See :mod:`assistant.answer.policy` for the protocol and the two stages,
and each class for the rule, the failure it catches and its reason code.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cache

from assistant.answer.answerable import (
    anchors,
    answer_kind,
    asked_role,
    designations,
    has_kind,
    left_out,
    missing_kind,
    numbers,
    question_terms,
    term_in,
)
from assistant.answer.citations import NO_SUPPORT, restates_question
from assistant.answer.consistency import agreement
from assistant.answer.extractive import anchor_gap
from assistant.answer.facts import codes, facts
from assistant.answer.passages import Passage
from assistant.answer.policy import PASS, Check, Context, Draft, Stage, Verdict, fall_back, refuse
from assistant.answer.prompt import is_refusal
from assistant.errors import BackendError, ConfigError
from assistant.llm.base import Sampling, complete
from assistant.text.fold import normalize
from assistant.text.pack import light_fold
from assistant.text.places import named_in, places

_NUMBER_WORD = re.compile(r"\d+(?:s|st|nd|rd|th|er|ern)", re.IGNORECASE)


def _passage_language(draft: Draft, n: int) -> str:
    return draft.passage_languages.get(n, draft.language)


def _best_texts(draft: Draft, k: int) -> list[str]:
    return [p.sentence_text(i) for p, i, _ in draft.picks[:k]]


# -- evidence: before the model is asked --------------------------------------------------------
@dataclass(frozen=True)
class Relevant:
    """Retrieval found nothing close enough to the question (``retrieval.min_dense_score``)."""

    name: str = "relevant"
    stage: Stage = "evidence"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if draft.relevant and draft.passages:
            return PASS
        return refuse("nothing_relevant", "retrieval found nothing relevant")


@dataclass(frozen=True)
class QuestionFacts:
    """A number, type code or country that the question names is nowhere in the evidence.

    "How much did France spend?" over passages on Germany; "aid for 2025"
    over sentences about 2026. Numbers must be in the best sentences, codes
    and countries anywhere in the passages (a paragraph names a thing once).
    An acronym without digits is compared only within one language, since
    acronyms differ between languages (AI/KI, UN/VN).
    """

    name: str = "question_facts"
    stage: Stage = "evidence"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if not draft.picks:
            return PASS
        text = " \n ".join(p.hit.chunk.clean for p in draft.passages)
        # In the passages or their section titles, not only the best sentences: a number is often part of a
        # name ("Super Bowl 50", "Sauerstoff-18") written once in a paragraph. A year that is only in
        # sentences about something else is the anchor_gap check's to catch.
        titles = " ".join({p.hit.chunk.section for p in draft.passages})
        missing = numbers(draft.question) - numbers(f"{text} {titles}")
        if missing:
            return refuse("number_not_in_evidence", f"the passages do not mention {', '.join(sorted(missing))}")
        padded = f" {normalize(text)} "
        same = {_passage_language(draft, p.n) for p in draft.passages} == {draft.language}
        asked = [
            c
            for c in codes(draft.question)
            if (same or any(ch.isdigit() for ch in c)) and not _NUMBER_WORD.fullmatch(c)  # "1970s", "20th"
        ]
        missing_codes = sorted(
            c
            for c in {normalize(c) for c in asked} - {""}
            if f" {c} " not in padded and not c.replace(".", "").isdigit()
        )
        if missing_codes:
            return refuse("code_not_in_evidence", f"the passages never mention {', '.join(missing_codes)}")
        missing_places = {c for c in places(draft.question) - places(text) if not named_in(c, text)}
        if missing_places:
            return refuse("place_not_in_evidence", f"the passages never mention {', '.join(sorted(missing_places))}")
        return PASS


@dataclass(frozen=True)
class QuestionTerms:
    """None of the words the question names its topic by is in the two passages shown to the model.

    Retrieval always returns the closest passages, and for a question about
    a document that is not in the corpus ("Wer war der erste Doktor, der mit
    einem verheirateten Paar reiste?" over articles that never mention the
    Doctor) they are about something else, often close enough to answer from
    with confidence. Calibrated on XQuAD with four articles left out of the
    corpus (``make eval-general``): it refused 18 of their 32 questions and 1
    of 160 answerable ones (a misspelt name), and none of the summit set's.
    """

    name: str = "question_terms"
    stage: Stage = "evidence"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        # The retrieval query: a follow-up ("Und was bedeutet NISRF?") carries the earlier question's topic.
        terms = question_terms(draft.query)
        if not terms or not draft.passages:
            return PASS
        text = " ".join(p.hit.chunk.clean for p in draft.passages)
        cross = any(_passage_language(draft, p.n) != draft.language for p in draft.passages)
        where = places(text)
        if any(term_in(t, text, cross_language=cross, text_places=where) for t in terms):
            return PASS
        return refuse("terms_not_in_evidence", f"the passages mention none of {', '.join(terms)}")


@dataclass(frozen=True)
class AnswerKind:
    """The question asks for a kind of answer (a sum, a count, a date, a country, a distance, a share) that
    the two best sentences do not hold; see :func:`assistant.answer.answerable.has_kind`."""

    name: str = "answer_kind"
    stage: Stage = "evidence"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        kind = answer_kind(draft.question)
        if kind is None or not draft.picks:
            return PASS
        language = _passage_language(draft, draft.picks[0][0].n)
        evidence = " ".join(_best_texts(draft, 2))
        if has_kind(kind, evidence, draft.question, language, same_language=language == draft.language):
            return PASS
        return refuse("kind_not_in_evidence", f"the question asks for a {kind}, and the best passages hold none")


@dataclass(frozen=True)
class AskedRole:
    """A who-question asks about a role ("Wer ist der türkische Präsident?") that no passage names.

    The passages then name other people, and the model picks one of them.
    Compared only when the passages are in the question's language (a role
    is an ordinary word, "President" / "Präsident", not a name), and not for
    a question about the document's own author, which its byline answers.
    """

    name: str = "asked_role"
    stage: Stage = "evidence"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        role = asked_role(draft.question, draft.language)
        same = all(_passage_language(draft, p.n) == draft.language for p in draft.passages)
        if role is None or not same or draft.byline or not draft.passages:
            return PASS
        folded = light_fold(role.split("-")[-1])
        stem = folded[: max(5, len(folded) - 3)]
        if stem in light_fold(" ".join(p.hit.chunk.clean for p in draft.passages)):
            return PASS
        return refuse("role_not_in_evidence", f"the passages never mention {role}")


@dataclass(frozen=True)
class AnchorGap:
    """The question's year or number is only in sentences about something else.

    "What is Germany's defence budget for 2027?": 2027 is in the passages,
    but only in the sentence on aid to Ukraine, while the sentence closest
    to the question (the 2026 budget) lacks it. ``answer.anchor_gap`` is how
    far (in cosine) the closest sentence with the year may trail the closest
    sentence overall; a cosine of EmbeddingGemma's, to measure again for
    another embedding model (0: off).
    """

    name: str = "anchor_gap"
    stage: Stage = "evidence"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        wanted = anchors(draft.question)
        gap = ctx.settings.anchor_gap
        if not wanted or gap <= 0:
            return PASS
        # The question itself, not the retrieval query: a follow-up's query carries the earlier questions.
        trail = anchor_gap(wanted, draft.passages, ctx.question_vec(draft.question), ctx.sentence_vectors)
        if trail is not None and trail > gap:
            note = f"{', '.join(sorted(wanted))} appears only in sentences about something else"
            return refuse("anchor_elsewhere", note)
        return PASS


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
    """No sentence of the reply is backed by its cited passage (``assistant.answer.citations``).

    When what is missing is the question's own subject (the model pinned
    "France" onto a passage about Germany), or no passage says anything like
    the reply at all, the text does not answer: refuse. Otherwise the model
    got a detail wrong, and the best sentence may still answer: fall back.
    """

    name: str = "supported"
    stage: Stage = "reply"

    def check(self, draft: Draft, ctx: Context) -> Verdict:
        if any(c.supported for c in draft.claims):
            return PASS
        missing = {m for c in draft.claims for m in c.missing}
        if missing & facts(draft.question, ctx.names) or missing == {NO_SUPPORT}:
            return refuse("unsupported_subject", "no passage supports the model's answer")
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


CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        Relevant(),
        QuestionFacts(),
        QuestionTerms(),
        AskedRole(),
        AnswerKind(),
        AnchorGap(),
        NonEmpty(),
        ModelRefusal(),
        Supported(),
        Anchored(),
        CompleteList(),
        NewToConversation(),
        ReplyKind(),
        NotARestatement(),
        SecondOpinion(),
    )
}


@cache
def configured(names: tuple[str, ...]) -> tuple[tuple[Check, ...], tuple[Check, ...]]:
    """The (evidence, reply) checks that ``answer.checks`` lists, in its order; an unknown name is an error."""
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ConfigError(f"Unknown answer check(s) {', '.join(unknown)} in answer.checks; known: {', '.join(CHECKS)}")
    chosen = [CHECKS[n] for n in dict.fromkeys(names)]
    return tuple(c for c in chosen if c.stage == "evidence"), tuple(c for c in chosen if c.stage == "reply")
