"""Is the question answered by the evidence at all? A check before answering.

Retrieval always returns *something*: for "How much does France spend on
defence?" it returns Germany's budget, and both a small model and the
extractive backend then answer from it confidently. Users of document-QA
tools distrust that failure most, so the assistant refuses instead when
one of two cheap, checkable signs says the evidence cannot hold the answer:

* **A fact the question names is not in the evidence.** A number (a year
  above all) must be in one of the best sentences: "aid for 2025" cannot
  be answered by sentences about 2026. Codes such as "P-8A" and places from
  the bilingual gazetteer ("France", "dänisch") must be in the passages.
* **The kind of answer asked for is not in the evidence.** "Wie viel
  kostet …" needs a sum of money, "how many …" a count, "wann …" a date,
  "in which country …" a country, "what range …" a distance. If the two
  best sentences hold nothing of that kind beyond what the question
  already says, the text does not answer it. For German questions the
  counted noun must follow the number ("wie viele Soldaten" is not
  answered by "fünf Drohnen"); English questions skip that test because
  the document is German.

Both signs are deliberately narrow: a wrong refusal of an answerable
question is worse than a missed one, and the rates of both are measured
by the eval runner (``refusal_rate``, ``false_refusal_rate``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer.facts import codes, places_in
from assistant.text.fold import normalize

_NUMBER_WORDS = (
    "zwei drei vier funf sechs sieben acht neun zehn elf zwolf zwanzig dreissig hundert tausend dutzend "
    "two three four five six seven eight nine ten eleven twelve twenty thirty hundred thousand dozen"
)
_MONTHS = (
    "januar februar marz april mai juni juli august september oktober november dezember january february march "
    "may june july october december"
)
_NON_COUNTRIES = frozenset({"europa", "arktis", "europaische union"})

# Answer kinds: a question pattern (on folded text) -> what the evidence must hold.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "money",
        re.compile(
            r"\b(was|wie viel|wieviel) (kostet|kosten|kostete)\b|\bwie ?viel geld\b|\bhow much money\b"
            r"|\bhow much (does|do|did|will)\b.*\b(cost|spend|pay)\b|\bwhat (does|do|did|will)\b.*\bcost\b"
        ),
    ),
    ("percent", re.compile(r"\b(prozentsatz|anteil|wie viel prozent|how many prozent|percentage|what share)\b")),
    ("count", re.compile(r"\b(wie viele|wieviele|how many)\b")),
    ("date", re.compile(r"^(wann|seit wann|bis wann|when)\b|\b(in welchem jahr|in which year|what year)\b")),
    ("country", re.compile(r"\b(in welchem land|welches land|in which country|what country|which country)\b")),
    ("place", re.compile(r"^(wo|where)\b|\b(in welcher stadt|in which city|which city)\b")),
    ("distance", re.compile(r"\b(reichweite|wie weit|how far)\b|\bwhat is the range\b")),
    (
        "company",
        re.compile(r"\b(welches unternehmen|welcher konzern|welche firma|which company|what company|which firm)\b"),
    ),
)

_CURRENCY = re.compile(r"\b(euro|dollar|milliarden|millionen)\b")
_PERCENT = re.compile(r"\bprozent\b")
_DISTANCE = re.compile(r"\b\d+(\.\d+)? (km|kilometer|kilometern|meilen|miles|seemeilen)\b")
_STANDALONE_NUMBER = re.compile(r"(?<![\w-])\d+(?:[.,]\d+)*(?!\w|-\d)")
_YEAR = re.compile(r"^(19|20)\d\d$")
_MONTH_RE = re.compile(r"\b(" + "|".join(_MONTHS.split()) + r")\b")
_DAY_SPAN = re.compile(
    r"\b(\d{1,2})\.\s*(?:und|bis|–|-)\s*(\d{1,2})\.\s*(?:"
    + "|".join(_MONTHS.split())
    + r"|märz)\b",  # the only month whose folded name differs
    re.IGNORECASE,
)
_NUMBER_WORD_RE = re.compile(r"\b(" + "|".join(_NUMBER_WORDS.split()) + r")\b")
_COUNTED = re.compile(r"\b[Ww]ie ?viele\s+(?:(?:[a-zäöüß]+e[nrms]?)\s+)*([A-ZÄÖÜ][\w-]+)")
_COMPANY = re.compile(r"(unternehmen|konzern|firma|firmen|company|hersteller)")
# "Wer ist/leitete der/die <adjectives> <Role>?": the role itself must be in the passages.
_ROLE = re.compile(
    r"^(?:[Ww]er|[Ww]ie hei(?:ß|ss)t|[Ww]ie hie(?:ß|ss))\s+"
    r"(?:ist|war|sind|waren|leitet|leitete|führt|führte|vertrat|vertritt)?\s*(?:der|die|das|den|dem)\s+"
    r"(?:[a-zäöüß]+\s+)*([A-ZÄÖÜ][\w-]+)"
)
_US_WRITTEN = re.compile(r"\bUSA?\b|U\.S\.|United States|America|Vereinigte")


@dataclass(frozen=True)
class Verdict:
    """``reason`` is None when the evidence may answer the question."""

    reason: str | None = None

    @property
    def answerable(self) -> bool:
        return self.reason is None


def answer_kind(question: str) -> str | None:
    folded = normalize(question)
    for kind, pattern in _KINDS:
        if pattern.search(folded):
            return kind
    return None


def numbers(text: str) -> set[str]:
    """Standalone numbers, folded: "124", "3,5" -> "3.5"; not the "8" of "AIM-120C-8"."""
    return {normalize(m.group(0)) for m in _STANDALONE_NUMBER.finditer(text)}


_DESIGNATION = re.compile(r"(?<![\w-])[A-Za-z]+-?\d+[A-Za-z]*(?:-\d+[A-Za-z]*)*(?![\w])")


def designations(text: str) -> set[str]:
    """Type codes, folded: "P-8A" -> "p8a", "PAC-3" -> "pac3", "AIM-120C-8" -> "aim120c8".

    A code names one thing only, so unlike a place ("die Ukraine", later
    "das angegriffene Land") the paragraph that answers a question about it
    names it too, if not always in the answering sentence itself.
    """
    return {m.group(0).replace("-", "").lower() for m in _DESIGNATION.finditer(text)}


def places(text: str, folded: str | None = None) -> set[str]:
    """German gazetteer names of the places a text mentions, in any language or adjective form.

    ``folded`` is ``normalize(text)`` when the caller has it already.
    """
    padded = f" {normalize(text) if folded is None else folded} "
    found = places_in(padded)
    if "usa" in found and " us " in padded and not _US_WRITTEN.search(text):
        found.discard("usa")  # "tell us" is not the USA
    return found


def anchors(question: str) -> set[str]:
    """The question's years and other numbers: a sentence that answers it mentions them.

    "Welches Land kam 2025 hinzu?" is answered by "2025 mit Dänemark", not by
    the better-matching "2024 haben Norwegen, Kanada und Deutschland … gegründet".
    Places are not anchors: the question's place is often its topic ("die
    Unterstützung für die Ukraine"), which the answering sentence calls
    "diese Unterstützung". Measured on the summit set, place anchors made two
    extractive answers and one model answer worse and fixed none.
    """
    return numbers(question)


def anchor_share(wanted: set[str], sentence: str) -> float:
    """The share of ``wanted`` anchors that ``sentence`` mentions (1.0 when none are wanted)."""
    if not wanted:
        return 1.0
    return len(wanted & numbers(sentence)) / len(wanted)


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
    list, so a missing item makes it wrong, not merely brief.
    """
    folded = normalize(answer)
    padded = f" {folded} "
    named_places = places(answer, folded)
    for items in enumerations(sentence):
        keys = [normalize(i) for i in items]
        named = [k for k in keys if f" {k} " in padded or k in named_places]
        if 2 <= len(named) < len(keys):
            return [i for i, k in zip(items, keys, strict=True) if k not in named]
    # A span of days is a list too: "am 8. Juli" for a summit "am 7. und 8. Juli" is half the answer.
    days = numbers(folded)
    if _MONTH_RE.search(folded):
        for m in _DAY_SPAN.finditer(sentence):
            first, last = m.group(1), m.group(2)
            if (first in days) != (last in days):
                return [f"{last if first in days else first}."]
    return []


