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

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from uihelp import Pages

from tests.servers import ADMIN_KEY, ROOT, USER_KEY, running_serve, scratch_project

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
EVAL_CASES = ("de-meta-01", "en-meta-01", "de-budget-01", "en-unans-01")


@pytest.fixture(scope="session")
def ui_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch project: corpus copy, index (copied, rebuilt if stale), a 4-case eval set."""
    root = scratch_project(tmp_path_factory.mktemp("ui-root"))
    (root / "evals").mkdir()
    lines = (ROOT / "evals" / "summit.jsonl").read_text(encoding="utf-8").splitlines()
    picked = [line for line in lines if any(f'"id": "{cid}"' in line for cid in EVAL_CASES)]
    assert len(picked) == len(EVAL_CASES), "eval cases for the UI test are missing from evals/summit.jsonl"
    (root / "evals" / "mini.jsonl").write_text("\n".join(picked) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def app_url(ui_root: Path) -> Iterator[str]:
    """``assistant serve`` with the default local model (1.5B), as users start it."""
    with running_serve(ui_root, SUMMIT_LLM__BACKEND="llamacpp") as url:
        yield url


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A second ``assistant serve``, with API keys (so the UI asks for a login), on its own project copy.

    The extractive backend: these tests are about who may do what, not about answers.
    """
    root = scratch_project(tmp_path_factory.mktemp("auth-root"))
    keys = {"SUMMIT_SERVER__API_KEYS": USER_KEY, "SUMMIT_SERVER__ADMIN_KEYS": ADMIN_KEY}
    with running_serve(root, log_name="auth-server.log", SUMMIT_LLM__BACKEND="extractive", **keys) as url:
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
