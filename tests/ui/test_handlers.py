"""The UI's handlers and engine without a browser: queue, streaming, corpus changes, evals.

These drive the real handler code, the real index code and the real
eval runner, with the hash embedder and the project's scripted LLM so
they take seconds. The browser tests in this folder cover the same
paths end to end with the real models.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from assistant.config import Settings, load_settings
from assistant.embeddings.base import Vector
from assistant.embeddings.fake import HashEmbedder
from assistant.errors import IndexError_, IngestError
from assistant.indexing import current_build
from assistant.llm.base import Message
from assistant.llm.fake import FakeLLM
from assistant.ui.app import ChatApp
from assistant.ui.corpus import add_document, entries, remove_document
from assistant.ui.engine import Engine
from assistant.ui.evaltab import failure_rows, run_ui_eval, summary_html
from assistant.ui.queue import Cancelled, LLMGate, Ticket
from assistant.ui.session import SessionState

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
REPLY = "Deutschland erhöht den Verteidigungshaushalt 2026 auf 124 Milliarden Euro [1]."
QUESTION = "Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?"


class GatedReplies:
    """Scripted replies that wait for a go signal, so a test can hold the model busy."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.calls = 0

    def __call__(self, messages: Sequence[Message]) -> str:
        self.calls += 1
        assert self.go.wait(20), "test never released the model"
        return REPLY


class ExplodingEmbedder(HashEmbedder):
    """Fails to embed any text containing EXPLODE, like a build that runs out of disk midway."""

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        if any("EXPLODE" in t for t in texts):
            raise IndexError_("simulated failure while embedding")
        return super().embed_documents(texts)


def _settings(tmp: Path) -> Settings:
    root = tmp / "root"
    (root / "corpus").mkdir(parents=True)
    for p in CORPUS.iterdir():
        if p.is_file():
            shutil.copy2(p, root / "corpus" / p.name)
    return load_settings(
        None,
        **{
            "paths.root": str(root),
            "paths.data": str(root / ".data"),
            "llm.backend": "fake",
            "retrieval.min_dense_score": 0.0,  # hash vectors are not calibrated like the real ones
            # Quoted summaries: these tests hold the scripted model busy on purpose, and a build would
            # otherwise queue behind it for its summary (tests/unit/test_summaries.py covers written ones).
            "answer.summaries": "extractive",
        },
    )


@pytest.fixture
def gated(tmp_path: Path) -> tuple[Engine, GatedReplies, FakeLLM]:
    replies = GatedReplies()
    llm = FakeLLM(replies)
    engine = Engine(_settings(tmp_path), embedder=ExplodingEmbedder(dim=128), llm_factory=lambda s: llm)
    with engine.corpus_lock:
        engine.build_index()
    return engine, replies, llm


def _drain(gen: Iterator[tuple[Any, ...]], out: list[str]) -> None:
    for value in gen:
        if isinstance(value[0], str):
            out.append(value[0])


def test_gate_is_fifo_and_reports_places() -> None:
    gate = LLMGate(poll_s=0.01)
    order: list[str] = []
    places: dict[str, list[int]] = {"b": [], "c": []}
    first = Ticket()
    release = threading.Event()

    def hold(name: str, ticket: Ticket) -> None:
        with gate.hold(ticket):
            order.append(name)
            if name == "a":
                release.wait(5)

    a = threading.Thread(target=hold, args=("a", first))
    a.start()
    while not gate.busy:
        time.sleep(0.01)
    b_ticket = Ticket(on_wait=places["b"].append)
    c_ticket = Ticket(on_wait=places["c"].append)
    b = threading.Thread(target=hold, args=("b", b_ticket))
    b.start()
    while gate.waiting < 1:
        time.sleep(0.01)
    c = threading.Thread(target=hold, args=("c", c_ticket))
    c.start()
    while gate.waiting < 2:
        time.sleep(0.01)
    assert gate.place(b_ticket) == 1 and gate.place(c_ticket) == 2
    release.set()
    for th in (a, b, c):
        th.join(5)
    assert order == ["a", "b", "c"]
    assert places["b"] == [1] and places["c"][0] == 2 and all(p in (1, 2) for p in places["c"])


