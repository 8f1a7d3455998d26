"""Language packs, places from Babel and spelled numbers from text2num, on more than one document's words."""

from __future__ import annotations

import pytest

from assistant.text.pack import available, pack
from assistant.text.places import is_country, places
from assistant.text.spelled import digits, spelled_numbers


def test_both_packs_load_with_every_answer_kind() -> None:
    assert {"de", "en"} <= set(available())
    for code in ("de", "en"):
        p = pack(code)
        assert p.refusal and p.yes and p.no
        assert {k for k, _ in p.kinds} == {"money", "percent", "count", "date", "country", "distance"}


def test_an_unknown_language_reads_with_the_english_pack() -> None:
    assert pack("fr").code == "en"


@pytest.mark.parametrize(
    ("code", "question", "kind"),
    [
        ("de", "Wie viel kostet der Eintritt in das Museum?", "money"),
        ("de", "Wie viele Drohnen bestellte die Armee?", "count"),
        ("de", "In welchem Jahr wurde die Universität gegründet?", "date"),
        ("de", "Für welche Länder gilt der Vertrag?", "country"),
        ("en", "How much does the ticket cost?", "money"),  # "does" must not be folded to "dos"
        ("en", "What percentage of the vote did the party win?", "percent"),
        ("en", "How far is the lighthouse from the coast?", "distance"),
        ("en", "Who founded the company?", None),
    ],
)
def test_answer_kinds(code: str, question: str, kind: str | None) -> None:
    assert pack(code).kind_of(question) == kind


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Machu Picchu liegt in Peru.", {"PE"}),
        ("Der dänische Amtskollege traf Vertreter aus Schweden.", {"DK", "SE"}),
        ("Sweden and Denmark met in the United States.", {"SE", "DK", "US"}),
        ("Die Gesandten der Vereinigten Staaten kamen an.", {"US"}),
        ("Turkey and Türkiye are one country.", {"TR"}),
        ("We sailed to an island and ate turkey.", set()),  # lower case names no country
        ("Island ist eine Insel im Nordatlantik.", {"IS"}),
    ],
)
def test_places_by_name_and_adjective_in_both_languages(text: str, codes: set[str]) -> None:
    assert places(text) == codes


def test_regions_are_places_but_not_countries() -> None:
    found = places("Europa und die Europäische Union")
    assert found == {"150", "EU"}
    assert not any(is_country(c) for c in found)


@pytest.mark.parametrize(
    ("text", "lang", "numbers"),
    [
        ("Die Armee bestellte fünfzehn Drohnen.", "de", {"15"}),
        ("Der Eintritt kostet viertausendfünfhundert Franken.", "de", {"4500"}),
        ("The radar reaches forty nautical miles.", "en", {"40"}),
        ("Es gab ein Abkommen.", "de", set()),  # the article is no count
        ("3,5 Millionen Euro", "de", set()),  # the magnitude after a digit stays a word
    ],
)
def test_spelled_numbers(text: str, lang: str, numbers: set[str]) -> None:
    assert spelled_numbers(text, lang) == numbers


def test_digits_keep_the_rest_of_the_text() -> None:
    assert digits("zwei Millionen Menschen", "de").endswith("Menschen")
