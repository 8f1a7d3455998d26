"""Follow-ups into standalone retrieval queries: carry-over and LLM rewrite."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from assistant.answer.model import Answer, StreamEvent
from assistant.chat import ChatSession, is_follow_up, retrieval_query, usable_rewrite
from assistant.errors import BackendError
from assistant.llm.fake import FakeLLM

HISTORY = [("Welches Prozentziel will Deutschland vorzeitig erreichen?", "Das 3,5-Prozent-Ziel [1].")]


def test_follow_up_detection() -> None:
    assert is_follow_up("Bis wann soll das erreicht sein?")
    assert is_follow_up("What about Sweden?")
    assert not is_follow_up("Welche Indo-Pazifik-Partner nahmen am Gipfel in Ankara teil?")


def test_carry_prefixes_the_previous_question() -> None:
    q = retrieval_query("Bis wann soll das erreicht sein?", HISTORY, "carry")
    assert q == f"{HISTORY[0][0]} Bis wann soll das erreicht sein?"
    assert retrieval_query("Bis wann soll das erreicht sein?", [], "carry") == "Bis wann soll das erreicht sein?"


def test_rewrite_uses_the_model_when_its_rewrite_is_usable() -> None:
    llm = FakeLLM(["Bis wann will Deutschland das 3,5-Prozent-Ziel erreichen?"])
    q = retrieval_query("Bis wann soll das erreicht sein?", HISTORY, "rewrite", llm)
    assert q == "Bis wann will Deutschland das 3,5-Prozent-Ziel erreichen?"
    assert "Follow-up: Bis wann soll das erreicht sein?" in llm.calls[0][1].content


def test_an_unusable_rewrite_falls_back_to_carry() -> None:
    # A small model often answers the question instead of rewriting it.
    llm = FakeLLM(["Das Ziel soll 2029 erreicht werden [1].\nEs ist ein Ziel der NATO, das seit vielen Jahren gilt."])
    q = retrieval_query("Bis wann soll das erreicht sein?", HISTORY, "rewrite", llm)
    assert q.startswith(HISTORY[0][0])


def test_usable_rewrite_keeps_the_follow_ups_own_words() -> None:
    assert not usable_rewrite("Which country joined the partnership?", "What about Sweden?", "Which country joined?")
    assert usable_rewrite("Did Sweden join the partnership?", "What about Sweden?", "Which country joined?")
    assert not usable_rewrite("", "What about Sweden?", "Which country joined?")


def test_a_failing_backend_during_rewrite_surfaces_as_backend_error() -> None:
    """Not swallowed here: the service catches it and carries the previous question over
    (test_service: test_a_failing_rewrite_falls_back_to_carrying_the_previous_question)."""
    llm = FakeLLM(fail="connection refused")
    with pytest.raises(BackendError, match="connection refused"):
        retrieval_query("Und 2027?", HISTORY, "rewrite", llm)
    assert len(llm.calls) == 1  # the model was asked for the rewrite


def test_carry_reaches_back_to_the_question_that_set_the_topic() -> None:
    history = [("Who wrote the press release?", "Lara Finke [1]."), ("Which ministry is she with?", "The BMVg [1].")]
    q = retrieval_query("And when was it published?", history, "carry")
    assert q == "Who wrote the press release? Which ministry is she with? And when was it published?"
    standalone = [("Wer ist NATO-Generalsekretär?", "Mark Rutte [1]."), *history[:1]]
    assert retrieval_query("Und wann?", standalone, "carry") == "Who wrote the press release? Und wann?"


class _Echo:
    """An answerer that is not an Assistant: it answers with the history it was given."""

    def __init__(self) -> None:
        self.seen: list[list[tuple[str, str]]] = []

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        self.seen.append(list(history or []))
        return Answer(question, f"answer {len(self.seen)}", "en", False, (), (), "echo", "none")

    def ask_stream(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Iterator[StreamEvent]:
        yield StreamEvent("answer", answer=self.ask(question, history))


def test_a_session_keeps_the_history_for_any_answerer() -> None:
    echo = _Echo()
    chat = ChatSession(echo, max_turns=2)
    chat.ask("One?")
    list(chat.ask_stream("Two?"))
    chat.ask("Three?")
    assert echo.seen == [[], [("One?", "answer 1")], [("One?", "answer 1"), ("Two?", "answer 2")]]
    assert chat.history == [("Two?", "answer 2"), ("Three?", "answer 3")]
