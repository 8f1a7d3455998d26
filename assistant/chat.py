"""Multi-turn chat: history, and follow-ups turned into standalone queries.

Two strategies turn a follow-up into a retrieval query:

* ``carry`` (default): the previous question carried over plus the new one
  ("Wie hoch ist der Haushalt? Wer hat das gesagt?"). Cheap and robust.
* ``rewrite``: the LLM rewrites the follow-up into a standalone question.
  A 1.5B model does this unreliably (it answers instead, or drops the
  subject), so a rewrite that fails :func:`usable_rewrite` falls back to
  ``carry``. It also costs a second model call before the evidence shows.

Which works better is measured on the eval set's multi-turn cases
(``evals/results/follow-up-*.md``). The previous turn also goes into the
answer prompt, so the model can resolve "das" itself.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence
from typing import Protocol

from assistant.answer.model import Answer, StreamEvent
from assistant.llm.base import LLM, Message, complete
from assistant.text.fold import normalize

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


REWRITE_PROMPT = (
    "Rewrite the follow-up question as one standalone question in the same language as the follow-up, "
    "using the previous question only to fill in what the follow-up leaves out. Reply with the question only.\n\n"
    "Previous question: Wie hoch ist der Verteidigungshaushalt 2026?\nFollow-up: Und wer hat das beschlossen?\n"
    "Standalone question: Wer hat den Verteidigungshaushalt 2026 beschlossen?\n\n"
    "Previous question: Which country joined the partnership?\nFollow-up: What about Sweden?\n"
    "Standalone question: Did Sweden join the partnership?"
)


def usable_rewrite(rewrite: str, question: str, previous: str) -> bool:
    """Reject what a small model typically returns instead of a question.

    A usable rewrite is one line, not much longer than the two questions
    together, and keeps the follow-up's names and numbers (so "What about
    Sweden?" keeps "Sweden" and "Und 2027?" keeps "2027"; inflected forms
    count, by a five-letter prefix).
    """
    if not rewrite or "\n" in rewrite.strip() or len(rewrite) > len(question) + len(previous) + 40:
        return False
    words = question.split()[1:]
    own = {normalize(w)[:5] for w in words if w[:1].isupper() or any(ch.isdigit() for ch in w)} - {""}
    have = {t[:5] for t in normalize(rewrite).split()}
    return own <= have


def rewrite_query(llm: LLM, question: str, previous: str) -> str | None:
    """The model's standalone version of ``question``, or None if unusable."""
    user = f"Previous question: {previous}\nFollow-up: {question}\nStandalone question:"
    reply = complete(llm, [Message("system", REWRITE_PROMPT), Message("user", user)], max_tokens=48).strip()
    reply = reply.removeprefix("Standalone question:").strip().strip('"„“')
    return reply if usable_rewrite(reply, question, previous) else None


def retrieval_query(
    question: str,
    history: list[tuple[str, str]],
    strategy: str = "carry",
    llm: LLM | None = None,
) -> str:
    """The standalone query to retrieve with; see the module docstring."""
    if not history or strategy == "none":
        return question
    if strategy == "always":
        return f"{carried(history)} {question}"
    if not is_follow_up(question):
        return question
    if strategy == "rewrite" and llm is not None:
        rewritten = rewrite_query(llm, question, history[-1][0])
        if rewritten is not None:
            return rewritten
    return f"{carried(history)} {question}"


def carried(history: list[tuple[str, str]], most: int = 3) -> str:
    """The previous question, and the questions before it back to the one that set the topic.

    "Who wrote the press release?" → "Which ministry is she with?" → "And
    when was it published?": the third needs the first, not just the second.
    """
    parts = [history[-1][0]]
    i = len(history) - 1
    while i > 0 and is_follow_up(history[i][0]) and len(parts) < most:
        i -= 1
        parts.insert(0, history[i][0])
    return " ".join(parts)


class StreamingAnswerer(Protocol):
    """What a conversation needs from an assistant: answers given the history so far.

    Why not the Assistant itself: a session only keeps the history, so any
    answerer (a fake in a test, a wrapper) can hold a conversation, and this
    module need not import the pipeline that imports it.
    """

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer: ...

    def ask_stream(
        self, question: str, history: Sequence[tuple[str, str]] | None = None
    ) -> Generator[StreamEvent, None, None]: ...


#: Turns of history a conversation keeps for follow-ups: the CLI's, the UI's and the eval runner's.
MAX_TURNS = 6


class ChatSession:
    """One conversation; ``ask`` keeps the history."""

    def __init__(self, assistant: StreamingAnswerer, max_turns: int = MAX_TURNS) -> None:
        self.assistant = assistant
        self.history: list[tuple[str, str]] = []
        self.answers: list[Answer] = []
        self.max_turns = max_turns

    def ask(self, question: str) -> Answer:
        answer = self.assistant.ask(question, history=self.history)
        self.remember(answer)
        return answer

    def ask_stream(self, question: str) -> Generator[StreamEvent, None, None]:
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
