"""The issue's must-show commands, run as a user would, in subprocesses."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSISTANT = str(Path(sys.executable).parent / "assistant")


def _env(index_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "SUMMIT_PATHS__INDEX": str(index_dir), "SUMMIT_PATHS__ROOT": str(ROOT), **extra}


def _run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ASSISTANT, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index_dir = tmp_path_factory.mktemp("cli-index")
    r = _run(["index", "-q"], _env(index_dir))
    assert r.returncode == 0, r.stderr
    assert "Index built" in r.stdout
    return index_dir


def test_search_json_contract(built_index: Path, original_text: str) -> None:
    r = _run(["search", "--json", "Wie hoch ist der Verteidigungshaushalt 2026?"], _env(built_index))
    assert r.returncode == 0, r.stderr
    hits = json.loads(r.stdout)
    assert hits and set(hits[0]) == {"chunk_id", "source", "section", "start", "end", "text", "score"}
    assert all(original_text[h["start"] : h["end"]] == h["text"] for h in hits)
    assert "124 Milliarden Euro" in hits[0]["text"]


def test_second_index_does_no_work(built_index: Path) -> None:
    t = time.perf_counter()
    r = _run(["index"], _env(built_index))
    assert r.returncode == 0 and "nothing to do" in r.stdout
    assert time.perf_counter() - t < 30  # generous: it must not re-embed (a build takes far longer)


def test_changed_corpus_triggers_rebuild(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    env = _env(tmp_path / "index", SUMMIT_PATHS__CORPUS=str(corpus))
    assert _run(["index", "-q"], env).returncode == 0
    r = _run(["search", "Verteidigungshaushalt"], env)
    assert r.returncode == 0, r.stderr
    with (corpus / "nato-gipfel-2026-ankara.txt").open("a", encoding="utf-8") as fh:
        fh.write("\nNachtrag: Der nächste Gipfel findet 2027 statt.\n")
    r = _run(["search", "Verteidigungshaushalt"], env)
    assert r.returncode == 2 and "stale" in r.stderr and "assistant index" in r.stderr
    assert "Traceback" not in r.stderr
    r = _run(["index", "-q"], env)
    assert r.returncode == 0 and "corpus files changed" in r.stdout


def test_killed_index_leaves_previous_index_usable(tmp_path: Path, built_index: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(built_index, index_dir)
    before = (index_dir / "CURRENT").read_text()
    proc = subprocess.Popen(
        [ASSISTANT, "index", "--rebuild"],
        env=_env(index_dir),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.time() + 120
    for line in proc.stderr:
        if "embedding" in line or time.time() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (index_dir / "CURRENT").read_text() == before
    r = _run(["search", "--json", "Wie hoch ist der Verteidigungshaushalt 2026?"], _env(index_dir))
    assert r.returncode == 0, r.stderr
    assert "124 Milliarden Euro" in json.loads(r.stdout)[0]["text"]


def test_corrupted_model_is_refused(tmp_path: Path) -> None:
    from assistant.config import load_settings
    from assistant.models.registry import QWEN_05B

    src = load_settings().models_dir / QWEN_05B.filename
    models = tmp_path / "models"
    models.mkdir()
    shutil.copyfile(src, models / QWEN_05B.filename)
    with (models / QWEN_05B.filename).open("r+b") as fh:
        fh.seek(12345)
        byte = fh.read(1)
        fh.seek(12345)
        fh.write(bytes([byte[0] ^ 0xFF]))
    r = _run(["models", "list", QWEN_05B.name], {**os.environ, "SUMMIT_MODELS_DIR": str(models)})
    assert r.returncode == 1
    assert "corrupted" in r.stdout and "assistant models fetch" in r.stdout


def _mixed_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "leitfaden.html").write_text(
        "<html><head><title>Leitfaden</title></head><body><h1>Leitfaden</h1>"
        "<p>Der Leitfaden nennt drei Meldewege für Drohnensichtungen.</p></body></html>",
        encoding="utf-8",
    )
    (corpus / "kaputt.txt").write_bytes(b"\x00\x01\x02binary" * 50)
    (corpus / "bericht.pdf").write_bytes(b"<html>no PDF</html>")
    return corpus


def test_bad_files_are_skipped_and_reported(tmp_path: Path) -> None:
    corpus = _mixed_corpus(tmp_path)
    env = _env(tmp_path / "index", SUMMIT_PATHS__CORPUS=str(corpus), SUMMIT_ANSWER__SUMMARIES="extractive")
    r = _run(["index", "-q"], env)
    assert r.returncode == 0, r.stderr
    assert "Index built" in r.stdout and "Traceback" not in r.stderr
    assert "corpus/kaputt.txt [binary]: kaputt.txt: looks binary" in r.stderr
    assert "corpus/bericht.pdf [not-pdf]" in r.stderr and "2 file(s) skipped" in r.stderr
    r = _run(["search", "--json", "Meldewege für Drohnensichtungen"], env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["source"].endswith("corpus/leitfaden.html")
    # --strict: the same index, but the skips fail the command
    r = _run(["index", "--strict", "-q"], env)
    assert r.returncode == 3 and "nothing to do" in r.stdout and "--strict" in r.stderr


def test_killed_incremental_build_leaves_previous_index_answering(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    env = _env(tmp_path / "index", SUMMIT_PATHS__CORPUS=str(corpus), SUMMIT_ANSWER__SUMMARIES="extractive")
    assert _run(["index", "-q"], env).returncode == 0
    before = (tmp_path / "index" / "CURRENT").read_text()
    long_text = "\n\n".join(f"Abschnitt {i}\n\nDie Übung Nummer {i} fand in Hafen {i} statt." for i in range(300))
    (corpus / "uebungen.txt").write_text(long_text, encoding="utf-8")
    proc = subprocess.Popen([ASSISTANT, "index"], env=env, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if "embedding" in line and "/" in line:  # in the middle of embedding the new file
            break
    assert any("keeping 1 unchanged files" in line for line in seen), seen
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert (tmp_path / "index" / "CURRENT").read_text() == before
    assert not list((tmp_path / "index").glob("build-*/sentences.json"))[1:], "no second build landed"
    r = _run(["search", "--json", "Wie hoch ist der Verteidigungshaushalt 2026?"], env)
    assert r.returncode == 2 and "stale" in r.stderr  # the new file is not in it, and it says so
    (corpus / "uebungen.txt").rename(tmp_path / "uebungen.txt")  # undo the change: the old index answers
    r = _run(["search", "--json", "Wie hoch ist der Verteidigungshaushalt 2026?"], env)
    assert r.returncode == 0 and "124 Milliarden Euro" in json.loads(r.stdout)[0]["text"]
    (tmp_path / "uebungen.txt").rename(corpus / "uebungen.txt")
    r = _run(["index", "-q"], env)
    assert r.returncode == 0 and "1 files embedded, 1 kept" in r.stdout, r.stdout
    r = _run(["search", "--json", "In welchem Hafen fand Übung 17 statt?"], env)
    assert r.returncode == 0 and any("Hafen 17" in h["text"] for h in json.loads(r.stdout))