def test_cancelled_ticket_leaves_the_line() -> None:
    gate = LLMGate(poll_s=0.01)
    with gate.hold(Ticket()):
        waiting = Ticket()
        errors: list[BaseException] = []

        def wait() -> None:
            try:
                with gate.hold(waiting):
                    pass
            except Cancelled as err:
                errors.append(err)

        th = threading.Thread(target=wait)
        th.start()
        while gate.waiting < 1:
            time.sleep(0.01)
        waiting.cancel()
        th.join(5)
    assert errors and gate.waiting == 0 and not gate.busy


def test_second_session_sees_its_place_then_gets_its_answer(gated: tuple[Engine, GatedReplies, FakeLLM]) -> None:
    engine, replies, _ = gated
    app = ChatApp(engine)
    a, b = app.shared.new_state(), app.shared.new_state()
    out_a: list[str] = []
    out_b: list[str] = []
    ta = threading.Thread(target=_drain, args=(app.chat.ask(a, QUESTION), out_a))
    ta.start()
    while replies.calls < 1:
        time.sleep(0.02)
    tb = threading.Thread(target=_drain, args=(app.chat.ask(b, "Wer ist NATO-Generalsekretär?"), out_b))
    tb.start()
    deadline = time.time() + 10
    while not any("Warteschlange: Platz 1" in h for h in out_b) and time.time() < deadline:
        time.sleep(0.02)
    assert any("Warteschlange: Platz 1" in h for h in out_b), out_b[-1:]
    assert not any("Warteschlange" in h for h in out_a)
    replies.go.set()
    ta.join(10)
    tb.join(10)
    assert a.turns[0].answer is not None and b.turns[0].answer is not None
    assert "124 Milliarden" in a.turns[0].answer.text and a.turns[0].answer.citations
    assert a.turns[0].draft.strip() == REPLY  # the tokens were streamed before the checked answer
    assert len(a.history()) == 1 and len(b.history()) == 1  # sessions do not share conversations


def test_new_conversation_frees_the_place_in_line(gated: tuple[Engine, GatedReplies, FakeLLM]) -> None:
    engine, replies, llm = gated
    app = ChatApp(engine)
    a, b = app.shared.new_state(), app.shared.new_state()
    ta = threading.Thread(target=_drain, args=(app.chat.ask(a, QUESTION), []))
    ta.start()
    while replies.calls < 1:
        time.sleep(0.02)
    gen_b = app.chat.ask(b, QUESTION)
    for value in gen_b:  # until B is told its place
        if isinstance(value[0], str) and "Warteschlange" in value[0]:
            break
    assert engine.gate.waiting == 1
    gen_b.close()  # what Gradio does when "new conversation" cancels the event
    app.chat.new_conversation(b)
    deadline = time.time() + 5
    while engine.gate.waiting and time.time() < deadline:
        time.sleep(0.02)
    assert engine.gate.waiting == 0 and b.turns == []
    replies.go.set()
    ta.join(10)
    time.sleep(0.3)
    assert len(llm.calls) == 1  # B never reached the model


def test_citation_click_and_feedback(gated: tuple[Engine, GatedReplies, FakeLLM]) -> None:
    engine, replies, _ = gated
    replies.go.set()
    app = ChatApp(engine)
    state = app.shared.new_state()
    for _ in app.chat.ask(state, QUESTION):
        pass
    answer = state.turns[0].answer
    assert answer is not None
    c = answer.citations[0]

    def evt(data: Any) -> gr.EventData:  # what Gradio hands a handler: the data given to trigger() in the browser
        return gr.EventData(None, data)

    viewer, pick, tabs, _ = app.chat.open_citation(state, evt({"turn": 0, "n": c.n, "passage": -1}))
    assert 'id="viewer-target"' in viewer and "Lara Finke" in viewer
    assert state.viewer.source == c.source and (c.start, c.end) in state.viewer.target
    app.chat.give_feedback(state, evt({"turn": 0, "rating": "up", "comment": "<b>gut</b>"}))
    rec = json.loads((engine.settings.data_dir / "feedback.jsonl").read_text(encoding="utf-8"))
    assert rec["rating"] == "up" and rec["comment"] == "<b>gut</b>" and rec["backend"] == "fake"
    assert state.turns[0].feedback == "up"
    # a click that names no answer changes nothing
    assert app.chat.open_citation(state, evt({"turn": 9, "n": 1}))[0] == app.chat.open_citation(state, evt({}))[0]


