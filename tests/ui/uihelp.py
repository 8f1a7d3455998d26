"""Small Playwright steps shared by the browser tests (German interface unless noted)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
ANSWER_TIMEOUT_MS = 240_000  # the 1.5B model on two cores, behind a possible queue
BACKEND_LABELS = {
    "extractive": "Extraktiv (ohne Sprachmodell, zitiert Sätze)",
    "local-1.5b": "Lokal: Qwen2.5-Coder 1.5B (llama.cpp)",
    "ollama": "Ollama-Server",
}


def tab(page: Any, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def ask(page: Any, question: str) -> Any:
    """Type and send a question; return the locator of its turn."""
    n = page.locator(".transcript .turn").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    turn = page.locator(f"#turn-{n}")
    turn.wait_for(timeout=30_000)
    return turn


def wait_done(turn: Any, timeout_ms: int = ANSWER_TIMEOUT_MS) -> Any:
    turn.page.wait_for_function(
        "(id) => { const el = document.getElementById(id); return el && el.classList.contains('done'); }",
        arg=turn.get_attribute("id"),
        timeout=timeout_ms,
    )
    # the last step of an answer gives the question box back
    turn.page.wait_for_function("() => !document.querySelector('#question textarea').disabled", timeout=10_000)
    return turn


def use_backend(page: Any, choice: str) -> None:
    """Pick a backend in the settings tab and wait until the chat tab shows it."""
    tab(page, "Einstellungen")
    page.locator("#backend").get_by_label(BACKEND_LABELS[choice], exact=True).check()
    page.wait_for_function(
        "(label) => document.getElementById('active-backend').innerText.includes(label)",
        arg=BACKEND_LABELS[choice],
        timeout=10_000,
    )
    tab(page, "Chat")


def _corpus_message(page: Any) -> str:
    # all_inner_texts() never waits: the box may be replaced between a count() and a read
    texts = page.locator("#corpus-msg .error-box, #corpus-msg .info-box").all_inner_texts()
    return str(texts[0]) if texts else ""


def upload(page: Any, path: Path) -> str:
    """Upload a file in the corpus tab; return the message shown afterwards."""
    tab(page, "Korpus")
    before = _corpus_message(page)
    page.locator("#upload input[type=file]").set_input_files(str(path))
    # the preview links the file once it is on the server
    page.locator(f'#upload a[href$="/{path.name}"]').first.wait_for(timeout=30_000)
    page.locator("#upload-btn").click()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        msg = _corpus_message(page)
        if msg.strip() and msg != before:
            return msg
        time.sleep(0.2)
    raise AssertionError("no message after the upload")


def in_viewport(page: Any, locator: Any) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def squash(text: str) -> str:
    return " ".join(text.split())


class Pages:
    """Opens app pages (one browser context = one session) and checks they stay offline."""

    def __init__(self, browser: Any, url: str) -> None:
        self.browser = browser
        self.url = url
        self.contexts: list[Any] = []
        self.external: list[str] = []

    def open(self, locale: str = "de-DE") -> Any:
        ctx = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
        self.contexts.append(ctx)
        page = ctx.new_page()
        host = self.url.rstrip("/")

        def watch(request: Any) -> None:
            if not request.url.startswith((host, "data:", "blob:")):
                self.external.append(request.url)

        page.on("request", watch)
        page.goto(self.url, wait_until="load")
        page.wait_for_selector("body[data-summit-ready='1']", timeout=60_000)
        return page

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Save a screenshot; into docs/screenshots only with SUMMIT_SCREENSHOTS=1 (keeps `make test` clean)."""
    import os
    import tempfile

    target = (
        SCREENSHOTS if os.environ.get("SUMMIT_SCREENSHOTS") == "1" else Path(tempfile.gettempdir()) / "summit-shots"
    )
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    page.screenshot(path=str(path), full_page=full_page)
    return path
