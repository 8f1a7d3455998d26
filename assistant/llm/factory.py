"""The one place that picks an LLM backend from settings.

Heavy libraries are imported only for the backend chosen, and a missing
one names the command that installs it.
"""

from __future__ import annotations

from assistant.config import Settings
from assistant.errors import BackendError
from assistant.llm.base import LLM

LOCAL_BACKENDS = ("llamacpp",)
NO_LLM = ("extractive",)


def model_name(settings: Settings) -> str:
    return settings.llm.model or settings.models.llm


def make_llm(settings: Settings) -> LLM | None:
    """The configured LLM, or None for the extractive backend."""
    cfg = settings.llm
    match cfg.backend:
        case "extractive":
            return None
        case "fake":
            from assistant.llm.fake import FakeLLM

            return FakeLLM()
        case "llamacpp":
            from assistant.app import resolve_model
            from assistant.llm.llamacpp import LlamaCppLLM

            name = model_name(settings)
            path, _ = resolve_model(name, settings, "gguf")
            return LlamaCppLLM(
                path,  # type: ignore[arg-type]
                name=name,
                n_ctx=cfg.n_ctx,
                n_threads=cfg.n_threads,
                temperature=cfg.temperature,
            )
        case "openai":
            from assistant.llm.remote import OpenAICompatLLM

            return OpenAICompatLLM(
                cfg.url, cfg.model or "default", timeout_s=cfg.timeout_s, api_key=cfg.api_key,
                temperature=cfg.temperature,
            )  # fmt: skip
        case "ollama":
            from assistant.llm.remote import OllamaLLM

            return OllamaLLM(cfg.url or "http://127.0.0.1:11434", cfg.model or "qwen2.5:1.5b", timeout_s=cfg.timeout_s)
    raise BackendError(f"Unknown backend {cfg.backend!r}.")
