"""A server with API keys: the UI asks for a login, anonymous uploads are refused, and only the admin login
may change the corpus. Real ``assistant serve``, real Chromium, real HTTP."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from uihelp import upload

from tests.servers import ADMIN_KEY, USER_KEY

pytestmark = pytest.mark.ui


def _login(browser: Any, url: str, name: str, key: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page = ctx.new_page()
    page.goto(url, wait_until="load")
    page.locator("input[type=password]").wait_for(timeout=60_000)
    page.locator("input:not([type=password])").first.fill(name)
    page.locator("input[type=password]").fill(key)
    page.get_by_role("button", name=re.compile("login|anmelden", re.IGNORECASE)).click()
    return page


def _note(tmp_path: Path) -> Path:
    note = tmp_path / "auth-notiz.txt"
    note.write_text("Notiz\n\nDas Maskottchen des Gipfels war ein Seeadler namens Kuno.\n", encoding="utf-8")
    return note


def test_anonymous_visitors_get_the_login_and_cannot_upload(auth_server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = auth_server
    note = _note(tmp_path)
    with note.open("rb") as fh:
        resp = httpx.post(f"{url}gradio_api/upload", files={"files": (note.name, fh, "text/plain")}, timeout=30)
    assert resp.status_code in (401, 403), resp.text
    assert not (root / "corpus" / note.name).exists()


def test_a_wrong_key_and_the_admin_name_with_a_user_key_do_not_log_in(
    browser: Any, auth_server: tuple[str, Path]
) -> None:
    url, _ = auth_server
    for name, key in (("lena", "not-a-key-123456"), ("admin", USER_KEY)):
        page = _login(browser, url, name, key)
        page.wait_for_timeout(1500)
        assert page.locator("body[data-summit-ready='1']").count() == 0
        assert page.locator("input[type=password]").count() == 1  # still the login form
        page.context.close()


def test_a_user_may_chat_but_not_change_the_corpus(browser: Any, auth_server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = auth_server
    page = _login(browser, url, "lena", USER_KEY)
    page.wait_for_selector("body[data-summit-ready='1']", timeout=60_000)
    before = sorted(p.name for p in (root / "corpus").iterdir())
    msg = upload(page, _note(tmp_path))
    assert "Nur ein Admin" in msg and "Der Index ist unverändert." in msg
    assert sorted(p.name for p in (root / "corpus").iterdir()) == before
    page.context.close()


def test_the_admin_may_change_the_corpus(browser: Any, auth_server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = auth_server
    page = _login(browser, url, "admin", ADMIN_KEY)
    page.wait_for_selector("body[data-summit-ready='1']", timeout=60_000)
    msg = upload(page, _note(tmp_path))
    assert "hinzugefügt" in msg, msg
    assert (root / "corpus" / "auth-notiz.txt").is_file()
    page.context.close()


def test_the_api_on_the_same_server_needs_a_key(auth_server: tuple[str, Path]) -> None:
    url, _ = auth_server
    assert httpx.get(f"{url}v1/models", timeout=30).status_code == 401
    ok = httpx.get(f"{url}v1/models", headers={"Authorization": f"Bearer {USER_KEY}"}, timeout=30)
    assert ok.status_code == 200 and ok.json()["data"][0]["id"] == "extractive"
