"""The /v1 API in process (FastAPI's TestClient): the real routes, Engine, index and answer policy, with the
hash embedder and the scripted LLM. ``tests/integration/test_api_real.py`` runs a real ``assistant serve``
with the real models and the official ``openai`` client."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.access import Access, Role
from assistant.api.app import create_api
from assistant.config import load_settings
from assistant.embeddings.fake import HashEmbedder
from assistant.llm.fake import FakeLLM
from assistant.ui.engine import Engine
from assistant.ui.queue import Ticket
from assistant.ui.session import default_prefs

ROOT = Path(__file__).resolve().parents[2]
REPLY = "Deutschland erhöht den Verteidigungshaushalt 2026 auf 124 Milliarden Euro [1]."
QUESTION = "Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?"
KEY = "test-key-0123456789"


def _engine(tmp: Path, llm: FakeLLM, **over: Any) -> Engine:
    root = tmp / "root"
    shutil.copytree(ROOT / "corpus", root / "corpus")
    settings = load_settings(
        None,
        **{
            "paths.root": str(root),
            "paths.data": str(root / ".data"),
            "llm.backend": "fake",
            "retrieval.min_dense_score": 0.0,  # hash vectors are not calibrated like the real ones
            "answer.summaries": "extractive",
            **over,
        },
    )
    engine = Engine(settings, embedder=HashEmbedder(dim=128), llm_factory=lambda s: llm)
    with engine.corpus_lock:
        engine.build_index()
    return engine


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Engine]]:
    engine = _engine(tmp_path_factory.mktemp("api"), FakeLLM([REPLY]), **{"server.rate_limit_per_minute": 0})
    with TestClient(create_api(engine, Access([]))) as client:
        yield client, engine


def _ask(client: TestClient, question: str = QUESTION, **extra: Any) -> Any:
    return client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}], **extra})


def test_health_is_at_once_and_ready_once_warm(served: tuple[TestClient, Engine]) -> None:
    client, engine = served
    assert client.get("/healthz").json() == {"status": "ok"}
    engine.ready.clear()
    assert client.get("/readyz").status_code == 503
    engine.warm(default_prefs(engine.settings))
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["queue"] == {"busy": False, "waiting": 0}


def test_models_list_the_servers_default_first(served: tuple[TestClient, Engine]) -> None:
    ids = [m["id"] for m in served[0].get("/v1/models").json()["data"]]
    assert ids[0] == "fake" and "extractive" in ids and "ollama" in ids
    assert "openai" not in ids  # it needs a server URL, which these settings do not give


def test_an_answer_has_its_markers_and_citations_that_slice_the_source(served: tuple[TestClient, Engine]) -> None:
    client, engine = served
    resp = _ask(client)
    assert resp.status_code == 200
    body = resp.json()
    assert body["object"] == "chat.completion" and body["model"] == "fake"
    assert "124 Milliarden" in body["choices"][0]["message"]["content"]
    assert "[1]" in body["choices"][0]["message"]["content"]
    ext = body["summit"]
    assert ext["refused"] is False and ext["citations"]
    for cite in ext["citations"]:
        text = (engine.settings.root / cite["source"]).read_text(encoding="utf-8")
        assert text[cite["start"] : cite["end"]] == cite["quote"]


def test_a_stream_is_server_sent_events_ending_in_done(served: tuple[TestClient, Engine]) -> None:
    client, _ = served
    with client.stream(
        "POST", "/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}], "stream": True}
    ) as resp:
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert "124 Milliarden" in text and chunks[-1]["summit"]["citations"]


def test_the_history_comes_from_the_request_only(served: tuple[TestClient, Engine]) -> None:
    client, _ = served
    first = client.post(
        "/v1/chat/completions",
        json={
            "messages": [
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": REPLY},
                {"role": "user", "content": "Und 2027?"},
            ]
        },
    ).json()
    alone = _ask(client, "Und 2027?").json()
    assert QUESTION in first["summit"]["retrieval_query"]
    assert alone["summit"]["retrieval_query"] == "Und 2027?"


@pytest.mark.parametrize(("question", "needle"), [("   ", "The question is empty"), ("x" * 5000, "characters long")])
def test_an_empty_or_huge_question_is_a_400_with_the_clis_message(
    served: tuple[TestClient, Engine], question: str, needle: str
) -> None:
    resp = _ask(served[0], question)
    assert resp.status_code == 400
    err = resp.json()["error"]
    assert needle in err["message"] and err["type"] == "invalid_request_error"


def test_malformed_requests_and_unknown_models_get_openai_errors(served: tuple[TestClient, Engine]) -> None:
    client, _ = served
    bad = client.post("/v1/chat/completions", json={"messages": []})
    assert bad.status_code == 400 and "messages" in bad.json()["error"]["message"]
    unknown = _ask(client, model="gpt-9")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
    assert "fake" in unknown.json()["error"]["message"]


def test_search_returns_passages_with_offsets(served: tuple[TestClient, Engine]) -> None:
    client, engine = served
    body = client.post("/v1/search", json={"query": "Verteidigungshaushalt 2026", "k": 3}).json()
    assert len(body["data"]) == 3
    for hit in body["data"]:
        text = (engine.settings.root / hit["source"]).read_text(encoding="utf-8")
        assert text[hit["start"] : hit["end"]] == hit["text"]


def test_a_wrong_or_missing_key_is_a_401(tmp_path: Path) -> None:
    engine = _engine(tmp_path, FakeLLM([REPLY]))
    with TestClient(create_api(engine, Access([(KEY, Role.USER)]))) as client:
        assert client.get("/v1/models").status_code == 401
        wrong = client.get("/v1/models", headers={"Authorization": "Bearer wrong-key-0123456"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
        assert client.get("/v1/models", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
        assert client.get("/healthz").status_code == 200  # probes need no key


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(tmp_path: Path) -> None:
    engine = _engine(tmp_path, FakeLLM([REPLY]), **{"server.rate_limit_per_minute": 2})
    with TestClient(create_api(engine, Access([(KEY, Role.USER)]))) as client:
        auth = {"Authorization": f"Bearer {KEY}"}
        codes = [client.get("/v1/models", headers=auth).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        limited = client.get("/v1/models", headers=auth)
        assert limited.json()["error"]["code"] == "rate_limit_exceeded" and int(limited.headers["Retry-After"]) >= 1


def test_a_backend_that_is_down_is_a_503(tmp_path: Path) -> None:
    engine = _engine(tmp_path, FakeLLM(fail="Cannot get an answer from the fake server: connection refused."))
    with TestClient(create_api(engine, Access([]))) as client:
        resp = _ask(client)
        assert resp.status_code == 503 and "connection refused" in resp.json()["error"]["message"]
        stream = _ask(client, stream=True)
        assert stream.status_code == 503


def _hold_the_model(engine: Engine) -> tuple[threading.Event, threading.Thread]:
    release = threading.Event()

    def hold() -> None:
        with engine.gate.hold(Ticket()):
            release.wait(20)

    th = threading.Thread(target=hold)
    th.start()
    while not engine.gate.busy:
        time.sleep(0.01)
    return release, th


def test_a_full_queue_is_a_429_and_a_long_wait_a_503(tmp_path: Path) -> None:
    engine = _engine(tmp_path, FakeLLM([REPLY]), **{"server.queue_max": 0, "server.rate_limit_per_minute": 0})
    with TestClient(create_api(engine, Access([]))) as client:
        release, th = _hold_the_model(engine)  # a UI session's question, say
        try:
            full = _ask(client)
            assert full.status_code == 429 and full.json()["error"]["code"] == "queue_full"
        finally:
            release.set()
            th.join(5)
        assert _ask(client).status_code == 200  # the model is free again
    engine = _engine(tmp_path / "b", FakeLLM([REPLY]), **{"server.queue_timeout_s": 0.3})
    with TestClient(create_api(engine, Access([]))) as client:
        release, th = _hold_the_model(engine)
        try:
            slow = _ask(client)
            assert slow.status_code == 503 and slow.json()["error"]["code"] == "queue_timeout"
            assert engine.gate.waiting == 0  # the timed-out question left the line
        finally:
            release.set()
            th.join(5)
