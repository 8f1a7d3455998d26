"""A scripted LLM for tests: replays canned replies, records what it saw."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from assistant.errors import BackendError
from assistant.llm.base import Message


class FakeLLM:
    def __init__(
        self,
        replies: Sequence[str] | Callable[[Sequence[Message]], str] = ("",),
        *,
        fail: str | None = None,
    ) -> None:
        self._replies = replies
        self._i = 0
        self._fail = fail
        self.calls: list[list[Message]] = []

    @property
    def backend(self) -> str:
        return "fake"

    @property
    def model(self) -> str:
        return "scripted"

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 256) -> Iterator[str]:
        self.calls.append(list(messages))
        if self._fail:
            raise BackendError(self._fail)
        if callable(self._replies):
            reply = self._replies(messages)
        else:
            reply = self._replies[min(self._i, len(self._replies) - 1)]
            self._i += 1
        for i, word in enumerate(reply.split(" ")):
            yield word if i == 0 else " " + word
