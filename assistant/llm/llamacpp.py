"""A local GGUF model through llama-cpp-python, via a small adapter.

We call llama-cpp-python directly instead of llama-index's wrapper (which
imports ``pkg_resources``, gone from current setuptools). One ``Llama``
instance serves one request at a time (it is not thread-safe), so calls
take a lock; llama.cpp reuses the KV cache of the longest common prompt
prefix, which is why our system prompt is fixed and comes first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import BackendError, ModelError
from assistant.llm.base import Message


class LlamaCppLLM:
    def __init__(
        self,
        model_path: Path,
        *,
        name: str = "",
        n_ctx: int = 4096,
        n_threads: int = 2,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as err:
            raise BackendError(
                "The llamacpp backend needs llama-cpp-python: run `make setup` "
                "(or `pip install 'summit-assistant[llamacpp]'`), or use --backend extractive."
            ) from err
        try:
            self._llm: Any = Llama(
                model_path=str(model_path),
                n_ctx=n_ctx,
                n_threads=n_threads,
                n_threads_batch=n_threads,
                n_batch=512,
                chat_format="chatml",
                seed=seed,
                verbose=False,
            )
        except (ValueError, RuntimeError) as err:
            raise ModelError(f"llama.cpp cannot load {model_path}: {err}") from err
        self._model = name or Path(model_path).stem
        self._temperature = temperature
        self.lock = threading.Lock()

    @property
    def backend(self) -> str:
        return "llamacpp"

    @property
    def model(self) -> str:
        return self._model

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: Sequence[Message], *, max_tokens: int = 256) -> Iterator[str]:
        with self.lock:
            chunks = self._llm.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                temperature=self._temperature,
                top_k=1,
                max_tokens=max_tokens,
                stream=True,
            )
            for chunk in chunks:
                delta = chunk["choices"][0].get("delta", {})
                piece = delta.get("content")
                if piece:
                    yield piece
