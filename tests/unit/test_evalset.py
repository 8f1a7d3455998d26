"""Eval-set loader: one bad line is reported by number and never hides the rest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import EvalSetError
from assistant.evaluation.evalset import EvalCase, EvalIssue, Turn, case_to_dict, load_evalset

FIRST_TURN: dict[str, Any] = {
    "question": "Wie hoch ist der Haushalt?",
    "accept": ["124 Milliarden"],
    "gold_quotes": ["124 Milliarden Euro"],
}
CORPUS = {"corpus/a.txt": "Der Haushalt steigt auf 124 Milliarden Euro.\n\nIsland ist beigetreten."}


def _case(case_id: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": case_id,
        "question": "Wie hoch ist der Haushalt?",
        "lang": "de",
        "answerable": True,
        "reference": "124 Milliarden Euro.",
        "accept": ["124 Milliarden"],
        "accept_all": [],
        "gold_quotes": ["124 Milliarden Euro"],
        "source": "corpus/a.txt",
    }
    base.update(extra)
    return base


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def test_good_file_loads_all_fields(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(_case("a", accept_all=[["Euro", "EUR"]])))
    cases, issues = load_evalset(path, CORPUS)
    assert issues == []
    assert cases == [
        EvalCase(
            id="a",
            question="Wie hoch ist der Haushalt?",
            lang="de",
            answerable=True,
            reference="124 Milliarden Euro.",
            accept=("124 Milliarden",),
            accept_all=(("Euro", "EUR"),),
            gold_quotes=("124 Milliarden Euro",),
            source="corpus/a.txt",
            turns=(),
            line=1,
        )
    ]


def test_blank_and_comment_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = _write(tmp_path, "# header", "", _line(_case("a")), "{bad")
    cases, issues = load_evalset(path)
    assert [c.line for c in cases] == [3]
    assert [i.line for i in issues] == [4]


def test_bad_json_on_line_2_is_reported_and_neighbours_load(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(_case("a")), '{"id": "b", "question": ', _line(_case("c")))
    cases, issues = load_evalset(path, CORPUS)
    assert [c.id for c in cases] == ["a", "c"]
    assert [c.line for c in cases] == [1, 3]
    assert len(issues) == 1
    assert issues[0].line == 2
    assert "invalid JSON" in issues[0].message
    assert str(issues[0]).startswith("line 2: ")


@pytest.mark.parametrize("field", ["id", "question", "lang", "answerable"])
def test_missing_required_field(tmp_path: Path, field: str) -> None:
    broken = _case("b")
    del broken[field]
    path = _write(tmp_path, _line(_case("a")), _line(broken))
    cases, issues = load_evalset(path)
    assert [c.id for c in cases] == ["a"]
    assert issues == [EvalIssue(2, f"missing required field(s) {field}")]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"answerable": "yes"}, "answerable"),
        ({"accept": "124 Milliarden"}, "accept"),
        ({"accept_all": ["124"]}, "accept_all"),
        ({"accept_all": [[]]}, "accept_all"),
        ({"gold_quotes": [1]}, "gold_quotes"),
        ({"lang": "fr"}, "lang"),
        ({"question": "  "}, "question"),
        ({"id": 7}, "id"),
        ({"source": 3}, "source"),
        ({"accepts": ["x"]}, "unknown field"),
        ({"turns": [{"question": "nur eine"}]}, "turns"),
        ({"turns": "x"}, "turns"),
    ],
)
def test_wrong_types_and_values_are_issues(tmp_path: Path, extra: dict[str, Any], needle: str) -> None:
    path = _write(tmp_path, _line(_case("a", **extra)))
    cases, issues = load_evalset(path)
    assert cases == []
    assert len(issues) == 1
    assert issues[0].line == 1
    assert needle in issues[0].message


def test_non_object_line_is_an_issue(tmp_path: Path) -> None:
    cases, issues = load_evalset(_write(tmp_path, "[1, 2]"))
    assert cases == []
    assert "object" in issues[0].message


def test_quote_not_in_corpus_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(_case("a", gold_quotes=["125 Milliarden Euro"])), _line(_case("b")))
    cases, issues = load_evalset(path, CORPUS)
    assert [c.id for c in cases] == ["b"]
    assert issues[0].line == 1
    assert "not found verbatim" in issues[0].message


def test_quotes_are_not_checked_without_corpus(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(_case("a", gold_quotes=["125 Milliarden Euro"])))
    cases, issues = load_evalset(path)
    assert len(cases) == 1
    assert issues == []


def test_quote_without_source_may_come_from_any_corpus_text(tmp_path: Path) -> None:
    texts = {**CORPUS, "corpus/b.txt": "Ganz anderer Text."}
    case = _case("a", gold_quotes=["Ganz anderer Text"])
    del case["source"]
    cases, issues = load_evalset(_write(tmp_path, _line(case)), texts)
    assert issues == []
    assert cases[0].source is None


def test_unknown_source_is_reported(tmp_path: Path) -> None:
    cases, issues = load_evalset(_write(tmp_path, _line(_case("a", source="corpus/x.txt"))), CORPUS)
    assert cases == []
    assert "unknown source" in issues[0].message


def test_quote_in_a_turn_is_checked(tmp_path: Path) -> None:
    turns = [
        FIRST_TURN,
        {"question": "Wer ist beigetreten?", "accept": ["Island"], "gold_quotes": ["Grönland ist beigetreten."]},
    ]
    cases, issues = load_evalset(_write(tmp_path, _line(_case("a", turns=turns))), CORPUS)
    assert cases == []
    assert "Grönland" in issues[0].message


def test_duplicate_id_keeps_first_and_reports_second(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(_case("a")), _line(_case("b")), _line(_case("a", question="Andere Frage?")))
    cases, issues = load_evalset(path, CORPUS)
    assert [c.line for c in cases] == [1, 2]
    assert issues == [EvalIssue(3, "duplicate id 'a' (first on line 1)")]


def test_unanswerable_case_must_not_carry_answers(tmp_path: Path) -> None:
    path = _write(tmp_path, _line(_case("a", answerable=False)))
    cases, issues = load_evalset(path)
    assert cases == []
    assert "unanswerable" in issues[0].message


def test_multi_turn_case_loads_turns(tmp_path: Path) -> None:
    turns = [
        FIRST_TURN,
        {"question": "Und wer ist beigetreten?", "reference": "Island.", "accept_all": [["Island"]]},
    ]
    cases, issues = load_evalset(_write(tmp_path, _line(_case("a", turns=turns))), CORPUS)
    assert issues == []
    assert cases[0].turns[1] == Turn("Und wer ist beigetreten?", (), (("Island",),), (), "Island.")
    assert cases[0].as_turns() == cases[0].turns


def test_first_turn_must_repeat_top_level_question(tmp_path: Path) -> None:
    turns = [{"question": "Etwas anderes?"}, {"question": "Und dann?"}]
    cases, issues = load_evalset(_write(tmp_path, _line(_case("a", turns=turns))))
    assert cases == []
    assert "first turn" in issues[0].message


def test_single_turn_case_as_turns_wraps_itself(tmp_path: Path) -> None:
    cases, _ = load_evalset(_write(tmp_path, _line(_case("a"))))
    (only,) = cases[0].as_turns()
    assert only == Turn(
        "Wie hoch ist der Haushalt?", ("124 Milliarden",), (), ("124 Milliarden Euro",), "124 Milliarden Euro."
    )


def test_missing_file_raises_eval_set_error(tmp_path: Path) -> None:
    with pytest.raises(EvalSetError, match="not found"):
        load_evalset(tmp_path / "nope.jsonl")


def test_undecodable_file_raises_eval_set_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes('{"id": "ä"}'.encode("latin-1"))
    with pytest.raises(EvalSetError, match="cannot read"):
        load_evalset(path)


def test_case_to_dict_round_trips(tmp_path: Path) -> None:
    turns = [
        FIRST_TURN,
        {"question": "Und wer ist beigetreten?", "reference": "Island.", "accept_all": [["Island"]]},
    ]
    path = _write(tmp_path, _line(_case("a")), _line(_case("b", turns=turns)))
    cases, _ = load_evalset(path, CORPUS)
    again = _write(tmp_path, *(_line(case_to_dict(c)) for c in cases))
    reloaded, issues = load_evalset(again, CORPUS)
    assert issues == []
    assert reloaded == cases
    assert "line" not in case_to_dict(cases[0])
    assert "turns" not in case_to_dict(cases[0])
