"""The corpus tab: a bad upload changes nothing; a good one is indexed and answers with citations."""

from __future__ import annotations

from pathlib import Path

import pytest
from uihelp import Pages, ask, tab, upload, use_backend, wait_done

pytestmark = pytest.mark.ui


def _corpus_state(root: Path) -> tuple[list[str], str]:
    files = sorted(p.name for p in (root / "corpus").iterdir())
    return files, (root / "index" / "CURRENT").read_text()


def test_broken_upload_leaves_corpus_and_index_unchanged(pages: Pages, ui_root: Path, tmp_path: Path) -> None:
    before = _corpus_state(ui_root)
    fake = tmp_path / "bericht.pdf"
    fake.write_bytes(b"<html>this is no PDF</html>")
    page = pages.open()
    msg = upload(page, fake)
    assert "not a PDF" in msg and "Der Index ist unverändert." in msg
    assert page.locator("#corpus-msg .error-box").count() == 1
    assert _corpus_state(ui_root) == before
    assert "bericht.pdf" not in page.locator("#corpus-table").inner_text()


def test_uploaded_document_is_indexed_cited_and_removable(pages: Pages, ui_root: Path, tmp_path: Path) -> None:
    note = tmp_path / "gipfel-notiz.txt"
    note.write_text(
        "Notiz zum Rahmenprogramm\n\n"
        "Das Maskottchen des Gipfels war ein Seeadler namens Kuno. "
        "Kuno begrüßte die Delegationen am Eingang des Kongresszentrums.\n",
        encoding="utf-8",
    )
    page = pages.open()
    msg = upload(page, note)
    assert "„gipfel-notiz.txt“ hinzugefügt" in msg, msg
    assert "gipfel-notiz.txt" in page.locator("#corpus-table").inner_text()
    assert (ui_root / "corpus" / "gipfel-notiz.txt").is_file()
    use_backend(page, "extractive")
    turn = wait_done(ask(page, "Wie hieß das Maskottchen des Gipfels?"), 60_000)
    assert "Kuno" in turn.locator(".answer").inner_text()
    assert "corpus/gipfel-notiz.txt" in turn.locator(".sources .src").first.inner_text()
    # and it can be taken out again
    tab(page, "Korpus")
    page.locator("#remove-pick input").click()
    page.get_by_role("option", name="gipfel-notiz (gipfel-notiz.txt)").click()
    page.locator("#remove-btn").click()
    page.locator("#corpus-msg .info-box", has_text="entfernt").wait_for(timeout=120_000)
    assert "gipfel-notiz.txt" not in page.locator("#corpus-table").inner_text()
    assert not (ui_root / "corpus" / "gipfel-notiz.txt").exists()
