"""The span fallback: the model's copy must stand in the sentence word for word and answer something."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest

from assistant.answer.span import SPAN_PROMPT, checked_span, span_messages
from assistant.config import load_settings
from assistant.llm.base import Message
from assistant.llm.fake import FakeLLM
from assistant.service import Assistant

if TYPE_CHECKING:
    from tests.unit.conftest import IndexedDoc

MUSEUM = "The Riverside Museum opened in 1911 and holds works by Monet, Manet, Degas and Renoir."
CASTLE = "Die Burg Hohenfels wurde im Jahr 1385 von den Grafen von Nassau erbaut."


@pytest.mark.parametrize(
    ("reply", "sentence", "question", "span"),
    [
        ("1911", MUSEUM, "When did the Riverside Museum open?", "1911"),
        ("Answer: in 1911.", MUSEUM, "When did the Riverside Museum open?", "in 1911"),
        ("„von den Grafen von Nassau“", CASTLE, "Wer hat die Burg Hohenfels erbaut?", "von den Grafen von Nassau"),
        ("den grafen von nassau", CASTLE, "Wer hat die Burg Hohenfels erbaut?", "den grafen von nassau"),
        # A translation is not a copy: it cannot be checked against the sentence, so the quote stays.
        ("the Counts of Nassau", CASTLE, "Who built Hohenfels castle?", None),
        ("NO_ANSWER", CASTLE, "Wer hat die Burg Hohenfels erbaut?", None),
        ("", MUSEUM, "When did the Riverside Museum open?", None),
        (MUSEUM, MUSEUM, "When did the Riverside Museum open?", None),  # the sentence again
        ("Die Burg Hohenfels", CASTLE, "Wann wurde die Burg Hohenfels erbaut?", None),  # only the question's words
        ("1911 [1]", MUSEUM, "When did the Riverside Museum open?", "1911"),
        ("Monet", MUSEUM, "Which painters' works does the museum hold?", "Monet"),
        ("Mone", MUSEUM, "Which painters' works does the museum hold?", None),  # not a whole word of it
    ],
)
def test_checked_span(reply: str, sentence: str, question: str, span: str | None) -> None:
    assert checked_span(reply, sentence, question) == span


def test_the_span_prompt_is_fixed_and_names_no_document() -> None:
    system, user = span_messages(2, CASTLE, "Wer hat die Burg erbaut?")
    assert system.content == SPAN_PROMPT and "[2] " + CASTLE in user.content
    assert "Hohenfels" not in SPAN_PROMPT


def test_a_failed_reply_falls_back_to_the_answering_span(indexed_doc: IndexedDoc) -> None:
    fact_words = indexed_doc.fact.split()
    wanted = " ".join(fact_words[-3:]).strip(".")

    def model(messages: Sequence[Message]) -> str:
        if messages[0].content == SPAN_PROMPT:
            return wanted
        return "Das steht bei 999 Einheiten [1]."  # a number no passage has: the reply fails its check

    floors = {"answer.fallback_min_cosine": 0.0, "answer.fallback_min_cosine_cross": 0.0}  # hash-embedder cosines
    over = {"answer.self_check": False, "answer.fallback_style": "span", **floors}
    a = Assistant(load_settings(None, **over), indexed_doc.retriever, FakeLLM(model)).ask(indexed_doc.question)  # type: ignore[arg-type]
    assert a.reason == "unsupported" and a.text.startswith(wanted) and a.text.endswith("[1].")
    assert len(a.citations) == 1 and wanted in a.citations[0].quote
    assert indexed_doc.text[a.citations[0].start : a.citations[0].end] == a.citations[0].quote

    def translator(messages: Sequence[Message]) -> str:
        return "something else entirely" if messages[0].content == SPAN_PROMPT else "Das steht bei 999 Einheiten [1]."

    quoted = Assistant(load_settings(None, **over), indexed_doc.retriever, FakeLLM(translator)).ask(
        indexed_doc.question
    )  # type: ignore[arg-type]
    assert quoted.text.startswith(("Laut Text", "According to")) and any(
        "is not an answering" in n for n in quoted.notes
    )
