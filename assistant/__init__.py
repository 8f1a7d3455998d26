"""summit-assistant: cited, offline Q&A over a document.

The public API is deliberately small::

    from assistant import Assistant, load_settings
    bot = Assistant.load(backend="extractive")
    answer = bot.ask("Wie hoch ist der Verteidigungshaushalt 2026?")
    print(answer.text, [c.quote for c in answer.citations])

Names are imported lazily so that ``import assistant`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "ChatSession",
    "Citation",
    "Hit",
    "Settings",
    "load_settings",
]

_LAZY = {
    "Answer": "assistant.answer.model",
    "Assistant": "assistant.service",
    "ChatSession": "assistant.chat",
    "AssistantError": "assistant.errors",
    "Citation": "assistant.types",
    "Hit": "assistant.types",
    "Settings": "assistant.config",
    "load_settings": "assistant.config",
}

if TYPE_CHECKING:
    from assistant.answer.model import Answer
    from assistant.chat import ChatSession
    from assistant.config import Settings, load_settings
    from assistant.errors import AssistantError
    from assistant.service import Assistant
    from assistant.types import Citation, Hit


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
