"""Country and region names in every language pack's language, from Babel (CLDR), not a hand list.

An English answer says "Sweden" where the German passage says "Schweden",
and "der dänische Amtskollege" names Denmark without its name. So a place
is compared by its CLDR territory code: every name Babel knows for a
territory in German or English maps to that code, and so does the
language adjective of the territory's main language ("dänisch", "Danish"
-> DK: a language's likely territory, from CLDR's likely subtags).

Only capitalised names count: "Island" is Iceland in a German text, but
not "island", and "turkey" or "chad" in lower case name no country. The
adjective forms are written in lower case in German ("dänischer") and
capitalised in English ("Danish"); both are matched as word prefixes in
German (declined: "dänischen") and whole words in English.
"""

from __future__ import annotations

import itertools
import re
from functools import cache

from assistant.text.pack import available, light_fold

_NOT_PLACES = frozenset({"001", "419", "ZZ", "QO", "UN", "EZ"})  # the world, Latin America, "unknown"
# CLDR's own short and variant names ("alt" entries), which Babel's territory list leaves out.
_SHORT_ALTERNATIVES = {
    "US": ("USA", "US", "U.S.", "America", "Amerika"), "GB": ("UK", "U.K.", "Großbritannien", "Britain"),
    "EU": ("EU",), "TR": ("Turkey", "Türkei"), "CZ": ("Czech Republic", "Tschechische Republik"),
    "CI": ("Ivory Coast", "Elfenbeinküste"), "MK": ("Macedonia", "Mazedonien"), "CD": ("Kongo",),
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_][\w.-]*")  # "Denmark's" is "Denmark" and "s"


@cache
def _tables() -> tuple[dict[str, frozenset[str]], dict[str, str], int]:
    """(folded name -> codes, folded adjective stem -> code, longest name in words)."""
    from babel import Locale
    from babel.core import get_global
    from babel.languages import get_official_languages

    names: dict[str, set[str]] = {}
    adjectives: dict[str, str] = {}
    likely = get_global("likely_subtags")

    def add(name: str, code: str) -> None:
        key = " ".join(light_fold(name).replace("-", " ").split())
        if key:
            names.setdefault(key, set()).add(code)

    for lang in available():
        locale = Locale.parse(lang)
        for code, name in locale.territories.items():
            if code in _NOT_PLACES or (code.isdigit() and code != "150"):
                continue
            add(name, code)
            # "Vereinigte Staaten" and "Kongo-Kinshasa" are the short forms people write.
            add(name.split(" (")[0], code)
        for code, alternatives in _SHORT_ALTERNATIVES.items():
            for alt in alternatives:
                add(alt, code)
        for language, name in locale.languages.items():
            subtags = str(likely.get(language, "")).split("_")
            if len(subtags) < 3 or "_" in language or language == "en":  # "in English" names no country
                continue
            territory = subtags[-1]
            if language not in get_official_languages(territory, de_facto=True):
                continue  # Alabama, Ainu: no country's language, and often an ordinary word elsewhere
            stem = light_fold(name)
            if len(stem) >= 4 and " " not in stem:
                adjectives.setdefault(stem, territory)
    longest = max(len(k.split()) for k in names)
    return {k: frozenset(v) for k, v in names.items()}, adjectives, longest


def is_country(code: str) -> bool:
    """A territory code that is a country, not a region ("150" Europe) or a union ("EU")."""
    return len(code) == 2 and code.isalpha() and code != "EU"


def places(text: str) -> set[str]:
    """Territory codes of the countries and regions ``text`` names, by name or adjective, in any pack language."""
    names, adjectives, longest = _tables()
    words = _WORD.findall(text)
    found: set[str] = set()
    for i, word in enumerate(words):
        low = light_fold(word).strip(".'’-")
        if word[:1].isupper():
            for n in range(min(longest, len(words) - i), 0, -1):
                key = " ".join(light_fold(w).strip("'’") for w in words[i : i + n]).replace("-", " ")
                key = " ".join(key.split())
                if key in names:
                    found.update(names[key])
                    break
                # "den Vereinigten Staaten": a declined German name is the nominative with an -n.
                for variant in _declensions(key.rstrip(".")):
                    if variant in names:
                        found.update(names[variant])
                        break
                else:
                    continue
                break
        stem = _adjective_stem(low)
        if stem is not None:
            found.add(adjectives[stem])
    return found


def _declensions(key: str) -> list[str]:
    """``key`` and its forms with a German case ending -n dropped from some words ("vereinigten staaten")."""
    options = [[w, w[:-1]] if w.endswith("en") and len(w) > 4 else [w] for w in key.split()]
    return [" ".join(c) for c in itertools.product(*options)][:8]


def _adjective_stem(word: str) -> str | None:
    """The language adjective ``word`` is a form of: "danischen" -> "danisch", "danish" -> "danish"."""
    _, adjectives, _ = _tables()
    if word in adjectives:
        return word
    for ending in ("e", "en", "er", "es", "em"):
        if word.endswith(ending) and word[: -len(ending)] in adjectives:
            return word[: -len(ending)]
    return None


def place_words(text: str) -> set[str]:
    """The folded words of ``text`` that name a place (so that a caller can leave them out of a comparison)."""
    names, _, _ = _tables()
    out: set[str] = set()
    for word in _WORD.findall(text):
        low = light_fold(word).strip(".'’-")
        if (word[:1].isupper() and low in names) or _adjective_stem(low) is not None:
            out.add(low)
    return out


def named_in(code: str, text: str) -> bool:
    """Is the territory ``code`` named in ``text`` by the stem of one of its names, declined or derived?

    Babel knows "britisch" as no language, so "das britische Sozialamt" names the UK only through
    the stem its names share ("Großbritannien", "Britain"); "französische" shares "fran" with "France".
    """
    names, _, _ = _tables()
    folded = light_fold(text)
    stems = {name[:4] for name, codes in names.items() if code in codes and " " not in name and len(name) >= 5}
    # Only an adjective or demonym ending counts, so "Staaten" or "große" name nothing.
    return any(
        re.search(rf"\b{re.escape(s)}\w*(?:isch|ische|ischen|ischer|isches|ish|ian|ians|ese)\b", folded) for s in stems
    )
