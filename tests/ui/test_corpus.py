"""The corpus tab: a bad upload changes nothing; a good one is indexed and answers with citations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from uihelp import Pages, ask, tab, upload, use_backend, wait_done

pytestmark = pytest.mark.ui


def _corpus_state(root: Path) -> tuple[list[str], str]:
    files = sorted(p.name for p in (root / "corpus").iterdir())
    return files, (root / "index" / "CURRENT").read_text()


def _build(root: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """The active build's manifest, and its chunks' ids by source (read from its sentence rows)."""
    build = root / "index" / (root / "index" / "CURRENT").read_text().strip()
    manifest = json.loads((build / "manifest.json").read_text())
    rows = json.loads((build / "sentences.json").read_text())
    return manifest, {cid: "" for cid, _ in rows}


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
    before, before_chunks = _build(ui_root)
    page = pages.open()
    msg = upload(page, note)
    assert "„gipfel-notiz.txt“ hinzugefügt" in msg, msg
    # Only the new document was read and embedded; the press release's chunks and vectors were kept.
    after, after_chunks = _build(ui_root)
    assert after["work"]["loaded"] == 1 and after["work"]["kept"] == len(before["sources"]), after["work"]
    assert 0 < after["work"]["embedded"] <= 6, after["work"]  # its one chunk and its sentences, nothing else
    assert f"{after['work']['embedded']} neue Texte eingebettet" in msg
    assert set(before_chunks) < set(after_chunks)
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
    removed, removed_chunks = _build(ui_root)
    assert removed["work"] == {"kept": len(before["sources"]), "loaded": 0, "removed": 1, "embedded": 0}
    assert set(removed_chunks) == set(before_chunks)
