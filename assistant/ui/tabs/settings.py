"""The settings tab: backend, its server, passages, answer and interface language.

Every choice goes into the session's :class:`~assistant.ui.session.Prefs`,
never into the server's settings, so that two visitors can choose
differently; the line under the question box shows what will answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.ui import render
from assistant.ui.i18n import ANSWER_LANG_KEYS, BACKEND_KEYS, UI_LANG_LABELS, t, ui_lang
from assistant.ui.session import SessionState
from assistant.ui.shared import Page, Shared, choices, field_label

ANSWER_LANGS = ["auto", "de", "en"]
# Text boxes and sliders whose value is a Prefs field of the same name.
PREF_FIELDS = ("ollama_url", "ollama_model", "openai_url", "openai_model", "passages", "answer_lang")


@dataclass(frozen=True)
class SettingsView:
    backend: gr.Radio
    ollama_row: gr.Row
    openai_row: gr.Row
    fields: dict[str, Any]  # PREF_FIELDS -> component
    ui_radio: gr.Radio


class SettingsTab:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def layout(self, lang: str) -> SettingsView:
        lab, backends = self.shared.label, self.shared.backends
        backend = lab(
            gr.Radio(
                choices(BACKEND_KEYS, backends, lang),
                value=self.shared.defaults.backend,
                label=t("backend", lang),
                elem_id="backend",
            ),
            lambda p: gr.update(
                label=t("backend", p.ui_lang), choices=choices(BACKEND_KEYS, backends, p.ui_lang), value=p.backend
            ),
        )
        ollama_row, openai_row, fields = self._servers(lang)
        fields["passages"] = lab(
            gr.Slider(1, 8, value=self.shared.defaults.passages, step=1, label=t("passages", lang), elem_id="passages"),
            field_label("passages"),
        )
        fields["answer_lang"] = lab(
            gr.Radio(
                choices(ANSWER_LANG_KEYS, ANSWER_LANGS, lang),
                value=self.shared.defaults.answer_lang,
                label=t("answer_lang", lang),
                elem_id="answer-lang",
            ),
            lambda p: gr.update(
                label=t("answer_lang", p.ui_lang),
                choices=choices(ANSWER_LANG_KEYS, ANSWER_LANGS, p.ui_lang),
                value=p.answer_lang,
            ),
        )
        ui_radio = lab(
            gr.Radio(
                [(v, k) for k, v in UI_LANG_LABELS.items()], value=lang, label=t("ui_lang", lang), elem_id="ui-lang"
            ),
            lambda p: gr.update(label=t("ui_lang", p.ui_lang), value=p.ui_lang),
        )
        lab(gr.Markdown(t("settings_note", lang)), lambda p: gr.update(value=t("settings_note", p.ui_lang)))
        return SettingsView(backend, ollama_row, openai_row, fields, ui_radio)

    def _servers(self, lang: str) -> tuple[gr.Row, gr.Row, dict[str, Any]]:
        """The URL and model boxes of the two server backends, each row shown only while its backend is chosen."""
        lab, d = self.shared.label, self.shared.defaults
        fields: dict[str, Any] = {}
        with gr.Row(visible=d.backend == "ollama") as ollama_row:
            fields["ollama_url"] = lab(
                gr.Textbox(d.ollama_url, label=t("ollama_url", lang), elem_id="ollama-url"), field_label("ollama_url")
            )
            fields["ollama_model"] = lab(
                gr.Textbox(d.ollama_model, label=t("ollama_model", lang), elem_id="ollama-model"),
                field_label("ollama_model"),
            )
        with gr.Row(visible=d.backend == "openai") as openai_row:
            fields["openai_url"] = lab(
                gr.Textbox(
                    d.openai_url,
                    label=t("openai_url", lang),
                    elem_id="openai-url",
                    placeholder="http://127.0.0.1:8080/v1",
                ),
                field_label("openai_url"),
            )
            fields["openai_model"] = lab(
                gr.Textbox(d.openai_model, label=t("openai_model", lang), elem_id="openai-model"),
                field_label("openai_model"),
            )
        return ollama_row, openai_row, fields

    def wire(self, view: SettingsView, page: Page) -> None:
        state = page.state
        view.backend.input(
            self.set_backend, [state, view.backend], [view.ollama_row, view.openai_row, page.active, state]
        )
        for name in PREF_FIELDS:
            comp = view.fields[name]
            # .change, not .input: a text box reports typing (and pasting) reliably only as a change
            comp.change(self.setter(name), [state, comp], [page.active, state], show_progress="hidden")
        outputs = page.relabel_outputs(self.shared.labelled())
        view.ui_radio.input(self.set_ui_lang, [state, view.ui_radio], outputs)

    def set_backend(self, state: SessionState | None, value: str | None) -> tuple[Any, ...]:
        state = self.shared.session(state)
        choice = value if value in self.shared.backends else self.shared.defaults.backend
        state.prefs = state.prefs.with_(backend=choice)
        active = render.active_html(state.prefs, state.prefs.ui_lang)
        return gr.update(visible=choice == "ollama"), gr.update(visible=choice == "openai"), active, state

    def setter(self, name: str) -> Callable[[SessionState | None, Any], tuple[str, SessionState]]:
        """The handler that stores one Prefs field; a value of None falls back to the server's default."""
        defaults = self.shared.defaults

        def set_pref(state: SessionState | None, value: Any) -> tuple[str, SessionState]:
            state = self.shared.session(state)
            if name == "passages":
                value = int(value or defaults.passages)
            state.prefs = state.prefs.with_(**{name: value if value is not None else getattr(defaults, name)})
            return render.active_html(state.prefs, state.prefs.ui_lang), state

        return set_pref

    def set_ui_lang(self, state: SessionState | None, value: str | None) -> list[Any]:
        state = self.shared.session(state)
        state.prefs = state.prefs.with_(ui_lang=ui_lang(value))
        return self.shared.relabel(state)
