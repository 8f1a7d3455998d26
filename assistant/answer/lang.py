"""Which language to answer in: German or English, decided offline.

The corpus is German but users may ask in English, and the answer should
come back in the language of the question.  A model-based detector would
be one more download and is unreliable on five-word questions full of
names ("Wer ist Luke Kuechly?"); questions, however, are dominated by a few
function and question words, which settle the matter far more reliably.

Rule: add up evidence for each language (function words, question words,
umlauts/ß, a few spelling patterns); the larger sum wins.  On a tie,
including no evidence at all ("NATO 2026?", "Schweden?"), the answer is
German, the language of the corpus: a question that gives no hint of its
language is best answered in the language the sources are quoted in.
"""

from __future__ import annotations

import re
from typing import Literal

from assistant.text.pack import pack, packs

Language = Literal["de", "en"]


_DE_QUESTION = pack("de").question_words
_EN_QUESTION = pack("en").question_words
# Words that are (practically) only function words of one language; the
# packs leave out those both languages use: in, an, so, war, will, also, man.
_DE_WORDS = pack("de").function_words
_EN_WORDS = pack("en").function_words

# Runs of word characters, so "8A" in "P-8A" is one (ignored) token, not "a".
_WORD_RE = re.compile(r"\w+(?:['’]\w+)*")
_CONTRACTION_RE = re.compile(r"^([^\W\d_]+)['’](s|t|re|ve|ll|d|m)$")
_DE_SUFFIXES = ("ung", "ungen", "keit", "heit", "lich", "liche", "lichen", "isch", "ische")
_EN_SUFFIXES = ("ing", "ly")
_EN_LETTERS = re.compile(r"(?<!c)sh|wh")


def _word_evidence(word: str, opens_german_was: bool) -> tuple[float, float]:
    """(German, English) evidence from one lower-cased word."""
    contraction = _CONTRACTION_RE.match(word)
    if contraction:
        base, suffix = contraction.groups()
        if suffix != "s":  # shouldn't, they're, I'll: only English does this
            return 0.0, 1.0
        # "'s" is mostly English (Luther's, what's) but German has "gibt's".
        de, en = _word_evidence(base, opens_german_was=False)
        return de, en + 0.25
    if not word.isalpha():
        return 0.0, 0.0
    if word == "was":
        return (2.0, 0.0) if opens_german_was else (0.0, 1.0)
    if word in _DE_QUESTION:
        return 2.0, 0.0
    if word in _EN_QUESTION:
        return 0.0, 2.0
    if word in _DE_WORDS:
        return 1.0, 0.0
    if word in _EN_WORDS:
        return 0.0, 1.0
    de = 0.5 if "sch" in word or word.endswith(_DE_SUFFIXES) else 0.0
    en = 0.5 if "th" in word or (len(word) > 4 and word.endswith(_EN_SUFFIXES)) else 0.0
    # English spellings that German words almost never have: "defense",
    # "germanys" (a possessive typed without the apostrophe), "shield", "why".
    if word.endswith(("nse", "ys")) or _EN_LETTERS.search(word):
        en += 0.5
    return de, en


def language_scores(text: str) -> tuple[float, float]:
    """(German, English) evidence; exposed so callers can log why a choice was made."""
    lowered = text.lower()
    de = float(min(3, sum(lowered.count(c) for c in "äöüß")))
    en = 0.0
    words = [m.group(0) for m in _WORD_RE.finditer(lowered)]
    # "Was ist ...?" opens German questions; "Was the ...?" and a "was"
    # inside a sentence are English.
    german_was = len(words) > 0 and (len(words) == 1 or words[1] not in _EN_WORDS)
    for n, word in enumerate(words):
        word_de, word_en = _word_evidence(word, opens_german_was=n == 0 and german_was)
        de += word_de
        en += word_en
    return de, en


def detect_language(text: str) -> Language:
    """Answer language for ``text``; ties (no evidence) go to German, see module doc."""
    de, en = language_scores(text)
    return "en" if en > de else "de"


def document_language(text: str, default: str = "de") -> str:
    """The pack language whose function words a document uses most (``default`` when none shows).

    A document is long enough for plain counting, unlike a five-word
    question: on a paragraph of German Wikipedia the German words outnumber
    the English ones by far, and the other way round.
    """
    words = re.findall(r"[^\W\d_]+", text[:20000].lower())
    counts = {p.code: sum(w in p.function_words for w in words) for p in packs()}
    best = max(counts, key=lambda c: counts[c])
    return best if counts[best] > 0 else default
