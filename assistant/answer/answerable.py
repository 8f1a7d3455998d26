"""Is the question answered by the evidence at all? The facts the evidence checks compare.

Retrieval always returns *something*: for "How much does France spend on
defence?" over a text on Germany's budget it returns Germany's budget, and
both a small model and the extractive backend then answer from it
confidently. Users of document-QA tools distrust that failure most, so the
assistant refuses instead when a cheap, checkable sign says the evidence
cannot hold the answer:

* **A fact the question names is not in the evidence**: a number (a year
  above all) in none of the best sentences, a type code ("P-8A") or a
  country (any language, any form: "France", "französisch") in none of the
  passages.
* **The kind of answer asked for is not in the evidence**: "how much does
  ... cost" needs a sum of money (a number with a currency or a
  magnitude), "how many" a count, "when" a date, "which country" a
  country, "how far" a distance, "what share" a percentage, and the best
  sentences hold none beyond what the question already says.

Every word list is a language pack's (``assistant/text/packs``), and every
name list a library's: countries from Babel, spelled numbers from
text2num. Lexical comparisons that only hold within one language (the
counted noun after "wie viele") are made only when the question and the
passage are in the same language.

The signs are deliberately narrow: a wrong refusal of an answerable
question is worse than a missed one, and both rates are measured by the
eval runner (``refusal_rate``, ``false_refusal_rate``) on the summit set
and on ``make eval-general``.
"""

from __future__ import annotations

import re
from functools import cache

from assistant.text.fold import normalize
from assistant.text.months import month_names
from assistant.text.pack import light_fold, pack, packs
from assistant.text.places import is_country, places
from assistant.text.spelled import digits

_STANDALONE_NUMBER = re.compile(r"(?<![\w-])\d+(?:[.,]\d+)*(?!\w|-\d)")
_YEAR = re.compile(r"^(1[5-9]|20)\d\d$")
_DESIGNATION = re.compile(r"(?<![\w-])[A-Za-z]+-?\d+[A-Za-z]*(?:-\d+[A-Za-z]*)*(?![\w])")
_TOKEN = re.compile(r"[\w%€$£¥₹][\w.,%-]*")


def numbers(text: str) -> set[str]:
    """Standalone numbers written in digits, folded: "124", "3,5" -> "3.5"; not the "8" of "AIM-120C-8"."""
    return {normalize(m.group(0)) for m in _STANDALONE_NUMBER.finditer(text)}


def designations(text: str) -> set[str]:
    """Type codes, folded: "P-8A" -> "p8a", "PAC-3" -> "pac3", "AIM-120C-8" -> "aim120c8".

    A code names one thing only, so unlike a place ("die Ukraine", later
    "das angegriffene Land") the paragraph that answers a question about it
    names it too, if not always in the answering sentence itself.
    """
    return {m.group(0).replace("-", "").lower() for m in _DESIGNATION.finditer(text)}


def anchors(question: str) -> set[str]:
    """The question's years and other numbers written in digits: a sentence that answers it mentions them.

    "Welches Land kam 2025 hinzu?" is answered by "2025 mit Dänemark", not by
    the better-matching "2024 haben Norwegen, Kanada und Deutschland … gegründet".
    Spelled numbers are not anchors ("Welche zwei Länder …" is answered by a
    sentence that names two countries, not by one that says "zwei"), and
    places are not either: the question's place is often its topic ("die
    Unterstützung für die Ukraine"), which the answering sentence calls
    "diese Unterstützung".
    """
    return numbers(question)


def anchor_share(wanted: set[str], sentence: str) -> float:
    """The share of ``wanted`` anchors that ``sentence`` mentions (1.0 when none are wanted)."""
    if not wanted:
        return 1.0
    return len(wanted & numbers(sentence)) / len(wanted)


def answer_kind(question: str) -> str | None:
    """The kind of answer the question asks for, by any language pack's patterns (its language may be misread)."""
    for p in packs():
        kind = p.kind_of(question)
        if kind is not None:
            return kind
    return None


# -- what a text holds, token by token ------------------------------------------------------------
@cache
def _currency_words() -> frozenset[str]:
    """Folded currency names, symbols and ISO codes in every pack language (Babel): "franken", "€", "usd"."""
    from babel import Locale
    from babel.numbers import get_currency_symbol

    words: set[str] = set()
    for p in packs():
        locale = Locale.parse(p.code)
        for code, name in locale.currencies.items():
            if "(" in name:
                continue  # a currency of the past: "Deutsche Mark (1948–2001)"
            words.add(code.lower())
            words.add(light_fold(name.split()[-1]))
            symbol = get_currency_symbol(code, locale=locale)
            if symbol != code:
                words.add(light_fold(symbol))
    return frozenset(w for w in words if w)


