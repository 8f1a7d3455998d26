"""The Gradio app: chat, document viewer, corpus, eval and settings tabs.

This module wires components to handlers and nothing else: HTML comes
from :mod:`assistant.ui.render` (escaped there), models and the index
from :mod:`assistant.ui.engine` (shared by the process), and everything a
user changes from :class:`~assistant.ui.session.SessionState` (per
session, in ``gr.State``).

Handlers never let an exception reach Gradio: an ``AssistantError`` is
shown as its one-line message (``gr.Warning`` and an error box), and
anything else is logged with its traceback and shown as a short generic
message, so a visitor never sees a stack trace.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer.model import StreamEvent
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.ingest.loaders import MAX_BYTES, SUPPORTED
from assistant.ui import render
from assistant.ui.corpus import DocumentCache, add_document, entries, rebuild, remove_document, table_rows
from assistant.ui.engine import Engine
from assistant.ui.evaltab import eval_dir, eval_files, failure_rows, run_ui_eval, summary_html
from assistant.ui.feedback import FeedbackStore, feedback_path
from assistant.ui.i18n import ANSWER_LANG_KEYS, BACKEND_KEYS, UI_LANG_LABELS, from_accept_language, t, ui_lang
from assistant.ui.queue import Cancelled, Job, Ticket
from assistant.ui.session import BACKENDS, MAX_TURNS, Prefs, SessionState, Turn, Viewer, default_prefs

log = logging.getLogger("assistant.ui")

CHAT_CONCURRENCY = 16  # answers in flight at once; the local model itself is shared through the LLMGate
DEFAULT_CONCURRENCY = 4
IDLE_YIELD_S = 1.0
EXAMPLES = (
    "Auf wie viel Euro erhöht Deutschland seinen Verteidigungshaushalt 2026?",
    "Wer hat die Pressemitteilung verfasst?",
    "Welche Indo-Pazifik-Partner nahmen am Gipfel teil?",
    "How many allies does NATO have?",
    "What did Germany and Ukraine agree on in Ankara?",
)
TABS = ("chat", "viewer", "corpus", "eval", "settings")
# Set once the session is initialised (language applied), so scripts and tests know when to start.
READY_JS = "() => { document.body.dataset.summitReady = '1'; }"

# Clicks inside the transcript become Gradio events carrying plain numbers
# (the data-* attributes are integers we rendered), never markup.
TRANSCRIPT_JS = """
element.addEventListener('click', (ev) => {
  const el = ev.target.closest('[data-action]');
  if (!el || !element.contains(el)) return;
  const d = el.dataset;
  if (d.action === 'cite') {
    trigger('cite', {turn: Number(d.turn), n: Number(d.n), passage: -1});
  } else if (d.action === 'passage') {
    trigger('cite', {turn: Number(d.turn), n: 0, passage: Number(d.passage)});
  } else if (d.action === 'feedback') {
    const box = el.closest('.feedback');
    const input = box ? box.querySelector('.fb-comment') : null;
    trigger('feedback', {turn: Number(d.turn), rating: String(d.rating), comment: input ? input.value : ''});
  }
});
element.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && ev.target.classList && ev.target.classList.contains('fb-comment')) ev.preventDefault();
});
"""
SCROLL_JS = f"""
() => {{
  let tries = 0;
  const go = () => {{
    const el = document.getElementById('{render.TARGET_ID}');
    const box = el ? el.closest('pre.doc-text') : null;
    if (el && box && el.offsetParent !== null) {{
      box.scrollTop = Math.max(0, el.offsetTop - box.clientHeight / 3);
      box.scrollIntoView({{block: 'nearest'}});
    }} else if (tries++ < 40) {{ setTimeout(go, 100); }}
  }};
  setTimeout(go, 80);
}}
"""


def theme() -> Any:
    """System fonts only: the default theme would fetch Google Fonts, and this app runs offline."""
    sans = ["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=sans, font_mono=mono)


def launch_options(settings: Settings) -> dict[str, Any]:
    """What ``Blocks.launch`` needs besides host and port (Gradio 6 takes CSS and theme there)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "css": render.CSS,
        "theme": theme(),
        "show_error": False,
        "max_file_size": MAX_BYTES,
        "allowed_paths": [str(settings.data_dir)],
        "ssr_mode": False,
        "footer_links": [],
    }


