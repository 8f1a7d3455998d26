"""The /v1 API end to end: a real ``assistant serve --api-only`` on loopback, with the real models, the real
index on disk, the official ``openai`` client and ``httpx``.

One server serves the module, started the way a user starts it, with an API key from the environment and
a queue that holds no one (``SUMMIT_SERVER__QUEUE_MAX=0``), so that a second question while the model writes
gets its 429 at once.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.net import free_port
from tests.servers import running_serve, scratch_project, server_env

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
KEY = "it-key-5f0c2d9e41"
QUESTION = "Wer hat die Pressemitteilung geschrieben?"
FOLLOW_UP = "Und in welchem Ministerium arbeitet sie?"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return scratch_project(tmp_path_factory.mktemp("api-real"))


@pytest.fixture(scope="module")
def server(project: Path) -> Iterator[str]:
    env = {"SUMMIT_SERVER__API_KEYS": KEY, "SUMMIT_SERVER__QUEUE_MAX": "0", "SUMMIT_SERVER__RATE_LIMIT_PER_MINUTE": "0"}
    with running_serve(project, "--api-only", log_name="api-server.log", **env) as url:
        yield url.rstrip("/")
    assert KEY not in (project / "api-server.log").read_text(), "the API key was written to the log"


@pytest.fixture(scope="module")
def client(server: str) -> Any:
    from openai import OpenAI

    return OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0, timeout=300)


def _source_text(project: Path, source: str) -> str:
    with (project / source).open(encoding="utf-8", newline="") as fh:
        return fh.read()


def _check_citations(project: Path, summit: dict[str, Any]) -> None:
    assert summit["citations"], summit
    for cite in summit["citations"]:
        assert _source_text(project, cite["source"])[cite["start"] : cite["end"]] == cite["quote"]


def test_models_are_the_backend_profiles(client: Any) -> None:
    ids = [m.id for m in client.models.list().data]
    assert ids[0] == "local-1.5b" and "extractive" in ids


def test_an_answer_and_its_follow_up_with_the_openai_client(client: Any, project: Path) -> None:
    first = client.chat.completions.create(model="local-1.5b", messages=[{"role": "user", "content": QUESTION}])
    text = first.choices[0].message.content
    summit = first.model_extra["summit"]
    assert "Finke" in text and not summit["refused"]
    _check_citations(project, summit)
    follow = client.chat.completions.create(
        model="local-1.5b",
        messages=[
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": text},
            {"role": "user", "content": FOLLOW_UP},
        ],
    )
    assert QUESTION in follow.model_extra["summit"]["retrieval_query"]
    assert follow.choices[0].message.content.strip()


def test_a_stream_with_the_openai_client(client: Any, project: Path) -> None:
    stream = client.chat.completions.create(
        model="local-1.5b", stream=True, messages=[{"role": "user", "content": "Who wrote the press release?"}]
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "Finke" in text and len(chunks) >= 3
    assert chunks[-1].choices[0].finish_reason == "stop"
    _check_citations(project, chunks[-1].model_extra["summit"])


def test_two_sessions_never_see_each_others_history(client: Any, server: str) -> None:
    from openai import OpenAI

    other = OpenAI(base_url=f"{server}/v1", api_key=KEY, max_retries=0, timeout=300)
    got: dict[str, Any] = {}

    def ask(name: str, c: Any, messages: list[dict[str, str]]) -> None:
        got[name] = c.chat.completions.create(model="extractive", messages=messages)

    a = threading.Thread(
        target=ask,
        args=(
            "a",
            client,
            [
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": "Lara Finke [1]."},
                {"role": "user", "content": FOLLOW_UP},
            ],
        ),
    )
    b = threading.Thread(target=ask, args=("b", other, [{"role": "user", "content": FOLLOW_UP}]))
    a.start(), b.start()
    a.join(120), b.join(120)
    assert QUESTION in got["a"].model_extra["summit"]["retrieval_query"]
    assert got["b"].model_extra["summit"]["retrieval_query"] == FOLLOW_UP


def _post(server: str, body: dict[str, Any], key: str = KEY) -> httpx.Response:
    return httpx.post(
        f"{server}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=300
    )


def test_errors_have_openais_shape_and_the_clis_words(server: str) -> None:
    ask = {"model": "extractive", "messages": [{"role": "user", "content": QUESTION}]}
    wrong = _post(server, ask, key="not-the-key-123")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    empty = _post(server, {**ask, "messages": [{"role": "user", "content": "  "}]})
    assert empty.status_code == 400 and "The question is empty" in empty.json()["error"]["message"]
    down = _post(server, {**ask, "model": "ollama"})  # nothing listens on Ollama's port here
    assert down.status_code == 503 and "ollama" in down.json()["error"]["message"].lower()


def test_a_question_while_the_model_writes_gets_429(server: str) -> None:
    """The queue holds no one here, so a question that finds the model busy is turned away at once."""
    busy = {"model": "local-1.5b", "messages": [{"role": "user", "content": "Nenne alle Vereinbarungen des Gipfels."}]}
    quick = {"model": "local-1.5b", "messages": [{"role": "user", "content": QUESTION}]}
    for _ in range(3):  # the long answer may end between the probe and the question: try again
        th = threading.Thread(target=_post, args=(server, busy))
        th.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not httpx.get(f"{server}/readyz").json()["queue"]["busy"]:
            time.sleep(0.02)
        resp = _post(server, quick)
        th.join(300)
        if resp.status_code == 429:
            assert resp.json()["error"]["code"] == "queue_full" and resp.headers["Retry-After"]
            return
        assert resp.status_code == 200
    pytest.fail("the model was never busy when the second question came")


def test_search_offsets_slice_the_source(server: str, project: Path) -> None:
    resp = httpx.post(
        f"{server}/v1/search",
        json={"query": "Verteidigungshaushalt", "k": 3},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    hits = resp.json()["data"]
    assert resp.status_code == 200 and len(hits) == 3
    for h in hits:
        assert _source_text(project, h["source"])[h["start"] : h["end"]] == h["text"]


def test_serve_beyond_loopback_without_keys_exits_with_a_clear_message(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=server_env(project),
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "without API keys" in done.stderr and "Traceback" not in done.stderr
