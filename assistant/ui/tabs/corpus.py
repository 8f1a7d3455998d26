"""The corpus tab: the documents, upload, remove and rebuild.

Every change builds the index atomically (:mod:`assistant.ui.corpus`),
embedding only the changed document, so a failed change leaves the old
index serving; :meth:`CorpusTab._change`
says so in one place for all three actions, and redraws everything that
lists documents, in this tab and in the viewer's picker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.ingest.loaders import SUPPORTED
from assistant.ui import render
from assistant.ui.corpus import add_document, rebuild, remove_document
from assistant.ui.i18n import t
from assistant.ui.session import SessionState
from assistant.ui.shared import Page, Shared, field_label, value_label

log = logging.getLogger("assistant.ui")


@dataclass(frozen=True)
class CorpusView:
    table: gr.HTML
    upload: gr.File
    upload_btn: gr.Button
    remove_pick: gr.Dropdown
    remove_btn: gr.Button
    rebuild_btn: gr.Button
    message: gr.HTML


def _progress(progress: gr.Progress) -> Callable[[str, float], None]:
    def report(msg: str, frac: float) -> None:
        progress(frac, desc=msg)

    return report


class CorpusTab:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def layout(self, lang: str) -> CorpusView:
        lab = self.shared.label
        lab(
            gr.Markdown(f"### {t('corpus_docs', lang)}"),
            lambda p: gr.update(value=f"### {t('corpus_docs', p.ui_lang)}"),
        )
        table = gr.HTML(self.shared.corpus_table(lang), elem_id="corpus-table")
        upload = lab(
            gr.File(label=t("upload", lang), file_types=sorted(SUPPORTED), type="filepath", elem_id="upload"),
            field_label("upload"),
        )
        upload_btn = lab(
            gr.Button(t("upload_button", lang), variant="primary", elem_id="upload-btn"), value_label("upload_button")
        )
        with gr.Row(equal_height=True):
            remove_pick = lab(
                gr.Dropdown(
                    self.shared.doc_choices(), value=None, label=t("remove_label", lang), elem_id="remove-pick", scale=3
                ),
                field_label("remove_label"),
            )
            remove_btn = lab(
                gr.Button(t("remove_button", lang), variant="stop", elem_id="remove-btn", scale=1),
                value_label("remove_button"),
            )
        rebuild_btn = lab(
            gr.Button(t("rebuild_button", lang), size="sm", elem_id="rebuild-btn"), value_label("rebuild_button")
        )
        message = gr.HTML("", elem_id="corpus-msg")
        return CorpusView(table, upload, upload_btn, remove_pick, remove_btn, rebuild_btn, message)

    def wire(self, view: CorpusView, page: Page) -> None:
        state = page.state
        out = [view.table, view.message, view.upload, view.remove_pick, page.doc_pick]
        opts: dict[str, Any] = {"concurrency_limit": 1, "concurrency_id": "corpus"}
        view.upload_btn.click(self.upload_document, [state, view.upload], out, **opts)
        view.remove_btn.click(self.remove_document, [state, view.remove_pick], out, **opts)
        view.rebuild_btn.click(self.rebuild_index, [state], out, **opts)

    def _result(self, state: SessionState, message: str, *, error: bool = False) -> tuple[Any, ...]:
        choices = self.shared.doc_choices()
        return (
            self.shared.corpus_table(state.prefs.ui_lang),
            render.message_html(message, kind="error" if error else "info"),
            gr.update(value=None),
            gr.update(choices=choices, value=None),
            gr.update(choices=choices),
        )

    def _change(
        self, state: SessionState, what: str, action: Callable[[], str], request: gr.Request | None
    ) -> tuple[Any, ...]:
        """Run one corpus change; ``action`` returns the success message.

        Only an admin may change the corpus when the server has keys
        (:meth:`assistant.access.Access.may_change_corpus`); the check is
        here, in the handler, because a hidden button is no protection.
        An ``AssistantError`` (a bad upload, the last document) is the
        visitor's to read; anything else is logged with its traceback and
        shown as a generic message. Either way the old index still serves.
        """
        lang = state.prefs.ui_lang
        username = request.username if request is not None else None
        if not self.shared.access.may_change_corpus(username):
            log.warning("refused %s for %s: not an admin", what, username or "an anonymous visitor")
            gr.Warning(t("admin_only", lang))
            return self._result(state, f"{t('admin_only', lang)} {t('index_unchanged', lang)}", error=True)
        try:
            message = action()
        except AssistantError as err:
            gr.Warning(str(err))
            return self._result(state, f"{err} {t('index_unchanged', lang)}", error=True)
        except Exception:
            log.exception("%s failed", what)
            return self._result(state, f"{t('internal_error', lang)} {t('index_unchanged', lang)}", error=True)
        return self._result(state, message)

    def upload_document(
        self,
        state: SessionState | None,
        file: str | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        state = self.shared.session(state)
        lang = state.prefs.ui_lang
        if not file:
            gr.Warning(t("no_file", lang))
            return self._result(state, t("no_file", lang), error=True)

        def add() -> str:
            change = add_document(self.shared.engine, Path(file), lang, _progress(progress))
            r = change.result
            return t(
                "added",
                lang,
                name=change.name,
                chunks=r.chunks,
                seconds=f"{r.seconds:.1f}",
                embedded=r.work.embedded,
                kept=r.work.kept,
            )

        return self._change(state, f"upload of {file}", add, request)

    def remove_document(
        self,
        state: SessionState | None,
        source: str | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        state = self.shared.session(state)
        lang = state.prefs.ui_lang
        if not source:
            return self._result(state, t("no_doc", lang), error=True)

        def remove() -> str:
            change = remove_document(self.shared.engine, source, lang, _progress(progress))
            r = change.result
            return t("removed", lang, name=change.name, chunks=r.chunks, seconds=f"{r.seconds:.1f}")

        return self._change(state, f"removing {source}", remove, request)

    def rebuild_index(
        self,
        state: SessionState | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        state = self.shared.session(state)
        lang = state.prefs.ui_lang

        def build() -> str:
            r = rebuild(self.shared.engine, _progress(progress))
            return t("rebuilt", lang, chunks=r.chunks, seconds=f"{r.seconds:.1f}")

        return self._change(state, "rebuilding the index", build, request)
