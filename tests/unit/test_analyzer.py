"""The German analyzer: the variants a user may type must meet the source's tokens."""

from __future__ import annotations

import pytest

from assistant.text.analyzer import STOP_WORDS, fold, tokenize


def _one(text: str) -> str:
    tokens = tokenize(text)
    assert len(tokens) == 1, tokens
    return tokens[0]


def test_fold_umlauts_and_sharp_s() -> None:
    assert fold("Stärke Größe Übung") == "starke grosse ubung"
    assert fold("STRASSE Straße") == "strasse strasse"


def test_fold_transliterated_umlauts() -> None:
    assert fold("Suedkorea") == fold("Südkorea") == "sudkorea"
    assert fold("Groesse") == fold("Größe")
    assert fold("Europaeer") == fold("Europäer")


@pytest.mark.parametrize("word", ["Quelle", "Mauer", "neue", "Feuer", "sauer", "Bauern"])
def test_fold_keeps_ue_after_vowel_or_q(word: str) -> None:
    assert fold(word) == word.lower()


def test_fold_strips_other_diacritics() -> None:
    assert fold("Erdoğan Café") == "erdogan cafe"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Stärke", "Starke"),
        ("Größe", "Groesse"),
        ("Südkorea", "Suedkorea"),
        ("Verteidigungsausgaben", "Verteidigungsausgabe"),
        ("Drohnen", "Drohne"),
    ],
)
def test_variants_share_a_token(a: str, b: str) -> None:
    assert _one(a) == _one(b)


def test_distinct_words_stay_distinct() -> None:
    assert _one("neuen") != _one("neun")
    assert _one("sauer") != _one("Säuren")


def test_stop_words_removed() -> None:
    assert tokenize("der die das und in zu den ist von mit für auf") == []
    assert tokenize("Wer hat das gesagt?") == [_one("gesagt")]
    assert tokenize("What is the budget of the") == [_one("budget")]
    assert {"und", "fur", "uber", "the", "what"} <= STOP_WORDS


def test_us_is_not_an_english_stop_word() -> None:
    assert "us" in tokenize("US-Dollar")


def test_numbers() -> None:
    assert tokenize("124 Milliarden") == ["124", _one("Milliarden")]
    assert tokenize("3,5 Prozent")[0] == "3.5"
    assert tokenize("3.5 percent")[0] == "3.5"
    assert "2026" in tokenize("im Jahr 2026.")
    assert tokenize("1.000 Soldaten")[:2] == ["1.000", "1000"]
    assert {"8.7.2026", "2026"} <= set(tokenize("8.7.2026"))


def test_number_in_hyphenated_word() -> None:
    assert {"3.5", "3.5prozent", _one("Prozent"), _one("Ziel")} <= set(tokenize("3,5-Prozent-Ziel"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PAC-3", {"pac", "3", "pac3"}),
        ("PAC-3-Flugabwehrraketen", {"pac", "3", "pac3"}),
        ("P-8A", {"8a", "p8a"}),
        ("MQ-4C", {"mq", "4c", "mq4c"}),
        ("AIM-120C-8-AMRAAM-Raketen", {"aim", "120c", "amraam", "aim120c", "aim120c8amraam"}),
    ],
)
def test_codes_whole_and_by_parts(text: str, expected: set[str]) -> None:
    assert expected <= set(tokenize(text))


def test_code_written_without_hyphen_meets_hyphenated() -> None:
    assert "p8a" in tokenize("P8A")
    assert "p8a" in tokenize("Typ P-8A")
    assert "pac3" in tokenize("PAC3")


def test_hyphenated_compound_meets_closed_compound() -> None:
    assert _one("Nordatlantik") in tokenize("Nord-Atlantik")


def test_empty_and_punctuation() -> None:
    assert tokenize("") == []
    assert tokenize(" –, ?! ") == []
