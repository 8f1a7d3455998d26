"""One answer from the answers to the parts of a two-part question.

Each part was answered on its own evidence, so each numbered its passages
from 1. The merged answer numbers the cited chunks once, in the order the
parts cite them, and rewrites every ``[n]`` to match, so that a click on a
marker still opens the sentence it stood for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from assistant.answer.model import Answer
from assistant.answer.prompt import refusal_text
from assistant.types import Hit

_MARK = re.compile(r"\[(\d+)\]")


def merge(question: str, language: str, answers: Sequence[Answer], total_ms: float) -> Answer:
    """The parts' answers joined in order; refused only when every part is."""
    numbers: dict[str, int] = {}
    hits: dict[str, Hit] = {}
    texts: list[str] = []
    cites = []
    notes: list[str] = []
    for k, a in enumerate(answers, start=1):
        notes.extend(f"part {k}: {n}" for n in a.notes)
        if a.refused:
            continue
        by_chunk = {h.chunk.chunk_id: h for h in a.passages}
        old_to_new: dict[int, int] = {}
        for c in a.citations:
            new = numbers.setdefault(c.chunk_id, len(numbers) + 1)
            old_to_new[c.n] = new
            if c.chunk_id in by_chunk:
                hits.setdefault(c.chunk_id, by_chunk[c.chunk_id])
            cites.append(replace(c, n=new))

        def renumber(m: re.Match[str], table: dict[int, int] = old_to_new) -> str:
            n = table.get(int(m.group(1)))
            return f"[{n}]" if n is not None else ""

        texts.append(" ".join(_MARK.sub(renumber, a.text).split()))
    refused = not texts
    first = answers[0]
    timings = {"total": total_ms, "first_token": first.timings_ms.get("first_token", total_ms)}
    timings["retrieve"] = sum(a.timings_ms.get("retrieve", 0.0) for a in answers)
    reasons = [a.reason for a in answers if a.reason]
    return Answer(
        question=question,
        text=refusal_text(language) if refused else "\n".join(texts),
        language=language,
        refused=refused,
        citations=tuple(cites),
        passages=tuple(sorted(hits.values(), key=lambda h: numbers[h.chunk.chunk_id])),
        backend=first.backend,
        model=first.model,
        timings_ms=timings,
        notes=tuple(notes),
        retrieval_query=" | ".join(a.retrieval_query for a in answers),
        raw_text="\n".join(a.raw_text for a in answers),
        reason=reasons[0] if reasons else "",
    )
