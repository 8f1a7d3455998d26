"""One local model, many browser sessions: a fair line and worker jobs.

llama.cpp runs one generation at a time on this machine's few cores; two
at once would only make both slow. So every request for a local model
takes a :class:`Ticket` and waits in a FIFO :class:`LLMGate`, and while
it waits it is told its place ("Warteschlange: Platz 2"), which the UI
shows. Retrieval runs before the gate, so it stays parallel.

A user who closes the tab or starts a new conversation must not keep
their place (or the model) busy: a ticket can be cancelled, which removes
it from the line or stops its generation at the next token.

An API client cannot watch its place, so its ticket may carry a bound on
the line ahead of it (:class:`~assistant.errors.BusyError`, HTTP 429) and a
deadline for the wait (:class:`~assistant.errors.QueueTimeout`, HTTP 503).

:class:`Job` runs blocking work (an answer, an eval run) in a thread and
hands its events back through a queue, so that a Gradio generator can keep
rendering (queue position, tokens) while the work blocks.
"""

from __future__ import annotations

import queue as stdqueue
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from assistant.errors import BusyError, QueueTimeout
from assistant.llm.base import LLM, Message, Sampling, WrappedLLM


class Cancelled(Exception):
    """The requester went away; the work stops quietly."""


@dataclass(eq=False)
class Ticket:
    """One request's place in line; ``on_wait(place)`` is told each new place (1 = next)."""

    on_wait: Callable[[int], None] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    max_waiting: int | None = None  # refuse to queue behind this many waiting requests (None: no bound)
    deadline: float | None = None  # time.monotonic() by which the model must be ours (None: wait on)

    def cancel(self) -> None:
        self.cancelled.set()


class LLMGate:
    """A FIFO lock with a visible line.

    Why not a plain lock: a lock is not fair (a newcomer may overtake
    someone who has waited a minute) and cannot say how many are ahead.
    """

    def __init__(self, poll_s: float = 0.2) -> None:
        self._cond = threading.Condition()
        self._line: list[Ticket] = []
        self._holder: Ticket | None = None
        self._poll = poll_s

    @property
    def busy(self) -> bool:
        return self._holder is not None

    @property
    def waiting(self) -> int:
        with self._cond:
            return len(self._line)

    def place(self, ticket: Ticket) -> int:
        """1-based place in line, 0 when not waiting (holding or done)."""
        with self._cond:
            return self._line.index(ticket) + 1 if ticket in self._line else 0

    @contextmanager
    def hold(self, ticket: Ticket) -> Iterator[None]:
        """Wait for our turn (raising :class:`Cancelled` if cancelled meanwhile), then hold the model."""
        with self._cond:
            ahead = len(self._line)
            if ticket.max_waiting is not None and self._holder is not None and ahead >= ticket.max_waiting:
                raise BusyError(
                    f"The model is busy and {ahead} questions are waiting for it. Please try again in a moment."
                )
            self._line.append(ticket)
            told = 0
            try:
                while self._holder is not None or self._line[0] is not ticket:
                    if ticket.cancelled.is_set():
                        raise Cancelled
                    if ticket.deadline is not None and time.monotonic() > ticket.deadline:
                        raise QueueTimeout(
                            "The question waited too long for the model, which is busy. Please try again later."
                        )
                    place = self._line.index(ticket) + 1
                    if place != told and ticket.on_wait is not None:
                        ticket.on_wait(place)
                        told = place
                    self._cond.wait(self._poll)
                if ticket.cancelled.is_set():
                    raise Cancelled
            except BaseException:
                self._line.remove(ticket)
                self._cond.notify_all()
                raise
            self._line.pop(0)
            self._holder = ticket
            # Admitted once, a question is seen through: its later calls (the self-check) wait without bounds.
            ticket.max_waiting = ticket.deadline = None
        try:
            yield
        finally:
            with self._cond:
                self._holder = None
                self._cond.notify_all()


class QueuedLLM(WrappedLLM):
    """An LLM seen through the gate (``gate=None``: a remote server queues for itself)."""

    def __init__(self, inner: LLM, gate: LLMGate | None, ticket: Ticket) -> None:
        super().__init__(inner)
        self.gate = gate
        self.ticket = ticket

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        ctx: AbstractContextManager[None] = self.gate.hold(self.ticket) if self.gate is not None else nullcontext()
        with ctx:
            for piece in self.inner.stream(messages, max_tokens=max_tokens, sampling=sampling):
                if self.ticket.cancelled.is_set():
                    raise Cancelled
                yield piece


_DONE = object()


class Job:
    """Run ``work(emit)`` in a daemon thread; iterate :meth:`batches` for what it emits.

    An exception in the work is re-raised by :meth:`batches` in the
    consumer's thread (except :class:`Cancelled`), so the edge that renders
    errors sees it as if the work ran inline.
    """

    def __init__(self, work: Callable[[Callable[[Any], None]], None], *, name: str = "ui-job") -> None:
        self._q: stdqueue.Queue[Any] = stdqueue.Queue()
        self.cancelled = threading.Event()
        self._error: BaseException | None = None
        self._work = work
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Job:
        self._thread.start()
        return self

    def emit(self, item: Any) -> None:
        self._q.put(item)

    def _run(self) -> None:
        try:
            self._work(self.emit)
        except Cancelled:
            pass
        except BaseException as err:  # handed to the consumer, which decides what to show
            self._error = err
        finally:
            self._q.put(_DONE)

    def cancel(self) -> None:
        self.cancelled.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def batches(self, poll_s: float = 0.25) -> Iterator[list[Any]]:
        """Everything emitted so far, in order, as soon as there is something (or every ``poll_s``)."""
        while True:
            try:
                first = self._q.get(timeout=poll_s)
            except stdqueue.Empty:
                yield []
                continue
            batch = [first]
            while True:
                try:
                    batch.append(self._q.get_nowait())
                except stdqueue.Empty:
                    break
            done = any(item is _DONE for item in batch)
            items = [item for item in batch if item is not _DONE]
            if items:
                yield items
            if done:
                if self._error is not None:
                    raise self._error
                return
