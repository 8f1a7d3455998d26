"""Month names come from Babel, and every date comparison reads them from there."""

from __future__ import annotations

from assistant.text.fold import normalize
from assistant.text.months import month_names
from assistant.text.numbers import fold_numbers


def test_month_names_are_folded_and_in_calendar_order() -> None:
    assert month_names("de")[2] == "marz"
    assert month_names("en")[0] == "january" and len(month_names("en")) == 12
    assert month_names("de", "abbreviated")[8].startswith("sep")


def test_numeric_english_and_german_dates_fold_alike() -> None:
    assert fold_numbers("8.3.2026") == fold_numbers("2026-03-08") == " 8 marz 2026 "
    assert normalize("March 8, 2026") == normalize("8. März 2026") == "8 marz 2026"
    assert normalize("in September") == "in september"


def test_number_words_beyond_twelve_fold_to_digits() -> None:
    # The hand list stopped at twelve (plus one document's 32 and 80); text2num knows them all.
    assert normalize("fünfzehn Drohnen") == "15 drohnen"
    assert normalize("forty nautical miles") == "40 nautical miles"
    assert normalize("eine Milliarde") == normalize("one billion")  # a magnitude stays a word
