"""Each check of the answer policy on its own, on documents other than the press release (and on it)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from assistant.answer.checks import CHECKS, configured
from assistant.answer.citations import check_claims, render
from assistant.answer.evidence_checks import AnchorGap, AnswerKind, AskedRole, QuestionFacts, QuestionTerms, Relevant
from assistant.answer.extractive import best_sentences
from assistant.answer.facts import NameBook
from assistant.answer.fallback_checks import OnTopic
from assistant.answer.lang import document_language
from assistant.answer.passages import build_passages
from assistant.answer.policy import Action, Context, Draft
from assistant.answer.reply_checks import (
    Anchored,
    CompleteList,
    ModelRefusal,
    NewToConversation,
    NonEmpty,
    NotARestatement,
    ReplyKind,
    SecondOpinion,
    Supported,
)
from assistant.config import load_settings
from assistant.errors import ConfigError
from assistant.ingest.chunk import ChunkParams, chunk_document
from assistant.llm.base import Message
from assistant.llm.fake import FakeLLM
from assistant.types import Document, Hit

CASTLE = (
    "Die Burg Hohenfels wurde im Jahr 1385 von den Grafen von Nassau erbaut. "
    "Sie hat vier Türme und liegt in Deutschland an der Lahn. "
    "Der Eintritt kostet 4.500 Franken für Gruppen."
)
MUSEUM = (
    "The Riverside Museum opened in 1911 and holds works by Monet, Manet, Degas and Renoir. "
    "Its main hall is 40 metres long. Admission is free on Sundays."
)
SUMMIT = (
    "Beim NATO-Gipfel 2024 haben Norwegen, Kanada und Deutschland die Maritime Sicherheitspartnerschaft gegründet. "
    "Seither wird der Kreis größer – 2025 mit Dänemark und nun in Ankara mit Island."
)


def _draft(question: str, text: str, language: str, *, raw: str = "", previous: str = "") -> tuple[Draft, Context]:
    doc = Document("d1", "doc.txt", text, {"title": "Doc"})
    chunks = chunk_document(doc, ChunkParams(max_chars=2000, min_chars=10))
    hits = tuple(Hit(c, 1.0) for c in chunks)
    passages = build_passages(hits, None, {}, max_passages=2, chars_per_passage=5000)
    draft = Draft(question, language, question, hits, passages, True, previous=previous)
    draft.picks = best_sentences(question, passages, None, {}, max_sentences=3)
    draft.passage_languages = {p.n: document_language(p.hit.chunk.clean) for p in passages}
    names = NameBook.from_texts([text])
    if raw:
        draft.raw = raw
        draft.claims, _ = check_claims(raw, passages, names, given=question)
        draft.text = render(draft.claims)
        draft.messages = [Message("user", question)]
    settings = load_settings(None).answer
    ctx = Context(names, {}, lambda q: np.zeros(4, dtype=np.float32), None, settings)
    return draft, ctx


def _reason(check: object, draft: Draft, ctx: Context) -> str:
    verdict = check.check(draft, ctx)  # type: ignore[attr-defined]
    return "" if verdict.passed else f"{verdict.action.value}:{verdict.reason}"


def test_nothing_relevant_is_refused() -> None:
    draft, ctx = _draft("Wer baute die Burg?", CASTLE, "de")
    assert _reason(Relevant(), draft, ctx) == ""
    draft.relevant = False
    assert _reason(Relevant(), draft, ctx) == "refuse:nothing_relevant"


@pytest.mark.parametrize(
    ("question", "text", "language", "reason"),
    [
        ("Was geschah 1402 mit der Burg?", CASTLE, "de", "refuse:number_not_in_evidence"),
        ("Wie viele Türme hat die Burg in Frankreich?", CASTLE, "de", "refuse:place_not_in_evidence"),
        ("How many towers does the castle in Germany have?", CASTLE, "en", ""),  # "Germany" is "Deutschland"
        ("Was zeigt das Museum über den F-35?", MUSEUM, "de", "refuse:code_not_in_evidence"),
        ("When did the Riverside Museum open?", MUSEUM, "en", ""),
        ("Wer trat der Partnerschaft 2025 bei?", SUMMIT, "de", ""),
        ("Wer trat der Partnerschaft 2023 bei?", SUMMIT, "de", "refuse:number_not_in_evidence"),
        # A number that is part of a name, a decade, a country named only by its adjective:
        ("Who sang at Super Bowl 50?", "Beim Super Bowl 50 trat eine Sängerin auf. Sie sang die Hymne.", "en", ""),
        ("What did ABC start to use in the 1970s?", "ABC nutzte in den 1970er-Jahren neue Daten.", "en", ""),
        ("What did the UK agency check?", "Das britische Sozialamt prüfte die Rechnungen.", "en", ""),
    ],
)
def test_question_facts(question: str, text: str, language: str, reason: str) -> None:
    assert _reason(QuestionFacts(), *_draft(question, text, language)) == reason


@pytest.mark.parametrize(
    ("question", "text", "language", "reason"),
    [
        ("Wann eröffnete Queen Elizabeth das Theater in Newcastle?", CASTLE, "de", "refuse:terms_not_in_evidence"),
        ("When was Burg Hohenfels built?", CASTLE, "en", ""),
        ("Who built the castle on the Lahn?", CASTLE, "en", ""),
        ("Which Scottish painter is shown?", MUSEUM, "en", "refuse:terms_not_in_evidence"),
        ("Von welchem Ministerium stammt der Artikel?", "Das Bundesministerium für Verteidigung teilt mit.", "de", ""),
        ("Wann öffnete das Riverside Museum?", MUSEUM, "de", ""),  # the name crosses languages
    ],
)
def test_question_terms(question: str, text: str, language: str, reason: str) -> None:
    assert _reason(QuestionTerms(), *_draft(question, text, language)) == reason


@pytest.mark.parametrize(
    ("question", "text", "language", "reason"),
    [
        ("Wie viel kostet der Eintritt für Gruppen?", CASTLE, "de", ""),
        ("How much does a ticket cost?", MUSEUM, "en", "refuse:kind_not_in_evidence"),  # free, no sum
        ("How long is the main hall?", MUSEUM, "en", ""),
        ("In which country is the castle?", CASTLE, "en", ""),
        ("In which country is the museum?", MUSEUM, "en", "refuse:kind_not_in_evidence"),
        ("Mit welchem Land wuchs der Kreis 2025?", SUMMIT, "de", ""),
    ],
)
def test_answer_kind(question: str, text: str, language: str, reason: str) -> None:
    assert _reason(AnswerKind(), *_draft(question, text, language)) == reason


@pytest.mark.parametrize(
    ("question", "text", "language", "reason"),
    [
        ("Wer ist der Bürgermeister der Stadt?", CASTLE, "de", "refuse:role_not_in_evidence"),
        ("Wer war der Bauherr der Burg?", "Bauherren der Burg waren die Grafen von Nassau.", "de", ""),
        ("Who is the curator of the museum?", MUSEUM, "en", "refuse:role_not_in_evidence"),
        ("Who is the curator of the museum?", CASTLE, "en", ""),  # across languages a role is not compared
        ("Wer ist die Autorin?", CASTLE, "de", "refuse:role_not_in_evidence"),
    ],
)
def test_asked_role(question: str, text: str, language: str, reason: str) -> None:
    assert _reason(AskedRole(), *_draft(question, text, language)) == reason


def test_a_share_may_be_a_fraction() -> None:
    text = "Die Firma Lockheed Martin baut die Anlage. Über die Hälfte der Teile kommt aus Europa."
    assert _reason(AnswerKind(), *_draft("Welchen Anteil hat die Burg am Tourismus?", CASTLE, "de")) == (
        "refuse:kind_not_in_evidence"
    )
    assert _reason(AnswerKind(), *_draft("Welchen Anteil haben die Teile aus Europa?", text, "de")) == ""


def test_anchor_gap_is_off_at_zero_and_passes_without_vectors() -> None:
    draft, ctx = _draft("Was geschah 1385?", CASTLE, "de")
    assert _reason(AnchorGap(), draft, ctx) == ""  # no sentence vectors: nothing to compare


def test_an_empty_reply_falls_back_and_a_refusal_refuses() -> None:
    draft, ctx = _draft("Wer baute die Burg?", CASTLE, "de")
    assert _reason(NonEmpty(), draft, ctx) == "fall_back:empty_reply"
    draft.raw = "NO_ANSWER"
    assert _reason(ModelRefusal(), draft, ctx) == "refuse:model_refused"
    draft.byline = True
    assert _reason(ModelRefusal(), draft, ctx) == "fall_back:byline"


@pytest.mark.parametrize(
    ("question", "text", "language", "raw", "reason"),
    [
        ("Wann wurde die Burg erbaut?", CASTLE, "de", "Die Burg wurde 1385 erbaut [1].", ""),
        ("Wann wurde die Burg erbaut?", CASTLE, "de", "Die Burg wurde 1492 erbaut [1].", "fall_back:unsupported"),
        ("When did the museum in France open?", MUSEUM, "en", "The museum in France opened in 1911 [1].",
         "fall_back:unsupported_subject"),  # the fallback checks decide; question_facts refuses France first
        ("When did the museum open?", MUSEUM, "en", "It opened in 1911 [1].", ""),
    ],
)  # fmt: skip
def test_supported(question: str, text: str, language: str, raw: str, reason: str) -> None:
    assert _reason(Supported(), *_draft(question, text, language, raw=raw)) == reason


def test_anchored_reply_must_cite_the_asked_year() -> None:
    question = "Mit welchem Land wurde der Kreis 2025 größer?"
    off = _draft(question, SUMMIT, "de", raw="Norwegen, Kanada und Deutschland gründeten sie [1].")
    assert _reason(Anchored(), *off) == "fall_back:off_anchor"  # it quotes the 2024 founders' sentence
    on = _draft(question, SUMMIT, "de", raw="2025 kam Dänemark hinzu [1].")
    assert _reason(Anchored(), *on) == ""


def test_a_list_named_in_part_falls_back_in_either_language() -> None:
    question = "Whose works does the museum hold?"
    part = _draft(question, MUSEUM, "en", raw="It holds works by Monet and Degas [1].")
    assert _reason(CompleteList(), *part) == "fall_back:list_incomplete"
    whole = _draft(question, MUSEUM, "en", raw="Works by Monet, Manet, Degas and Renoir [1].")
    assert _reason(CompleteList(), *whole) == ""


def test_a_follow_up_reply_must_add_something() -> None:
    said = "The museum opened in 1911 [1]."
    draft = _draft("And when was that?", MUSEUM, "en", raw=said, previous="When did the museum open? " + said)
    assert _reason(NewToConversation(), *draft) == "fall_back:repeats_conversation"


@pytest.mark.parametrize(
    ("question", "raw", "reason"),
    [
        ("When did the museum open?", "The museum opened with works by Monet [1].", "fall_back:kind_missing"),
        ("When did the museum open?", "It opened in 1911 [1].", ""),
        ("How long is the main hall?", "The main hall is forty metres long [1].", ""),  # spelled out
    ],
)
def test_reply_kind(question: str, raw: str, reason: str) -> None:
    assert _reason(ReplyKind(), *_draft(question, MUSEUM, "en", raw=raw)) == reason


def test_a_restatement_falls_back() -> None:
    draft = _draft("Wann wurde die Burg Hohenfels erbaut?", CASTLE, "de", raw="Die Burg Hohenfels wurde erbaut [1].")
    assert _reason(NotARestatement(), *draft) == "fall_back:restates_question"


def test_a_reply_that_changes_when_asked_again_falls_back() -> None:
    draft, ctx = _draft("When did the museum open?", MUSEUM, "en", raw="It opened in 1911 [1].")
    steady = Context(ctx.names, {}, ctx.question_vec, FakeLLM(["x"], sampled=["In 1911 [1]."]), ctx.settings)
    assert _reason(SecondOpinion(), draft, steady) == ""
    shaky = Context(ctx.names, {}, ctx.question_vec, FakeLLM(["x"], sampled=["Renoir painted it [1]."]), ctx.settings)
    assert _reason(SecondOpinion(), draft, shaky) == "fall_back:unstable"
    assert "second_opinion" in draft.timings


def _unit(*xs: float) -> np.ndarray:
    v = np.asarray(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def _on_topic(
    question: str, text: str, language: str, cosine: float, *, doc_language: str | None = None, byline: bool = False
) -> str:
    """OnTopic's verdict when the best sentence sits at ``cosine`` to the question (hand-made vectors)."""
    draft, ctx = _draft(question, text, language)
    draft.byline = byline
    if doc_language is not None:
        draft.passage_languages = {n: doc_language for n in draft.passage_languages}
    p, i, _ = draft.picks[0]
    q = _unit(1.0, 0.0)
    rest = _unit(0.0, 1.0)
    sentence = _unit(cosine, float(np.sqrt(1 - cosine**2)))
    count = len(p.hit.chunk.sentence_spans())
    vectors = {p.hit.chunk.chunk_id: np.stack([sentence if k == i else rest for k in range(count)])}
    return _reason(OnTopic(), draft, Context(ctx.names, vectors, lambda _q: q, None, ctx.settings))


