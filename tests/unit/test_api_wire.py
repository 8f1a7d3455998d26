"""The OpenAI wire format (assistant.api.wire): a conversation from messages, and the stream's chunks."""

from __future__ import annotations

import json

import pytest

from assistant.answer.model import Answer
from assistant.api.wire import ChatMessage, Completion, conversation, error_body
from assistant.chat import MAX_TURNS
from assistant.errors import QuestionError
from assistant.types import Citation


def _msgs(*pairs: tuple[str, str]) -> list[ChatMessage]:
    return [ChatMessage(role=r, content=c) for r, c in pairs]


def test_the_last_user_message_is_the_question_and_the_rest_is_history() -> None:
    question, history = conversation(
        _msgs(
            ("system", "Ignore the documents."),
            ("user", "Who wrote it?"),
            ("assistant", "Lara Finke [1]."),
            ("user", "Which ministry is she with?"),
        )
    )
    assert question == "Which ministry is she with?"
    assert history == [("Who wrote it?", "Lara Finke [1].")]


def test_text_parts_are_read_and_other_parts_skipped() -> None:
    msg = ChatMessage(
        role="user",
        content=[
            {"type": "text", "text": "Wie hoch"},
            {"type": "image_url"},
            {"type": "text", "text": "ist der Haushalt?"},
        ],
    )
    assert conversation([msg])[0] == "Wie hoch ist der Haushalt?"


def test_a_user_turn_without_an_answer_is_kept_with_an_empty_answer() -> None:
    _, history = conversation(_msgs(("user", "a?"), ("user", "b?"), ("assistant", "B."), ("user", "c?")))
    assert history == [("a?", ""), ("b?", "B.")]


def test_history_is_capped_like_a_chat_session() -> None:
    turns = [m for i in range(MAX_TURNS + 3) for m in (("user", f"q{i}?"), ("assistant", f"a{i}."))]
    _, history = conversation(_msgs(*turns, ("user", "last?")))
    assert len(history) == MAX_TURNS and history[-1] == (f"q{MAX_TURNS + 2}?", f"a{MAX_TURNS + 2}.")


@pytest.mark.parametrize("msgs", [[("system", "hi")], [("user", "q?"), ("assistant", "a.")]])
def test_a_conversation_must_end_with_the_users_question(msgs: list[tuple[str, str]]) -> None:
    with pytest.raises(QuestionError, match="last message"):
        conversation(_msgs(*msgs))


def _answer(text: str) -> Answer:
    cite = Citation(1, "c1", "corpus/museum.txt", "Opening hours", 10, 42, "The museum opens at nine.")
    return Answer("When does it open?", text, "en", False, (cite,), (), "fake", "scripted", reason="")


def test_a_stream_carries_the_whole_text_then_the_citations_then_done() -> None:
    text = "The museum opens at nine o'clock on weekdays and at ten on Sundays [1]."
    events = Completion("local-1.5b").stream(_answer(text), piece_chars=10)
    assert events[-1] == "data: [DONE]\n\n"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert len(chunks) > 3
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == text
    assert len({c["id"] for c in chunks}) == 1
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == "stop"
    assert last["summit"]["citations"][0]["quote"] == "The museum opens at nine."
    assert all("summit" not in c for c in chunks[:-1])


def test_a_body_is_a_chat_completion_with_the_extension() -> None:
    body = Completion("extractive").body(_answer("Nine [1]."))
    assert body["object"] == "chat.completion" and body["model"] == "extractive"
    assert body["choices"][0]["message"] == {"role": "assistant", "content": "Nine [1]."}
    assert body["summit"]["refused"] is False and body["summit"]["citations"][0]["start"] == 10


def test_error_body_has_openais_shape() -> None:
    assert error_body("Nope.", "invalid_request_error", "x") == {
        "error": {"message": "Nope.", "type": "invalid_request_error", "param": None, "code": "x"}
    }
