"""Prompts and refusals.

The system prompt is the same for every question and language, and it
comes first: llama.cpp then reuses its KV cache across questions, and only
the passages and the question are new tokens. The answer language is
asked for at the end of the user message, where small models heed it best.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answer.passages import Passage
from assistant.llm.base import Message
from assistant.text.pack import pack, packs

SYSTEM_PROMPT = (
    "You answer questions about a document using only the numbered passages given.\n"
    "Rules: answer in one short sentence, in the language asked for. Put the number of the passage that "
    "supports the answer in square brackets, like [1]. Copy numbers, dates and names exactly from the passage. "
    "If the passages do not contain the answer, reply only: NO_ANSWER\n\n"
    "Example:\n"
    "Passages:\n[1] Die Stadt erhöht ihren Haushalt 2025 auf 3 Millionen Euro.\n[2] Bürgermeisterin ist Anna Berg.\n"
    "Question: How big is the city's budget in 2025?\nAnswer in English.\n"
    "Answer: The city's budget rises to 3 million euros in 2025 [1].\n\n"
    "Question: Wer ist Bürgermeisterin?\nAnswer in German.\n"
    "Answer: Bürgermeisterin ist Anna Berg [2].\n\n"
    "Question: Wie viele Einwohner hat die Stadt?\nAnswer in German.\n"
    "Answer: NO_ANSWER"
)

_REFUSAL_PATTERNS = re.compile(
    "|".join(["NO_ANSWER", *(p for pk in packs() for p in pk.refusal_patterns)]),
    re.IGNORECASE,
)


def refusal_text(language: str) -> str:
    return pack(language).refusal


def is_refusal(text: str) -> bool:
    return bool(_REFUSAL_PATTERNS.search(text))


def build_messages(
    question: str,
    passages: Sequence[Passage],
    language: str,
    history: Sequence[tuple[str, str]] = (),
) -> list[Message]:
    lines = []
    for p in passages:
        section = f" ({p.hit.chunk.section})" if p.hit.chunk.section else ""
        lines.append(f"[{p.n}]{section} {p.text}")
    context = ""
    if history:
        q, a = history[-1]
        context = f"Previous question: {q}\nPrevious answer: {a}\n\n"
    user = (
        "Passages:\n" + "\n".join(lines) + "\n\n" + context + f"Question: {question}\nAnswer in {pack(language).name}."
    )
    return [Message("system", SYSTEM_PROMPT), Message("user", user)]
