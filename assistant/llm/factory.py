"""The one place that picks an LLM backend from settings.

Heavy libraries are imported only for the backend chosen, and a missing
one names the command that installs it.
"""

from __future__ import annotations

from typing import Any

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
        case "openai" | "ollama" | "llama-index":
            return _llama_index_llm(settings)
    raise BackendError(f"Unknown backend {cfg.backend!r}.")


DEFAULT_OLLAMA_URL = "http://127.0.0.1:11434"


def _llama_index_llm(settings: Settings) -> LLM:
    """A remote model through llama-index's integration for it, behind our LLM seam.

    ``openai`` is ``OpenAILike`` (vLLM, llama.cpp's server, LM Studio, any
    OpenAI-compatible server), ``ollama`` is ``Ollama``, and ``llama-index``
    is any class by import path (``llm.class``, ``llm.kwargs``).
    """
    from assistant.llm.llama_index import LlamaIndexLLM, load_class

    cfg = settings.llm
    if cfg.backend == "openai":
        if not cfg.url:
            raise BackendError("The openai backend needs a server URL (set llm.url or --url).")
        from llama_index.llms.openai_like import OpenAILike

        base = cfg.url.rstrip("/")
        api_base = base if base.endswith("/v1") else base + "/v1"
        model = cfg.model or "default"
        defaults = {
            "model": model,
            "api_base": api_base,
            "api_key": cfg.api_key or "none",
            "is_chat_model": True,
            "temperature": cfg.temperature,
            "timeout": cfg.timeout_s,
            "max_retries": 0,
        }
        llm = _construct(OpenAILike, {**defaults, **cfg.kwargs_dict})
        return LlamaIndexLLM(llm, backend="openai", model=model, where=cfg.url)
    if cfg.backend == "ollama":
        from llama_index.llms.ollama import Ollama

        url, model = cfg.url or DEFAULT_OLLAMA_URL, cfg.model or "qwen2.5:1.5b"
        # context_window set, or the integration asks the server for it (/api/show) before every call
        defaults = {
            "model": model,
            "base_url": url,
            "temperature": cfg.temperature,
            "request_timeout": cfg.timeout_s,
            "context_window": cfg.n_ctx,
        }
        llm = _construct(Ollama, {**defaults, **cfg.kwargs_dict})
        return LlamaIndexLLM(llm, backend="ollama", model=model, where=url)
    if not cfg.class_path:
        raise BackendError("The llama-index backend needs llm.class, e.g. llama_index.llms.ollama.Ollama.")
    llm = _construct(load_class(cfg.class_path), cfg.kwargs_dict)
    return LlamaIndexLLM(llm, backend="llama-index", model=cfg.model, where=cfg.class_path)


def _construct(cls: type[Any], kwargs: dict[str, Any]) -> Any:
    """``cls(**kwargs)``; ``llm.kwargs`` override our defaults, and a constructor's complaint is one line."""
    try:
        return cls(**kwargs)
    except Exception as err:  # each integration validates in its own way; its message names the argument
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise BackendError(f"Cannot create {cls.__name__} from llm.kwargs: {first}") from err
