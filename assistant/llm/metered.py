"""An LLM wrapper that measures what the benchmark reports: prompt tokens
sent, tokens generated and generation speed. It wraps any backend, so our
pipeline and the naive baseline are metered the same way."""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field

from assistant.llm.base import LLM, Message, Sampling, WrappedLLM


@dataclass
class Meter:
    prompt_tokens: list[int] = field(default_factory=list)
    gen_tokens: list[int] = field(default_factory=list)
    gen_seconds: list[float] = field(default_factory=list)


class MeteredLLM(WrappedLLM):
    def __init__(self, inner: LLM, count: Callable[[str], int]) -> None:
        super().__init__(inner)
        self.count = count
        self.meter = Meter()

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        # ChatML adds about 5 tokens of framing per message.
        self.meter.prompt_tokens.append(sum(self.count(m.content) + 5 for m in messages))
        pieces: list[str] = []
        first: float | None = None
        for piece in self.inner.stream(messages, max_tokens=max_tokens, sampling=sampling):
            if first is None:
                first = time.perf_counter()
            pieces.append(piece)
            yield piece
        if first is not None:
            self.meter.gen_tokens.append(self.count("".join(pieces)))
            self.meter.gen_seconds.append(time.perf_counter() - first)
