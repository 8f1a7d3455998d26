"""Lead the answer to a yes/no question with "Yes." or "No.".

"Did South Korea take part in the summit?" answered "South Korea took part
in the summit [1]." is right but makes the reader infer the yes; small
models rarely say it. The answer's own polarity decides: a negation in it
("did not", "nicht", "kein") means no, otherwise yes. The lead is added
after the citation check, so it never stands without a checked sentence.
"""

from __future__ import annotations

import re

_EN_OPENERS = frozenset(
    "did does do is are was were has have had can could will would should shall may might must".split()
)
_DE_OPENERS = frozenset(
    "hat haben hatte hatten ist sind war waren wird werden wurde wurden kann können konnte konnten soll sollen "
    "sollte will wollen wollte gibt gab nimmt nehmen nahm nahmen trat traten tritt gehört gehören plant planen "
    "unterstützt unterstützen erhöht erhöhen bekommt bekommen erhält erhalten darf dürfen muss müssen".split()
)
_ALREADY = re.compile(r"^\s*(yes|no|ja|nein)\b", re.IGNORECASE)
_NEGATION = {
    "en": re.compile(r"\b(not|no|never|none|neither|nor)\b|n't\b", re.IGNORECASE),
    "de": re.compile(r"\b(nicht|kein\w*|nie|niemals|weder)\b", re.IGNORECASE),
}
_LEAD = {"en": ("Yes.", "No."), "de": ("Ja.", "Nein.")}


def is_yes_no(question: str, language: str) -> bool:
    words = question.strip().split()
    if not words:
        return False
    first = words[0].lower().strip("¿¡\"'„“")
    return first in (_EN_OPENERS if language == "en" else _DE_OPENERS)


def polarity(answer: str, language: str) -> str:
    """ "yes" or "no": an explicit lead decides ("No, …", "Nein."), otherwise a negation in the answer."""
    lead = _ALREADY.match(answer)
    if lead:
        return "no" if lead.group(1).lower() in {"no", "nein"} else "yes"
    negation = _NEGATION.get(language, _NEGATION["en"])
    return "no" if negation.search(answer) else "yes"


def lead_yes_no(question: str, answer: str, language: str) -> str:
    """``answer`` with a "Yes."/"No." lead when the question is a yes/no question and it has none."""
    if language not in _LEAD or not answer.strip() or _ALREADY.match(answer) or not is_yes_no(question, language):
        return answer
    yes, no = _LEAD[language]
    return f"{no if polarity(answer, language) == 'no' else yes} {answer}"
