"""Lossy folding of answer text, so that equivalent German/English forms compare equal.

Hand-written gold answers, passages and model answers disagree on surface
form far more often than on facts: "124 Mrd." vs "124 Milliarden",
"Südkorea" vs "Suedkorea", "3,5 %" vs "3.5 percent", a German answer to an
English question. The answer checks (is the question's year in the
evidence? is this name in the passage?) and the eval scoring both compare
facts, so both go through the same folding. It is deliberately aggressive
(it may merge words that differ), because it only ever decides whether a
short string occurs in a text; it is never shown to anyone.

This is not the BM25 analyzer (:mod:`assistant.text.analyzer`): that one
must keep "neuen" and "neun" apart and stems words; this one maps words to
concepts ("billion" -> "milliarden", "five" -> "5").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from assistant.text.months import month_names
from assistant.text.numbers import fold_numbers
from assistant.text.spelled import digits

# One spelling per concept, chosen after case and umlaut folding.  The
# German word wins where English and German differ only in language.
_TOKEN_MAP: dict[str, str] = {
    # magnitudes: an English billion is a German Milliarde
    "mrd": "milliarden", "milliarde": "milliarden", "billion": "milliarden",
    "billions": "milliarden", "bn": "milliarden", "bln": "milliarden",
    "mio": "millionen", "million": "millionen", "millions": "millionen",
    "mn": "millionen", "tsd": "tausend", "thousand": "tausend",
    # units
    "percent": "prozent", "pct": "prozent",
    "eur": "euro", "euros": "euro",
    "usd": "dollar", "dollars": "dollar",
    # British vs American spelling
    "defense": "defence",
}  # fmt: skip
_ONE_WORDS = frozenset({"a", "an", "one", "ein", "eine", "einer", "eins"})
_MAGNITUDES = frozenset({"milliarden", "millionen", "tausend"})

_SPELLED = ("de", "en")
_SYMBOLS = {"%": " prozent ", "€": " euro ", "$": " dollar "}
_LOOSE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_NOT_WORD = re.compile(r"[^\w.]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_DIGRAPHS = re.compile(r"(?<=[aou])(?<![ae]u)e")  # "Suedkorea", but not "neue" or "Frauen"
_IZE = re.compile(r"iz(e|ed|es|ing|ation)\b")
_PER_CENT = re.compile(r"\bper cent\b")


@cache
def _date_orders() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """ "july 8 2026" and "8 of july", compiled once the month names are known (Babel loads lazily)."""
    months = "|".join(month_names("de"))
    return (
        re.compile(rf"\b({months}) (\d{{1,2}}) (\d{{4}})\b"),
        re.compile(rf"\b(\d{{1,2}}) of ({months})\b"),
    )


@cache
def _english_months() -> dict[str, str]:
    """English month names to the German ones numeric dates are written with ("march" -> "marz")."""
    return {en: de for en, de in zip(month_names("en"), month_names("de"), strict=True) if en != de}


def _fold_letters(text: str) -> str:
    """Why: users type "Suedkorea", "Südkorea" and "Sudkorea" alike."""
    text = text.casefold()  # also turns ß into ss
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _DIGRAPHS.sub("", stripped)


def _map_tokens(tokens: list[str]) -> list[str]:
    """Why: "Mrd.", "bn" and "billion" must compare equal to "Milliarden"."""
    months = _english_months()
    mapped = [_TOKEN_MAP.get(t) or months.get(t, t) for t in tokens]
    out: list[str] = []
    for i, tok in enumerate(mapped):
        nxt = mapped[i + 1] if i + 1 < len(mapped) else ""
        if tok == "us" and nxt == "dollar":
            continue  # "US-Dollar" is just "dollar"
        if tok in _ONE_WORDS and nxt in _MAGNITUDES:
            tok = "1"  # "eine Milliarde" == "one billion" == "1 Mrd."
        out.append(tok)
    return out


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Fold ``text`` so that equivalent German/English answer forms compare equal.

    Why: comparing by substring would otherwise depend on spelling, number
    format, umlaut transliteration and quote style rather than on facts.
    Cached: the checks fold the same passages and sentences again for every
    claim of every answer, and each fold runs text2num twice.
    """
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    for language in _SPELLED:  # "fünf", "five" and "5" agree; text2num knows every number word, not a list
        text = digits(text, language, magnitudes_as_words=True)
    text = fold_numbers(_fold_letters(text))
    text = _LOOSE_DOT.sub(" ", text)
    text = _NOT_WORD.sub(" ", text).replace("_", " ")
    text = _LETTER_DIGIT.sub(" ", text)
    text = _IZE.sub(r"is\1", _PER_CENT.sub("prozent", text))
    text = " ".join(_map_tokens(text.split()))
    month_day_year, day_of_month = _date_orders()
    text = month_day_year.sub(r"\2 \1 \3", text)
    return day_of_month.sub(r"\1 \2", text)