@cache
def _months() -> frozenset[str]:
    """Folded month names and abbreviations in every pack language (Babel)."""
    out = {m for p in packs() for width in ("wide", "abbreviated") for m in month_names(p.code, width)}
    return frozenset(m for m in out if len(m) >= 3)


def _tokens(text: str, language: str) -> list[str]:
    """Folded tokens of ``text`` with spelled numbers as digits: "fünfzehn Drohnen" -> ["15", "drohnen"]."""
    return [light_fold(t).strip(".,;:") for t in _TOKEN.findall(digits(text, language))]


def _is_number(token: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)*", token))


def _number_then(tokens: list[str], words: frozenset[str] | tuple[str, ...], within: int = 2) -> bool:
    """A number followed, within ``within`` tokens, by one of ``words``, or a word glued to it ("5km", "€5")."""
    for i, tok in enumerate(tokens):
        glued = re.fullmatch(r"(\D*)(\d+(?:[.,]\d+)*)(\D*)", tok)
        if glued and (glued[1] in words or glued[3] in words) and (glued[1] or glued[3]):
            return True
        if _is_number(tok) and any(t in words for t in tokens[i + 1 : i + 1 + within]):
            return True
    return False


def _counted_noun(question: str, language: str) -> str | None:
    """The word a "how many" question counts ("wie viele *Drohnen*", "how many *drones*"), as a stem."""
    folded = light_fold(question)
    m = re.search(r"\b(?:wie ?viele|how many)\s+(.*)", folded)
    if m is None:
        return None
    skip = pack(language).function_words | {"more", "different", "verschiedene", "weitere"}
    for word in re.findall(r"[^\W\d_]+", m.group(1)):
        if word not in skip and len(word) >= 4:
            return str(word[:-2] if len(word) > 6 else word[:4])
    return None


def asked_role(question: str, language: str) -> str | None:
    """The role a who-question asks about ("der türkische *Präsident*", "the NATO *Secretary*"), if it is one."""
    pattern = pack(language).role_question
    m = pattern.match(question.strip()) if pattern is not None else None
    return m.group(1) if m else None


def has_kind(kind: str, evidence: str, question: str, language: str, *, same_language: bool) -> bool:
    """Does ``evidence`` hold an answer of ``kind`` that the question does not already state?

    ``language`` is the evidence's; ``same_language`` says the question is in it too, which is when the
    counted noun can be looked for as a word.
    """
    tokens = _tokens(evidence, language)
    asked = numbers(digits(question, language))
    new_numbers = {t for t in tokens if _is_number(t) and normalize(t) not in asked}
    p = pack(language)
    if kind == "money":
        money = _currency_words() | pack("de").magnitudes | pack("en").magnitudes
        return bool(new_numbers) and _number_then(tokens, money)
    if kind == "percent":
        if any(t in q.fractions for q in packs() for t in tokens):
            return True  # "über die Hälfte", "a third"
        return _number_then(tokens, tuple(w for q in packs() for w in q.percent_words), within=1) or "%" in evidence
    if kind == "distance":
        return _number_then(tokens, tuple(u for q in packs() for u in q.distance_units))
    if kind == "count":
        counts = [i for i, t in enumerate(tokens) if _is_number(t) and not _YEAR.match(t) and normalize(t) not in asked]
        noun = _counted_noun(question, p.code) if same_language else None
        if noun is None:
            return bool(counts)
        return any(any(noun in t for t in tokens[i + 1 : i + 5]) for i in counts)
    if kind == "date":
        return bool(new_numbers) or any(t in _months() for t in tokens)
    if kind == "country":
        return any(is_country(c) for c in places(evidence) - places(question))
    return True


def missing_kind(question: str, answer: str, language: str) -> str | None:
    """The kind of answer the question asks for, if the model's ``answer`` (in ``language``) holds none of it.

    "Wie viel sagten die Alliierten der Ukraine für 2026 zu?" answered with
    "Die Alliierten haben diese Zusage initiiert [1]." cites the right
    passage and says nothing. Only what can be seen in any language is
    checked: a sum, share, count or distance needs a number, a date a year,
    a month or a day, a country a country's name.
    """
    kind = answer_kind(question)
    if kind is None:
        return None
    answer = re.sub(r"\[\d+\]", " ", answer)  # citation markers are not numbers
    tokens = _tokens(answer, language)
    asked = numbers(digits(question, language))
    new = [t for t in tokens if _is_number(t) and normalize(t) not in asked]
    if kind in {"money", "distance", "count"}:
        ok = bool(new) or any(_is_number(t) for t in tokens)
    elif kind == "percent" and any(t in q.fractions for q in packs() for t in tokens):
        ok = True
    elif kind == "percent":
        ok = any(_is_number(t) for t in tokens) and (
            "%" in answer or any(w in light_fold(answer) for q in packs() for w in q.percent_words)
        )
    elif kind == "date":
        day = re.search(r"(?<![\d,.])\d{1,2}\.(?!\d)", answer) is not None
        ok = any(_YEAR.match(n) for n in new) or any(t in _months() for t in tokens) or day
    elif kind == "country":
        ok = any(is_country(c) for c in places(answer) - places(question))
    else:
        ok = True
    return None if ok else kind


