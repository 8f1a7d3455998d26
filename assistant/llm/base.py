"""The LLM seam.

A backend turns chat messages into a stream of text pieces. Everything
else (prompting, citations, refusals) is backend-independent, so adding a
backend means implementing ``stream`` and nothing more.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class Sampling:
    """Ask for a sampled reply instead of the greedy one.

    The answer step asks the model a second time, sampled, to see whether
    its answer holds (``assistant.answer.consistency``). A fixed seed keeps
    that second reply, and so every answer, reproducible.
    """

    temperature: float = 0.8
    seed: int = 1234
    top_k: int = 40
    top_p: float = 0.95


@runtime_checkable
class LLM(Protocol):
    @property
    def backend(self) -> str: ...

    @property
    def model(self) -> str: ...

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        """Yield the reply in pieces (greedy, or sampled as ``sampling`` says); raise BackendError when
        unreachable. A generator, so that a caller who stops reading can ``close()`` it and free the model."""
        ...

    def warm_up(self, system_prompt: str, state_dir: Path) -> str | None:
        """Get the fixed system prompt ready before the first question; None when there is nothing to do.

        A local model evaluates it (or restores its saved state from
        ``state_dir``); a remote server keeps its own cache, so it returns None.
        """
        ...


def complete(llm: LLM, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None) -> str:
    return "".join(llm.stream(messages, max_tokens=max_tokens, sampling=sampling))


class WrappedLLM:
    """Base for an LLM seen through a wrapper (metering, a queue): it keeps the inner one's backend and model,
    which the answer records, so the wrapper never shows up as a backend of its own."""

    def __init__(self, inner: LLM) -> None:
        self.inner = inner

    @property
    def backend(self) -> str:
        return self.inner.backend

    @property
    def model(self) -> str:
        return self.inner.model

    def warm_up(self, system_prompt: str, state_dir: Path) -> str | None:
        return self.inner.warm_up(system_prompt, state_dir)
