"""An out-of-scope question is refused as such, with the closest passages offered instead."""

from __future__ import annotations

import pytest
from uihelp import Pages, ask, screenshot, wait_done

pytestmark = pytest.mark.ui


def test_out_of_scope_question_is_refused_with_suggestions(pages: Pages) -> None:
    page = pages.open(locale="en-US")  # an English browser gets the English interface
    assert page.get_by_role("tab", name="Settings", exact=True).count() == 1
    turn = wait_done(ask(page, "What is the capital of France?"))  # default backend: the local model
    assert turn.locator(".refusal .badge").inner_text() == "Not answered by the text"
    assert turn.locator(".refusal-text").inner_text() == "The text does not say."
    assert turn.locator(".sources").count() == 0 and turn.locator(".answer").count() == 0
    assert "You may be looking for" in turn.locator(".maybe").inner_text()
    screenshot(page, "refusal.png")
    offers = turn.locator(".maybe button.passage-link")
    assert 1 <= offers.count() <= 3
    offers.first.click()
    page.locator("#viewer mark.target").first.wait_for(timeout=15_000)
    assert page.get_by_role("tab", name="Document", exact=True).get_attribute("aria-selected") == "true"
