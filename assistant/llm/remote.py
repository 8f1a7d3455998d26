"""Remote model servers: OpenAI-compatible (vLLM, llama.cpp server,
LM Studio) and Ollama, spoken to directly over HTTP with httpx.

Talking the wire protocols ourselves keeps these backends dependency-light
and lets us turn every network failure into one readable BackendError.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from assistant.errors import BackendError
from assistant.llm.base import Message, Sampling


def _payload(messages: Sequence[Message]) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in messages]


class _HTTPBackend:
    kind = "remote"

    def __init__(self, url: str, model: str, *, timeout_s: float = 60, api_key: str = "", temperature: float = 0.0):
        if not url:
            raise BackendError(f"The {self.kind} backend needs a server URL (set llm.url or --url).")
        self.url = url.rstrip("/")
        self._model = model
        self._timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._temperature = temperature

    @property
    def backend(self) -> str:
        return self.kind

    @property
    def model(self) -> str:
        return self._model

    def warm_up(self, system_prompt: str, state_dir: Path) -> str | None:
        """Nothing to do: the server keeps (or lacks) its own prompt cache."""
        return None

    def _fail(self, err: Exception) -> BackendError:
        if isinstance(err, httpx.TimeoutException):
            why = "it did not answer in time"
        elif isinstance(err, httpx.ConnectError):
            why = "connection refused (is the server running?)"
        elif isinstance(err, httpx.HTTPStatusError):
            why = f"HTTP {err.response.status_code}"
        else:
            why = str(err) or err.__class__.__name__
        return BackendError(
            f"Cannot get an answer from the {self.kind} server at {self.url}: {why}. "
            "Start the server, or choose another backend (e.g. --backend extractive)."
        )

    def _post_stream(self, path: str, body: dict[str, Any]) -> Iterator[str]:
        try:
            with (
                httpx.Client(timeout=self._timeout, headers=self._headers) as client,
                client.stream("POST", self.url + path, json=body) as resp,
            ):
                if resp.status_code >= 400:
                    resp.read()
                    resp.raise_for_status()
                yield from resp.iter_lines()
        except httpx.HTTPError as err:
            raise self._fail(err) from err


class OpenAICompatLLM(_HTTPBackend):
    kind = "openai"

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        body: dict[str, Any] = {
            "model": self._model,
            "messages": _payload(messages),
            "temperature": self._temperature,
            "max_tokens": max_tokens,
            "stream": True,
        }
        if sampling is not None:
            # top_k is not in the OpenAI API; vLLM and llama.cpp's server read it, others ignore it.
            body.update(
                temperature=sampling.temperature, top_p=sampling.top_p, seed=sampling.seed, top_k=sampling.top_k
            )
        base = self.url if self.url.endswith("/v1") else self.url + "/v1"
        path = base[len(self.url) :] + "/chat/completions"
        for line in self._post_stream(path, body):
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                delta = json.loads(data)["choices"][0].get("delta", {})
            except (ValueError, KeyError, IndexError):
                continue
            if delta.get("content"):
                yield str(delta["content"])


class OllamaLLM(_HTTPBackend):
    kind = "ollama"

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int = 256, sampling: Sampling | None = None
    ) -> Generator[str, None, None]:
        options: dict[str, Any] = {"temperature": self._temperature, "num_predict": max_tokens}
        if sampling is not None:
            options.update(
                temperature=sampling.temperature, top_k=sampling.top_k, top_p=sampling.top_p, seed=sampling.seed
            )
        body = {"model": self._model, "messages": _payload(messages), "stream": True, "options": options}
        for line in self._post_stream("/api/chat", body):
            if not line.strip():
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if msg.get("error"):
                raise BackendError(f"The ollama server at {self.url} says: {msg['error']}")
            piece = msg.get("message", {}).get("content")
            if piece:
                yield str(piece)
            if msg.get("done"):
                break
