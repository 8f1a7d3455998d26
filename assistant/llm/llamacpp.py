"""A local GGUF model through llama-cpp-python, via a small adapter.

We call llama-cpp-python directly instead of llama-index's wrapper (which
imports ``pkg_resources``, gone from current setuptools). One ``Llama``
instance serves one request at a time (it is not thread-safe), so calls
take a lock; llama.cpp reuses the KV cache of the longest common prompt
prefix, which is why our system prompt is fixed and comes first.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import BackendError, ModelError
from assistant.llm.base import Message, Sampling


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
        import llama_cpp

        self._cpp: Any = llama_cpp
        self._model = name or Path(model_path).stem
        stat = Path(model_path).stat()
        self._model_id = f"{Path(model_path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{llama_cpp.__version__}"
        self._n_ctx = n_ctx
        self._temperature = temperature
        self.lock = threading.Lock()

    @property
    def backend(self) -> str:
        return "llamacpp"

    @property
    def model(self) -> str:
        return self._model

    def warm_up(self, system_prompt: str, state_dir: Path | None = None) -> str:
        """Put the fixed system prompt's KV state in place before the first question.

        Within a process llama.cpp reuses the longest common token prefix, so
        only the first question pays for the system prompt (about 2.5 s on 2
        cores). A new ``assistant ask`` process would pay it every time, so
        the state is saved once under ``state_dir`` and read back (a few MB)
        on the next start. Returns "restored", "computed" or "computed+saved".
        """
        prefix = f"<|im_start|>system\n{system_prompt}<|im_end|>\n"
        tokens = self._llm.tokenize(prefix.encode("utf-8"), special=True)
        key = hashlib.sha256(f"{self._model_id}|{self._n_ctx}|{prefix}".encode()).hexdigest()[:24]
        path = state_dir / f"kv-{key}.bin" if state_dir is not None else None
        with self.lock:
            try:
                data = path.read_bytes() if path is not None and path.is_file() else b""
            except OSError:
                data = b""
            if data:
                buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
                if self._cpp.llama_state_set_data(self._llm.ctx, buf, len(data)) == len(data):
                    self._llm.input_ids[: len(tokens)] = tokens
                    self._llm.n_tokens = len(tokens)
                    return "restored"
            self._llm.reset()
            self._llm.eval(tokens)
            if path is None:
                return "computed"
            size = self._cpp.llama_state_get_size(self._llm.ctx)
            buf = (ctypes.c_uint8 * int(size))()
            n = int(self._cpp.llama_state_get_data(self._llm.ctx, buf, size))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".tmp{os.getpid()}")
                tmp.write_bytes(bytes(buf)[:n])
                tmp.replace(path)  # atomic: a half-written state is never read
            except OSError:
                return "computed"  # a read-only or full disk only costs the next start 2.5 s
            return "computed+saved"

    def count_tokens(self, text: str) -> int:
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        if sampling is None:
            options: dict[str, Any] = {"temperature": self._temperature, "top_k": 1}
        else:
            options = {
                "temperature": sampling.temperature,
                "top_k": sampling.top_k,
                "top_p": sampling.top_p,
                "seed": sampling.seed,
            }
        with self.lock:
            chunks = self._llm.create_chat_completion(
                messages=[{"role": m.role, "content": m.content} for m in messages],
                max_tokens=max_tokens,
                stream=True,
                **options,
            )
            for chunk in chunks:
                delta = chunk["choices"][0].get("delta", {})
                piece = delta.get("content")
                if piece:
                    yield piece
