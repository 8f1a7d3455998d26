"""Question forms from the language packs: open forms in German and English, fact questions left alone."""

from __future__ import annotations

import pytest

from assistant.answer.forms import Form, about_the_document, parts, question_form


@pytest.mark.parametrize(
    ("question", "lang", "form"),
    [
        ("Worum geht es in dem Text?", "de", Form.SUMMARY),
        ("Fasse den Abschnitt über die Öffnungszeiten zusammen.", "de", Form.SUMMARY),
        ("Summarize the main points of the article.", "en", Form.SUMMARY),
        ("What is this document about?", "en", Form.SUMMARY),
        ("Welche Medien werden im Text genannt?", "de", Form.LIST),
        ("Nenne alle Angebote der Bibliothek.", "de", Form.LIST),
        ("List all the services the library offers.", "en", Form.LIST),
        ("Which events are mentioned in the text?", "en", Form.LIST),
        ("Vergleiche die Öffnungszeiten am Samstag und am Dienstag.", "de", Form.COMPARISON),
        ("Was ist der Unterschied zwischen Lesecafé und Gruppenraum?", "de", Form.COMPARISON),
        ("Compare the fees for adults and for children.", "en", Form.COMPARISON),
        ("Was bedeutet Jahresausweis hier?", "de", Form.EXPLANATION),
        ("What does burden shifting mean here?", "en", Form.EXPLANATION),
        ("Explain the role of the reading café.", "en", Form.EXPLANATION),
        ("Wer leitet die Bibliothek und wann wurde sie gegründet?", "de", Form.MULTI),
        ("Who runs the library? When was it founded?", "en", Form.MULTI),
        ("Where will the drones be produced, and who will receive them?", "en", Form.MULTI),
    ],
)
def test_open_forms(question: str, lang: str, form: Form) -> None:
    assert question_form(question, lang) is form


@pytest.mark.parametrize(
    ("question", "lang"),
    [
        ("Wie viele Medien verleiht die Bibliothek?", "de"),
        ("Wer leitet die Bibliothek?", "de"),
        ("How much does the annual card cost?", "en"),
        # A question word after "and" inside one question, not a second question.
        ("Goldenson proposed a merger between UPT and what network in October 1954?", "en"),
        # "unterscheiden" and "Zusammenfassung" as ordinary words of a fact question.
        ("Welche Vermutung besagt, dass sich Paare von Primzahlen um 2n unterscheiden?", "de"),
        ("Was machen menschliche Aktivitäten laut Zusammenfassung mit Treibhausgasen?", "de"),
        ("What does the Summary for Policymakers say about greenhouse gases?", "en"),
    ],
)
def test_fact_questions_keep_the_fact_path(question: str, lang: str) -> None:
    assert question_form(question, lang) is Form.FACT


def test_parts_are_questions_of_their_own() -> None:
    assert parts("Wie heißt die Leiterin und welches Café gibt es seit 2024?", "de") == [
        "Wie heißt die Leiterin?",
        "Welches Café gibt es seit 2024?",
    ]
    assert parts("Wer und wann?", "de") == ["Wer und wann?"]  # too short to be two questions
    assert not Form.MULTI.is_open and not Form.FACT.is_open and Form.LIST.is_open


@pytest.mark.parametrize(
    ("question", "lang", "whole"),
    [
        ("Worum geht es in dem Text?", "de", True),
        ("Fasse den Text zusammen.", "de", True),
        ("What are the key takeaways from this article?", "en", True),
        ("Fasse den Abschnitt über die Öffnungszeiten zusammen.", "de", False),
        ("Summarize what the text says about the reading café.", "en", False),
        ("Welche Medien werden genannt?", "de", False),  # not a summary at all
    ],
)
def test_a_summary_of_the_whole_document(question: str, lang: str, whole: bool) -> None:
    assert about_the_document(question, lang) is whole
