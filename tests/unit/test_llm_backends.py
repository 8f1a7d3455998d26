"""Backend contract tests for the fake, the remote protocols and errors.

The OpenAI-compatible and Ollama backends are checked against a tiny
HTTP server on loopback that replays recorded exchanges (the real
OpenAI-compatible server is exercised in the integration tests), and we
check the request each backend sends.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from assistant.config import load_settings
from assistant.errors import BackendError, ConfigError
from assistant.llm.base import LLM, Message
from assistant.llm.factory import make_llm
from assistant.llm.fake import FakeLLM
from tests.contract import check_llm_contract
from tests.net import free_port

OPENAI_SSE = (
    'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\n'
    'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"124 Milliarden"}}]}\n\n'
    'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" Euro [1]."}}]}\n\n'
    "data: [DONE]\n\n"
)
# Recorded from `ollama serve` 0.x /api/chat with stream=true (NDJSON).
OLLAMA_NDJSON = (
    '{"model":"qwen2.5:1.5b","created_at":"2026-07-08T10:00:00Z","message":{"role":"assistant","content":"124"},"done":false}\n'
    '{"model":"qwen2.5:1.5b","created_at":"2026-07-08T10:00:00Z","message":{"role":"assistant","content":" Milliarden Euro [1]."},"done":false}\n'
    '{"model":"qwen2.5:1.5b","created_at":"2026-07-08T10:00:01Z","message":{"role":"assistant","content":""},"done":true,"total_duration":1}\n'
)


class _Recorder(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict[str, Any]]] = []
    headers_seen: list[dict[str, str]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((self.path, body))
        type(self).headers_seen.append(dict(self.headers))
        if self.path == "/v1/chat/completions":
            payload, ctype = OPENAI_SSE, "text/event-stream"
        elif self.path == "/api/chat":
            payload, ctype = OLLAMA_NDJSON, "application/x-ndjson"
        else:
            self.send_error(404)
            return
        data = payload.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[str]:
    _Recorder.requests = []
    _Recorder.headers_seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fake_contract() -> None:
    check_llm_contract(FakeLLM(["Der Haushalt beträgt 124 Milliarden Euro [1]."]))


def _llm(backend: str, url: str, model: str = "m", **over: object) -> LLM:
    settings = load_settings(None, **{"llm.backend": backend, "llm.url": url, "llm.model": model, **over})
    llm = make_llm(settings)
    assert llm is not None
    return llm


def test_openai_contract_and_request(server: str) -> None:
    llm = _llm("openai", server, "qwen-0.5b", **{"llm.api_key": "k"})
    check_llm_contract(llm)
    assert llm.backend == "openai" and llm.model == "qwen-0.5b"
    assert "".join(llm.stream([], max_tokens=5)) == "124 Milliarden Euro [1]."
    path, body = _Recorder.requests[0]
    assert path == "/v1/chat/completions"
    assert body["stream"] is True and body["model"] == "qwen-0.5b" and body["temperature"] == 0.0
    assert body["max_tokens"] == 24
    assert body["messages"][0] == {"role": "system", "content": "You are terse."}
    assert _Recorder.headers_seen[0].get("Authorization") == "Bearer k"
    sampled = [b for _, b in _Recorder.requests if b["temperature"] != 0.0]
    assert sampled, "the contract's sampled call must reach the server as a sampled request"
    assert {k: sampled[0][k] for k in ("temperature", "seed", "top_p", "top_k")} == {
        "temperature": 0.8,
        "seed": 1234,
        "top_p": 0.95,
        "top_k": 40,
    }


def test_ollama_contract_and_request(server: str) -> None:
    llm = _llm("ollama", server, "qwen2.5:1.5b")
    check_llm_contract(llm)
    path, body = _Recorder.requests[0]
    assert path == "/api/chat" and body["stream"] is True and body["model"] == "qwen2.5:1.5b"
    assert {k: body["options"][k] for k in ("temperature", "num_predict")} == {"temperature": 0.0, "num_predict": 24}
    assert "seed" not in body["options"]
    sampled = [b["options"] for _, b in _Recorder.requests if b["options"]["temperature"] != 0.0]
    assert len(sampled) == 1
    assert {k: sampled[0][k] for k in ("temperature", "num_predict", "top_k", "top_p", "seed")} == {
        "temperature": 0.8,
        "num_predict": 24,
        "top_k": 40,
        "top_p": 0.95,
        "seed": 1234,
    }


def test_any_llama_index_llm_by_import_path(server: str) -> None:
    """``llm.backend: llama-index``: the class and its keyword arguments from the settings."""
    llm = _llm(
        "llama-index",
        "",
        "scripted-by-path",
        **{
            "llm.class": "llama_index.llms.openai_like.OpenAILike",
            "llm.kwargs": {
                "model": "qwen-0.5b",
                "api_base": f"{server}/v1",
                "api_key": "none",
                "is_chat_model": True,
                "temperature": 0.0,
                "max_retries": 0,
            },
        },
    )
    check_llm_contract(llm)
    assert llm.backend == "llama-index" and llm.model == "scripted-by-path"
    assert _Recorder.requests[0][1]["model"] == "qwen-0.5b"


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("Ollama", "full import path"),
        ("llama_index.llms.nope.Thing", "Cannot import"),
        ("llama_index.llms.ollama.NoSuchClass", "has no NoSuchClass"),
    ],
)
def test_a_wrong_class_path_is_one_clear_error(path: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        _llm("llama-index", "", **{"llm.class": path})


def test_bad_kwargs_are_one_clear_error() -> None:
    with pytest.raises(BackendError, match="Cannot create"):
        _llm("llama-index", "", **{"llm.class": "llama_index.llms.ollama.Ollama", "llm.kwargs": {"nonsense": 1}})
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(None, **{"llm.kwargs": "[1, 2]"})


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_server_down_is_a_clear_error(backend: str) -> None:
    llm = _llm(backend, f"http://127.0.0.1:{free_port()}", **{"llm.timeout_s": 2})
    with pytest.raises(BackendError, match="connection refused.*extractive"):
        list(llm.stream([Message("user", "hi")]))


def test_a_server_error_status_is_a_clear_error(server: str) -> None:
    llm = _llm("openai", server + "/broken")
    with pytest.raises(BackendError, match="HTTP 404"):
        list(llm.stream([Message("user", "hi")]))


def test_missing_url_is_a_clear_error() -> None:
    with pytest.raises(BackendError, match="URL"):
        _llm("openai", "")