def _counted_stem(question: str) -> str | None:
    m = _COUNTED.search(question)
    if not m:
        return None
    noun = normalize(m.group(1).split("-")[-1])
    for ending in ("innen", "en", "er", "n", "e", "s"):
        if noun.endswith(ending) and len(noun) - len(ending) >= 4:
            return noun[: -len(ending)]
    return noun


def _counts(evidence: str, stem: str | None) -> bool:
    """A count in ``evidence`` (not a year, not a digit inside a code), followed by the counted noun."""
    tokens = evidence.split()
    for i, tok in enumerate(tokens):
        word = normalize(tok.strip(".,;:!?()„“\"'"))  # "fünf" -> "5"; "MQ-4C" -> "mq 4 c", not a count
        is_count = re.fullmatch(r"\d+(?:\.\d+)*", word) is not None and not _YEAR.match(word)
        if (is_count or _NUMBER_WORD_RE.fullmatch(word)) and (
            stem is None or any(stem in normalize(t) for t in tokens[i + 1 : i + 5])
        ):
            return True
    return False


def _has_kind(kind: str, evidence: str, question: str, language: str) -> bool:
    """Does ``evidence`` hold an answer of ``kind`` that the question does not already state?"""
    ev = normalize(evidence)
    new_numbers = numbers(evidence) - numbers(question)
    if kind == "money":
        return bool(new_numbers) and bool(_CURRENCY.search(ev))
    if kind == "percent":
        return bool(_PERCENT.search(ev))
    if kind == "count":
        return _counts(evidence, _counted_stem(question) if language == "de" else None)
    if kind == "date":
        return bool(new_numbers) or bool(_MONTH_RE.search(ev))
    if kind in {"country", "place"}:
        new = places(evidence) - places(question)
        if kind == "country":
            new -= _NON_COUNTRIES
        return bool(new) or (kind == "place" and bool(re.search(r"\b(in|im|am|bei|nahe) [A-ZÄÖÜ]", evidence)))
    if kind == "distance":
        return bool(_DISTANCE.search(ev))
    if kind == "company":
        return bool(_COMPANY.search(ev))
    return True


