"""Language packs: the words by which the answer layer reads a question and checks an answer.

Each language is one YAML file in ``assistant/text/packs/`` (``de.yaml``,
``en.yaml``), so supporting another language is a data file, not code, and
a reviewer can see at a glance that nothing in it is about one document.
What a maintained library already knows is not listed: country names and
their adjectives come from Babel (``assistant.text.places``), currencies
from Babel, spelled-out numbers from text2num (``assistant.text.spelled``).

Patterns in a pack apply to text folded by :func:`light_fold` (lower case,
accents dropped, ß -> ss), and are folded the same way, so "für" and "fur"
are one word to them. Not the eval scorer's aggressive folding: that one
turns "does" into "dos" (a German "oe" digraph), and a pattern written
for "does" would then match only by accident.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from assistant.errors import ConfigError

KINDS = ("money", "percent", "count", "date", "country", "distance")
FORMS = ("summary", "comparison", "list", "explanation")  # in the order they are tried


def light_fold(text: str) -> str:
    """Lower case without accents, ß as ss: "Für welche Länder" -> "fur welche lander"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class LanguagePack:
    """One language's words; see the pack files for what each is for."""

    code: str
    name: str
    question_words: frozenset[str]
    function_words: frozenset[str]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]
    magnitudes: frozenset[str]
    percent_words: tuple[str, ...]
    distance_units: tuple[str, ...]
    negations: frozenset[str]
    yes_no_openers: frozenset[str]
    yes: str
    no: str
    refusal: str
    quote_lead: str
    refusal_patterns: tuple[str, ...]
    cross_references: re.Pattern[str]
    document_words: frozenset[str]
    fractions: frozenset[str]
    role_question: re.Pattern[str] | None
    forms: tuple[tuple[str, re.Pattern[str]], ...] = ()
    part_breaks: re.Pattern[str] | None = None

    def kind_of(self, question: str) -> str | None:
        """The kind of answer a question asks for, or None for any other question."""
        folded = light_fold(" ".join(question.split()))
        for kind, pattern in self.kinds:
            if pattern.search(folded):
                return kind
        return None

    def form_of(self, question: str) -> str | None:
        """The open form a question has ("summary", "list", ...), or None for a fact question."""
        folded = light_fold(" ".join(question.split()))
        for form, pattern in self.forms:
            if pattern.search(folded):
                return form
        return None


def _alternatives(patterns: Any) -> re.Pattern[str]:
    """One pattern from a pack's list, folded like the text it reads (so no upper-case escapes like \\S)."""
    return re.compile("|".join(f"(?:{light_fold(str(p))})" for p in patterns))


def _words(raw: dict[str, Any], key: str) -> frozenset[str]:
    return frozenset(str(w).lower() for w in raw.get(key) or ())


def _parse(raw: dict[str, Any]) -> LanguagePack:
    kinds = raw.get("kinds") or {}
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ConfigError(f"language pack {raw.get('code')}: unknown answer kind(s) {', '.join(sorted(unknown))}")
    compiled = tuple((kind, _alternatives(kinds[kind])) for kind in KINDS if kinds.get(kind))
    forms = raw.get("forms") or {}
    unknown = set(forms) - set(FORMS)
    if unknown:
        raise ConfigError(f"language pack {raw.get('code')}: unknown question form(s) {', '.join(sorted(unknown))}")
    xref = "|".join(f"(?:{p})" for p in raw.get("cross_references") or ()) or r"(?!x)x"
    return LanguagePack(
        code=str(raw["code"]),
        name=str(raw["name"]),
        question_words=_words(raw, "question_words"),
        function_words=_words(raw, "function_words"),
        kinds=compiled,
        magnitudes=_words(raw, "magnitudes"),
        percent_words=tuple(str(w).lower() for w in raw.get("percent_words") or ()),
        distance_units=tuple(str(w).lower() for w in raw.get("distance_units") or ()),
        negations=_words(raw, "negations"),
        yes_no_openers=_words(raw, "yes_no_openers"),
        yes=str(raw.get("yes", "")),
        no=str(raw.get("no", "")),
        refusal=str(raw["refusal"]),
        quote_lead=str(raw.get("quote_lead", "")),
        refusal_patterns=tuple(str(p) for p in raw.get("refusal_patterns") or ()),
        cross_references=re.compile(xref, re.IGNORECASE),
        document_words=_words(raw, "document_words"),
        fractions=frozenset(light_fold(str(w)) for w in raw.get("fractions") or ()),
        role_question=re.compile(str(raw["role_question"])) if raw.get("role_question") else None,
        forms=tuple((form, _alternatives(forms[form])) for form in FORMS if forms.get(form)),
        part_breaks=(
            re.compile("|".join(f"(?:{p})" for p in raw["part_breaks"]), re.IGNORECASE)
            if raw.get("part_breaks")
            else None
        ),
    )


def available() -> tuple[str, ...]:
    """The language codes that have a pack."""
    folder = resources.files("assistant.text") / "packs"
    return tuple(sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")))


@cache
def pack(code: str) -> LanguagePack:
    """The pack for ``code``; a language without one gets the English pack (the prompt's language)."""
    name = code if code in available() else "en"
    text = (resources.files("assistant.text") / "packs" / f"{name}.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or "code" not in raw or "refusal" not in raw:
        raise ConfigError(f"language pack {name}.yaml: not a language pack (needs code, name and refusal)")
    return _parse(raw)


def packs() -> tuple[LanguagePack, ...]:
    """Every pack: a question is read by the patterns of all of them, since its language can be misjudged."""
    return tuple(pack(c) for c in available())
