"""End-to-end fixtures: the real app on loopback, driven by Debian's Chromium.

One server process serves the whole session, started the way users start
it (``assistant serve``) with the real models, on a throw-away copy of
the project (corpus, index, a small eval set, data folder), so uploads
and feedback never touch the real corpus or index. Chromium is Debian's
binary, driven by Playwright with ``executable_path``; Playwright's own
browser downloads are never used. A missing Chromium fails the tests
instead of skipping them, so CI cannot pass by testing nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from uihelp import Pages

from tests.net import free_port

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 420  # model load + warm-up, plus an index build if the real index is stale
EVAL_CASES = ("de-meta-01", "en-meta-01", "de-budget-01", "en-unans-01")


def _server_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMIT_")}
    env.update(
        {
            "SUMMIT_PATHS__ROOT": str(root),
            "SUMMIT_LLM__BACKEND": "llamacpp",  # the default local model: 1.5B
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for key in ("SUMMIT_MODELS_DIR", "SUMMIT_MODELS__DIR"):  # where the models are, if set
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def _copy_index(src: Path, dst: Path) -> None:
    """Copy the current index build, so an up-to-date project index saves a rebuild."""
    try:
        name = (src / "CURRENT").read_text().strip()
    except OSError:
        return
    if name and (src / name).is_dir():
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src / name, dst / name)
        (dst / "CURRENT").write_text(name + "\n")


def _project(root: Path) -> Path:
    """The corpus and its index (copied, rebuilt if stale) in a scratch folder."""
    shutil.copytree(ROOT / "corpus", root / "corpus")
    _copy_index(ROOT / "index", root / "index")
    # A no-op when the copied index matches the settings; otherwise a real (atomic) build.
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "index", "-q"],
        env=_server_env(root),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_S,
    )
    assert done.returncode == 0, f"index build failed:\n{done.stdout}\n{done.stderr}"
    return root


@pytest.fixture(scope="session")
def ui_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch project: corpus copy, index (copied, rebuilt if stale), a 4-case eval set."""
    root = _project(tmp_path_factory.mktemp("ui-root"))
    (root / "evals").mkdir()
    lines = (ROOT / "evals" / "summit.jsonl").read_text(encoding="utf-8").splitlines()
    picked = [line for line in lines if any(f'"id": "{cid}"' in line for cid in EVAL_CASES)]
    assert len(picked) == len(EVAL_CASES), "eval cases for the UI test are missing from evals/summit.jsonl"
    (root / "evals" / "mini.jsonl").write_text("\n".join(picked) + "\n", encoding="utf-8")
    return root


@contextlib.contextmanager
def running_server(root: Path, log_name: str = "server.log", **env: str) -> Iterator[str]:
    """``assistant serve`` on a free loopback port, for as long as the block runs; its log is shown if it dies.

    Ready means ``/readyz`` answers 200: the page is served at once, the models are warm only then.
    """
    port = free_port()
    log_path = root / log_name
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env={**_server_env(root), **env},
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(url + "readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not come up in {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture(scope="session")
def app_url(ui_root: Path) -> Iterator[str]:
    with running_server(ui_root) as url:
        yield url


#: The keys of the server that ``auth_server`` starts: a user's and an admin's.
USER_KEY = "ui-user-key-7c1e93"
ADMIN_KEY = "ui-admin-key-2b8d40"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A second ``assistant serve``, with API keys (so the UI asks for a login), on its own project copy.

    The extractive backend: these tests are about who may do what, not about answers.
    """
    root = _project(tmp_path_factory.mktemp("auth-root"))
    keys = {"SUMMIT_SERVER__API_KEYS": USER_KEY, "SUMMIT_SERVER__ADMIN_KEYS": ADMIN_KEY}
    with running_server(root, "auth-server.log", SUMMIT_LLM__BACKEND="extractive", **keys) as url:
        yield url, root


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def pages(browser: Any, app_url: str) -> Iterator[Pages]:
    p = Pages(browser, app_url)
    yield p
    p.close()
    assert p.external == [], f"the page contacted hosts other than the app: {p.external}"


@pytest.fixture(scope="module")
def module_pages(browser: Any, app_url: str) -> Iterator[Pages]:
    """Pages shared by one module's tests (a conversation that goes on from test to test)."""
    p = Pages(browser, app_url)
    yield p
    p.close()
    assert p.external == [], f"the page contacted hosts other than the app: {p.external}"
