"""What a click inside the transcript carries, read through Gradio's public event API.

The transcript's script calls ``trigger('cite', {...})`` and
``trigger('feedback', {...})``; Gradio hands the handler a
``gr.EventData`` whose documented way to reach that payload is attribute
access (``evt.turn``, as in the ``gr.HTML`` docs), which raises
``AttributeError`` for a key that was not sent. The payload comes from
the browser, so anyone can send anything: it is checked and converted
here, once, and the handlers get typed values instead of a dict.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr


def payload(evt: gr.EventData, name: str, default: object) -> object:
    """One key of a custom event's data, or ``default`` when the browser did not send it."""
    try:
        return getattr(evt, name)
    except (AttributeError, TypeError):  # TypeError: the event carried no mapping at all
        return default


def _int(value: object) -> int:
    if isinstance(value, int | float | str):
        return int(value)
    raise TypeError(f"not a number: {value!r}")


@dataclass(frozen=True)
class CiteClick:
    """A click on ``[n]`` (``passage`` is -1) or on an offered passage of a refusal (``n`` is 0)."""

    turn: int
    n: int
    passage: int

    @classmethod
    def of(cls, evt: gr.EventData) -> CiteClick | None:
        """None when the browser sent something that is not a number: such a click changes nothing."""
        try:
            return cls(_int(payload(evt, "turn", -1)), _int(payload(evt, "n", 0)), _int(payload(evt, "passage", -1)))
        except (TypeError, ValueError, OverflowError):
            return None


@dataclass(frozen=True)
class FeedbackClick:
    """👍/👎 on one answer, with the comment typed next to it."""

    turn: int
    rating: str
    comment: str

    @classmethod
    def of(cls, evt: gr.EventData) -> FeedbackClick:
        """Never fails: a turn that is no number becomes -1, which names no answer."""
        try:
            turn = _int(payload(evt, "turn", -1))
        except (TypeError, ValueError, OverflowError):
            turn = -1
        return cls(turn, str(payload(evt, "rating", "")), str(payload(evt, "comment", "")))
