"""The Answer, and the events that stream it: what the CLI, the UI and the eval runner all render.

Why ``StreamEvent`` lives here and not beside the Assistant: chat sessions
and the edges consume the stream without needing the pipeline that makes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.types import Citation, Hit


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    language: str
    refused: bool
    citations: tuple[Citation, ...]
    passages: tuple[Hit, ...]
    backend: str
    model: str
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Why the text is what it is: e.g. "unsupported sentence removed",
    # "fell back to extractive", "retrieval found nothing relevant".
    notes: tuple[str, ...] = ()
    retrieval_query: str = ""
    raw_text: str = ""  # the model's reply before citation repair, for debugging and evals
    # The code of the check that decided the answer (assistant.answer.checks), for programs: "" when the
    # model's reply stood, else why it was refused ("nothing_relevant") or replaced ("unstable").
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Exactly the JSON shape of ``assistant ask --json``."""
        t = self.timings_ms
        return {
            "question": self.question,
            "answer": self.text,
            "language": self.language,
            "refused": self.refused,
            "reason": self.reason,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "backend": self.backend,
            "model": self.model,
            "timings_ms": {
                "retrieve": round(t.get("retrieve", 0.0), 1),
                "first_token": round(t.get("first_token", 0.0), 1),
                "total": round(t.get("total", 0.0), 1),
            },
        }


@dataclass(frozen=True)
class StreamEvent:
    """``passages`` first (evidence at once), then ``token``s, then ``answer``."""

    kind: str
    text: str = ""
    passages: tuple[Hit, ...] = ()
    answer: Answer | None = None
