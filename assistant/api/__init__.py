"""The OpenAI-compatible HTTP API (``/v1``) that ``assistant serve`` puts beside the UI; see ``docs/api.md``.

:func:`create_api` adds its routes to a FastAPI app over an
:class:`~assistant.ui.engine.Engine`; :mod:`assistant.api.wire` is the
wire format.
"""

from __future__ import annotations

from assistant.api.app import create_api

__all__ = ["create_api"]
