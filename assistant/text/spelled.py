"""Spelled-out numbers as digits, in any pack language, by text2num rather than a word list.

"fünfzehn Drohnen", "viertausendfünfhundert Franken" and "forty nautical
miles" are counts, sums and distances as much as "15", "4.500" and "40";
a hand list of number words (two to twelve, and the 32 and 80 of one
document) misses all three. text2num parses every number word of German
and English, compounds included.

"ein"/"one" are left as words: in German the article and the numeral are
one word, and "ein Abkommen" is no count. Magnitude words after a digit
stay words too ("3,5 Millionen" is a sum, not "3,5 1000000").
"""

from __future__ import annotations

import re
from functools import cache

from assistant.text.pack import pack

# Isolated number words are converted when above this value: two and up, not one ("ein", "one").
_THRESHOLD = 1.5


@cache
def _magnitude_words(code: str, anywhere: bool) -> re.Pattern[str] | None:
    """A pack's magnitude words (after a digit, or ``anywhere``), compiled once: ``digits`` runs on every
    sentence checked."""
    magnitudes = pack(code).magnitudes
    if not magnitudes:
        return None
    words = "|".join(sorted((re.escape(m) for m in magnitudes), key=len, reverse=True))
    before = r"(?<!\w)(\s*)" if anywhere else r"(?<=\d)(\s+)"
    return re.compile(before + rf"({words})\b", re.IGNORECASE)


def digits(text: str, language: str, *, magnitudes_as_words: bool = False) -> str:
    """``text`` with spelled numbers of ``language`` written as digits.

    ``magnitudes_as_words`` keeps every magnitude word a word ("eine
    Milliarde", not "eine 1000000000"), for the folding that maps "billion"
    and "Milliarde" to one word: English and German billions differ by 1000.
    """
    from text_to_num import alpha2digit

    code = pack(language).code
    after_digit = _magnitude_words(code, magnitudes_as_words)
    kept: list[str] = []
    if after_digit is not None:
        # Keep "Millionen" in "3,5 Millionen" a word: text2num would make it a number of its own.

        def hide(m: re.Match[str]) -> str:
            kept.append(m[2])
            return f"{m[1]}qqmag{len(kept) - 1}qq"

        text = after_digit.sub(hide, text)
    try:
        out = alpha2digit(text, code, threshold=_THRESHOLD)
    except (ValueError, RuntimeError):  # a language text2num does not know: leave the words
        out = text
    return re.sub(r"qqmag(\d+)qq", lambda m: kept[int(m[1])], out)


def spelled_numbers(text: str, language: str) -> set[str]:
    """The numbers ``text`` writes out in words, as digit strings ("fünfzehn" -> "15")."""
    before = set(re.findall(r"\d+(?:[.,]\d+)*", text))
    return {n for n in re.findall(r"\d+(?:[.,]\d+)*", digits(text, language)) if n not in before}
