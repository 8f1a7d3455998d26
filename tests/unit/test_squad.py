"""Loading SQuAD v1.1 files (XQuAD) as paragraphs and questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from assistant.errors import EvalSetError
from assistant.evaluation.squad import SquadQuestion, load_squad


def _squad(questions: dict[str, str]) -> dict[str, Any]:
    """Two articles, three paragraphs; question texts keyed by id."""

    def qa(qid: str, answer: str) -> dict[str, Any]:
        return {"id": qid, "question": questions[qid], "answers": [{"answer_start": 0, "text": answer}] * 2}

    return {
        "version": "1.1",
        "data": [
            {
                "title": "Super_Bowl_50",
                "paragraphs": [
                    {"context": "Die Broncos gewannen den Super Bowl 50.", "qas": [qa("q1", "Broncos")]},
                    {
                        "context": "Das Spiel fand in Santa Clara statt.",
                        "qas": [qa("q2", "Santa Clara"), qa("q3", "Spiel")],
                    },
                ],
            },
            {
                "title": "Oxygen",
                "paragraphs": [{"context": "Sauerstoff hat die Ordnungszahl 8.", "qas": [qa("q4", "8")]}],
            },
        ],
    }


GERMAN = {
    "q1": "Wer gewann den Super Bowl 50?",
    "q2": "Wo fand das Spiel statt?",
    "q3": "Was fand statt?",
    "q4": "Welche Ordnungszahl?",
}
ENGLISH = {"q1": "Who won Super Bowl 50?", "q2": "Where was the game played?", "q4": "What atomic number?"}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    de = tmp_path / "xquad.de.dev.json"
    de.write_text(json.dumps(_squad(GERMAN), ensure_ascii=False), encoding="utf-8")
    en_data = _squad({**ENGLISH, "q3": "unused"})
    # q3 is missing from the parallel file.
    en_data["data"][0]["paragraphs"][1]["qas"] = en_data["data"][0]["paragraphs"][1]["qas"][:1]
    en = tmp_path / "xquad.en.dev.json"
    en.write_text(json.dumps(en_data), encoding="utf-8")
    return de, en


def test_paragraphs_become_documents(files: tuple[Path, Path]) -> None:
    de, _ = files
    got = load_squad(de, "de")
    assert [d.source for d in got.documents] == [
        "xquad.de.dev.json#0/0",
        "xquad.de.dev.json#0/1",
        "xquad.de.dev.json#1/0",
    ]
    first = got.documents[0]
    assert first.text == "Die Broncos gewannen den Super Bowl 50."
    assert first.metadata == {"title": "Super Bowl 50", "language": "de"}
    assert len({d.doc_id for d in got.documents}) == 3


def test_questions_point_at_their_paragraph(files: tuple[Path, Path]) -> None:
    de, _ = files
    got = load_squad(de, "de")
    assert got.questions[1] == SquadQuestion(
        "q2", "Wo fand das Spiel statt?", ("Santa Clara",), "xquad.de.dev.json#0/1", "de"
    )
    assert [q.id for q in got.questions] == ["q1", "q2", "q3", "q4"]
    assert got.skipped == ()


def test_parallel_questions_keep_paragraphs_and_answers(files: tuple[Path, Path]) -> None:
    de, en = files
    got = load_squad(de, "de", questions_from=en)
    assert [q.question for q in got.questions] == [ENGLISH["q1"], ENGLISH["q2"], ENGLISH["q4"]]
    assert {q.lang for q in got.questions} == {"en"}  # read from the file name
    assert got.questions[1].answers == ("Santa Clara",)  # answers stay German spans
    assert got.questions[1].doc_source == "xquad.de.dev.json#0/1"
    assert got.skipped == ("q3",)
    assert got.documents[0].metadata["language"] == "de"


def test_questions_lang_can_be_given(files: tuple[Path, Path]) -> None:
    de, en = files
    got = load_squad(de, "de", en, questions_lang="xx")
    assert {q.lang for q in got.questions} == {"xx"}


def test_limit_keeps_whole_paragraphs(files: tuple[Path, Path]) -> None:
    de, _ = files
    got = load_squad(de, "de", limit=2)
    assert len(got.documents) == 2
    assert [q.id for q in got.questions] == ["q1", "q2", "q3"]
    assert load_squad(de, "de", limit=0).documents == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "no top-level 'data' list"),
        ('{"data": [{"paragraphs": []}]}', "'title'"),
        ('{"data": [{"title": "T", "paragraphs": [{"qas": []}]}]}', "'context'"),
        ('{"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [{"id": "1"}]}]}]}', "'question'"),
    ],
)
def test_malformed_files_raise(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalSetError, match=message) as err:
        load_squad(path, "de")
    assert "bad.json" in str(err.value)


def test_missing_and_undecodable_files_raise(tmp_path: Path, files: tuple[Path, Path]) -> None:
    with pytest.raises(EvalSetError, match="not found"):
        load_squad(tmp_path / "nope.json", "de")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(EvalSetError, match="cannot read"):
        load_squad(binary, "de")
    de, _ = files
    with pytest.raises(EvalSetError, match="not found"):
        load_squad(de, "de", questions_from=tmp_path / "missing.en.json")