def test_a_fallback_far_from_the_question_is_refused() -> None:
    # Two documents, two languages: the floor is the cosine, not anything about a text.
    assert _on_topic("When did the Riverside Museum open?", MUSEUM, "en", 0.62) == ""
    assert _on_topic("When did the Riverside Museum open?", MUSEUM, "en", 0.25) == "refuse:fallback_off_topic"
    assert _on_topic("Wann wurde die Burg Hohenfels erbaut?", CASTLE, "de", 0.45) == ""
    assert _on_topic("Wann wurde die Burg Hohenfels erbaut?", CASTLE, "de", 0.35) == "refuse:fallback_off_topic"


def test_across_languages_the_floor_is_lower() -> None:
    # An English question over the German castle text: cross-language cosines run lower.
    assert _on_topic("When was Hohenfels castle built?", CASTLE, "en", 0.35, doc_language="de") == ""
    assert _on_topic("When was Hohenfels castle built?", CASTLE, "en", 0.2, doc_language="de") == (
        "refuse:fallback_off_topic"
    )


def test_on_topic_passes_without_vectors_or_for_the_byline() -> None:
    draft, ctx = _draft("When did the Riverside Museum open?", MUSEUM, "en")
    assert _reason(OnTopic(), draft, ctx) == ""  # no sentence vectors in the index
    assert _on_topic("Who wrote this?", MUSEUM, "en", 0.1) == "refuse:fallback_off_topic"
    assert _on_topic("Who wrote this?", MUSEUM, "en", 0.1, byline=True) == ""


def test_checks_are_named_and_configured_in_order() -> None:
    evidence, reply, fallback = configured(("anchor_gap", "relevant", "supported", "on_topic"))
    assert [c.name for c in evidence] == ["anchor_gap", "relevant"]
    assert [c.name for c in reply] == ["supported"]
    assert [c.name for c in fallback] == ["on_topic"]
    defaults: Sequence[str] = load_settings(None).answer.checks
    assert set(defaults) == set(CHECKS)
    with pytest.raises(ConfigError, match="Unknown answer check"):
        configured(("relevant", "spellcheck"))
    assert all(v.value for v in Action)
