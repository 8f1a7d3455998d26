"""Citation parsing, attachment and checking."""

from __future__ import annotations

import pytest

from assistant.answer.citations import (
    check_claims,
    citations_for,
    parse_markers,
    render,
    restates_question,
    split_claims,
    strip_markers,
)
from assistant.answer.facts import NameBook, missing_facts
from assistant.answer.passages import Passage, build_passages
from assistant.retrieval.retriever import HybridRetriever


@pytest.fixture(scope="module")
def passages(hash_retriever: HybridRetriever) -> list[Passage]:
    chunks = hash_retriever.index.chunks.values()
    budget = next(c for c in chunks if "124 Milliarden Euro" in c.clean)
    island = next(c for c in chunks if "Island in Ankara" in c.clean)
    from assistant.types import Hit

    return build_passages([Hit(budget, 1.0), Hit(island, 0.9)], None, {})


@pytest.fixture(scope="module")
def book(hash_retriever: HybridRetriever) -> NameBook:
    return NameBook.from_texts(c.clean for c in hash_retriever.index.chunks.values())


def test_parse_and_strip() -> None:
    assert parse_markers("a [1] b [2, 3][4]") == [1, 2, 3, 4]
    assert strip_markers("Der Haushalt [1] beträgt 124 Mrd. [2].") == "Der Haushalt beträgt 124 Mrd."
    assert split_claims("Erstens [1]. Zweitens. [2] Drittens") == ["Erstens [1].", "Zweitens [2].", "Drittens"]


def test_invented_marker_is_dropped_and_replaced(passages: list[Passage], book: NameBook) -> None:
    checks, notes = check_claims("Der Haushalt steigt auf 124 Milliarden Euro [7].", passages, book)
    assert any("invented" in n for n in notes)
    assert checks[0].cited == (1,) and checks[0].supported
    assert "[7]" not in render(checks)


def test_missing_markers_are_attached(passages: list[Passage], book: NameBook) -> None:
    checks, notes = check_claims("Island ist der Maritimen Sicherheitspartnerschaft beigetreten.", passages, book)
    assert checks[0].cited == (2,)
    assert any("attached" in n for n in notes)
    cites = citations_for(checks, passages)
    assert cites and "Island" in cites[0].quote


def test_wrong_number_is_caught(passages: list[Passage], book: NameBook) -> None:
    checks, _ = check_claims("Deutschland erhöht den Haushalt auf 150 Milliarden Euro [1].", passages, book)
    assert not checks[0].supported and "150" in checks[0].missing
    assert render(checks) == ""


def test_wrong_passage_number_is_moved(passages: list[Passage], book: NameBook) -> None:
    checks, notes = check_claims("Der Haushalt beträgt 124 Milliarden Euro [2].", passages, book)
    assert checks[0].cited == (1,) and checks[0].supported
    assert any("moved" in n for n in notes)


def test_citation_quotes_map_to_the_source(passages: list[Passage], book: NameBook, original_text: str) -> None:
    checks, _ = check_claims("Der Haushalt beträgt 124 Milliarden Euro [1]. Island trat bei [2].", passages, book)
    for c in citations_for(checks, passages):
        assert original_text[c.start : c.end] == c.quote


def _quote(retriever: HybridRetriever, book: NameBook, chunk_holding: str, answer: str, question: str = "") -> str:
    """The quote cited for a one-sentence ``answer`` from the one chunk holding ``chunk_holding``."""
    from assistant.types import Hit

    chunk = next(c for c in retriever.index.chunks.values() if chunk_holding in c.clean)
    ps = build_passages([Hit(chunk, 1.0)], None, {})
    checks, _ = check_claims(answer, ps, book, given=question)
    (cite,) = citations_for(checks, ps)
    return cite.quote


def test_the_quote_is_chosen_by_what_the_answer_adds_not_by_the_question_it_repeats(
    hash_retriever: HybridRetriever, book: NameBook
) -> None:
    question = "Was soll die europäische Instandsetzungseinrichtung für Patriot PAC-3-Flugabwehrraketen erreichen?"
    answer = (
        "Die europäische Instandsetzungseinrichtung für Patriot PAC-3-Flugabwehrraketen soll Wartung und "
        "Reparatur beschleunigen [1]."
    )
    assert _quote(hash_retriever, book, "Wartung und Reparatur", answer, question).startswith("Dadurch sollen Wartung")
    # Without the question, the sentence naming the facility shares more words and wins: the old behaviour.
    assert _quote(hash_retriever, book, "Wartung und Reparatur", answer).startswith("Weiterhin wurde")


def test_among_sentences_backing_the_added_words_the_topic_still_decides(
    hash_retriever: HybridRetriever, book: NameBook
) -> None:
    question = "Wer sagte, die Kooperation werde bis zum gemeinsamen operativen Einsatz der P-8A reichen?"
    answer = "Boris Pistorius sagte, die Kooperation werde bis zum gemeinsamen operativen Einsatz der P-8A reichen [1]."
    quote = _quote(hash_retriever, book, "gemeinsamen operativen Einsatz", answer, question)
    # Both sentences name Pistorius (the added word); the one where he says it wins, not the first to name him.
    assert "operativen Einsatz der P-8A erstrecken" in quote