def test_upload_validates_first_and_a_failed_build_changes_nothing(
    gated: tuple[Engine, GatedReplies, FakeLLM], tmp_path: Path
) -> None:
    engine, _, _ = gated
    before = current_build(engine.settings.index_dir)
    files_before = sorted(p.name for p in engine.settings.corpus_dir.iterdir())
    fake_pdf = tmp_path / "bericht.pdf"
    fake_pdf.write_bytes(b"<html>not a pdf</html>")
    with pytest.raises(IngestError, match="not a PDF"):
        add_document(engine, fake_pdf, "en")
    exploding = tmp_path / "notiz.txt"
    exploding.write_text("Diese Notiz bringt den Indexbau zum Absturz: EXPLODE.\n", encoding="utf-8")
    with pytest.raises(IndexError_, match="simulated"):
        add_document(engine, exploding, "en")
    assert sorted(p.name for p in engine.settings.corpus_dir.iterdir()) == files_before
    assert current_build(engine.settings.index_dir) == before
    assert len(engine.retriever().index.chunks) > 0


def test_upload_rebuilds_reusing_vectors_and_remove_restores(
    gated: tuple[Engine, GatedReplies, FakeLLM], tmp_path: Path
) -> None:
    engine, replies, _ = gated
    replies.go.set()
    note = tmp_path / "Gipfel Notiz.md"
    note.write_text("# Maskottchen\n\nDas Maskottchen des Gipfels war ein Seeadler namens Kuno.\n", encoding="utf-8")
    engine.embedder.embedded = 0
    progress: list[float] = []
    change = add_document(engine, note, "de", lambda msg, frac: progress.append(frac))
    assert change.name == "Gipfel-Notiz.md" and change.result.built
    assert 0 < engine.embedder.embedded <= 5  # only the new chunk and its sentences went to the model
    assert progress and all(0.0 <= f <= 1.0 for f in progress) and progress[-1] == 1.0
    sources = {c.source for c in engine.retriever().index.chunks.values()}
    assert "corpus/Gipfel-Notiz.md" in sources
    with pytest.raises(IngestError, match="already"):
        add_document(engine, note, "en")
    remove_document(engine, "corpus/Gipfel-Notiz.md", "de")
    assert "corpus/Gipfel-Notiz.md" not in {c.source for c in engine.retriever().index.chunks.values()}
    (only,) = entries(engine)
    with pytest.raises(IngestError, match="letzte"):
        remove_document(engine, only.source, "de")


def test_eval_tab_runs_reports_and_stops(gated: tuple[Engine, GatedReplies, FakeLLM], tmp_path: Path) -> None:
    engine, replies, _ = gated
    replies.go.set()
    lines = (ROOT / "evals" / "summit.jsonl").read_text(encoding="utf-8").splitlines()
    evalset = tmp_path / "mini.jsonl"
    evalset.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    app = ChatApp(engine)
    prefs = app.shared.defaults.with_(backend="extractive")
    seen: list[int] = []
    outcome = run_ui_eval(
        engine,
        app.shared.docs,
        prefs,
        evalset,
        limit=2,
        cancel=threading.Event(),
        progress=lambda i, n, s: seen.append(i),
    )
    assert seen == [1, 2] and outcome.run.summary["n"] == 2
    assert outcome.report_html.is_file() and "<svg" in outcome.report_html.read_text(encoding="utf-8")
    html = summary_html(outcome.run)
    assert 'class="cards"' in html and "<svg" in html and "<script" not in html
    assert all(len(row) == 5 for row in failure_rows(outcome.run))
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        run_ui_eval(engine, app.shared.docs, prefs, evalset, limit=2, cancel=stop)


