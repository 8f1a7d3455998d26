"""What form a question has: one fact, or a list, summary, comparison, explanation, or two questions in one.

Why a form decides the path: a fact question is answered by one checked
sentence, and the pipeline is built for that. "Welche Unternehmen werden
genannt?" or "Worum geht es?" need several points drawn from the whole
document, and "Wie heißt X und welches Flugzeug nutzen beide?" needs each
part answered on its own evidence. The patterns are data in the language
packs (``forms``, ``part_breaks``), read for every pack, since a short
question's language can be misjudged.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache

from assistant.text.analyzer import tokenize
from assistant.text.pack import light_fold, pack, packs

MIN_PART_WORDS = 3  # "und wann?" alone is not a question of its own


class Form(StrEnum):
    FACT = "fact"
    LIST = "list"
    SUMMARY = "summary"
    COMPARISON = "comparison"
    EXPLANATION = "explanation"
    MULTI = "multi"

    @property
    def is_open(self) -> bool:
        """Answered by several points from coverage-chosen evidence (not one fact, not parts)."""
        return self not in (Form.FACT, Form.MULTI)


def parts(question: str, language: str) -> list[str]:
    """The questions a question is made of: two or more when it joins them ("…? …?", "… und welches …?")."""
    q = " ".join(question.split())
    ordered = [pack(language), *(p for p in packs() if p.code != language)]
    for pk in ordered:
        if pk.part_breaks is None:
            continue
        cuts = [0, *(i for m in pk.part_breaks.finditer(q) for i in (m.start(), m.end())), len(q)]
        pieces = [q[cuts[i] : cuts[i + 1]].strip(" ,;") for i in range(0, len(cuts), 2)]
        pieces = [p for p in pieces if not re.fullmatch(r"\W*", p)]
        if len(pieces) > 1 and all(len(p.split()) >= MIN_PART_WORDS for p in pieces):
            return [p if p.endswith("?") else p + "?" for p in (x[:1].upper() + x[1:] for x in pieces)]
    return [q]


def about_the_document(question: str, language: str) -> bool:
    """A summary question about the document as a whole ("Worum geht es in dem Text?", "What are the key
    takeaways from this article?"): what is left beside its summary words is only words for the document.

    Such a question has nothing to look for, so the evidence checks (is anything relevant, are its terms
    in the passages?) do not apply to it: any document can be summarised.
    """
    asked = set(tokenize(light_fold(question)))
    for pk in (pack(language), *(p for p in packs() if p.code != language)):
        if pk.form_of(question) != Form.SUMMARY.value:
            continue
        return not asked - _summary_words(pk.code) - set(tokenize(" ".join(pk.document_words)))
    return False


@cache
def _summary_words(code: str) -> frozenset[str]:
    """The words of a pack's summary patterns ("worum", "geht", "zusammen", "takeaways"), as tokens."""
    pk = pack(code)
    sources = " ".join(p.pattern for f, p in pk.forms if f == Form.SUMMARY.value)
    return frozenset(tokenize(" ".join(re.findall(r"(?<![\\])[a-z]{3,}", sources))))


def question_form(question: str, language: str) -> Form:
    """The form of ``question``; its own language's patterns first, then the other packs'."""
    if len(parts(question, language)) > 1:
        return Form.MULTI
    ordered = [pack(language), *(p for p in packs() if p.code != language)]
    for pk in ordered:
        form = pk.form_of(question)
        if form is not None:
            return Form(form)
    return Form.FACT
