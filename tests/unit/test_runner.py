"""Eval runner: scripted answerers, multi-turn history, errors, thresholds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.answer.model import Answer
from assistant.errors import AssistantError, BackendError
from assistant.evaluation.evalset import EvalCase, Turn
from assistant.evaluation.gold import Case, GoldTurn
from assistant.evaluation.runner import SKIPPED, Answerer, fail_under, load_cases, run_eval
from assistant.types import Chunk, Citation, Hit

SRC = "corpus/a.txt"
TEXT = "Der Haushalt steigt auf 124 Milliarden Euro.\n\nIsland ist beigetreten. Schweden auch."
CORPUS = {SRC: TEXT}
BUDGET = "124 Milliarden Euro"
ICELAND = "Island ist beigetreten."


def _hit(quote: str | None, n: int = 0) -> Hit:
    """A passage around ``quote`` (or an irrelevant one far away)."""
    if quote is None:
        return Hit(Chunk(f"x{n}", "d", "corpus/other.txt", "Other", 0, 10, "x" * 10, "x" * 10), 0.1)
    start = TEXT.index(quote)
    end = start + len(quote)
    return Hit(Chunk(f"c{start}", "d", SRC, "Intro", start, end, quote, quote), 0.9)


def _answer(question: str, text: str, *, quote: str | None = None, refused: bool = False,
            language: str = "de", total: float = 120.0) -> Answer:  # fmt: skip
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = (_hit(None),)
    if quote is not None:
        start = TEXT.index(quote)
        citations = (Citation(1, f"c{start}", SRC, "Intro", start, start + len(quote), quote),)
        passages = (_hit(quote), _hit(None, 1))
    return Answer(
        question=question,
        text=text,
        language=language,
        refused=refused,
        citations=citations,
        passages=passages,
        backend="fake",
        model="scripted",
        timings_ms={"retrieve": 10.0, "first_token": 50.0, "total": total},
    )


class ScriptedAnswerer:
    """Replies by question; an exception in the script is raised instead."""

    backend = "fake"
    model = "scripted"

    def __init__(self, script: dict[str, Answer | Exception]) -> None:
        self.script = script
        self.calls: list[tuple[str, list[tuple[str, str]] | None]] = []

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        self.calls.append((question, None if history is None else list(history)))
        reply = self.script[question]
        if isinstance(reply, Exception):
            raise reply
        return reply


def _evalcases() -> list[EvalCase]:
    return [
        EvalCase("de-budget", "Wie hoch ist der Haushalt?", "de", True, accept=("124 Milliarden",),
                 gold_quotes=(BUDGET,), source=SRC),
        EvalCase("en-unans", "Who hosts 2027?", "en", False, source=SRC),
        EvalCase(
            "de-multi", "Wer ist beigetreten?", "de", True, accept=("Island",), gold_quotes=(ICELAND,), source=SRC,
            turns=(
                Turn("Wer ist beigetreten?", accept=("Island",), gold_quotes=(ICELAND,)),
                Turn("Und wer noch?", accept=("Schweden",), gold_quotes=("Schweden auch.",)),
            ),
        ),
    ]  # fmt: skip


def _good_script() -> dict[str, Answer | Exception]:
    return {
        "Wie hoch ist der Haushalt?": _answer("", "Er steigt auf 124 Milliarden Euro [1].", quote=BUDGET),
        "Who hosts 2027?": _answer("", "The text does not say.", refused=True, language="en"),
        "Wer ist beigetreten?": _answer("", "Island ist beigetreten [1].", quote=ICELAND),
        "Und wer noch?": _answer("", "Auch Schweden [1].", quote="Schweden auch."),
    }


def test_scripted_answerer_replies_raises_and_records_as_scripted() -> None:
    """The other tests trust this fake: it replies by question, raises what the script says, records each call."""
    reply = _answer("", "Er steigt auf 124 Milliarden Euro [1].", quote=BUDGET)
    scripted = ScriptedAnswerer({"Wie hoch?": reply, "Und wer?": BackendError("timed out")})
    answerer: Answerer = scripted  # what run_eval is given; mypy checks that it fits
    history = [("Wie hoch?", reply.text)]
    assert answerer.ask("Wie hoch?") is reply
    with pytest.raises(BackendError, match="timed out"):
        answerer.ask("Und wer?", history)
    history.append(("later", "turn"))  # the recorded history is a copy, not the caller's list
    assert scripted.calls == [("Wie hoch?", None), ("Und wer?", [("Wie hoch?", reply.text)])]
    with pytest.raises(KeyError):  # an unscripted question is a bug in the test, never a silent reply
        answerer.ask("Unscripted?")


def test_load_cases_locates_gold_spans_and_honours_limit() -> None:
    cases = load_cases(_evalcases(), CORPUS)
    assert [c.id for c in cases] == ["de-budget", "en-unans", "de-multi"]
    start = TEXT.index(BUDGET)
    assert cases[0].turns[0].gold_spans == ((SRC, start, start + len(BUDGET)),)
    assert len(cases[2].turns) == 2 and cases[2].turns[1].accept == ("Schweden",)
    assert cases[0].gold_source is None and not cases[0].squad
    assert [c.id for c in load_cases(_evalcases(), CORPUS, limit=2)] == ["de-budget", "en-unans"]
    squad = load_cases(_evalcases()[:1], CORPUS, squad=True)[0]
    assert squad.squad and squad.gold_source == SRC and squad.kind == "squad"


def test_full_run_scores_and_records_everything() -> None:
    answerer = ScriptedAnswerer(_good_script())
    seen: list[tuple[int, int, dict[str, float | None]]] = []
    run = run_eval(
        load_cases(_evalcases(), CORPUS),
        answerer,
        corpus_texts=CORPUS,
        progress=lambda done, total, score: seen.append((done, total, score)),
        config={"files": ["evals/x.jsonl"]},
    )
    s = run.summary
    assert s["n"] == 3
    assert s["accuracy"] == 1.0 and s["hit@1"] == 1.0 and s["citation_recall"] == 1.0
    assert s["citation_precision"] == 1.0 and s["refusal_rate"] == 1.0 and s["false_refusal_rate"] == 0.0
    assert s["language_match"] == 1.0 and s["exact_match"] is None
    assert s["latency_ms"]["total"]["p50"] == 120.0
    assert [c.passed for c in run.cases] == [True, True, True]
    assert [d for d, _, _ in seen] == [1, 2, 3] and {t for _, t, _ in seen} == {3}
    assert seen[-1][2] == {"accuracy": 1.0, "hit@5": 1.0, "mrr@10": 1.0, "errors": 0.0}
    assert run.config["backend"] == "fake" and run.config["model"] == "scripted"
    assert run.config["files"] == ["evals/x.jsonl"] and run.config["n_cases"] == 3


def test_multi_turn_passes_growing_history_in_order() -> None:
    answerer = ScriptedAnswerer(_good_script())
    run_eval(load_cases(_evalcases(), CORPUS), answerer, corpus_texts=CORPUS)
    assert answerer.calls[2:] == [
        ("Wer ist beigetreten?", None),
        ("Und wer noch?", [("Wer ist beigetreten?", "Island ist beigetreten [1].")]),
    ]
    # Single-turn cases start without history.
    assert answerer.calls[0] == ("Wie hoch ist der Haushalt?", None)


def test_answerer_error_is_recorded_counted_wrong_and_the_run_continues() -> None:
    script = _good_script()
    script["Wie hoch ist der Haushalt?"] = BackendError("llama.cpp server timed out after 60 s")
    script["Wer ist beigetreten?"] = BackendError("connection refused")
    answerer = ScriptedAnswerer(script)
    run = run_eval(load_cases(_evalcases(), CORPUS), answerer, corpus_texts=CORPUS)
    budget, unans, multi = run.cases
    assert budget.error == "llama.cpp server timed out after 60 s" and budget.passed is False
    assert unans.passed is True  # later cases still ran
    # The follow-up depends on the failed turn, so it is not asked.
    assert [q for q, _ in answerer.calls] == ["Wie hoch ist der Haushalt?", "Who hosts 2027?", "Wer ist beigetreten?"]
    assert multi.turns[1].error == SKIPPED and multi.passed is False
    s = run.summary
    assert s["accuracy"] == pytest.approx(1 / 4)  # only the refusal was right
    assert s["hit@5"] == 0.0 and s["citation_recall"] == 0.0
    assert s["latency_ms"]["total"]["p50"] == 120.0  # failed turns have no timings
    data = run.to_dict()
    assert data["cases"][0]["error"] == "llama.cpp server timed out after 60 s"
    assert data["cases"][0]["turns"][0]["answer"] is None


def test_other_exceptions_are_bugs_and_propagate() -> None:
    script = _good_script()
    script["Wie hoch ist der Haushalt?"] = KeyError("bug")
    with pytest.raises(KeyError):
        run_eval(load_cases(_evalcases(), CORPUS), ScriptedAnswerer(script), corpus_texts=CORPUS)


def test_wrong_answers_fail_cases() -> None:
    script = _good_script()
    script["Wie hoch ist der Haushalt?"] = _answer("", "It is 142 billion.", language="en")
    script["Who hosts 2027?"] = _answer("", "Ankara hosts it.", language="en")
    run = run_eval(load_cases(_evalcases(), CORPUS), ScriptedAnswerer(script), corpus_texts=CORPUS)
    assert [c.passed for c in run.cases] == [False, False, True]
    s = run.summary
    assert s["refusal_rate"] == 0.0
    assert s["by_lang"]["de"]["language_match"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["by_type"]["answerable"]["hit@5"] == pytest.approx(2 / 3, abs=1e-4)


def test_run_accepts_raw_eval_cases_and_a_limit() -> None:
    answerer = ScriptedAnswerer(_good_script())
    run = run_eval(_evalcases(), answerer, corpus_texts=CORPUS, limit=1)
    assert [c.case.id for c in run.cases] == ["de-budget"]
    assert run.summary["hit@1"] == 1.0


def test_retrieval_only_run() -> None:
    asked: list[tuple[str, int]] = []

    def retrieve(question: str, k: int) -> list[Hit]:
        asked.append((question, k))
        if question.startswith("Wie hoch"):
            return [_hit(None), _hit(BUDGET)]
        if question.startswith("Und"):
            raise AssistantError("index is stale")
        return [_hit(ICELAND)]

    run = run_eval(load_cases(_evalcases(), CORPUS), None, retrieve=retrieve, retrieval_only=True, k=7)
    assert {k for _, k in asked} == {7}
    s = run.summary
    assert s["hit@1"] == pytest.approx(1 / 3, abs=1e-4)  # ranks 2, 1, error
    assert s["mrr@10"] == pytest.approx(0.5)
    assert s["accuracy"] is None and s["refusal_rate"] is None and s["language_match"] is None
    assert s["latency_ms"]["first_token"]["p50"] is None and s["latency_ms"]["total"]["p50"] is not None
    assert [c.passed for c in run.cases] == [True, None, False]
    assert run.config["retrieval_only"] is True and run.config["backend"] is None


def test_run_needs_an_answerer_or_a_retriever() -> None:
    with pytest.raises(ValueError, match="answerer"):
        run_eval([], None)
    with pytest.raises(ValueError, match="retrieve"):
        run_eval([], None, retrieval_only=True)


def test_to_json_writes_results_shape(tmp_path: Path) -> None:
    run = run_eval(load_cases(_evalcases(), CORPUS), ScriptedAnswerer(_good_script()), corpus_texts=CORPUS)
    path = tmp_path / "out" / "results.json"
    text = run.to_json(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == json.loads(text)
    assert set(data) == {"config", "summary", "cases"}
    case = data["cases"][2]
    assert case["id"] == "de-multi" and case["questions"] == ["Wer ist beigetreten?", "Und wer noch?"]
    assert case["passed"] is True and case["error"] is None
    turn = case["turns"][1]
    assert turn["gold_quotes"] == ["Schweden auch."]
    assert turn["citations"][0]["quote"] == "Schweden auch."
    assert turn["passages"][0]["section"] == "Intro" and "text" not in turn["passages"][0]
    assert turn["metrics"]["accuracy"] == 1.0 and turn["timings_ms"]["total"] == 120.0


# -- fail_under -----------------------------------------------------------------------
def _summary() -> dict[str, object]:
    script = _good_script()
    script["Wie hoch ist der Haushalt?"] = _answer("", "Keine Ahnung.", total=900.0)
    return run_eval(load_cases(_evalcases(), CORPUS), ScriptedAnswerer(script), corpus_texts=CORPUS).summary


def test_fail_under_passes_and_fails() -> None:
    s = _summary()  # accuracy 3/4
    assert fail_under(s, ["accuracy=0.75", "hit@5=0.5", "by_lang.en.refusal_rate=1"]) == []
    failures = fail_under(s, ["accuracy=0.8", "by_lang.de.accuracy=0.9"])
    assert failures == [
        "accuracy = 0.75, below the required 0.8",
        "by_lang.de.accuracy = 0.6667, below the required 0.9",
    ]


def test_fail_under_treats_latency_and_false_refusals_as_ceilings() -> None:
    s = _summary()
    assert fail_under(s, ["latency_ms.total.p50=200", "false_refusal_rate=0"]) == []
    assert fail_under(s, ["latency_ms.total.p95=500"]) == ["latency_ms.total.p95 = 783, above the allowed maximum 500"]


def test_fail_under_null_metric_is_a_failure() -> None:
    (msg,) = fail_under(_summary(), ["exact_match=0.5"])
    assert "exact_match is null" in msg and "not measured" in msg


def test_fail_under_rejects_unknown_names_and_bad_specs() -> None:
    s = _summary()
    with pytest.raises(ValueError, match=r"unknown metric 'acuracy'.*accuracy, exact_match") as err:
        fail_under(s, ["acuracy=0.8"])
    assert "by_lang.<de|en>." in str(err.value)
    with pytest.raises(ValueError, match="unknown metric"):
        fail_under(s, ["by_lang.fr.accuracy=0.8"])
    with pytest.raises(ValueError, match="METRIC=VALUE"):
        fail_under(s, ["accuracy"])
    with pytest.raises(ValueError, match="not a number"):
        fail_under(s, ["accuracy=high"])


def test_case_type_can_be_built_directly_for_squad() -> None:
    """squad.py builds scoring cases itself: gold_source marks the paragraph."""
    gold = GoldTurn("Wie viele Punkte?", accept=("308",))
    case = Case("sq-1", "de", True, (gold,), gold_source="xquad/p7", squad=True)
    reply = Answer("", "308", "de", False, (), (Hit(Chunk("p7", "d", "xquad/p7", "", 0, 50, "", ""), 1.0),),
                   "fake", "scripted")  # fmt: skip
    run = run_eval([case], ScriptedAnswerer({"Wie viele Punkte?": reply}))
    s = run.summary
    assert (s["hit@1"], s["exact_match"], s["f1"], s["accuracy"]) == (1.0, 1.0, 1.0, 1.0)
    assert s["citation_precision"] is None  # no citations at all
