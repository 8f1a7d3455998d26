"""The eval tab: run a set with a progress bar, see metrics, chart and failures, download the report."""

from __future__ import annotations

import time

import pytest
from uihelp import BACKEND_LABELS, Pages, screenshot, tab

pytestmark = pytest.mark.ui


def test_eval_run_shows_metrics_chart_failures_and_report(pages: Pages) -> None:
    page = pages.open()
    tab(page, "Evaluation")
    assert page.locator("#eval-pick input").input_value() == "mini.jsonl"
    page.locator("#eval-backend").get_by_label(BACKEND_LABELS["extractive"], exact=True).check()
    page.locator("#eval-run").click()
    saw_progress = False
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not page.locator("#eval-summary .cards").count():
        saw_progress = saw_progress or page.locator(".progress-text, .progress-level").count() > 0
        time.sleep(0.1)
    summary = page.locator("#eval-summary")
    summary.locator(".cards").wait_for(timeout=5_000)
    assert saw_progress, "no progress bar while the eval ran"
    assert "accuracy" in summary.inner_text() and "mini.jsonl" in summary.inner_text()
    assert summary.locator("svg").count() == 2  # by language, by type
    assert page.locator("#eval-failures").is_visible()
    link = page.locator("#eval-report a").first
    link.wait_for(timeout=10_000)
    report = page.request.get(link.get_attribute("href") or "")
    assert report.ok and "Eval report" in report.text() and "<script" not in report.text()
    screenshot(page, "eval.png", full_page=True)
