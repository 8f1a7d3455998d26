"""Multi-turn chat: history, and follow-ups turned into standalone queries.

A 1.5B model rewrites follow-ups unreliably, so the retrieval query for a
follow-up is the previous question carried over plus the new one
("Wer hat das gesagt?" after "Wie hoch ist der Haushalt?"). The previous
turn also goes into the prompt, so the model can resolve "das" itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assistant.answer.model import Answer

if TYPE_CHECKING:
    from assistant.service import Assistant, StreamEvent

_FOLLOW_UP_START = re.compile(
    r"^(und|aber|also|auch|dann|and|but|also|so|what about|how about|und was|und wie|und wer|und wann|und wo"
    r"|was ist mit|wie ist es mit|wie steht es mit)\b",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(das|dies|diese[rsnm]?|dieses|dazu|davon|darüber|dort|er|sie|es|ihn|ihm|ihr|ihre[nmrs]?|sein|seine[nmrs]?"
    r"|that|this|these|those|it|its|they|them|their|he|him|his|she|her|there)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    words = question.split()
    return bool(_FOLLOW_UP_START.search(question)) or len(words) <= 4 or bool(_ANAPHORA.search(question))


def retrieval_query(question: str, history: list[tuple[str, str]], strategy: str = "carry") -> str:
    """The standalone query to retrieve with; see the module docstring."""
    if not history or strategy == "none":
        return question
    if strategy == "always" or is_follow_up(question):
        return f"{history[-1][0]} {question}"
    return question


class ChatSession:
    """One conversation; ``ask`` keeps the history."""

    def __init__(self, assistant: Assistant, max_turns: int = 6) -> None:
        self.assistant = assistant
        self.history: list[tuple[str, str]] = []
        self.answers: list[Answer] = []
        self.max_turns = max_turns

    def ask(self, question: str) -> Answer:
        answer = self.assistant.ask(question, history=self.history)
        self.remember(answer)
        return answer

    def ask_stream(self, question: str) -> Iterator[StreamEvent]:
        for event in self.assistant.ask_stream(question, history=self.history):
            if event.answer is not None:
                self.remember(event.answer)
            yield event

    def remember(self, answer: Answer) -> None:
        # A refusal is kept too: "Und 2027?" after it should still carry the topic.
        self.history.append((answer.question, answer.text))
        self.answers.append(answer)
        del self.history[: -self.max_turns]

    def reset(self) -> None:
        self.history.clear()
        self.answers.clear()
