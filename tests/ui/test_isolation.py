"""Session isolation in the real app: two browsers asking at the same time.

Each browser context is its own Gradio session. They ask at once, then ask
a follow-up that only makes sense in their own conversation, and change a
setting. Neither may see the other's questions, answers or settings, and
each follow-up must be retrieved with its own conversation's context.
"""

from __future__ import annotations

from typing import Any

import pytest
from uihelp import Pages, ask, tab, use_backend, wait_done

pytestmark = pytest.mark.ui

A = ("Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?", "Und bis wann wird das Ziel erreicht?")
B = ("Which country joined the Maritime Security Partnership in Ankara?", "Who founded that partnership, and when?")


def _transcript(page: Any) -> str:
    return str(page.locator(".transcript").inner_text())


def test_two_sessions_asking_at_once_never_see_each_other(pages: Pages) -> None:
    a, b = pages.open(), pages.open()  # both German UIs (the helpers click German labels); B asks in English
    for page in (a, b):
        use_backend(page, "extractive")  # fast; the isolation is the same for every backend
    # Ask both first questions before waiting for either answer.
    turns = [ask(a, A[0]), ask(b, B[0])]
    for turn in turns:
        wait_done(turn, 60_000)
    # Follow-ups: both are sent before either is awaited (Playwright's sync API is single-threaded),
    # so the server handles them concurrently, one session's question queued behind the other's.
    ta, tb = ask(a, A[1]), ask(b, B[1])
    wait_done(ta, 60_000)
    wait_done(tb, 60_000)

    text_a, text_b = _transcript(a), _transcript(b)
    assert A[0] in text_a and A[1] in text_a and B[0] not in text_a and B[1] not in text_a
    assert B[0] in text_b and B[1] in text_b and A[0] not in text_b and A[1] not in text_b
    assert a.locator(".transcript .turn").count() == 2 and b.locator(".transcript .turn").count() == 2
    # Each follow-up was answered from its own conversation: the 3.5 % target's year, the partnership.
    assert "2029" in ta.locator(".answer").inner_text()
    assert "Sicherheitspartnerschaft" in tb.locator(".answer").inner_text()
    answers_a = " ".join(a.locator(".transcript .answer").all_inner_texts())
    answers_b = " ".join(b.locator(".transcript .answer").all_inner_texts())
    assert "Island" in answers_b and "Island" not in answers_a and "124" in answers_a and "124" not in answers_b

    # A setting changed in one session stays in that session.
    use_backend(b, "local-1.5b")
    tab(a, "Chat")
    assert "Extraktiv" in a.locator("#active-backend").inner_text()
    assert "Qwen2.5-Coder 1.5B" in b.locator("#active-backend").inner_text()
