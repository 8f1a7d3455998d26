"""The Gradio app: the page frame, the five tabs put together, and serving it.

Each tab lives in :mod:`assistant.ui.tabs` (layout, handlers, events);
what several tabs share is in :mod:`assistant.ui.shared`. HTML comes
from :mod:`assistant.ui.render` and :mod:`assistant.ui.transcript`
(escaped there), models and the index from :mod:`assistant.ui.engine`
(shared by the process), and everything a user changes from
:class:`~assistant.ui.session.SessionState` (per session, in ``gr.State``).

Handlers never let an exception reach Gradio: an ``AssistantError`` is
shown as its one-line message (``gr.Warning`` and an error box), and
anything else is logged with its traceback and shown as a short generic
message, so a visitor never sees a stack trace.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import gradio as gr

from assistant.access import Access
from assistant.config import Settings
from assistant.ingest.loaders import MAX_BYTES
from assistant.ui.engine import Engine
from assistant.ui.feedback import FeedbackStore, feedback_path
from assistant.ui.i18n import from_accept_language, t
from assistant.ui.session import SessionState
from assistant.ui.shared import Page, Shared, field_label, title
from assistant.ui.style import CSS
from assistant.ui.tabs.chat import ChatTab
from assistant.ui.tabs.corpus import CorpusTab
from assistant.ui.tabs.evals import EvalTab
from assistant.ui.tabs.settings import SettingsTab
from assistant.ui.tabs.viewer import ViewerTab

log = logging.getLogger("assistant.ui")

DEFAULT_CONCURRENCY = 4
TABS = ("chat", "viewer", "corpus", "eval", "settings")
# Set once the session is initialised (language applied), so scripts and tests know when to start.
READY_JS = "() => { document.body.dataset.summitReady = '1'; }"


def theme() -> Any:
    """System fonts only: the default theme would fetch Google Fonts, and this app runs offline."""
    sans = ["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"]
    mono = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"]
    return gr.themes.Soft(primary_hue="blue", neutral_hue="slate", font=sans, font_mono=mono)


def mount_options(settings: Settings) -> dict[str, Any]:
    """What ``gr.mount_gradio_app`` needs besides the app, the Blocks and the login (Gradio 6 takes CSS and
    theme there)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "css": CSS,
        "theme": theme(),
        "show_error": False,
        "max_file_size": MAX_BYTES,
        "allowed_paths": [str(settings.data_dir)],
        "ssr_mode": False,
        "footer_links": [],
    }


class ChatApp:
    """The process-wide parts and one object per tab; :meth:`build` lays them out and wires them."""

    def __init__(self, engine: Engine, access: Access | None = None) -> None:
        self.shared = Shared(engine, access)
        self.chat = ChatTab(self.shared, FeedbackStore(feedback_path(engine.settings)))
        self.viewer = ViewerTab(self.shared)
        self.corpus = CorpusTab(self.shared)
        self.evals = EvalTab(self.shared)
        self.settings = SettingsTab(self.shared)

    def build(self) -> gr.Blocks:
        defaults = self.shared.defaults
        lang = defaults.ui_lang
        demo = gr.Blocks(title=t("app_title", lang), analytics_enabled=False)
        with demo:
            # A partial, not a bound method: State deep-copies its seed, and this object holds locks.
            state = gr.State(functools.partial(SessionState, prefs=defaults))
            self.shared.label(
                gr.Markdown(title(lang), elem_id="app-title"), lambda p: gr.update(value=title(p.ui_lang))
            )
            with gr.Tabs(selected="chat", elem_id="tabs") as tabs:
                items = {key: gr.Tab(t(f"tab_{key}", lang), id=key, elem_id=f"tab-{key}") for key in TABS}
                with items["chat"]:
                    chat = self.chat.layout(lang)
                with items["viewer"]:
                    viewer = self.viewer.layout(lang)
                with items["corpus"]:
                    corpus = self.corpus.layout(lang)
                with items["eval"]:
                    evals = self.evals.layout(lang)
                with items["settings"]:
                    settings = self.settings.layout(lang)
            for key, tab in items.items():
                self.shared.label(tab, field_label(f"tab_{key}"))
            page = Page(state, tabs, chat.transcript, chat.active, viewer.viewer, viewer.doc_pick, corpus.table)
            self.chat.wire(chat, page)
            self.viewer.wire(viewer, page)
            self.corpus.wire(corpus, page)
            self.evals.wire(evals, page)
            self.settings.wire(settings, page)
            demo.load(self.on_load, [state], page.relabel_outputs(self.shared.labelled())).then(None, js=READY_JS)
        return demo

    def on_load(self, state: SessionState | None, request: gr.Request) -> list[Any]:
        """First paint: the interface in the browser's language."""
        state = self.shared.session(state)
        header = request.headers.get("accept-language") if request is not None else None
        state.prefs = state.prefs.with_(ui_lang=from_accept_language(header))
        return self.shared.relabel(state)


def build_app(source: Settings | Engine) -> gr.Blocks:
    """The Blocks for ``source``: server settings, or an :class:`Engine` (the assistant factory).

    :func:`assistant.server.build_server` mounts it on the API's FastAPI app,
    with the login and :func:`mount_options`; tests may launch it alone.
    """
    engine = source if isinstance(source, Engine) else Engine(source)
    return ChatApp(engine).build()
