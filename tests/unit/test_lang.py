"""Language detection: measured on XQuAD questions, plus the cases users type."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.answer.lang import detect_language

_REPO = Path(__file__).resolve().parents[2]
_XQUAD_DIRS = [_REPO / "shared" / "data" / "xquad", _REPO.parent / "shared" / "data" / "xquad"]
_MIN_ACCURACY = 0.97


def _xquad_dir() -> Path | None:
    return next((d for d in _XQUAD_DIRS if d.is_dir()), None)


def _questions(lang: str) -> list[str]:
    directory = _xquad_dir()
    if directory is None:
        pytest.skip("XQuAD data not available (expected shared/data/xquad)")
    data = json.loads((directory / f"xquad.{lang}.dev.json").read_text("utf-8"))
    return [
        qa["question"] for article in data["data"] for paragraph in article["paragraphs"] for qa in paragraph["qas"]
    ]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_xquad_accuracy(lang: str) -> None:
    questions = _questions(lang)
    assert len(questions) > 500
    wrong = [q for q in questions if detect_language(q) != lang]
    accuracy = 1 - len(wrong) / len(questions)
    print(f"xquad {lang}: accuracy {accuracy:.4f} on {len(questions)} questions")
    assert accuracy >= _MIN_ACCURACY, wrong[:20]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_xquad_lowercase_without_umlauts(lang: str) -> None:
    """Users type fast: no capitals, "ae" for "ä", no question mark."""

    def degrade(q: str) -> str:
        for umlaut, digraph in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
            q = q.lower().replace(umlaut, digraph)
        return q.rstrip("?")

    questions = [degrade(q) for q in _questions(lang)]
    correct = sum(detect_language(q) == lang for q in questions)
    assert correct / len(questions) >= _MIN_ACCURACY


@pytest.mark.parametrize(
    "text",
    [
        "What about Sweden?",
        "Who is Pistorius?",
        "how much does germany spend on defence",
        "which role does germany play",
        "What's the 3.5% target?",
        "Was the summit in Ankara?",
        "Is Iceland part of it?",
        "Mark Rutte said what?",
        "how mch mony gets ukrain",
        "I don't get it",
        "Why Ankara?",
        "germanys defense budjet in 2026??",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "Und wer hat das gesagt?",
        "Wie hoch ist der Verteidigungshaushalt 2026?",
        "wieviel geld bekommt die ukraine",
        "wer ist pistorius",
        "Was ist PAC-3?",
        "Was?",
        "Warum Ankara?",
        "Ist Island dabei?",
        "Gibt's neue Drohnen?",
        "Welche Laender nahmen teil",
        "Wie heißt die Enkeltochter von Doctor Who?",
        "Gipfelerklärung",
    ],
)
def test_german(text: str) -> None:
    assert detect_language(text) == "de"


@pytest.mark.parametrize("text", ["NATO 2026?", "Sweden?", "P-8A", "", "   ", "???"])
def test_no_evidence_defaults_to_german(text: str) -> None:
    """Documented default: without any hint, answer in the corpus language."""
    assert detect_language(text) == "de"


def test_document_language_is_read_from_the_text() -> None:
    from assistant.answer.lang import document_language

    assert (
        document_language("Die Burg wurde im Jahr 1385 von den Grafen erbaut und ist seit dem Krieg eine Ruine.")
        == "de"
    )
    assert document_language("The castle was built in 1385 by the counts and has been a ruin since the war.") == "en"
    assert document_language("1385 – 1402", default="en") == "en"  # no words to go by
