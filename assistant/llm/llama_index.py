"""Any llama-index LLM behind our :class:`~assistant.llm.base.LLM` seam.

Why llama-index: it maintains integrations for the model servers people
run (Ollama, vLLM and llama.cpp's server through ``OpenAILike``, and many
hosted APIs), so a user plugs in any of them by import path instead of
waiting for us to hand-write a client. What stays ours is the seam: each
call's length and sampling, and one readable :class:`BackendError` for
every way a server can fail.

Per call, a llama-index LLM is configured through its own fields (it has
no per-call options that all integrations share), so a call works on a
cheap ``model_copy`` with ``temperature``, ``max_tokens`` and the
integration's extra options set; the copy shares the original's HTTP
client.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import BackendError, ConfigError
from assistant.llm.base import Message, Sampling

log = logging.getLogger("assistant.llm")


def load_class(path: str) -> type[Any]:
    """``llama_index.llms.ollama.Ollama`` -> the class; a clear ConfigError for a wrong path."""
    module, _, name = path.rpartition(".")
    if not module:
        raise ConfigError(f"llm.class must be a full import path such as llama_index.llms.ollama.Ollama, not {path!r}.")
    try:
        cls = getattr(importlib.import_module(module), name)
    except ImportError as err:
        raise ConfigError(f"Cannot import {module} for llm.class ({err}). Install the integration's package.") from err
    except AttributeError as err:
        raise ConfigError(f"{module} has no {name} (llm.class).") from err
    if not isinstance(cls, type):
        raise ConfigError(f"llm.class {path} is not a class.")
    return cls


def _why(err: BaseException) -> str:
    """The reason a call failed, in words, from the exception or the one it wraps."""
    seen: list[BaseException] = []
    cur: BaseException | None = err
    while cur is not None and len(seen) < 5:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    names = " ".join(type(e).__name__ for e in seen)
    status = next((getattr(e, "status_code", None) for e in seen if getattr(e, "status_code", None)), None)
    if "Timeout" in names:
        return "it did not answer in time"
    if "Connect" in names or any(isinstance(e, ConnectionError) for e in seen):
        return "connection refused (is the server running?)"
    if status:
        return f"HTTP {status}: {str(err)[:200]}"
    return f"{type(err).__name__}: {str(err)[:200]}"


class LlamaIndexLLM:
    """A llama-index ``LLM`` (``llama_index.core.llms.LLM``) as our streaming LLM."""

    def __init__(self, llm: Any, *, backend: str, model: str = "", where: str = "") -> None:
        self._llm = llm
        self._backend = backend
        self._model = model or str(getattr(getattr(llm, "metadata", None), "model_name", "") or type(llm).__name__)
        self._where = where or backend
        self._fields = set(type(llm).model_fields) if hasattr(type(llm), "model_fields") else set()
        self._base_temperature = getattr(llm, "temperature", 0.0)
        self._extra = dict(getattr(llm, "additional_kwargs", None) or {})

    @property
    def backend(self) -> str:
        return self._backend

    @property
    def model(self) -> str:
        return self._model

    def warm_up(self, system_prompt: str, state_dir: Path) -> str | None:
        """Nothing to do: the server keeps (or lacks) its own prompt cache."""
        return None

    def _configured(self, max_tokens: int, sampling: Sampling | None) -> Any:
        """A copy of the llama-index LLM set up for one call (its fields are its only per-call options)."""
        update: dict[str, Any] = {}
        extra = dict(self._extra)
        if "temperature" in self._fields:
            update["temperature"] = sampling.temperature if sampling else self._base_temperature
        if "max_tokens" in self._fields:
            update["max_tokens"] = max_tokens
        kind = type(self._llm).__name__
        if kind == "Ollama":  # options of Ollama's /api/chat
            extra["num_predict"] = max_tokens
            if sampling:
                extra.update(top_k=sampling.top_k, top_p=sampling.top_p, seed=sampling.seed)
        elif sampling and "api_base" in self._fields:  # the OpenAI family: top_k is not in the OpenAI API
            extra.update(seed=sampling.seed, top_p=sampling.top_p)
            extra["extra_body"] = {**extra.get("extra_body", {}), "top_k": sampling.top_k}
        if "additional_kwargs" in self._fields:
            update["additional_kwargs"] = extra
        return self._llm.model_copy(update=update) if update else self._llm

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m.role, content=m.content) for m in messages]
        try:
            for response in self._configured(max_tokens, sampling).stream_chat(chat):
                if response.delta:
                    yield str(response.delta)
        except Exception as err:  # every integration raises its own types; the seam speaks one
            log.debug("llama-index call failed", exc_info=err)
            raise BackendError(
                f"Cannot get an answer from the {self._backend} server at {self._where}: {_why(err)}. "
                "Start the server, or choose another backend (e.g. --backend extractive)."
            ) from err
