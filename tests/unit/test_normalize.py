"""Answer normalisation: equivalent surface forms must score the same."""

from __future__ import annotations

import pytest

from assistant.evaluation.normalize import matches, normalize, squad_exact_match, squad_f1


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("124 Mrd.", "124 Milliarden"),
        ("124 Mrd", "124 Milliarden"),
        ("124 billion", "124 Milliarden"),
        ("124bn", "124 Milliarden"),
        ("eine Milliarde", "one billion"),
        ("5 Mio.", "5 Millionen"),
        ("3 million", "3 Millionen"),
        ("3,5", "3.5"),
        ("3,50", "3.5"),
        ("1.000", "1000"),
        ("1,000", "1000"),
        ("1.000,5", "1,000.5"),
        ("Südkorea", "Suedkorea"),
        ("Südkorea", "Sudkorea"),
        ("Straße", "Strasse"),
        ("STRASSE", "straße"),
        ("3,5 %", "3.5 percent"),
        ("3,5%", "3,5 Prozent"),
        ("50 US-Dollar", "50 USD"),
        ("50 dollars", "50 Dollar"),
        ("€ 70", "EUR 70"),
        ("fünf", "5"),
        ("five", "5"),
        ("8.7.2026", "8 July 2026"),
        ("08.07.2026", "July 8, 2026"),
        ("2026-07-08", "8. Juli 2026"),
        ("P8A", "P-8A"),
        ("defense", "defence"),
        ("„Deutschland führt“", '"Deutschland führt"'),
        ("Nord – Atlantik", "Nord-Atlantik"),
        ("  viel \t  Platz\n", "viel Platz"),
    ],
)
def test_equivalent_forms_normalize_equal(left: str, right: str) -> None:
    assert normalize(left) == normalize(right)


def test_normalize_output_is_plain_lowercase_tokens() -> None:
    assert normalize("Die „NATO“ – 124 Mrd. €!") == "die nato 124 milliarden euro"


def test_decimal_point_survives_but_sentence_dots_do_not() -> None:
    assert normalize("Das Ziel: 3,5 Prozent.") == "das ziel 3.5 prozent"


def test_different_numbers_stay_different() -> None:
    assert normalize("124 Milliarden") != normalize("12,4 Milliarden")
    assert normalize("3,5") != normalize("35")


def test_matches_any_accept_string() -> None:
    assert matches("Der Haushalt steigt auf 124 Mrd. Euro.", ["124 Milliarden"], [])
    assert matches("It rises to €124bn.", ["124 Milliarden"], [])
    assert not matches("Der Haushalt steigt auf 12 Mrd. Euro.", ["124 Milliarden"], [])


def test_matches_on_token_boundaries_only() -> None:
    assert not matches("im Jahr 2032", ["32"], [])
    assert not matches("Islandpferde", ["Island"], [])
    assert matches("32 Staaten", ["32"], [])


def test_matches_requires_every_accept_all_group() -> None:
    groups = [["Australien", "Australia"], ["Japan"], ["Südkorea", "South Korea"], ["Neuseeland", "New Zealand"]]
    assert matches("Australia, Japan, South Korea and New Zealand", [], groups)
    assert matches("Australien, Japan, Suedkorea, Neuseeland", [], groups)
    assert not matches("Australien, Japan und Neuseeland", [], groups)


def test_matches_needs_accept_and_groups_together() -> None:
    assert matches("mindestens 70 Mrd.", ["70 Milliarden"], [["mindestens"]])
    assert not matches("70 Mrd.", ["70 Milliarden"], [["mindestens"]])
    assert not matches("mindestens gleich viel", ["70 Milliarden"], [["mindestens"]])


def test_matches_with_nothing_to_match_is_false() -> None:
    assert not matches("anything", [], [])


def test_matches_ignores_accept_strings_that_normalize_to_nothing() -> None:
    assert not matches("Ankara", ["–"], [])


def test_squad_exact_match_follows_official_normalisation() -> None:
    assert squad_exact_match("The Ankara.", ["ankara"]) == 1.0
    assert squad_exact_match("der Gipfel", ["Gipfel"]) == 1.0
    assert squad_exact_match("„Ankara“", ["Ankara"]) == 1.0
    assert squad_exact_match("Istanbul", ["Ankara", "Türkei"]) == 0.0
    assert squad_exact_match("Ankara", []) == 0.0


def test_squad_f1_is_token_overlap_max_over_golds() -> None:
    assert squad_f1("Ankara", ["Ankara"]) == 1.0
    assert squad_f1("the summit in Ankara", ["Ankara"]) == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))
    assert squad_f1("Mark Rutte", ["Rutte", "Mark Rutte"]) == 1.0
    assert squad_f1("nothing", ["Ankara"]) == 0.0
    assert squad_f1("", ["Ankara"]) == 0.0