def missing_role(question: str, language: str, passages: str) -> str | None:
    """The role a German who-question asks about ("der türkische Präsident"), if no passage names it.

    German only: an English role ("president", "secretary general") would be
    compared with German passages ("Generalsekretär") and wrongly missed.
    """
    m = _ROLE.match(question.strip()) if language == "de" else None
    if m is None:
        return None
    role = normalize(m.group(1).split("-")[-1])
    if role.startswith(("autor", "verfass", "herausgeb")):
        return None  # the document's byline names them
    stem = role[: max(5, len(role) - 3)]
    return None if f" {stem}" in f" {passages}" or stem in passages else m.group(1)


def check_answerable(
    question: str,
    language: str,
    passages_text: Sequence[str],
    best_sentences: Sequence[str],
) -> Verdict:
    """Refuse early when the evidence cannot hold the answer; see the module docstring.

    ``passages_text`` is the text the answer may draw on; ``best_sentences``
    are the sentences that answer the question best, best first.
    """
    if not best_sentences:
        return Verdict()
    passages = normalize(" \n ".join(passages_text))
    top = " ".join(best_sentences[:2])
    missing_numbers = numbers(question) - numbers(" ".join(best_sentences))
    if missing_numbers:
        return Verdict(f"the best passages do not mention {', '.join(sorted(missing_numbers))}")
    padded = f" {passages} "
    # Letter-only acronyms differ across languages (AI/KI, EU/EU, UN/VN): checked for German questions only.
    asked = [c for c in codes(question) if language == "de" or any(ch.isdigit() for ch in c)]
    missing_codes = sorted({normalize(c) for c in asked} - {""})
    missing_codes = [c for c in missing_codes if f" {c} " not in padded and not c.replace(".", "").isdigit()]
    if missing_codes:
        return Verdict(f"the passages never mention {', '.join(missing_codes)}")
    missing_places = places(question) - places(" ".join(passages_text), passages)
    if missing_places:
        return Verdict(f"the passages never mention {', '.join(sorted(missing_places))}")
    role = missing_role(question, language, passages)
    if role is not None:
        return Verdict(f"the passages never mention {role}")
    kind = answer_kind(question)
    # "Welches Unternehmen …" pulls every sentence that says "Unternehmen" to the top of the
    # sentence ranking, so for companies the best-retrieved passage is what must name one.
    where = passages_text[0] if kind == "company" and passages_text else top
    if kind is not None and not _has_kind(kind, where, question, language):
        return Verdict(f"the question asks for a {kind}, and the best passages hold none")
    return Verdict()


_ANSWER_PERCENT = re.compile(r"\b(prozent|percent|per cent)\b|%")


def missing_kind(question: str, answer: str) -> str | None:
    """The kind of answer the question asks for, if the model's answer holds none of it.

    "Wie viel sagten die Alliierten der Ukraine für 2026 zu?" answered with
    "Die Alliierten haben diese Zusage initiiert [1]." cites the right
    passage and says nothing. Only kinds that can be seen in any language are
    checked: a sum, share, count or distance needs a number, a date a year, a
    month or a day, a country a place name. Which company or which place is
    left to the citation check, because an answer may name one without the
    word "company" or a preposition.
    """
    kind = answer_kind(question)
    answer = re.sub(r"\[\d+\]", " ", answer)  # citation markers are not numbers
    folded = normalize(answer)  # "four" -> "4"
    new_numbers = numbers(folded) - numbers(question)
    if kind in {"money", "distance", "count"}:
        ok = bool(new_numbers) or bool(_NUMBER_WORD_RE.search(folded))
    elif kind == "percent":
        ok = bool(numbers(folded)) and bool(_ANSWER_PERCENT.search(answer.lower()))
    elif kind == "date":  # a year, a month or a day ("am 8."), not any number ("3,5 Prozent")
        day = re.search(r"(?<![\d,.])\d{1,2}\.(?!\d)", answer) is not None
        ok = any(_YEAR.match(n) for n in new_numbers) or bool(_MONTH_RE.search(folded)) or day
    elif kind == "country":
        ok = bool(places(answer) - places(question) - _NON_COUNTRIES)
    else:
        ok = True
    return None if ok else kind
