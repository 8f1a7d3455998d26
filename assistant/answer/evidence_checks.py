"""The evidence checks of the answer policy: run on the retrieved passages before the model is asked.

Each says whether the passages can answer the question at all (is anything
close enough, do they hold the question's year, its terms, the kind of
answer it asks for), so that a question the text does not answer is
refused without the cost of a model call. See :mod:`assistant.answer.policy`
for the protocol, and each class for its rule and reason code.
"""

import re
from dataclasses import dataclass

from assistant.answer.answerable import (
    anchors,
    answer_kind,
    asked_role,
    has_kind,
    numbers,
    question_terms,
    term_in,
)
from assistant.answer.extractive import anchor_gap
from assistant.answer.facts import codes
from assistant.answer.policy import PASS, Context, Draft, Stage, Verdict, refuse
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
