"""``assistant serve``: one FastAPI process with the ``/v1`` API and the Gradio UI mounted on it.

Why one process: the API and the UI share the models (loaded once), the
index and the local model's line, so a question from ``curl`` and one from
a browser wait for the same llama.cpp in turn instead of fighting over two
copies of it.

The server starts listening at once and loads the models behind
``/readyz``; a question that comes earlier waits for them. It refuses to
listen beyond loopback with no key configured, since it would hand the
chat, the uploads and the remove button to the whole network.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from assistant.access import Access
from assistant.config import Settings
from assistant.errors import AssistantError, ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.ui.engine import Engine

log = logging.getLogger("assistant.server")


def is_loopback(host: str) -> bool:
    if host.strip().lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def check_exposure(host: str, access: Access, *, insecure: bool = False) -> None:
    """Refuse an open server beyond loopback, unless ``insecure`` says so (then warn)."""
    if access.enabled or is_loopback(host):
        return
    if not insecure:
        raise ConfigError(
            f"Refusing to serve on {host} without API keys: anyone who can reach it could chat, upload and "
            "remove documents. Set server.api_keys (or SUMMIT_SERVER__API_KEYS=key1,key2), serve on "
            "127.0.0.1, or pass --insecure to accept the risk."
        )
    log.warning("serving on %s with no API keys (--insecure): anyone who can reach it has full access", host)


def build_server(settings: Settings, *, api_only: bool = False, engine: Engine | None = None) -> FastAPI:
    """The FastAPI app: the API's routes, and the UI at ``/`` unless ``api_only``."""
    from assistant.api.app import create_api
    from assistant.ui.engine import Engine

    engine = engine or Engine(settings)
    access = Access.from_settings(settings)
    app = create_api(engine, access)  # its own FastAPI app, on which the UI is mounted below
    app.state.engine = engine
    if api_only:
        return app
    import gradio as gr

    from assistant.ui.app import DEFAULT_CONCURRENCY, ChatApp, mount_options

    demo = ChatApp(engine, access).build()
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY)
    auth: Any = access.ui_login if access.enabled else None
    gr.mount_gradio_app(app, demo, path="/", auth=auth, **mount_options(settings))  # mounts onto app itself
    return app


def warm_in_background(engine: Engine) -> threading.Thread:
    """Load and warm the models while the server already answers ``/healthz`` (``/readyz`` waits)."""
    from assistant.ui.session import default_prefs

    def run() -> None:
        t0 = time.perf_counter()
        log.info("loading and warming models (backend %s) ...", engine.settings.llm.backend)
        try:
            engine.warm(default_prefs(engine.settings))
        except AssistantError as err:  # the first question will say it again, in its own words
            log.error("warm-up failed: %s", err)
            return
        log.info("models ready in %.1f s", time.perf_counter() - t0)

    thread = threading.Thread(target=run, name="warm-up", daemon=True)
    thread.start()
    return thread


def serve(
    settings: Settings, host: str = "127.0.0.1", port: int = 7860, *, api_only: bool = False, insecure: bool = False
) -> None:
    """Check the exposure, build the app, warm the models and serve until interrupted."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    check_exposure(host, Access.from_settings(settings), insecure=insecure)
    app = build_server(settings, api_only=api_only)
    warm_in_background(app.state.engine)
    where = "API" if api_only else "UI and API"
    log.info("serving the %s on http://%s:%d (API under /v1)", where, host, port)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
