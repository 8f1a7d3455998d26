"""Make a user's question safe to embed and to prompt with.

Control characters and NULs are removed, whitespace collapsed, and a very
long question is refused: embedding 100 KB would take minutes and push the
passages out of the model's context.
"""

from __future__ import annotations

import unicodedata

from assistant.errors import QuestionError

MAX_QUESTION_CHARS = 2000


def clean_question(text: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    kept = "".join(
        " " if ch in "\t\n\r\f\v" else ch
        for ch in text
        if ch in "\t\n\r\f\v" or unicodedata.category(ch) not in {"Cc", "Cs", "Co", "Cn"}
    )
    cleaned = " ".join(unicodedata.normalize("NFC", kept).split())
    if not cleaned:
        raise QuestionError("The question is empty. Please type a question about the document.")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"The question is {len(cleaned):,} characters long; the limit is {max_chars:,}. Please shorten it."
        )
    return cleaned
