"""Per-browser-session state: preferences, the conversation, the viewer.

Everything a user changes lives here, inside ``gr.State``, never in a
module global: two people on the same server must not see each other's
backend choice or conversation. The process-wide things (models, the
index) live in :mod:`assistant.ui.engine` instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from assistant.answer.model import Answer
from assistant.chat import MAX_TURNS  # the UI's follow-up history is ChatSession's, so the two cannot drift apart
from assistant.config import Settings

BACKENDS = ("local-1.5b", "local-0.5b", "extractive", "ollama", "openai")
LOCAL_BACKENDS = frozenset({"local-1.5b", "local-0.5b"})
DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"
DEFAULT_OLLAMA_MODEL = "qwen2.5:1.5b"


@dataclass(frozen=True)
class Prefs:
    """What one session chose in the settings tab (hashable: it keys a settings cache)."""

    backend: str = "local-1.5b"
    ollama_url: str = DEFAULT_OLLAMA_URL
    ollama_model: str = DEFAULT_OLLAMA_MODEL
    openai_url: str = ""
    openai_model: str = ""
    passages: int = 3
    answer_lang: str = "auto"
    ui_lang: str = "de"

    def with_(self, **changes: Any) -> Prefs:
        return replace(self, **changes)


def backend_choice(settings: Settings) -> str:
    """The settings' backend as a UI choice, so the first screen shows what the server runs."""
    cfg = settings.llm
    if cfg.backend == "llamacpp":
        return "local-0.5b" if (cfg.model or settings.models.llm) == settings.models.fast_llm else "local-1.5b"
    if cfg.backend in ("extractive", "ollama", "openai", "fake"):
        return cfg.backend
    return "local-1.5b"


def default_prefs(settings: Settings) -> Prefs:
    cfg = settings.llm
    choice = backend_choice(settings)
    return Prefs(
        backend=choice,
        ollama_url=cfg.url if choice == "ollama" and cfg.url else DEFAULT_OLLAMA_URL,
        ollama_model=cfg.model if choice == "ollama" and cfg.model else DEFAULT_OLLAMA_MODEL,
        openai_url=cfg.url if choice == "openai" else "",
        openai_model=cfg.model if choice == "openai" else "",
        passages=settings.answer.passages,
        answer_lang=settings.answer.language,
    )


@lru_cache(maxsize=256)
def settings_for(base: Settings, prefs: Prefs) -> Settings:
    """The server's settings with one session's choices applied.

    Why cached: every question needs them, and validating the whole tree
    each time would be wasted work for the same few combinations.
    """
    over: dict[str, Any] = {
        "answer.passages": prefs.passages,
        "retrieval.top_k": max(base.retrieval.top_k, prefs.passages),
        "answer.language": prefs.answer_lang if prefs.answer_lang in ("auto", "de", "en") else "auto",
    }
    match prefs.backend:
        case "local-1.5b":
            over |= {"llm.backend": "llamacpp", "llm.model": base.models.llm, "llm.url": ""}
        case "local-0.5b":
            over |= {"llm.backend": "llamacpp", "llm.model": base.models.fast_llm, "llm.url": ""}
        case "ollama":
            over |= {"llm.backend": "ollama", "llm.url": prefs.ollama_url, "llm.model": prefs.ollama_model}
        case "openai":
            over |= {"llm.backend": "openai", "llm.url": prefs.openai_url, "llm.model": prefs.openai_model}
        case "fake":
            over |= {"llm.backend": "fake"}
        case _:
            over |= {"llm.backend": "extractive"}
    return base.with_overrides(**over)


@dataclass
class Turn:
    """One question and what became of it, as the transcript shows it."""

    question: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    status: str = "searching"  # searching | writing | queue | done | error
    place: int = 0  # place in the model's line while status == "queue"
    passages_found: int = 0
    draft: str = ""  # streamed tokens, replaced by the checked answer
    answer: Answer | None = None
    error: str = ""
    feedback: str = ""  # "up" | "down" once rated
    seconds: float = 0.0
    backend_label: str = ""


@dataclass
class Viewer:
    """What the document viewer shows: a source, its marked spans and which one was clicked."""

    source: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    target: tuple[tuple[int, int], ...] = ()


@dataclass
class SessionState:
    prefs: Prefs = field(default_factory=Prefs)
    turns: list[Turn] = field(default_factory=list)
    viewer: Viewer = field(default_factory=Viewer)
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    eval_cancel: Any = None  # a threading.Event while an eval runs (created late: State deep-copies its seed)

    def history(self) -> list[tuple[str, str]]:
        """(question, answer) pairs of answered turns, the last ``MAX_TURNS``, for follow-ups."""
        pairs = [(t.answer.question, t.answer.text) for t in self.turns if t.answer is not None]
        return pairs[-MAX_TURNS:]

    def reset(self) -> None:
        self.turns.clear()
        self.viewer = Viewer()
