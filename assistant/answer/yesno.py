"""Lead the answer to a yes/no question with "Yes." or "No.".

"Did South Korea take part in the summit?" answered "South Korea took part
in the summit [1]." is right but makes the reader infer the yes; small
models rarely say it. The answer's own polarity decides: a negation in it
("did not", "nicht", "kein") means no, otherwise yes. The lead is added
after the citation check, so it never stands without a checked sentence.
"""

from __future__ import annotations

import re

from assistant.text.pack import pack, packs

_ALREADY = re.compile(r"^\s*([^\W\d_]+)\b")


def is_yes_no(question: str, language: str) -> bool:
    words = question.strip().split()
    if not words:
        return False
    first = words[0].lower().strip("¿¡\"'„“")
    return first in pack(language).yes_no_openers


def polarity(answer: str, language: str) -> str:
    """ "yes" or "no": an explicit lead decides ("No, …", "Nein."), otherwise a negation in the answer."""
    lead = _lead(answer)
    if lead is not None:
        return lead
    words = {w.lower() for w in re.findall(r"[^\W\d_]+(?:'t)?", answer)}
    negations = pack(language).negations
    return "no" if words & negations or ("n't" in negations and "n't" in answer) else "yes"


def _lead(answer: str) -> str | None:
    """ "yes" or "no" when the answer opens with a pack's yes or no word ("No, …", "Nein."), else None."""
    m = _ALREADY.match(answer)
    if m is None:
        return None
    word = m.group(1).lower()
    for p in packs():
        if word == p.yes.lower().rstrip("."):
            return "yes"
        if word == p.no.lower().rstrip("."):
            return "no"
    return None


def lead_yes_no(question: str, answer: str, language: str) -> str:
    """``answer`` with a "Yes."/"No." lead when the question is a yes/no question and it has none."""
    if not answer.strip() or _lead(answer) is not None or not is_yes_no(question, language):
        return answer
    p = pack(language)
    return f"{p.no if polarity(answer, language) == 'no' else p.yes} {answer}"
