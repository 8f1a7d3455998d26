"""A scripted LLM for tests: replays canned replies, records what it saw.

A sampled call (``sampling=...``, the answer step's second opinion) gets
the ``sampled`` script when one is given, and otherwise the reply the last
greedy call got: a scripted model is as consistent as a deterministic one,
so tests that script one reply per question need not script the second
opinion too. Sampled calls are recorded apart, in ``sampled_calls``, so
``calls`` still counts the questions that reached the model.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from pathlib import Path

from assistant.errors import BackendError
from assistant.llm.base import Message, Sampling

Script = Sequence[str] | Callable[[Sequence[Message]], str]


class FakeLLM:
    def __init__(
        self,
        replies: Script = ("",),
        *,
        fail: str | None = None,
        sampled: Script | None = None,
    ) -> None:
        self._replies = replies
        self._sampled = sampled
        self._i = 0
        self._j = 0
        self._last = ""
        self._fail = fail
        self.calls: list[list[Message]] = []
        self.sampled_calls: list[list[Message]] = []

    @property
    def backend(self) -> str:
        return "fake"

    @property
    def model(self) -> str:
        return "scripted"

    def warm_up(self, system_prompt: str, state_dir: Path) -> str | None:
        return None

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        (self.calls if sampling is None else self.sampled_calls).append(list(messages))
        if self._fail:
            raise BackendError(self._fail)
        if sampling is None:
            reply, self._i = _next(self._replies, self._i, messages)
            self._last = reply
        elif self._sampled is not None:
            reply, self._j = _next(self._sampled, self._j, messages)
        else:
            reply = self._last
        for i, word in enumerate(reply.split(" ")):
            yield word if i == 0 else " " + word


def _next(script: Script, i: int, messages: Sequence[Message]) -> tuple[str, int]:
    if callable(script):
        return script(messages), i
    return script[min(i, len(script) - 1)], i + 1
