"""What more than one tab needs: the process-wide parts, the relabel registry, shared HTML.

A tab module builds its own components and handlers; anything another
tab reads or writes lives here, so that no tab imports another. The
interface language can change at any time, so each translated component
is registered with :meth:`Shared.label` together with how to relabel it,
and :meth:`Shared.relabel` redraws all of them at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import gradio as gr

from assistant.access import Access
from assistant.errors import AssistantError
from assistant.ui import render
from assistant.ui.corpus import DocumentCache, entries, skipped_files, table_rows
from assistant.ui.engine import Engine
from assistant.ui.i18n import t
from assistant.ui.session import BACKENDS, Prefs, SessionState, default_prefs
from assistant.ui.transcript import transcript_html

C = TypeVar("C")
Relabel = Callable[[Prefs], Any]


def choices(keys: dict[str, str], values: tuple[str, ...] | list[str], lang: str) -> list[tuple[str, str]]:
    return [(t(keys[v], lang), v) for v in values]


def title(lang: str) -> str:
    return f"# {t('app_title', lang)}\n{t('app_subtitle', lang)}"


def value_label(key: str) -> Relabel:
    """For buttons: their text is their value."""
    return lambda p: gr.update(value=t(key, p.ui_lang))


def field_label(key: str) -> Relabel:
    return lambda p: gr.update(label=t(key, p.ui_lang))


@dataclass(frozen=True)
class Page:
    """The components that one tab's events read or write although another tab owns them."""

    state: gr.State
    tabs: gr.Tabs
    transcript: gr.HTML
    active: gr.HTML
    viewer: gr.HTML
    doc_pick: gr.Dropdown
    corpus_table: gr.HTML

    def relabel_outputs(self, labelled: list[Any]) -> list[Any]:
        """In the order of :meth:`Shared.relabel`'s values."""
        return [*labelled, self.transcript, self.viewer, self.corpus_table, self.active, self.state]


class Shared:
    """The process-wide parts (models, index, document cache) and the per-page label registry."""

    def __init__(self, engine: Engine, access: Access | None = None) -> None:
        self.engine = engine
        self.access = access or Access([])  # no keys: a local server, where everyone may change the corpus
        self.docs = DocumentCache()
        self.defaults = default_prefs(engine.settings)
        self.backends = [*BACKENDS, "fake"] if self.defaults.backend == "fake" else list(BACKENDS)
        # (component, prefs -> update) pairs re-applied when the interface language changes
        self.labels: list[tuple[Any, Relabel]] = []

    def new_state(self) -> SessionState:
        return SessionState(prefs=self.defaults)

    def session(self, state: SessionState | None) -> SessionState:
        """A handler called without a state (through the API, say) starts a fresh one instead of failing."""
        return state or self.new_state()

    def label(self, component: C, update: Relabel) -> C:
        self.labels.append((component, update))
        return component

    def labelled(self) -> list[Any]:
        return [c for c, _ in self.labels]

    def doc_choices(self) -> list[tuple[str, str]]:
        try:
            return [(f"{e.title} ({e.name})", e.source) for e in entries(self.engine)]
        except AssistantError:
            return []

    def corpus_table(self, lang: str) -> str:
        try:
            rows = table_rows(self.engine)
        except AssistantError as err:
            return render.message_html(str(err), kind="error")
        headers = [t(k, lang) for k in ("col_file", "col_title", "col_type", "col_size", "col_chunks")]
        table = render.table_html(headers, rows)
        skipped = skipped_files(self.engine)
        if not skipped:
            return table
        listed = "; ".join(f"{s.source} ({s.reason}: {s.message})" for s in skipped)
        return table + render.message_html(t("skipped_files", lang, files=listed), kind="error")

    def viewer_html(self, state: SessionState) -> str:
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
        found = self.engine.retriever().summary(v.source)
        points = found.document.points if found is not None else ()
        return render.document_html(v.source, doc.text, doc.metadata, v.spans, v.target, lang, points)

    def transcript(self, state: SessionState) -> str:
        return transcript_html(state.turns, state.prefs.ui_lang)

    def relabel(self, state: SessionState) -> list[Any]:
        """Every label in the session's language, and the HTML that has words in it.

        The values match :meth:`Page.relabel_outputs`, one for one.
        """
        return [update(state.prefs) for _, update in self.labels] + [
            self.transcript(state),
            self.viewer_html(state),
            self.corpus_table(state.prefs.ui_lang),
            render.active_html(state.prefs, state.prefs.ui_lang),
            state,
        ]
