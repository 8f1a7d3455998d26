"""The shipped eval set must be internally consistent with the corpus.

A wrong gold case silently lowers every score, so the file is checked the
way a reviewer would: quotes verbatim, every accept string traceable to the
reference or the quoted text, enough coverage of each case kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.evalset import EvalCase, Turn, load_evalset
from assistant.evaluation.normalize import contains_normalized, matches

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "corpus/nato-gipfel-2026-ankara.txt"
CORPUS_TEXT = (ROOT / SOURCE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cases() -> list[EvalCase]:
    loaded, issues = load_evalset(ROOT / "evals" / "summit.jsonl", {SOURCE: CORPUS_TEXT})
    assert [str(i) for i in issues] == []
    return loaded


def _answer_strings(turn: Turn) -> list[str]:
    return [*turn.accept, *(s for group in turn.accept_all for s in group)]


def test_size_and_mix(cases: list[EvalCase]) -> None:
    assert len(cases) >= 80
    assert sum(not c.answerable for c in cases) >= 15
    assert sum(c.is_multi_turn for c in cases) >= 6
    assert {c.lang for c in cases} == {"de", "en"}
    de = sum(c.lang == "de" for c in cases)
    assert 0.35 <= de / len(cases) <= 0.65


def test_every_case_names_the_corpus(cases: list[EvalCase]) -> None:
    assert {c.source for c in cases} == {SOURCE}


def test_every_gold_quote_is_verbatim_and_within_one_paragraph(cases: list[EvalCase]) -> None:
    for case in cases:
        for turn in case.as_turns():
            for quote in turn.gold_quotes:
                assert quote in CORPUS_TEXT, (case.id, quote)
                assert "\n" not in quote, (case.id, quote)


def test_answerable_single_turn_cases_are_scorable(cases: list[EvalCase]) -> None:
    for case in cases:
        if case.answerable and not case.turns:
            assert case.gold_quotes, case.id
            assert case.accept or case.accept_all, case.id
            assert case.reference, case.id


def test_every_turn_of_a_conversation_is_scorable(cases: list[EvalCase]) -> None:
    for case in cases:
        if case.turns:
            assert 2 <= len(case.turns) <= 3, case.id
            first = case.turns[0]
            assert (case.accept, case.accept_all, case.gold_quotes) == (
                first.accept,
                first.accept_all,
                first.gold_quotes,
            ), case.id
            for turn in case.turns:
                assert turn.gold_quotes and (turn.accept or turn.accept_all), (case.id, turn.question)


def test_unanswerable_cases_carry_no_answer(cases: list[EvalCase]) -> None:
    for case in cases:
        if not case.answerable:
            assert not case.turns, case.id
            assert not (case.accept or case.accept_all or case.gold_quotes), case.id
            assert case.reference, case.id


def test_accept_strings_are_backed_by_reference_or_quotes(cases: list[EvalCase]) -> None:
    """Catches typos such as "124 Millarden" that could never match."""
    for case in cases:
        if not case.answerable:
            continue
        for n, turn in enumerate(case.as_turns()):
            reference = turn.reference or (case.reference if n == 0 else "")
            backing = [reference, " ".join(turn.gold_quotes)]
            for accept in _answer_strings(turn):
                assert any(contains_normalized(text, accept) for text in backing), (case.id, n, accept)


def test_references_pass_their_own_case(cases: list[EvalCase]) -> None:
    """A reference answer that fails its own accept rules means the rules are wrong."""
    for case in cases:
        if not case.answerable:
            continue
        for n, turn in enumerate(case.as_turns()):
            reference = turn.reference or (case.reference if n == 0 else "")
            assert matches(reference, turn.accept, turn.accept_all), (case.id, n)
