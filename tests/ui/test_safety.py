"""Markup in a document, an answer or a citation is shown as text and never runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from uihelp import Pages, ask, tab, upload, use_backend, wait_done

pytestmark = pytest.mark.ui

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'


def test_html_injection_document_stays_inert(pages: Pages, tmp_path: Path) -> None:
    doc = tmp_path / "delegation.txt"
    doc.write_text(
        "Hinweise für die Delegation\n\n"
        f"Das Codewort der Delegation lautet Zebra-42 {IMG} und gilt bis Freitag.\n\n"
        f"{SCRIPT} Dieser Absatz enthält ein Skript, das nie laufen darf.\n",
        encoding="utf-8",
    )
    page = pages.open()
    assert "hinzugefügt" in upload(page, doc)
    use_backend(page, "extractive")
    turn = wait_done(ask(page, "Wie lautet das Codewort der Delegation?"), 60_000)
    assert IMG in turn.locator(".answer").inner_text()  # shown as text
    turn.locator(".answer button.cite").first.click()
    viewer = page.locator("#viewer pre.doc-text")
    page.locator("#viewer mark.target").first.wait_for(timeout=15_000)
    assert SCRIPT in viewer.inner_text() and IMG in viewer.inner_text()
    page.wait_for_timeout(500)  # give an onerror handler every chance to fire
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert page.locator("#transcript img, #viewer img, #transcript script, #viewer script").count() == 0


def test_backend_failure_is_a_short_message_not_a_traceback(pages: Pages) -> None:
    page = pages.open()
    use_backend(page, "ollama")
    tab(page, "Einstellungen")
    page.locator("#ollama-url input, #ollama-url textarea").first.fill("http://127.0.0.1:9")
    page.wait_for_function(
        "() => document.getElementById('active-backend').innerText.includes('127.0.0.1:9')", timeout=10_000
    )
    tab(page, "Chat")
    turn = wait_done(ask(page, "Wer hat die Pressemitteilung verfasst?"), 60_000)
    error = turn.locator(".error-box").inner_text()
    assert "Cannot get an answer from the ollama server at http://127.0.0.1:9" in error
    assert "Traceback" not in page.content() and 'File "' not in error
    assert page.locator("#question textarea").is_enabled()  # the user can go on
