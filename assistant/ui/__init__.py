"""The web UI (Gradio): chat with cited answers, document viewer, corpus, evals.

Entry points:

* :func:`build_app` (settings or an :class:`~assistant.ui.engine.Engine`) -> ``gr.Blocks``
* :func:`serve` (settings, host, port): the UI and the ``/v1`` API (:mod:`assistant.server`)
* :func:`export_feedback` / :func:`cli_export`: 👍/👎 feedback -> eval cases

Gradio is imported only when the app is built, so that
``assistant feedback export`` does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.ui.feedback import cli_export, export_feedback

if TYPE_CHECKING:
    import gradio as gr

    from assistant.config import Settings
    from assistant.ui.engine import Engine

__all__ = ["build_app", "cli_export", "export_feedback", "serve"]


def build_app(source: Settings | Engine) -> gr.Blocks:
    from assistant.ui.app import build_app as _build

    return _build(source)


def serve(
    settings: Settings, host: str = "127.0.0.1", port: int = 7860, *, api_only: bool = False, insecure: bool = False
) -> None:
    from assistant.server import serve as _serve

    _serve(settings, host, port, api_only=api_only, insecure=insecure)