def test_state_is_per_session(gated: tuple[Engine, GatedReplies, FakeLLM]) -> None:
    engine, _, _ = gated
    app = ChatApp(engine)
    a, b = app.shared.new_state(), app.shared.new_state()
    active, _ = app.settings.setter("passages")(a, 7)
    assert "Textstellen: 7" in active
    assert "Extraktiv" in app.settings.set_backend(a, "extractive")[2]
    assert (a.prefs.passages, a.prefs.backend) == (7, "extractive")
    assert (b.prefs.passages, b.prefs.backend) == (app.shared.defaults.passages, "fake")
    assert isinstance(app.shared.new_state(), SessionState)


def test_build_wires_every_tab_and_relabels_every_label(gated: tuple[Engine, GatedReplies, FakeLLM]) -> None:
    engine, _, _ = gated
    app = ChatApp(engine)
    cfg = app.build().config
    ids = {c["id"]: c["props"].get("elem_id") for c in cfg["components"]}
    events = {(ids.get(target), name): dep for dep in cfg["dependencies"] for target, name in dep["targets"]}
    wired = {
        ("question", "submit"): ["transcript", "question", "ask"],
        ("transcript", "cite"): ["viewer", "doc-pick", "tabs"],  # a click in one tab opens another
        ("transcript", "feedback"): ["transcript"],
        ("doc-pick", "input"): ["viewer"],
        ("upload-btn", "click"): ["corpus-table", "corpus-msg", "upload", "remove-pick", "doc-pick"],
        ("rebuild-btn", "click"): ["corpus-table", "corpus-msg", "upload", "remove-pick", "doc-pick"],
        ("eval-run", "click"): ["eval-summary", "eval-failures", "eval-report", "eval-msg"],
        ("passages", "change"): ["active-backend"],
    }
    for event, outputs in wired.items():
        assert [ids[o] for o in events[event]["outputs"]][: len(outputs)] == outputs, event
    # switching the language redraws every registered label plus the HTML with words in it, value for value
    relabelled = app.settings.set_ui_lang(app.shared.new_state(), "en")
    assert len(relabelled) == len(events[("ui-lang", "input")]["outputs"]) == len(app.shared.labels) + 5
    assert {"value": "Ask", "__type__": "update"} in relabelled


def test_an_upload_is_searchable_at_once_and_its_summary_follows(tmp_path: Path) -> None:
    settings = _settings(tmp_path).with_overrides(**{"answer.summaries": "llm"})
    llm = FakeLLM(lambda messages: "Das Maskottchen war ein Seeadler namens Kuno [1].")
    engine = Engine(settings, embedder=HashEmbedder(dim=128), llm_factory=lambda s: llm)
    with engine.corpus_lock:
        engine.build_index()
    assert engine.summaries_done(60)
    note = tmp_path / "notiz.md"
    note.write_text("# Maskottchen\n\nDas Maskottchen des Gipfels war ein Seeadler namens Kuno.\n", encoding="utf-8")
    change = add_document(engine, note, "de")
    assert change.result.work.loaded == 1 and change.result.work.kept >= 1
    assert engine.summaries_done(60)
    found = engine.retriever().summary("corpus/notiz.md")
    assert found is not None and found.written_by.startswith("scripted"), found


def test_the_corpus_table_lists_the_files_the_index_skipped(tmp_path: Path) -> None:
    from assistant.ui.shared import Shared

    settings = _settings(tmp_path)
    (settings.corpus_dir / "kaputt.txt").write_bytes(b"\x00\x01binary" * 20)
    engine = Engine(settings, embedder=HashEmbedder(dim=128), llm_factory=lambda s: None)
    with engine.corpus_lock:
        result = engine.build_index()
    assert [s.reason for s in result.skipped] == ["binary"] and result.chunks > 0
    html = Shared(engine).corpus_table("en")
    assert (
        "Not in the index (file unreadable)" in html and "corpus/kaputt.txt (binary: kaputt.txt: looks binary" in html
    )
    (settings.corpus_dir / "kaputt.txt").unlink()
    with engine.corpus_lock:
        engine.build_index()
    assert "Not in the index" not in Shared(engine).corpus_table("en")
