"""A conversation in the browser: streamed answer from the local model, citations, a follow-up, feedback.

The tests share one page, in order, like a user would: the first asks
with the real default model (llama.cpp, Qwen2.5-Coder 1.5B) while a second
visitor waits in line; the later ones reuse that answer and switch this
session to the fast extractive backend.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from uihelp import Pages, ask, in_viewport, screenshot, squash, tab, use_backend, wait_done

from assistant.ui.feedback import export_feedback

pytestmark = pytest.mark.ui

QUESTION = "Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?"
FOLLOW_UP = "And which target does Germany reach early?"


@pytest.fixture(scope="module")
def page(module_pages: Pages) -> Iterator[Any]:
    yield module_pages.open()


def test_german_question_streams_from_the_local_model(page: Any, pages: Pages) -> None:
    assert "Qwen2.5-Coder 1.5B" in page.locator("#active-backend").inner_text()
    turn = ask(page, QUESTION)
    # A second visitor asks at once. Both need the one local model, so whoever
    # is second is told their place in line; if that is the visitor, they leave.
    other = pages.open()
    other_turn = ask(other, "Wer hat die Pressemitteilung verfasst?")
    drafts: list[str] = []
    queued: dict[str, str] = {}
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and "done" not in (turn.get_attribute("class") or ""):
        # all_inner_texts() reads whatever is there now and never waits: the draft
        # can be replaced by the checked answer between a count() and a read.
        for text in turn.locator(".draft").all_inner_texts():
            text = text.rstrip("▍").strip()
            if text and (not drafts or text != drafts[-1]):
                drafts.append(text)
        for name, t in (("first", turn), ("second", other_turn)):
            statuses = t.locator(".status.queue").all_inner_texts()
            if name not in queued and statuses:
                queued[name] = statuses[0]
                if name == "second":
                    other.locator("#new-chat").click()  # leaving the line frees the place
        time.sleep(0.05)
    wait_done(turn, 10_000)
    assert queued and all("Warteschlange: Platz 1" in q for q in queued.values()), queued
    if "second" in queued:
        other.locator(".transcript.empty").wait_for(timeout=10_000)
    # token by token: several growing drafts before the checked answer replaced them
    assert len(drafts) >= 2, drafts
    assert all(b.startswith(a[: max(1, len(a) - 2)]) for a, b in itertools.pairwise(drafts)), drafts
    answer = turn.locator(".answer")
    assert "124" in answer.inner_text()
    assert answer.locator("button.cite").count() >= 1
    assert turn.locator(".sources blockquote.passage mark.hl").count() >= 1
    meta = turn.locator(".meta").inner_text()
    assert "llamacpp" in meta and "qwen2.5-coder-1.5b" in meta
    screenshot(page, "chat-sources.png", full_page=True)


def test_citation_opens_the_highlighted_passage(page: Any) -> None:
    turn = page.locator("#turn-0")
    quoted = squash(turn.locator(".sources mark.hl").first.text_content() or "")
    turn.locator(".answer button.cite").first.click()
    target = page.locator("#viewer mark.target").first
    target.wait_for(timeout=15_000)
    assert page.get_by_role("tab", name="Dokument", exact=True).get_attribute("aria-selected") == "true"
    assert squash(target.inner_text()) == quoted
    page.wait_for_function("() => { const r = document.getElementById('viewer-target').getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= window.innerHeight; }", timeout=10_000)  # fmt: skip
    assert in_viewport(page, target)
    meta = page.locator("#viewer .doc-meta")
    assert "Lara Finke" in meta.inner_text() and "2026-07-08" in meta.inner_text()
    assert (meta.locator("a").get_attribute("href") or "").startswith("https://www.bmvg.de/")
    assert "Burden Shifting" in page.locator("#viewer pre.doc-text").inner_text()
    screenshot(page, "viewer.png")


def test_english_follow_up_uses_the_conversation(page: Any) -> None:
    use_backend(page, "extractive")
    turn = wait_done(ask(page, FOLLOW_UP), 60_000)
    text = turn.locator(".answer").inner_text()
    assert text.startswith("According to the text")  # answered in the question's language
    assert "2029" in text and turn.locator(".answer button.cite").count() >= 1
    assert page.locator(".transcript .turn").count() == 2  # the first answer is still there


def test_feedback_is_stored_and_exported(page: Any, ui_root: Path) -> None:
    turn = page.locator("#turn-1")
    turn.locator(".fb-comment").fill("Stimmt: <b>3,5 %</b> bis 2029")
    turn.locator("button.fb.up").click()
    turn.locator(".feedback.done").wait_for(timeout=10_000)
    log = ui_root / ".data" / "feedback.jsonl"
    rec = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert rec["rating"] == "up" and rec["question"] == FOLLOW_UP and rec["backend"] == "extractive"
    assert rec["comment"] == "Stimmt: <b>3,5 %</b> bis 2029" and rec["citations"]
    assert [h["question"] for h in rec["history"]] == [QUESTION]
    items = [i for i in export_feedback(log) if i["question"] == QUESTION]
    assert items and items[0]["turns"][1]["question"] == FOLLOW_UP
    tab(page, "Chat")