# -- the question's own terms ------------------------------------------------------------------
_NAME_WORD = re.compile(r"[^\W\d_][\w-]*")


def question_terms(question: str) -> list[str]:
    """The words a question names its topic by: capitalised words after the first, hyphenated parts apart.

    In English these are names ("Newcastle", "Doctor Who"), in German nouns
    too ("Hugenotten", "Ankunft"). Function, question and document words
    ("Text", "Artikel") are not topic words.
    """
    skip: set[str] = set()
    for p in packs():
        skip |= p.function_words | p.question_words | p.document_words
    out: list[str] = []
    for i, word in enumerate(_NAME_WORD.findall(question)):
        if i == 0 or not word[:1].isupper():
            continue
        for part in word.split("-"):
            folded = light_fold(part)
            if len(folded) >= 3 and folded not in skip:
                out.append(part)
    return out


def term_in(term: str, text: str, *, cross_language: bool, text_places: set[str] | None = None) -> bool:
    """Is ``term`` in ``text``: its country code among the text's places, or its stem anywhere in it?

    A stem, not the word: German declines and compounds ("Ministerium" in
    "Bundesministerium", "Normannen" and "Normanne"), and across languages
    only a name's first letters survive ("Parliament", "Parlament"; "Indian",
    "Inder"). Anywhere, not at a word start, for the compounds.
    """
    where = places(text) if text_places is None else text_places
    if places(term) & where:
        return True
    folded = light_fold(term)
    n = 4 if cross_language or len(folded) < 6 else 5
    return folded[:n] in light_fold(text)


# -- lists ----------------------------------------------------------------------------------------
_ITEM = r"[A-ZÄÖÜ][\w-]*(?: [A-ZÄÖÜ][\w-]*)*"
_ENUMERATION = re.compile(rf"({_ITEM})((?:, {_ITEM})+),? (?:und|sowie|oder|and|or) ({_ITEM})")


def enumerations(sentence: str) -> list[list[str]]:
    """Lists of three or more capitalised items: "Australien, Japan, Südkorea und Neuseeland"."""
    out = []
    for m in _ENUMERATION.finditer(sentence):
        items = [m.group(1), *m.group(2).split(", ")[1:], m.group(3)]
        out.append([i.split()[-1] for i in items])  # the head word: "Indo-Pazifik-Partner Australien" -> "Australien"
    return out


def left_out(answer: str, sentence: str) -> list[str]:
    """Items of a list in ``sentence`` that ``answer`` leaves out, when it names at least two of it.

    A small model asked "which partners attended?" reliably drops one of
    four; naming two or more of a list's items shows the answer *is* that
    list, so a missing item makes it wrong, not merely brief. An item may be
    named in another language ("Südkorea", "South Korea"): places are
    compared by their country code.
    """
    padded = f" {normalize(answer)} "
    named_places = places(answer)
    for items in enumerations(sentence):
        keys = [normalize(i) for i in items]
        codes = [places(i) for i in items]
        named = [f" {k} " in padded or bool(c & named_places) for k, c in zip(keys, codes, strict=True)]
        if 2 <= sum(named) < len(items):
            return [i for i, n in zip(items, named, strict=True) if not n]
    return _left_out_days(answer, sentence)


def _left_out_days(answer: str, sentence: str) -> list[str]:
    """A span of days is a list too: "am 8. Juli" for a summit "am 7. und 8. Juli" is half the answer.

    Month names in every pack language come from Babel; the joining words are "und", "bis", "and",
    "to" or a dash.
    """
    months = "|".join(sorted((re.escape(m) for m in _months()), key=len, reverse=True))
    span = re.compile(rf"\b(\d{{1,2}})\.?\s*(?:und|bis|and|to|–|-)\s*(\d{{1,2}})\.?\s*(?:{months})\b")
    folded_answer = light_fold(answer)
    if not any(re.search(rf"\b{re.escape(m)}\b", folded_answer) for m in _months()):
        return []
    days = set(re.findall(r"(?<![\d.])(\d{1,2})(?:\.|\b)", folded_answer))
    for m in span.finditer(light_fold(sentence)):
        first, last = m.group(1), m.group(2)
        if (first in days) != (last in days):
            return [f"{last if first in days else first}."]
    return []