def _choices(keys: dict[str, str], values: tuple[str, ...] | list[str], lang: str) -> list[tuple[str, str]]:
    return [(t(keys[v], lang), v) for v in values]


class ChatApp:
    """Holds the process-wide parts and builds the Blocks; handlers are its methods."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.docs = DocumentCache()
        self.feedback = FeedbackStore(feedback_path(engine.settings))
        self.defaults = default_prefs(engine.settings)
        self.backends = [*BACKENDS, "fake"] if self.defaults.backend == "fake" else list(BACKENDS)
        # (component, prefs -> update) pairs re-applied when the interface language changes
        self._labels: list[tuple[Any, Callable[[Prefs], Any]]] = []

    def new_state(self) -> SessionState:
        return SessionState(prefs=self.defaults)

    def _label(self, component: Any, update: Callable[[Prefs], Any]) -> Any:
        self._labels.append((component, update))
        return component

    # -- layout ---------------------------------------------------------------------
    def build(self) -> gr.Blocks:
        d = self.defaults.ui_lang
        lab = self._label
        demo = gr.Blocks(title=t("app_title", d), analytics_enabled=False)
        with demo:
            # A partial, not a bound method: State deep-copies its seed, and this object holds locks.
            state = gr.State(functools.partial(SessionState, prefs=self.defaults))
            lab(gr.Markdown(self._title(d), elem_id="app-title"), lambda p: gr.update(value=self._title(p.ui_lang)))
            with gr.Tabs(selected="chat", elem_id="tabs") as tabs:
                tab_items = {}
                for key in TABS:
                    tab_items[key] = gr.Tab(t(f"tab_{key}", d), id=key, elem_id=f"tab-{key}")
                with tab_items["chat"]:
                    transcript = gr.HTML(
                        render.transcript_html([], d),
                        elem_id="transcript",
                        js_on_load=TRANSCRIPT_JS,
                        autoscroll=True,
                        min_height=320,
                    )
                    with gr.Row(equal_height=True):
                        question = lab(
                            gr.Textbox(
                                label=t("question_label", d),
                                placeholder=t("question_placeholder", d),
                                elem_id="question",
                                lines=1,
                                max_lines=4,
                                scale=8,
                                autofocus=True,
                            ),
                            lambda p: gr.update(
                                label=t("question_label", p.ui_lang), placeholder=t("question_placeholder", p.ui_lang)
                            ),
                        )
                        ask = lab(gr.Button(t("ask", d), variant="primary", elem_id="ask", scale=1), self._value("ask"))
                    with gr.Row():
                        new_chat = lab(
                            gr.Button(t("new_chat", d), size="sm", elem_id="new-chat", scale=0, min_width=220),
                            self._value("new_chat"),
                        )
                        active = gr.HTML(render.active_html(self.defaults, d), elem_id="active-backend", scale=4)
                    lab(
                        gr.Markdown(f"**{t('examples', d)}**"),
                        lambda p: gr.update(value=f"**{t('examples', p.ui_lang)}**"),
                    )
                    with gr.Row(elem_classes="examples-row"):
                        example_buttons = [gr.Button(q, size="sm", elem_classes="example") for q in EXAMPLES]
                with tab_items["viewer"]:
                    doc_pick = lab(
                        gr.Dropdown(self._doc_choices(), label=t("document", d), elem_id="doc-pick", interactive=True),
                        self._field_label("document"),
                    )
                    viewer = gr.HTML(render.viewer_empty_html(d), elem_id="viewer")
                with tab_items["corpus"]:
                    lab(
                        gr.Markdown(f"### {t('corpus_docs', d)}"),
                        lambda p: gr.update(value=f"### {t('corpus_docs', p.ui_lang)}"),
                    )
                    corpus_table = gr.HTML(self._corpus_table(d), elem_id="corpus-table")
                    upload = lab(
                        gr.File(label=t("upload", d), file_types=sorted(SUPPORTED), type="filepath", elem_id="upload"),
                        self._field_label("upload"),
                    )
                    upload_btn = lab(
                        gr.Button(t("upload_button", d), variant="primary", elem_id="upload-btn"),
                        self._value("upload_button"),
                    )
                    with gr.Row(equal_height=True):
                        remove_pick = lab(
                            gr.Dropdown(
                                self._doc_choices(),
                                value=None,
                                label=t("remove_label", d),
                                elem_id="remove-pick",
                                scale=3,
                            ),
                            self._field_label("remove_label"),
                        )
                        remove_btn = lab(
                            gr.Button(t("remove_button", d), variant="stop", elem_id="remove-btn", scale=1),
                            self._value("remove_button"),
                        )
                    rebuild_btn = lab(
                        gr.Button(t("rebuild_button", d), size="sm", elem_id="rebuild-btn"),
                        self._value("rebuild_button"),
                    )
                    corpus_msg = gr.HTML("", elem_id="corpus-msg")
                with tab_items["eval"]:
                    files = [p.name for p in eval_files(self.engine)]
                    with gr.Row():
                        eval_pick = lab(
                            gr.Dropdown(
                                files, value=files[0] if files else None, label=t("eval_set", d), elem_id="eval-pick"
                            ),
                            self._field_label("eval_set"),
                        )
                        eval_limit = lab(
                            gr.Number(value=0, precision=0, minimum=0, label=t("eval_limit", d), elem_id="eval-limit"),
                            self._field_label("eval_limit"),
                        )
                    eval_backend = lab(
                        gr.Radio(
                            _choices(BACKEND_KEYS, self.backends, d),
                            value=self.defaults.backend,
                            label=t("eval_backend", d),
                            elem_id="eval-backend",
                        ),
                        lambda p: gr.update(
                            label=t("eval_backend", p.ui_lang), choices=_choices(BACKEND_KEYS, self.backends, p.ui_lang)
                        ),
                    )
                    with gr.Row():
                        eval_run = lab(
                            gr.Button(t("eval_run", d), variant="primary", elem_id="eval-run"), self._value("eval_run")
                        )
                        eval_stop = lab(
                            gr.Button(t("eval_stop", d), variant="stop", elem_id="eval-stop"), self._value("eval_stop")
                        )
                    eval_msg = gr.HTML(
                        render.message_html(t("eval_idle", d))
                        if files
                        else render.message_html(t("eval_none", d, dir=eval_dir(self.engine))),
                        elem_id="eval-msg",
                    )
                    eval_summary = gr.HTML("", elem_id="eval-summary")
                    eval_failures = lab(
                        gr.Dataframe(
                            headers=self._failure_headers(d),
                            value=[],
                            label=t("eval_failures", d),
                            wrap=True,
                            interactive=False,
                            column_widths=["12%", "24%", "34%", "18%", "12%"],
                            elem_id="eval-failures",
                        ),
                        lambda p: gr.update(
                            label=t("eval_failures", p.ui_lang), headers=self._failure_headers(p.ui_lang)
                        ),
                    )
                    eval_report = lab(
                        gr.File(label=t("eval_report", d), interactive=False, elem_id="eval-report"),
                        self._field_label("eval_report"),
                    )
                with tab_items["settings"]:
                    backend = lab(
                        gr.Radio(
                            _choices(BACKEND_KEYS, self.backends, d),
                            value=self.defaults.backend,
                            label=t("backend", d),
                            elem_id="backend",
                        ),
                        lambda p: gr.update(
                            label=t("backend", p.ui_lang),
                            choices=_choices(BACKEND_KEYS, self.backends, p.ui_lang),
                            value=p.backend,
                        ),
                    )
                    with gr.Row(visible=self.defaults.backend == "ollama") as ollama_row:
                        ollama_url = lab(
                            gr.Textbox(self.defaults.ollama_url, label=t("ollama_url", d), elem_id="ollama-url"),
                            self._field_label("ollama_url"),
                        )
                        ollama_model = lab(
                            gr.Textbox(self.defaults.ollama_model, label=t("ollama_model", d), elem_id="ollama-model"),
                            self._field_label("ollama_model"),
                        )
                    with gr.Row(visible=self.defaults.backend == "openai") as openai_row:
                        openai_url = lab(
                            gr.Textbox(
                                self.defaults.openai_url,
                                label=t("openai_url", d),
                                elem_id="openai-url",
                                placeholder="http://127.0.0.1:8080/v1",
                            ),
                            self._field_label("openai_url"),
                        )
                        openai_model = lab(
                            gr.Textbox(self.defaults.openai_model, label=t("openai_model", d), elem_id="openai-model"),
                            self._field_label("openai_model"),
                        )
                    passages = lab(
                        gr.Slider(
                            1, 8, value=self.defaults.passages, step=1, label=t("passages", d), elem_id="passages"
                        ),
                        self._field_label("passages"),
                    )
                    answer_lang = lab(
                        gr.Radio(
                            _choices(ANSWER_LANG_KEYS, ["auto", "de", "en"], d),
                            value=self.defaults.answer_lang,
                            label=t("answer_lang", d),
                            elem_id="answer-lang",
                        ),
                        lambda p: gr.update(
                            label=t("answer_lang", p.ui_lang),
                            choices=_choices(ANSWER_LANG_KEYS, ["auto", "de", "en"], p.ui_lang),
                            value=p.answer_lang,
                        ),
                    )
                    ui_radio = lab(
                        gr.Radio(
                            [(v, k) for k, v in UI_LANG_LABELS.items()],
                            value=d,
                            label=t("ui_lang", d),
                            elem_id="ui-lang",
                        ),
                        lambda p: gr.update(label=t("ui_lang", p.ui_lang), value=p.ui_lang),
                    )
                    lab(gr.Markdown(t("settings_note", d)), lambda p: gr.update(value=t("settings_note", p.ui_lang)))
            for key, tab in tab_items.items():
                self._label(tab, self._field_label(f"tab_{key}"))

            # -- chat -------------------------------------------------------------------
            chat_out = [transcript, question, ask, state]
            chat_opts: dict[str, Any] = {
                "concurrency_limit": CHAT_CONCURRENCY,
                "concurrency_id": "chat",
                "show_progress": "hidden",
            }
            asks = [
                question.submit(self.ask, [state, question], chat_out, **chat_opts),
                ask.click(self.ask, [state, question], chat_out, **chat_opts),
            ]
            asks += [b.click(self.ask, [state, b], chat_out, **chat_opts) for b in example_buttons]
            new_chat.click(self.new_conversation, [state], [transcript, question, ask, state], cancels=asks)
            transcript.cite(self.open_citation, [state], [viewer, doc_pick, tabs, state]).then(None, js=SCROLL_JS)
            transcript.feedback(self.give_feedback, [state], [transcript, state])
            doc_pick.input(self.pick_document, [state, doc_pick], [viewer, state])

            # -- corpus -----------------------------------------------------------------
            corpus_out = [corpus_table, corpus_msg, upload, remove_pick, doc_pick]
            corpus_opts: dict[str, Any] = {"concurrency_limit": 1, "concurrency_id": "corpus"}
            upload_btn.click(self.upload_document, [state, upload], corpus_out, **corpus_opts)
            remove_btn.click(self.remove_document, [state, remove_pick], corpus_out, **corpus_opts)
            rebuild_btn.click(self.rebuild_index, [state], corpus_out, **corpus_opts)

            # -- eval -------------------------------------------------------------------
            eval_run.click(
                self.run_eval,
                [state, eval_pick, eval_backend, eval_limit],
                [eval_summary, eval_failures, eval_report, eval_msg],
                concurrency_limit=1,
                concurrency_id="eval",
            )
            eval_stop.click(self.stop_eval, [state], [eval_msg])

            # -- settings ---------------------------------------------------------------
            backend.input(self.set_backend, [state, backend], [ollama_row, openai_row, active, state])
            for comp, name in (
                (ollama_url, "ollama_url"),
                (ollama_model, "ollama_model"),
                (openai_url, "openai_url"),
                (openai_model, "openai_model"),
                (passages, "passages"),
                (answer_lang, "answer_lang"),
            ):
                # .change, not .input: a text box reports typing (and pasting) reliably only as a change
                comp.change(self._setter(name), [state, comp], [active, state], show_progress="hidden")
            relabel_out = [c for c, _ in self._labels]
            page_out = [*relabel_out, transcript, viewer, corpus_table, active, state]
            ui_radio.input(self.set_ui_lang, [state, ui_radio], page_out)
            demo.load(self.on_load, [state], page_out).then(None, js=READY_JS)
        return demo

    # -- small helpers ----------------------------------------------------------------
    @staticmethod
    def _title(lang: str) -> str:
        return f"# {t('app_title', lang)}\n{t('app_subtitle', lang)}"

    @staticmethod
    def _value(key: str) -> Callable[[Prefs], Any]:
        return lambda p: gr.update(value=t(key, p.ui_lang))

    @staticmethod
    def _field_label(key: str) -> Callable[[Prefs], Any]:
        return lambda p: gr.update(label=t(key, p.ui_lang))

    @staticmethod
    def _failure_headers(lang: str) -> list[str]:
        return [t(k, lang) for k in ("col_case", "col_question", "col_answer", "col_expected", "col_problem")]

    def _doc_choices(self) -> list[tuple[str, str]]:
        try:
            return [(f"{e.title} ({e.name})", e.source) for e in entries(self.engine)]
        except AssistantError:
            return []

    def _corpus_table(self, lang: str) -> str:
        try:
            rows = table_rows(self.engine)
        except AssistantError as err:
            return render.message_html(str(err), kind="error")
        headers = [t(k, lang) for k in ("col_file", "col_title", "col_type", "col_size", "col_chunks")]
        return render.table_html(headers, rows)

    def _viewer_html(self, state: SessionState) -> str:
        lang = state.prefs.ui_lang
        v = state.viewer
        if not v.source:
            return render.viewer_empty_html(lang)
        try:
            doc = self.docs.get(self.engine, v.source)
        except AssistantError as err:
            return render.message_html(str(err), kind="error")
        if doc is None:
            return render.message_html(f"{v.source}: {t('no_doc', lang)}", kind="error")
        return render.document_html(v.source, doc.text, doc.metadata, v.spans, v.target, lang)

    def _transcript(self, state: SessionState) -> str:
        return render.transcript_html(state.turns, state.prefs.ui_lang)

    def _relabel(self, state: SessionState) -> list[Any]:
        return [update(state.prefs) for _, update in self._labels] + [
            self._transcript(state),
            self._viewer_html(state),
            self._corpus_table(state.prefs.ui_lang),
            render.active_html(state.prefs, state.prefs.ui_lang),
            state,
        ]

    def _setter(self, name: str) -> Callable[[SessionState | None, Any], tuple[str, SessionState]]:
        def set_pref(state: SessionState | None, value: Any) -> tuple[str, SessionState]:
            state = state or self.new_state()
            if name == "passages":
                value = int(value or self.defaults.passages)
            state.prefs = state.prefs.with_(**{name: value if value is not None else getattr(self.defaults, name)})
            return render.active_html(state.prefs, state.prefs.ui_lang), state

        return set_pref

    # -- chat -----------------------------------------------------------------------
    def ask(self, state: SessionState | None, question: str | None) -> Generator[tuple[Any, ...], None, None]:
        """Stream one answer into the transcript: queue place, draft tokens, then the checked answer."""
        state = state or self.new_state()
        lang = state.prefs.ui_lang
        text = (question or "").strip()
        if not text:
            gr.Warning(t("empty_question", lang))
            yield self._transcript(state), gr.update(), gr.update(), state
            return
        history = state.history()
        turn = Turn(text)
        state.turns.append(turn)
        t0 = time.perf_counter()
        prefs = state.prefs
        ticket = Ticket()

        def work(emit: Callable[[Any], None]) -> None:
            ticket.on_wait = lambda place: emit(("queue", place))
            stream = self.engine.assistant(prefs, ticket).ask_stream(text, history)
            try:
                for event in stream:
                    emit(event)
            finally:
                close = getattr(stream, "close", None)  # stops the LLM stream if we leave early
                if close is not None:
                    close()

        job = Job(work, name="ui-answer")
        job.cancelled = ticket.cancelled  # cancelling the job (tab closed, new conversation) frees our place
        job.start()
        yield self._transcript(state), gr.update(value="", interactive=False), gr.update(interactive=False), state
        try:
            idle_since = time.perf_counter()
            for batch in job.batches():
                changed = [self._apply(turn, item) for item in batch]  # a list: every event must be applied
                if any(changed):
                    turn.seconds = time.perf_counter() - t0
                    idle_since = time.perf_counter()
                    yield self._transcript(state), gr.update(), gr.update(), state
                elif time.perf_counter() - idle_since > IDLE_YIELD_S:
                    # Hand control back now and then even with nothing new (say, while waiting in
                    # line): only at a yield can Gradio close this generator when the user cancels.
                    idle_since = time.perf_counter()
                    yield gr.skip(), gr.skip(), gr.skip(), state
        except AssistantError as err:
            turn.error = str(err)
            gr.Warning(str(err))
        except Exception:
            log.exception("answering %r failed", text)
            turn.error = t("internal_error", lang)
        finally:
            if job.running:
                log.info("answer %s abandoned (cancelled or tab closed); freeing its place", turn.id)
            job.cancel()
        turn.seconds = time.perf_counter() - t0
        turn.status = "error" if turn.error else "done"
        yield self._transcript(state), gr.update(interactive=True), gr.update(interactive=True), state

    @staticmethod
    def _apply(turn: Turn, item: Any) -> bool:
        """Fold one worker event into the turn; True if the transcript changed."""
        if isinstance(item, tuple) and item and item[0] == "queue":
            turn.status, turn.place = "queue", int(item[1])
            return True
        if not isinstance(item, StreamEvent):
            return False
        if item.kind == "passages":
            turn.status, turn.passages_found = "writing", len(item.passages)
        elif item.kind == "token":
            turn.status = "writing"
            turn.draft += item.text
        elif item.answer is not None:
            turn.answer = item.answer
            turn.status = "done"
        return True

    def new_conversation(self, state: SessionState | None) -> tuple[Any, ...]:
        state = state or self.new_state()
        state.reset()
        return self._transcript(state), gr.update(value="", interactive=True), gr.update(interactive=True), state

    def open_citation(self, state: SessionState | None, evt: gr.EventData) -> tuple[Any, ...]:
        """A click on [n] (or on an offered passage): show that span in the viewer and switch to it."""
        state = state or self.new_state()
        data = evt._data if isinstance(evt._data, dict) else {}
        try:
            index, n, passage = int(data.get("turn", -1)), int(data.get("n", 0)), int(data.get("passage", -1))
        except (TypeError, ValueError):
            return gr.update(), gr.update(), gr.update(), state
        turn = state.turns[index] if 0 <= index < len(state.turns) else None
        answer = turn.answer if turn else None
        if answer is None:
            return gr.update(), gr.update(), gr.update(), state
        if 0 <= passage < len(answer.passages):
            chunk = answer.passages[passage].chunk
            state.viewer = Viewer(chunk.source, (), ((chunk.start, chunk.end),))
        else:
            cites = [c for c in answer.citations if c.n == n]
            if not cites:
                return gr.update(), gr.update(), gr.update(), state
            source = cites[0].source
            spans = tuple((c.start, c.end) for c in answer.citations if c.source == source)
            state.viewer = Viewer(source, spans, tuple((c.start, c.end) for c in cites))
        return self._viewer_html(state), gr.update(value=state.viewer.source), gr.Tabs(selected="viewer"), state

    def pick_document(self, state: SessionState | None, source: str | None) -> tuple[Any, ...]:
        state = state or self.new_state()
        state.viewer = Viewer(source or "")
        return self._viewer_html(state), state

    def give_feedback(self, state: SessionState | None, evt: gr.EventData) -> tuple[Any, ...]:
        """👍/👎 (+ comment) on one answer, appended to feedback.jsonl with what produced it."""
        state = state or self.new_state()
        data = evt._data if isinstance(evt._data, dict) else {}
        try:
            index = int(data.get("turn", -1))
        except (TypeError, ValueError):
            index = -1
        rating = str(data.get("rating", ""))
        turn = state.turns[index] if 0 <= index < len(state.turns) else None
        if turn is None or turn.answer is None or rating not in ("up", "down"):
            return gr.update(), state
        earlier = [(x.question, x.answer) for x in state.turns[:index] if x.answer is not None][-MAX_TURNS:]
        try:
            self.feedback.record(
                answer_id=turn.id,
                answer=turn.answer,
                rating=rating,
                comment=str(data.get("comment", "")),
                history=[(q, a) for q, a in earlier if a is not None],
            )
        except OSError as err:
            log.exception("cannot store feedback")
            gr.Warning(f"{t('error', state.prefs.ui_lang)}: {err.strerror}")
            return gr.update(), state
        turn.feedback = rating
        gr.Info(t("feedback_thanks", state.prefs.ui_lang))
        return self._transcript(state), state

    # -- corpus -----------------------------------------------------------------------
    def _corpus_result(self, state: SessionState, message: str, *, error: bool = False) -> tuple[Any, ...]:
        lang = state.prefs.ui_lang
        choices = self._doc_choices()
        return (
            self._corpus_table(lang),
            render.message_html(message, kind="error" if error else "info"),
            gr.update(value=None),
            gr.update(choices=choices, value=None),
            gr.update(choices=choices),
        )

    def _progress(self, progress: gr.Progress) -> Callable[[str, float], None]:
        def report(msg: str, frac: float) -> None:
            progress(frac, desc=msg)

        return report

    def upload_document(
        self,
        state: SessionState | None,
        file: str | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        state = state or self.new_state()
        lang = state.prefs.ui_lang
        if not file:
            gr.Warning(t("no_file", lang))
            return self._corpus_result(state, t("no_file", lang), error=True)
        try:
            change = add_document(self.engine, Path(file), lang, self._progress(progress))
        except AssistantError as err:
            gr.Warning(str(err))
            return self._corpus_result(state, f"{err} {t('index_unchanged', lang)}", error=True)
        except Exception:
            log.exception("upload of %s failed", file)
            return self._corpus_result(state, f"{t('internal_error', lang)} {t('index_unchanged', lang)}", error=True)
        r = change.result
        return self._corpus_result(
            state, t("added", lang, name=change.name, chunks=r.chunks, seconds=f"{r.seconds:.1f}")
        )

    def remove_document(
        self,
        state: SessionState | None,
        source: str | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        state = state or self.new_state()
        lang = state.prefs.ui_lang
        if not source:
            return self._corpus_result(state, t("no_doc", lang), error=True)
        try:
            change = remove_document(self.engine, source, lang, self._progress(progress))
        except AssistantError as err:
            gr.Warning(str(err))
            return self._corpus_result(state, f"{err} {t('index_unchanged', lang)}", error=True)
        except Exception:
            log.exception("removing %s failed", source)
            return self._corpus_result(state, f"{t('internal_error', lang)} {t('index_unchanged', lang)}", error=True)
        return self._corpus_result(state, t("removed", lang, name=change.name, chunks=change.result.chunks))

    def rebuild_index(self, state: SessionState | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        state = state or self.new_state()
        lang = state.prefs.ui_lang
        try:
            r = rebuild(self.engine, self._progress(progress))
        except AssistantError as err:
            gr.Warning(str(err))
            return self._corpus_result(state, f"{err} {t('index_unchanged', lang)}", error=True)
        except Exception:
            log.exception("rebuilding the index failed")
            return self._corpus_result(state, f"{t('internal_error', lang)} {t('index_unchanged', lang)}", error=True)
        return self._corpus_result(state, t("rebuilt", lang, chunks=r.chunks, seconds=f"{r.seconds:.1f}"))

    # -- eval -------------------------------------------------------------------------
    def run_eval(
        self,
        state: SessionState | None,
        name: str | None,
        backend: str | None,
        limit: float | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        """Run an eval set with a progress bar; summary, chart, failures and the HTML report come back."""
        state = state or self.new_state()
        lang = state.prefs.ui_lang
        nothing = (gr.update(), gr.update(), gr.update())
        path = next((p for p in eval_files(self.engine) if p.name == name), None)  # only files we listed
        if path is None:
            return (*nothing, render.message_html(t("eval_none", lang, dir=eval_dir(self.engine)), kind="error"))
        cancel = threading.Event()
        state.eval_cancel = cancel
        prefs = state.prefs.with_(backend=backend if backend in self.backends else state.prefs.backend)

        def report(done: int, total: int, score: Any) -> None:
            acc = score.get("accuracy")
            progress((done, total), desc=f"{done}/{total}" + (f" · accuracy {acc:.0%}" if acc is not None else ""))

        try:
            outcome = run_ui_eval(
                self.engine, self.docs, prefs, path, limit=int(limit or 0), cancel=cancel, progress=report
            )
        except Cancelled:
            return (*nothing, render.message_html(t("eval_stopped", lang), kind="error"))
        except AssistantError as err:
            gr.Warning(str(err))
            return (*nothing, render.message_html(str(err), kind="error"))
        except Exception:
            log.exception("eval run failed")
            return (*nothing, render.message_html(t("internal_error", lang), kind="error"))
        finally:
            state.eval_cancel = None
        msg = ""
        if outcome.issues:
            msg = render.message_html(
                t("eval_issues", lang, n=len(outcome.issues), first=outcome.issues[0]), kind="error"
            )
        rows = failure_rows(outcome.run)
        return summary_html(outcome.run), gr.update(value=rows), str(outcome.report_html), msg

    def stop_eval(self, state: SessionState | None) -> Any:
        if state is not None and isinstance(state.eval_cancel, threading.Event):
            state.eval_cancel.set()
            return render.message_html(t("eval_stopped", state.prefs.ui_lang), kind="error")
        return gr.update()

    # -- settings -----------------------------------------------------------------------
    def set_backend(self, state: SessionState | None, value: str | None) -> tuple[Any, ...]:
        state = state or self.new_state()
        choice = value if value in self.backends else self.defaults.backend
        state.prefs = state.prefs.with_(backend=choice)
        active = render.active_html(state.prefs, state.prefs.ui_lang)
        return gr.update(visible=choice == "ollama"), gr.update(visible=choice == "openai"), active, state

    def set_ui_lang(self, state: SessionState | None, value: str | None) -> list[Any]:
        state = state or self.new_state()
        state.prefs = state.prefs.with_(ui_lang=ui_lang(value))
        return self._relabel(state)

    def on_load(self, state: SessionState | None, request: gr.Request) -> list[Any]:
        """First paint: the interface in the browser's language."""
        state = state or self.new_state()
        header = request.headers.get("accept-language") if request is not None else None
        state.prefs = state.prefs.with_(ui_lang=from_accept_language(header))
        return self._relabel(state)


def build_app(source: Settings | Engine) -> gr.Blocks:
    """The Blocks for ``source``: server settings, or an :class:`Engine` (the assistant factory).

    Call ``.queue(...)`` and ``.launch(**launch_options(settings))`` on
    the result, or use :func:`serve`, which also loads and warms the models.
    """
    engine = source if isinstance(source, Engine) else Engine(source)
    return ChatApp(engine).build()


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True) -> gr.Blocks:
    """Load and warm the models, then serve the UI (blocking unless ``block=False``)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = Engine(settings)
    prefs = default_prefs(settings)
    t0 = time.perf_counter()
    log.info("loading and warming models (backend %s) ...", prefs.backend)
    engine.warm(prefs)
    log.info("models ready in %.1f s", time.perf_counter() - t0)
    demo = build_app(engine)
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY)
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=not block, **launch_options(settings))
    return demo
