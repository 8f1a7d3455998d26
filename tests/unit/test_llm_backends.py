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

from assistant.errors import BackendError
from assistant.llm.fake import FakeLLM
from assistant.llm.remote import OllamaLLM, OpenAICompatLLM
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

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((self.path, body))
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
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fake_contract() -> None:
    check_llm_contract(FakeLLM(["Der Haushalt beträgt 124 Milliarden Euro [1]."]))


def test_openai_contract_and_request(server: str) -> None:
    llm = OpenAICompatLLM(server, "qwen-0.5b", api_key="k")
    check_llm_contract(llm)
    assert "".join(llm.stream([], max_tokens=5)) == "124 Milliarden Euro [1]."
    path, body = _Recorder.requests[0]
    assert path == "/v1/chat/completions"
    assert body["stream"] is True and body["model"] == "qwen-0.5b" and body["temperature"] == 0.0
    assert body["messages"][0] == {"role": "system", "content": "You are terse."}
    sampled = [b for _, b in _Recorder.requests if b["temperature"] != 0.0]
    assert sampled, "the contract's sampled call must reach the server as a sampled request"
    assert {k: sampled[0][k] for k in ("temperature", "seed", "top_p", "top_k")} == {
        "temperature": 0.8, "seed": 1234, "top_p": 0.95, "top_k": 40}  # fmt: skip


def test_ollama_contract_and_request(server: str) -> None:
    llm = OllamaLLM(server, "qwen2.5:1.5b")
    check_llm_contract(llm)
    path, body = _Recorder.requests[0]
    assert path == "/api/chat" and body["stream"] is True
    assert body["options"] == {"temperature": 0.0, "num_predict": 24}
    sampled = [b["options"] for _, b in _Recorder.requests if b["options"]["temperature"] != 0.0]
    assert sampled == [{"temperature": 0.8, "num_predict": 24, "top_k": 40, "top_p": 0.95, "seed": 1234}]


@pytest.mark.parametrize("cls", [OpenAICompatLLM, OllamaLLM])
def test_server_down_is_a_clear_error(cls: type[OpenAICompatLLM]) -> None:
    llm = cls(f"http://127.0.0.1:{free_port()}", "m", timeout_s=2)
    with pytest.raises(BackendError, match="connection refused.*extractive"):
        list(llm.stream([]))


def test_missing_url_is_a_clear_error() -> None:
    with pytest.raises(BackendError, match="URL"):
        OpenAICompatLLM("", "m")
