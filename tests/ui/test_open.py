"""An open question in the browser: a list answer of several cited points from the local model, and the
document's summary (built with the index) at the top of the Document tab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from uihelp import Pages, ask, screenshot, wait_done

pytestmark = pytest.mark.ui


@pytest.fixture(scope="module")
def page(module_pages: Pages) -> Iterator[Any]:
    yield module_pages.open()


def test_a_list_question_gets_several_cited_points(page: Any) -> None:
    turn = wait_done(ask(page, "Welche Unternehmen werden im Text genannt?"))
    answer = turn.locator(".answer")
    lines = [ln for ln in answer.inner_text().splitlines() if ln.strip().startswith("- ")]
    assert len(lines) >= 2, answer.inner_text()
    assert answer.locator("button.cite").count() >= len(lines)  # every point carries its source
    assert turn.locator(".sources blockquote.passage mark.hl").count() >= 2
    screenshot(page, "chat-list.png", full_page=True)


def test_the_document_tab_shows_the_summary(page: Any) -> None:
    page.locator("#turn-0 .answer button.cite").first.click()
    page.locator("#viewer mark.target").first.wait_for(timeout=15_000)
    summary = page.locator("#viewer .doc-summary")
    assert summary.locator("h4").inner_text() == "Zusammenfassung"
    assert summary.locator("li").count() >= 2
    # Above the text, not somewhere inside it. Both boxes are read in one frame: the click scrolls the
    # viewer smoothly to the cited sentence, and two separate reads can straddle a step of that scroll.
    tops = page.evaluate(
        """() => [".doc-summary", "pre.doc-text"].map(
            (sel) => document.querySelector("#viewer " + sel).getBoundingClientRect().top)"""
    )
    assert tops[0] < tops[1], tops
