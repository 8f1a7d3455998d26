"""Answer normalisation for the eval runner.

Hand-written gold answers and model answers disagree on surface form far
more often than on facts: "124 Mrd." vs "124 Milliarden", "Südkorea" vs
"Suedkorea", "3,5 %" vs "3.5 percent", a German answer to an English
question.  Scoring must not punish a correct answer for that, so both sides
go through the same lossy folding before they are compared.  The folding is
deliberately aggressive (it may merge words that differ), because it only
ever decides whether a short accept string occurs in an answer; it is never
shown to anyone.

The SQuAD functions keep the official v1.1 normalisation instead, so that
their numbers stay comparable with published results.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

_MONTHS = (
    "januar", "februar", "marz", "april", "mai", "juni",
    "juli", "august", "september", "oktober", "november", "dezember",
)  # fmt: skip
_MONTH_ALT = "|".join(_MONTHS)

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
    # English months to German
    "january": "januar", "february": "februar", "march": "marz", "may": "mai",
    "june": "juni", "july": "juli", "october": "oktober", "december": "dezember",
    # small numbers, so "fünf", "five" and "5" agree
    "zwei": "2", "two": "2", "drei": "3", "three": "3", "vier": "4",
    "four": "4", "funf": "5", "five": "5", "sechs": "6", "six": "6",
    "sieben": "7", "seven": "7", "acht": "8", "eight": "8", "neun": "9",
    "nine": "9", "zehn": "10", "ten": "10", "elf": "11", "eleven": "11",
    "zwolf": "12", "twelve": "12", "achtzig": "80", "eighty": "80",
    "zweiunddreissig": "32",
    # British vs American spelling
    "defense": "defence",
}  # fmt: skip
_ONE_WORDS = frozenset({"a", "an", "one", "ein", "eine", "einer", "eins"})
_MAGNITUDES = frozenset({"milliarden", "millionen", "tausend"})

_SYMBOLS = {"%": " prozent ", "€": " euro ", "$": " dollar "}
_THOUSANDS = re.compile(r"(?<![\d.,])(\d{1,3})((?:[.,]\d{3})+)(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d])")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_TRAILING_ZEROS = re.compile(r"(?<![\d.])(\d+)\.(\d*?)0+(?![\d.])")
_ORDINAL = re.compile(r"(?<=\d)(?:st|nd|rd|th)\b")
_LOOSE_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_NOT_WORD = re.compile(r"[^\w.]+")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_DIGRAPHS = re.compile(r"(?<=[aou])(?<![ae]u)e")  # "Suedkorea", but not "neue" or "Frauen"
_IZE = re.compile(r"iz(e|ed|es|ing|ation)\b")
_PER_CENT = re.compile(r"\bper cent\b")
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_ALT}) (\d{{1,2}}) (\d{{4}})\b")
_DAY_OF_MONTH = re.compile(rf"\b(\d{{1,2}}) of ({_MONTH_ALT})\b")


def _fold_letters(text: str) -> str:
    """Why: users type "Suedkorea", "Südkorea" and "Sudkorea" alike."""
    text = text.casefold()  # also turns ß into ss
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _DIGRAPHS.sub("", stripped)


def _date(day: str, month: str, year: str) -> str:
    m = int(month)
    name = _MONTHS[m - 1] if 1 <= m <= 12 else month
    return f" {int(day)} {name} {year} "


def _fold_numbers(text: str) -> str:
    """Why: "1.000", "1,000" and "1000" are one number; so are "3,5" and "3.5"."""
    text = _NUMERIC_DATE.sub(lambda m: _date(m[1], m[2], m[3]), text)
    text = _ISO_DATE.sub(lambda m: _date(m[3], m[2], m[1]), text)
    text = _THOUSANDS.sub(lambda m: m[1] + re.sub(r"[.,]", "", m[2]), text)
    text = _DECIMAL_COMMA.sub(".", text)
    text = _TRAILING_ZEROS.sub(lambda m: m[1] + (f".{m[2]}" if m[2] else ""), text)
    return _ORDINAL.sub("", text)


def _map_tokens(tokens: list[str]) -> list[str]:
    """Why: "Mrd.", "bn" and "billion" must compare equal to "Milliarden"."""
    mapped = [_TOKEN_MAP.get(t, t) for t in tokens]
    out: list[str] = []
    for i, tok in enumerate(mapped):
        nxt = mapped[i + 1] if i + 1 < len(mapped) else ""
        if tok == "us" and nxt == "dollar":
            continue  # "US-Dollar" is just "dollar"
        if tok in _ONE_WORDS and nxt in _MAGNITUDES:
            tok = "1"  # "eine Milliarde" == "one billion" == "1 Mrd."
        out.append(tok)
    return out


def normalize(text: str) -> str:
    """Fold ``text`` so that equivalent German/English answer forms compare equal.

    Why: scoring by substring would otherwise depend on spelling, number
    format, umlaut transliteration and quote style rather than on facts.
    """
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    text = _fold_numbers(_fold_letters(text))
    text = _LOOSE_DOT.sub(" ", text)
    text = _NOT_WORD.sub(" ", text).replace("_", " ")
    text = _LETTER_DIGIT.sub(" ", text)
    text = _IZE.sub(r"is\1", _PER_CENT.sub("prozent", text))
    text = " ".join(_map_tokens(text.split()))
    text = _MONTH_DAY_YEAR.sub(r"\2 \1 \3", text)
    return _DAY_OF_MONTH.sub(r"\1 \2", text)


def _contains(haystack: str, needle: str) -> bool:
    """Why: "32" must not match inside "2032", so compare whole tokens only."""
    return bool(needle) and f" {needle} " in f" {haystack} "


def contains_normalized(text: str, candidate: str) -> bool:
    """Whether ``candidate`` occurs in ``text`` after both are normalised.

    Why public: the eval-set sanity tests reuse the exact rule ``matches``
    uses, so a gold answer that cannot match its own reference is caught.
    """
    return _contains(normalize(text), normalize(candidate))


def matches(answer: str, accept: Sequence[str], accept_all: Sequence[Sequence[str]]) -> bool:
    """Whether ``answer`` satisfies a case's accept rules.

    ``accept`` is a set of alternatives (any one suffices); every group in
    ``accept_all`` must also be hit, which is how list answers are scored.
    A case with neither has nothing to check, so it cannot pass: a silent
    pass would hide a broken gold case.
    """
    if not accept and not accept_all:
        return False
    norm = normalize(answer)
    if accept and not any(_contains(norm, normalize(a)) for a in accept):
        return False
    return all(any(_contains(norm, normalize(a)) for a in group) for group in accept_all)


# --- SQuAD v1.1 -----------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the|der|die|das|den|dem|des|ein|eine|einer|eines|einem|einen)\b")
_ASCII_PUNCT = frozenset(string.punctuation)


def squad_normalize(text: str) -> str:
    """Official SQuAD v1.1 answer normalisation, plus German articles.

    Why: keeps EM/F1 comparable with published numbers; Unicode punctuation
    („“ – …) is dropped too, since German answers are full of it.
    """
    text = text.lower()
    text = "".join(" " if unicodedata.category(c).startswith("P") and c not in _ASCII_PUNCT else c for c in text)
    text = "".join(c for c in text if c not in _ASCII_PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _f1(prediction: str, gold: str) -> float:
    pred_tokens = squad_normalize(prediction).split()
    gold_tokens = squad_normalize(gold).split()
    common = Counter(pred_tokens) & Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if the prediction equals any gold after SQuAD normalisation."""
    norm = squad_normalize(prediction)
    return max((float(norm == squad_normalize(g)) for g in golds), default=0.0)


def squad_f1(prediction: str, golds: Sequence[str]) -> float:
    """Token-overlap F1 against the best-matching gold, as in SQuAD v1.1."""
    return max((_f1(prediction, g) for g in golds), default=0.0)
