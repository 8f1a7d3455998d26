"""Eval reports (results.json, Markdown, self-contained HTML) and run comparison."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Sequence
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.model import Answer
from assistant.errors import AssistantError, BackendError
from assistant.evaluation import report_html
from assistant.evaluation.charts import bar_chart_svg, histogram_svg
from assistant.evaluation.compare import compare, load_results
from assistant.evaluation.evalset import EvalCase
from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.report import write_report
from assistant.evaluation.report_html import css, render_html
from assistant.evaluation.report_markdown import render_markdown
from assistant.evaluation.runner import EvalRun, load_cases, run_eval
from assistant.types import Chunk, Citation, Hit

SRC = "corpus/a.txt"
TEXT = "Der Haushalt steigt auf 124 Milliarden Euro.\n\nIsland ist beigetreten."
CORPUS = {SRC: TEXT}
QUOTE = "124 Milliarden Euro"
EVIL = "<script>alert('x')</script>"


class DictAnswerer:
    """Answers from a dict of question -> (text, refused, cite?) or an exception."""

    backend = "fake"

    def __init__(self, model: str, script: dict[str, tuple[str, bool, bool] | Exception], total: float) -> None:
        self.model = model
        self.script = script
        self.total = total

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        reply = self.script[question]
        if isinstance(reply, Exception):
            raise reply
        text, refused, cite = reply
        start = TEXT.index(QUOTE)
        citations = (Citation(1, "c0", SRC, "Intro", start, start + len(QUOTE), QUOTE),) if cite else ()
        hit = Hit(Chunk("c0", "d", SRC, "Intro", 0, 45, TEXT[:45], TEXT[:45]), 0.9)
        return Answer(question, text, "de", refused, citations, (hit,), "fake", self.model,
                      {"retrieve": 5.0, "first_token": self.total / 2, "total": self.total})  # fmt: skip


CASES = [
    EvalCase("de-budget", "Wie hoch ist der Haushalt?", "de", True, reference="124 Milliarden Euro.",
             accept=("124 Milliarden",), gold_quotes=(QUOTE,), source=SRC),
    EvalCase("de-evil", "Was steht im <b>Text</b>?", "de", True, accept=("124 Milliarden",),
             gold_quotes=(QUOTE,), source=SRC),
    EvalCase("en-unans", "Who hosts 2027?", "en", False, source=SRC),
    EvalCase("de-down", "Wer ist beigetreten?", "de", True, accept=("Island",), gold_quotes=("Island",), source=SRC),
]  # fmt: skip


def _run(model: str = "m1", total: float = 100.0, **overrides: tuple[str, bool, bool] | Exception) -> EvalRun:
    script: dict[str, tuple[str, bool, bool] | Exception] = {
        "Wie hoch ist der Haushalt?": ("Der Haushalt steigt auf 124 Milliarden Euro [1].", False, True),
        "Was steht im <b>Text</b>?": (f"Das weiß ich nicht {EVIL}", False, False),
        "Who hosts 2027?": ("The text does not say.", True, False),
        "Wer ist beigetreten?": BackendError("backend <down> & out"),
    }
    key = {"budget": "Wie hoch ist der Haushalt?", "evil": "Was steht im <b>Text</b>?", "down": "Wer ist beigetreten?"}
    for name, reply in overrides.items():
        script[key[name]] = reply
    return run_eval(load_cases(CASES, CORPUS), DictAnswerer(model, script, total), corpus_texts=CORPUS)


def test_write_report_produces_the_three_files(tmp_path: Path) -> None:
    paths = write_report(_run(), tmp_path / "run")
    assert {p.name for p in paths.values()} == {"results.json", "report.md", "report.html"}
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths.values())
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert set(data) == {"config", "summary", "cases"}
    # The reports render the same from the saved dict as from the live run.
    assert render_markdown(data) == paths["markdown"].read_text(encoding="utf-8")


def test_markdown_has_tables_and_failures() -> None:
    md = render_markdown(_run())
    assert "| metric | all | de | en | answerable | unanswerable |" in md
    assert "| accuracy | 50.0 % | 33.3 % | 100.0 % | 33.3 % | 100.0 % |" in md
    assert "| exact match | n/a |" in md
    assert "| all | 5 ms | 5 ms | 50 ms | 50 ms | 100 ms | 100 ms |" in md
    assert "## Failures (2 of 4, 1 with errors)" in md
    assert "### de-evil (de, answerable)" in md and "### de-down (de, answerable)" in md
    assert "**Error:** backend &lt;down&gt; &amp; out" in md
    assert "gold quote: „124 Milliarden Euro“" in md
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "de-budget" not in md  # passed cases are not listed


def test_html_is_self_contained_and_escapes_everything() -> None:
    page = render_html(_run())
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Was steht im &lt;b&gt;Text&lt;/b&gt;?" in page
    assert "backend &lt;down&gt; &amp; out" in page
    # No external resources: the only URL is the SVG namespace.
    urls = set(re.findall(r"https?://[^\s\"')]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}
    assert "<link" not in page and "@import" not in page and "src=" not in page
    # Charts: two bar charts and the latency histogram, inline.
    assert page.count("<svg") == 3
    assert "By language" in page and "By question type" in page and "Total time per question" in page
    assert '<div class="quote">124 Milliarden Euro</div>' in page  # gold quote in the failures table


def test_html_embeds_the_style_sheet_from_package_data() -> None:
    sheet = (Path(report_html.__file__).parent / "data" / "report.css").read_text(encoding="utf-8")
    assert sheet.startswith(":root {") and ".chart .grid {" in sheet and ".failures .id {" in sheet
    assert css() == sheet
    page = render_html(_run())
    # Inline and whole: the report must style itself with no file beside it.
    assert page.count("<style>") == 1 and f"<style>\n{sheet}</style></head>" in page


def test_evaluation_data_files_are_package_data() -> None:
    """A data file the wheel leaves out works in the checkout and breaks once installed."""
    root = Path(report_html.__file__).parents[1]  # the assistant package
    pyproject = tomllib.loads((root.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["assistant"]
    data = sorted(p.relative_to(root) for p in (root / "evaluation" / "data").iterdir() if p.is_file())
    assert {p.name for p in data} >= {"report.css", "off_topic.yaml"}
    assert [p for p in data if not any(fnmatch(p.as_posix(), pat) for pat in patterns)] == []


def test_html_for_retrieval_only_runs() -> None:
    def retrieve(question: str, k: int) -> list[Hit]:
        return [Hit(Chunk("c9", "d", SRC, "Island <i>", 47, 70, "", ""), 0.5)]

    run = run_eval(load_cases(CASES, CORPUS), None, retrieve=retrieve, retrieval_only=True)
    page = render_html(run)
    assert "retrieval only (k=10)" in page and "retrieved passages" in page
    assert "Island &lt;i&gt;" in page
    md = render_markdown(run)
    assert "| accuracy | n/a |" in md and "passage 1. Island &lt;i&gt;" in md


def test_svg_helpers_handle_nulls_and_empty_data() -> None:
    bars = bar_chart_svg("T <1>", ["a", "b"], [("de", [0.5, None]), ("en", [1.0, 0.0])])
    assert "T &lt;1&gt;" in bars and "n/a" in bars and bars.count("<rect") == 3 + 2  # 3 bars + 2 legend keys
    assert "no timings" in histogram_svg("H", [])
    hist = histogram_svg("H", [100.0, 150.0, 900.0], bins=4)
    assert hist.count("<rect") == 4


# -- compare ----------------------------------------------------------------------------
def test_compare_shows_deltas_and_flips(tmp_path: Path) -> None:
    before = _run("m1", total=100.0)
    after = _run(
        "m2",
        total=80.0,
        budget=("Ich weiß es nicht.", False, False),
        evil=("124 Milliarden Euro [1].", False, True),
        down=("Island.", False, False),
    )
    md = compare(before.to_dict(), after.to_dict())
    assert md.startswith("# Eval comparison: A (fake / m1) → B (fake / m2)")
    assert "| accuracy | 50.0 % | 75.0 % | +25.0 pt | ✅ improved |" in md
    assert "| exact_match | n/a | n/a | n/a | |" in md
    # Lower latency is better.
    assert "| latency total p50 | 100 ms | 80 ms | -20 ms | ✅ improved |" in md
    assert "| refusal_rate | 100.0 % | 100.0 % | +0.0 pt | = |" in md
    assert "3 cases in both runs" not in md and "4 cases in both runs: 1 pass → fail, 1 fail → pass." in md
    regressed = md.split("### Regressed (pass → fail)")[1].split("###")[0]
    fixed = md.split("### Fixed (fail → pass)")[1].split("###")[0]
    assert "de-budget" in regressed and "de-evil" not in regressed
    assert "de-evil" in fixed
    assert "de-down" not in fixed  # "Island." is right but cites nothing: not a pass
    assert "<script>" not in md


def test_compare_regression_marks_and_missing_cases() -> None:
    a = _run("m1").to_dict()
    b = _run("m1", budget=("nein", False, False)).to_dict()
    b["cases"] = [c for c in b["cases"] if c["id"] != "en-unans"]
    md = compare(a, b)
    assert "| accuracy | 50.0 % | 25.0 % | -25.0 pt | ❌ regressed |" in md
    assert "- only in A: en-unans" in md


def test_load_results_accepts_folder_or_file_and_reports_problems(tmp_path: Path) -> None:
    write_report(_run(), tmp_path / "run")
    assert load_results(tmp_path / "run")["summary"]["n"] == 4
    assert load_results(tmp_path / "run" / "results.json")["summary"]["n"] == 4
    with pytest.raises(AssistantError, match="no eval results"):
        load_results(tmp_path / "missing")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(AssistantError, match="cannot read"):
        load_results(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"x": 1}), encoding="utf-8")
    with pytest.raises(AssistantError, match="not an eval results file"):
        load_results(other)


def test_report_of_a_hand_built_squad_run() -> None:
    gold = GoldTurn("Wie viele?", accept=("308",))
    case = Case("sq-1", "de", True, (gold,), gold_source="xquad/p1", squad=True)

    class One:
        backend = "fake"
        model = "one"

        def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
            return Answer(question, "308", "de", False, (), (), "fake", "one", {"total": 5.0})

    results: dict[str, Any] = run_eval([case], One()).to_dict()
    md = render_markdown(results)
    assert "| exact match | 100.0 % |" in md and "| F1 | 100.0 % |" in md
    assert "exact match" in render_html(results)


def test_compare_treats_small_latency_changes_as_noise() -> None:
    md = compare(_run("m1", total=100.0).to_dict(), _run("m1", total=103.0).to_dict())
    assert "| latency total p50 | 100 ms | 103 ms | +3 ms | ≈ |" in md
    md = compare(_run("m1", total=100.0).to_dict(), _run("m1", total=130.0).to_dict())
    assert "| latency total p50 | 100 ms | 130 ms | +30 ms | ❌ regressed |" in md
