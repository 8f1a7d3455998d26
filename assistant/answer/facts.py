"""The checkable facts of a sentence: numbers, codes and names.

A small model's typical lie is a wrong number or a name taken from the
wrong passage, so those are what a citation must back up. Ordinary words
are not checked: a correct answer may paraphrase them, and in German every
noun is capitalised, so capitalisation alone cannot mark a name.

Names are therefore (a) codes and acronyms (NATO, P-8A, PAC-3), (b) runs
of two or more capitalised words found in the corpus (Mark Rutte, Lockheed
Martin, Crewed Airborne Early Warning) and (c) countries and regions in any
language, by their CLDR code (``assistant.text.places``), so that "Sweden"
in an English answer is checked against "Schweden" in a German passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.text.analyzer import STOP_WORDS
from assistant.text.fold import normalize
from assistant.text.places import places

_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_TOKEN = re.compile(r"[\w][\w-]*[\w]|[\w]")
_MAGNITUDE = frozenset({"millionen", "milliarden", "tausend"})
_CAP_RUN = re.compile(r"\b[A-ZÄÖÜ][\w-]+(?:\s+[A-ZÄÖÜ][\w-]+)+")
_SENT_START_FILLERS = frozenset(
    "der die das den dem des ein eine einer und oder the a an and or in im am auf bei mit von vom zu zur zum "
    "für for of on at by with to from als wie".split()
)


def _fold(text: str) -> str:
    return normalize(text)


def codes(text: str) -> list[str]:
    """Acronyms and type codes: NATO, HALO, P-8A, MQ-4C, AIM-120C-8-AMRAAM.

    From "NATO-Gipfel" only "NATO" is a code: a hyphenated token is cut at
    the first part that is an ordinary word.
    """
    out: list[str] = []
    for token in _TOKEN.findall(text):
        kept: list[str] = []
        for part in token.split("-"):
            if any(ch.islower() for ch in part) and not any(ch.isdigit() for ch in part):
                break  # an ordinary word ends the code
            kept.append(part)
        code = "-".join(kept)
        has_digit_letter = any(ch.isdigit() for ch in code) and any(ch.isalpha() for ch in code)
        if has_digit_letter or any(p.isupper() and len(p) >= 2 for p in kept):
            out.append(code)
    return out


def _capitalised_words(sentence: str) -> set[str]:
    """Folded words written with a capital letter, except a sentence's first."""
    words = _TOKEN.findall(sentence)
    return {_fold(w) for i, w in enumerate(words) if i > 0 and w[:1].isupper()}


@dataclass(frozen=True)
class NameBook:
    """Names known from the corpus (folded), used to spot name facts."""

    names: frozenset[str]

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> NameBook:
        found: set[str] = set()
        for text in texts:
            for m in _CAP_RUN.finditer(text):
                words = m.group(0).split()
                before = text[: m.start()].rstrip(" „“\"'(")
                if not before or before[-1] in ".!?:\n":
                    words = words[1:]  # a sentence's first word is capitalised anyway
                words = [w for w in words if w.lower() not in _SENT_START_FILLERS and w.lower() not in STOP_WORDS]
                if len(words) >= 2:
                    found.update(_fold(w) for w in words if len(w) >= 3)
            found.update(_fold(c) for c in codes(text))
        return cls(frozenset(f for f in found if f and not _NUMBER.match(f)))


def facts(sentence: str, book: NameBook) -> set[str]:
    """Folded facts that the cited passage must contain."""
    folded = _fold(sentence)
    tokens = folded.split()
    out = {t for t in tokens if _NUMBER.match(t) or t in _MAGNITUDE}
    out.update(f for f in (_fold(c) for c in codes(sentence)) if f and not _NUMBER.match(f))
    padded = f" {folded} "
    capitalised = _capitalised_words(sentence)
    for name in book.names:
        # A name counts only where the answer writes it as one (capitalised):
        # "the 2026 NATO summit" must not turn "summit" into a name.
        if f" {name} " in padded and all(part in capitalised or part.isdigit() for part in name.split()):
            out.add(name)
    out.update(f"place:{code}" for code in places(sentence))
    return out


def supported(fact: str, evidence_folded: str, evidence_places: set[str] | frozenset[str] = frozenset()) -> bool:
    """Is ``fact`` in the evidence: a place among its places (by code), a name or number among its words?"""
    if fact.startswith("place:"):
        return fact[len("place:") :] in evidence_places
    padded = f" {evidence_folded} "
    if " " in fact:
        return all(f" {part} " in padded for part in fact.split())
    return f" {fact} " in padded


def missing_facts(sentence: str, evidence: str, book: NameBook, *, also: str = "") -> list[str]:
    """Facts of ``sentence`` found neither in ``evidence`` nor in ``also``."""
    both = evidence + " \n " + also
    ev, where = _fold(both), places(both)
    return sorted(f for f in facts(sentence, book) if not supported(f, ev, where))