def test_a_claim_whose_facts_are_sentences_apart_is_not_supported(
    hash_retriever: HybridRetriever, book: NameBook
) -> None:
    from assistant.types import Hit

    chunk = next(c for c in hash_retriever.index.chunks.values() if "Island in Ankara" in c.clean)
    ps = build_passages([Hit(chunk, 1.0)], None, {})
    # Every fact is in the passage, but Ankara is where Iceland joined, three sentences from the founders.
    wrong = "Norwegen, Kanada und Deutschland sind in Ankara der Maritimen Sicherheitspartnerschaft beigetreten [1]."
    (check,), _ = check_claims(wrong, ps, book)
    assert not check.supported and any("ankara" in m and "not near" in m for m in check.missing)
    right = "Norwegen, Kanada und Deutschland haben 2024 die Maritime Sicherheitspartnerschaft gegründet [1]."
    (check,), _ = check_claims(right, ps, book)
    assert check.supported, check.missing


def test_names_are_checked_across_languages(book: NameBook) -> None:
    passage = "Das Memorandum des Verbandes „Multi Role Tanker Transport“ wurde um Schweden erweitert."
    assert missing_facts("Sweden joined the Multi Role Tanker Transport.", passage, book) == []
    assert missing_facts("Finland joined the Multi Role Tanker Transport.", passage, book) == ["place:FI"]
    assert missing_facts("Mark Rutte said so.", passage, book)  # a name from elsewhere in the corpus


def test_question_names_echoed_in_english_are_not_new_claims(passages: list[Passage], book: NameBook) -> None:
    question = "Which country joined the Maritime Security Partnership in Ankara?"
    answer = "Iceland joined the Maritime Security Partnership in Ankara [2]."
    strict, _ = check_claims(answer, passages, book)
    given, _ = check_claims(answer, passages, book, given=question)
    assert not strict[0].supported  # "Maritime", "Security", "Partnership" are not in the German passage
    assert given[0].supported and given[0].cited == (2,)


def test_question_numbers_are_still_claims(passages: list[Passage], book: NameBook) -> None:
    # The year the question asks about must be in the cited passage, not just in the question.
    question = "What is Germany's defence budget for 2027?"
    checks, _ = check_claims(
        "Germany's defence budget for 2027 is 124 billion euros [1].", passages, book, given=question
    )
    assert not checks[0].supported and "2027" in checks[0].missing


@pytest.mark.parametrize(
    "question",
    ["Did South Korea take part in the Maritime Security Partnership?", "Ist Südkorea beigetreten?"],
)
def test_places_named_by_the_question_are_still_claims(passages: list[Passage], book: NameBook, question: str) -> None:
    # Neither passage names South Korea: the question naming it (in two words, or in German) backs nothing.
    checks, _ = check_claims(
        "South Korea joined the Maritime Security Partnership [2].", passages, book, given=question
    )
    assert not checks[0].supported and "place:KR" in checks[0].missing


def test_a_one_word_answer_is_judged_with_its_question(passages: list[Passage], book: NameBook) -> None:
    """ "Iceland." shares no word with the German passage; read with its question, it is supported."""
    from assistant.embeddings.fake import HashEmbedder

    embed = HashEmbedder(dim=128).embed_query
    question = "Welches Land ist in Ankara der Maritimen Sicherheitspartnerschaft beigetreten?"
    alone, _ = check_claims("Iceland [2].", passages, book, embed=embed, min_support=0.3)
    asked, _ = check_claims("Iceland [2].", passages, book, embed=embed, min_support=0.3, given=question)
    assert not alone[0].supported
    assert asked[0].supported and asked[0].quote_sentence is not None


@pytest.mark.parametrize(
    ("answer", "question", "language", "restates"),
    [
        ("Island trat bei [1].", "Welches Land trat der Partnerschaft bei?", "de", False),  # a new name
        ("Die Alliierten haben diese Zusage initiiert [1].", "Wie viel sagten die Alliierten zu?", "de", False),
        ("Germany buys tanks [1].", "What does Germany buy?", "en", False),  # English nouns are lower case
        ("Island hat eine herausgehobene Lage [1].", "Warum hat Island eine herausgehobene Lage?", "de", True),
        # Another document: the answer names the place the question asks for.
        ("Machu Picchu liegt in Peru [1].", "In welchem Land liegt Machu Picchu?", "de", False),
        ("The castle was built in 1385 [1].", "When was the castle built?", "en", False),
    ],
)  # fmt: skip
def test_an_answer_that_only_restates_the_question(answer: str, question: str, language: str, restates: bool) -> None:
    assert restates_question(answer, question) is restates
