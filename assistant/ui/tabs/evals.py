"""The eval tab's components and handlers; running and scoring is :mod:`assistant.ui.evaltab`.

A run can take minutes, so it reports progress and can be stopped: the
stop button sets an event that the run checks before each question. The
event lives in the session's state, because only the visitor who
started a run may stop it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.ui import render
from assistant.ui.evaltab import eval_dir, eval_files, failure_rows, run_ui_eval, summary_html
from assistant.ui.i18n import BACKEND_KEYS, t
from assistant.ui.queue import Cancelled
from assistant.ui.session import SessionState
from assistant.ui.shared import Page, Shared, choices, field_label, value_label

log = logging.getLogger("assistant.ui")

FAILURE_COLUMNS = ("col_case", "col_question", "col_answer", "col_expected", "col_problem")


def failure_headers(lang: str) -> list[str]:
    return [t(k, lang) for k in FAILURE_COLUMNS]


@dataclass(frozen=True)
class EvalView:
    pick: gr.Dropdown
    limit: gr.Number
    backend: gr.Radio
    run: gr.Button
    stop: gr.Button
    message: gr.HTML
    summary: gr.HTML
    failures: gr.Dataframe
    report: gr.File


class EvalTab:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def layout(self, lang: str) -> EvalView:
        lab, backends = self.shared.label, self.shared.backends
        files = [p.name for p in eval_files(self.shared.engine)]
        with gr.Row():
            pick = lab(
                gr.Dropdown(files, value=files[0] if files else None, label=t("eval_set", lang), elem_id="eval-pick"),
                field_label("eval_set"),
            )
            limit = lab(
                gr.Number(value=0, precision=0, minimum=0, label=t("eval_limit", lang), elem_id="eval-limit"),
                field_label("eval_limit"),
            )
        backend = lab(
            gr.Radio(
                choices(BACKEND_KEYS, backends, lang),
                value=self.shared.defaults.backend,
                label=t("eval_backend", lang),
                elem_id="eval-backend",
            ),
            lambda p: gr.update(label=t("eval_backend", p.ui_lang), choices=choices(BACKEND_KEYS, backends, p.ui_lang)),
        )
        with gr.Row():
            run = lab(gr.Button(t("eval_run", lang), variant="primary", elem_id="eval-run"), value_label("eval_run"))
            stop = lab(gr.Button(t("eval_stop", lang), variant="stop", elem_id="eval-stop"), value_label("eval_stop"))
        idle = t("eval_idle", lang) if files else t("eval_none", lang, dir=eval_dir(self.shared.engine))
        message = gr.HTML(render.message_html(idle), elem_id="eval-msg")
        summary = gr.HTML("", elem_id="eval-summary")
        return EvalView(pick, limit, backend, run, stop, message, summary, *self._results(lang))

    def _results(self, lang: str) -> tuple[gr.Dataframe, gr.File]:
        failures = self.shared.label(
            gr.Dataframe(
                headers=failure_headers(lang),
                value=[],
                label=t("eval_failures", lang),
                wrap=True,
                interactive=False,
                column_widths=["12%", "24%", "34%", "18%", "12%"],
                elem_id="eval-failures",
            ),
            lambda p: gr.update(label=t("eval_failures", p.ui_lang), headers=failure_headers(p.ui_lang)),
        )
        report = self.shared.label(
            gr.File(label=t("eval_report", lang), interactive=False, elem_id="eval-report"), field_label("eval_report")
        )
        return failures, report

    def wire(self, view: EvalView, page: Page) -> None:
        view.run.click(
            self.run_eval,
            [page.state, view.pick, view.backend, view.limit],
            [view.summary, view.failures, view.report, view.message],
            concurrency_limit=1,
            concurrency_id="eval",
        )
        view.stop.click(self.stop_eval, [page.state], [view.message])

    def run_eval(
        self,
        state: SessionState | None,
        name: str | None,
        backend: str | None,
        limit: float | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> tuple[Any, ...]:
        """Run an eval set with a progress bar; summary, chart, failures and the HTML report come back."""
        state = self.shared.session(state)
        lang = state.prefs.ui_lang
        nothing = (gr.update(), gr.update(), gr.update())
        engine = self.shared.engine
        path = next((p for p in eval_files(engine) if p.name == name), None)  # only files we listed
        if path is None:
            return (*nothing, render.message_html(t("eval_none", lang, dir=eval_dir(engine)), kind="error"))
        cancel = threading.Event()
        state.eval_cancel = cancel
        prefs = state.prefs.with_(backend=backend if backend in self.shared.backends else state.prefs.backend)

        def report(done: int, total: int, score: Any) -> None:
            acc = score.get("accuracy")
            progress((done, total), desc=f"{done}/{total}" + (f" · accuracy {acc:.0%}" if acc is not None else ""))

        try:
            outcome = run_ui_eval(
                engine, self.shared.docs, prefs, path, limit=int(limit or 0), cancel=cancel, progress=report
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
            first = outcome.issues[0]
            msg = render.message_html(t("eval_issues", lang, n=len(outcome.issues), first=first), kind="error")
        return summary_html(outcome.run), gr.update(value=failure_rows(outcome.run)), str(outcome.report_html), msg

    def stop_eval(self, state: SessionState | None) -> Any:
        if state is not None and isinstance(state.eval_cancel, threading.Event):
            state.eval_cancel.set()
            return render.message_html(t("eval_stopped", state.prefs.ui_lang), kind="error")
        return gr.update()
