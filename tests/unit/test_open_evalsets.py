"""The shipped open-question sets (summit, XQuAD articles) are consistent with their documents, and their
points score the way the eval README says."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from assistant.evaluation.evalset import EvalCase, load_evalset
from assistant.evaluation.general import xquad_corpus
from assistant.evaluation.normalize import contains_normalized
from assistant.evaluation.points import answer_points, key_point_recall, supported_points
from assistant.types import Citation

ROOT = Path(__file__).resolve().parents[2]
XQUAD = ROOT.parent / "shared" / "data" / "xquad"
SUMMIT = "corpus/nato-gipfel-2026-ankara.txt"


def _summit() -> tuple[list[EvalCase], dict[str, str]]:
    texts = {SUMMIT: (ROOT / SUMMIT).read_text(encoding="utf-8")}
    cases, issues = load_evalset(ROOT / "evals" / "summit-open.jsonl", texts)
    assert [str(i) for i in issues] == []
    return cases, texts


def _xquad() -> tuple[list[EvalCase], dict[str, str]]:
    if not XQUAD.exists():
        pytest.skip("../shared/data/xquad is not beside this checkout")
    texts = {d.source: d.text for d in xquad_corpus(XQUAD, 1).documents}
    cases, issues = load_evalset(ROOT / "evals" / "xquad-open.jsonl", texts)
    assert [str(i) for i in issues] == []
    return cases, texts


@pytest.mark.parametrize("which", [_summit, _xquad], ids=["summit", "xquad"])
def test_open_sets_are_grounded(which: object) -> None:
    cases, texts = which()  # type: ignore[operator]
    assert len(cases) >= 24
    forms = collections.Counter(c.form for c in cases)
    assert set(forms) == {"summary", "list", "comparison", "explanation", "multi"}, forms
    assert {c.lang for c in cases} == {"de", "en"}
    for c in cases:
        text = texts[c.source or ""]
        if not c.answerable:
            assert not c.points
            continue
        assert 2 <= len(c.points) <= 7, c.id
        for group in c.points:  # each key point is said in the document itself, in some accepted form
            assert any(alt.lower() in text.lower() for alt in group), (c.id, group)
        assert key_point_recall(c.reference, c.points) == 1.0, c.id  # the reference names every point


def test_shipped_open_cases_number_at_least_forty() -> None:
    assert len(_summit()[0]) + (len(_xquad()[0]) if XQUAD.exists() else 24) >= 40


def test_key_point_recall_and_point_precision() -> None:
    points = (("Lockheed Martin",), ("Raytheon",), ("Northrop Grumman", "Northrop-Grumman"))
    answer = "- Lockheed Martin baut Raketen [1].\n- Northrop-Grumman liefert 5 Drohnen [2]."
    assert key_point_recall(answer, points) == pytest.approx(2 / 3)
    assert answer_points(answer) == ["Lockheed Martin baut Raketen [1].", "Northrop-Grumman liefert 5 Drohnen [2]."]
    cites = [
        Citation(1, "a", "s", "", 0, 1, "Die Kooperation mit Lockheed Martin stärkt die Basis."),
        Citation(2, "b", "s", "", 0, 1, "Drohnen vom Typ Northrop-Grumman MQ-4C Triton."),  # no "5"
    ]
    assert supported_points(answer, cites) == (2, 1)
    assert supported_points("- Lockheed Martin baut Raketen.", cites) == (1, 0)  # cites nothing
    assert contains_normalized(answer, "Northrop Grumman")
