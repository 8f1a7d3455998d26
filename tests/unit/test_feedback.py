"""Feedback: the JSONL log, and its export into eval cases that the eval loader accepts."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from assistant.answer.model import Answer
from assistant.config import load_settings
from assistant.evaluation.evalset import load_evalset
from assistant.evaluation.normalize import matches
from assistant.types import Citation
from assistant.ui.feedback import (
    FeedbackStore,
    cli_export,
    export_feedback,
    key_phrases,
    read_feedback,
    review_path,
    strip_markers,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "corpus/nato-gipfel-2026-ankara.txt"
BUDGET_QUOTE = "Deutschland geht mit der Erhöhung des Verteidigungshaushaltes auf 124 Milliarden Euro im Jahr 2026"
AUTHOR_QUOTE = "8.7.2026 - Lara Finke | Bundesministerium für Verteidigung"


def _cite(text: str, quote: str, n: int = 1) -> Citation:
    start = text.index(quote)
    return Citation(n, "chunk", SOURCE, "Burden Shifting", start, start + len(quote), quote)


def _answer(question: str, text: str, lang: str, cites: tuple[Citation, ...] = (), refused: bool = False) -> Answer:
    return Answer(question, text, lang, refused, cites, (), "llamacpp", "qwen2.5-coder-1.5b", retrieval_query=question)


@pytest.fixture
def store(tmp_path: Path) -> FeedbackStore:
    return FeedbackStore(tmp_path / "data" / "feedback.jsonl")


def test_record_has_everything_an_eval_case_needs(store: FeedbackStore, original_text: str) -> None:
    a = _answer(
        "Wie hoch ist der Haushalt 2026?", "124 Milliarden Euro [1].", "de", (_cite(original_text, BUDGET_QUOTE),)
    )
    store.record(answer_id="a1", answer=a, rating="up", comment="  passt\n genau  ")
    (rec,) = [json.loads(line) for line in store.path.read_text(encoding="utf-8").splitlines()]
    assert {"question", "answer", "citations", "backend", "model", "timestamp", "rating", "comment"} <= set(rec)
    assert rec["comment"] == "passt genau" and rec["rating"] == "up" and rec["backend"] == "llamacpp"
    assert rec["citations"][0]["quote"] == BUDGET_QUOTE
    with pytest.raises(ValueError, match="rating"):
        store.record(answer_id="a2", answer=a, rating="meh")


def test_concurrent_sessions_write_whole_lines(store: FeedbackStore) -> None:
    a = _answer("Frage?", "Antwort " * 200, "de")

    def rate(i: int) -> None:
        for j in range(20):
            FeedbackStore(store.path).record(answer_id=f"{i}-{j}", answer=a, rating="down", comment="x" * 500)

    threads = [threading.Thread(target=rate, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lines = store.path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 160 and all(json.loads(line)["rating"] == "down" for line in lines)


def test_latest_rating_wins_and_torn_lines_are_skipped(store: FeedbackStore) -> None:
    a = _answer("Frage?", "Antwort.", "de")
    store.record(answer_id="same", answer=a, rating="up")
    store.record(answer_id="same", answer=a, rating="down", comment="doch falsch")
    with store.path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "torn", "rating": "up", "quest')
    (rec,) = read_feedback(store.path)
    assert rec["rating"] == "down" and rec["comment"] == "doch falsch"


def test_key_phrases_are_facts_not_in_the_question() -> None:
    assert key_phrases("Auf 124 Milliarden Euro im Jahr 2026 [1].", "Wie hoch ist der Haushalt 2026?") == [
        "124 Milliarden"
    ]
    assert key_phrases("Die Pressemitteilung stammt von Lara Finke [1].", "Wer schrieb sie?") == ["Lara Finke"]
    ministry = "Vom Bundesministerium für Verteidigung [1]."
    assert key_phrases(ministry, "Von wem?", [AUTHOR_QUOTE]) == []  # single nouns are no names
    assert key_phrases("Es geht um PAC-3 und NATO [1].", "Worum geht es?") == ["PAC-3", "NATO"]
    assert key_phrases("Ja [1].", "Gibt es das?") == []
    assert strip_markers("Auf 124 Milliarden Euro [1][2] .") == "Auf 124 Milliarden Euro."


def test_export_turns_ratings_into_cases(tmp_path: Path, store: FeedbackStore, original_text: str) -> None:
    budget = _answer(
        "Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?",
        "Deutschland erhöht ihn auf 124 Milliarden Euro [1].",
        "de",
        (_cite(original_text, BUDGET_QUOTE),),
    )
    author = _answer(
        "Who wrote the press release?", "It was written by Lara Finke [1].", "en", (_cite(original_text, AUTHOR_QUOTE),)
    )
    follow = _answer("And on which date?", "On 8.7.2026 [1].", "en", (_cite(original_text, AUTHOR_QUOTE),))
    refusal = _answer("Who hosts the 2027 summit?", "The text does not say.", "en", refused=True)
    wrong = _answer("Wie viele Partnerstaaten?", "Es sind 30 [1].", "de", (_cite(original_text, BUDGET_QUOTE),))
    store.record(answer_id="budget01", answer=budget, rating="up")
    store.record(answer_id="author01", answer=author, rating="up")
    store.record(answer_id="follow01", answer=follow, rating="up", history=[(author.question, author)])
    store.record(answer_id="refuse01", answer=refusal, rating="up")
    store.record(answer_id="wrong001", answer=wrong, rating="down", comment="32, nicht 30")

    items = {i["id"]: i for i in export_feedback(store.path)}
    assert set(items) == {
        "de-feedback-budget01",
        "en-feedback-author01",
        "en-feedback-follow01",
        "en-feedback-refuse01",
        "de-feedback-review-wrong001",
    }
    b = items["de-feedback-budget01"]
    assert b["answerable"] is True and b["accept"] == ["124 Milliarden"] and b["gold_quotes"] == [BUDGET_QUOTE]
    assert b["reference"] == "Deutschland erhöht ihn auf 124 Milliarden Euro." and b["source"] == SOURCE
    assert matches(b["reference"], b["accept"], b["accept_all"])
    f = items["en-feedback-follow01"]
    assert [t["question"] for t in f["turns"]] == [author.question, follow.question]
    assert f["question"] == author.question and f["accept"] == ["Lara Finke"]
    assert f["turns"][1]["accept"] == ["8.7.2026"]
    r = items["en-feedback-refuse01"]
    assert r["answerable"] is False and r["accept"] == [] and r["gold_quotes"] == []
    w = items["de-feedback-review-wrong001"]
    assert w["review"]["comment"] == "32, nicht 30" and w["review"]["model_answer"] == "Es sind 30 [1]."
    assert w["reference"] == "" and w["gold_quotes"] == []  # a wrong answer is no gold

    # the cases load through the eval loader, gold quotes checked against the corpus
    out = tmp_path / "cases.jsonl"
    out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items.values() if "review" not in i))
    cases, issues = load_evalset(out, {SOURCE: original_text})
    assert issues == [] and len(cases) == 4
    # review items do not load until a person resolves them
    bad = tmp_path / "review.jsonl"
    bad.write_text(json.dumps(w, ensure_ascii=False) + "\n")
    _, issues = load_evalset(bad)
    assert issues and "review" in issues[0].message


def test_thumbs_up_without_facts_goes_to_review(store: FeedbackStore) -> None:
    store.record(answer_id="vague001", answer=_answer("Ist das gut?", "Ja, das ist gut [1].", "de"), rating="up")
    (item,) = export_feedback(store.path)
    assert item["id"] == "de-feedback-review-vague001" and "accept strings" in item["review"]["reason"]


def test_cli_export_writes_cases_and_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], original_text: str
) -> None:
    settings = load_settings(None, **{"paths.root": str(ROOT), "paths.data": str(tmp_path / "data")})
    out = tmp_path / "evals" / "feedback.jsonl"
    assert cli_export(settings, out) == 0 and not out.exists()
    assert "nothing to export" in capsys.readouterr().out
    store = FeedbackStore(settings.data_dir / "feedback.jsonl")
    a = _answer(
        "Wer hat die Pressemitteilung verfasst?", "Lara Finke [1].", "de", (_cite(original_text, AUTHOR_QUOTE),)
    )
    store.record(answer_id="x1", answer=a, rating="up")
    store.record(answer_id="x2", answer=a, rating="down")
    assert cli_export(settings, out) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1
    assert len(review_path(out).read_text(encoding="utf-8").splitlines()) == 1
    assert "1 eval case(s)" in capsys.readouterr().out
