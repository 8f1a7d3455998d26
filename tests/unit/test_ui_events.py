"""Transcript clicks as the handlers see them: whatever the browser sends becomes typed values or nothing.

The events are Gradio's own ``gr.EventData``, built the way Gradio builds
them for a handler (target, then the data the page passed to
``trigger()``), so a change in how Gradio exposes that data fails here.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import pytest

from assistant.ui.events import CiteClick, FeedbackClick, payload


def _evt(data: Any) -> gr.EventData:
    return gr.EventData(None, data)


def test_payload_reads_what_trigger_sent_and_defaults_the_rest() -> None:
    evt = _evt({"turn": 2, "comment": None})
    assert payload(evt, "turn", -1) == 2
    assert payload(evt, "comment", "x") is None  # sent as null: not the default
    assert payload(evt, "n", 0) == 0
    assert payload(_evt(None), "turn", -1) == -1  # an event without data


def test_cite_click_from_a_citation_and_from_an_offered_passage() -> None:
    assert CiteClick.of(_evt({"turn": 1, "n": 3, "passage": -1})) == CiteClick(1, 3, -1)
    assert CiteClick.of(_evt({"turn": "0", "n": 0, "passage": 2.0})) == CiteClick(0, 0, 2)
    assert CiteClick.of(_evt({})) == CiteClick(-1, 0, -1)  # names no answer, so it opens nothing


@pytest.mark.parametrize(
    "data",
    [{"turn": "zwei"}, {"turn": None}, {"turn": 0, "n": [1]}, {"turn": 0, "passage": {"x": 1}}, {"turn": 1e400}],
)
def test_cite_click_that_is_no_number_is_ignored(data: dict[str, Any]) -> None:
    assert CiteClick.of(_evt(data)) is None


def test_feedback_click_keeps_rating_and_comment_as_text() -> None:
    click = FeedbackClick.of(_evt({"turn": 0, "rating": "up", "comment": "<b>gut</b>"}))
    assert click == FeedbackClick(0, "up", "<b>gut</b>")
    assert FeedbackClick.of(_evt({"turn": "x", "rating": "down"})) == FeedbackClick(-1, "down", "")
    assert FeedbackClick.of(_evt(None)) == FeedbackClick(-1, "", "")
