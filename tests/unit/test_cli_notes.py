"""The CLI's note under an answer comes from the answer's reason code, not from matching note texts."""

from __future__ import annotations

from collections.abc import Generator, Sequence

import pytest

from assistant.answer.model import Answer, StreamEvent
from assistant.cli import _stream_answer


class OneAnswer:
    """An answerer that streams one scripted answer."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        return self.answer

    def ask_stream(
        self, question: str, history: Sequence[tuple[str, str]] | None = None
    ) -> Generator[StreamEvent, None, None]:
        yield StreamEvent("answer", answer=self.answer)


def _answer(reason: str, refused: bool = False) -> Answer:
    notes = ("model said: x", f"{reason}: the reply named no sum") if reason else ("model said: x",)
    return Answer("Q?", "Die Bibliothek öffnet um 9 Uhr.", "de", refused, (), (), "fake", "scripted",
                  notes=notes, reason=reason)  # fmt: skip


def test_a_fallback_says_which_check_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    _stream_answer(OneAnswer(_answer("answer_kind")), "Q?", live=False)
    err = capsys.readouterr().err
    assert "note: answered from the best sentence (answer_kind: the reply named no sum)" in err


def test_a_plain_answer_or_a_refusal_has_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    _stream_answer(OneAnswer(_answer("")), "Q?", live=False)
    _stream_answer(OneAnswer(_answer("relevant", refused=True)), "Q?", live=False)
    assert "note:" not in capsys.readouterr().err
