"""How an answer reads: which language its own words are in, and whether it is mostly a quote.

Both questions need the answer with its quotations taken out, and the
source quotes German within German, so the quote-stripping lives here
once rather than in each metric.
"""

from __future__ import annotations

import re

from assistant.answer.citations import strip_markers
from assistant.answer.lang import detect_language

# An answer whose own words (outside quotation marks) are less than this share of it is a quote.
QUOTE_SHARE = 0.5

_STRAIGHT_QUOTED = re.compile(r"\"[^\"]*\"")


def _unquoted(text: str) -> str:
    """``text`` with its quotations blanked out, nested ones included.

    The source nests quotes („… „Wir gestalten die Zukunft …“, heißt es …“),
    so a quote cannot be matched as „ up to the first “: that would leave
    the rest of the German quotation standing as the answer's own words.
    „ and « open, ” and » close, and “ closes a German quote when one is
    open and opens an English one otherwise. An unbalanced quotation (one
    that is never closed) is left as it is.
    """
    out: list[str] = []
    depth = 0
    for ch in text:
        if ch in "„«":
            depth += 1
        elif ch == "“":
            depth = depth - 1 if depth else 1
        elif ch in "”»":
            depth = max(0, depth - 1)
        elif not depth:
            out.append(ch)
            continue
        out.append(" ")
    if depth:
        return text
    return _STRAIGHT_QUOTED.sub(" ", "".join(out))


def answer_language(text: str, refused: bool, declared: str) -> str:
    """The language an answer is in: the language of its own words.

    Quotes are left out: an English answer that quotes the German source
    verbatim ("The headline is „NATO-Gipfel 2026 …“") is an English answer.
    An answer that is nothing but a quote is judged on the quote.

    Why refusals use the declared language: a refusal is a fixed template
    the pipeline picked for the question's language, and detection on a
    one-line template is less reliable than the pipeline's own choice.
    """
    if refused:
        return declared
    own = _unquoted(strip_markers(text))
    return detect_language(own if len(own.split()) >= 3 else text)


def is_quote(text: str) -> bool:
    """Is the answer mostly a quotation rather than the assistant's own words?

    "According to the text: „Die Allianz … vereinbart.“ [1]" answers nobody: it hands the reader the
    source sentence to read. Measured on any backend's text alone, so the naive baseline is scored alike.
    """
    body = " ".join(strip_markers(text).split())
    if not body:
        return False
    own = " ".join(_unquoted(body).split())
    return len(own) < QUOTE_SHARE * len(body)
