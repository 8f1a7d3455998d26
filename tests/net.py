"""Loopback helpers for tests that start real servers: a free port, and a real `chroma run` server.

Both are the package's own (assistant/net.py, which the load test and the scale benchmark use too),
re-exported so that tests import them from one place: ``from tests.net import free_port``.
"""

from __future__ import annotations

from assistant.net import ChromaServer, free_port

__all__ = ["ChromaServer", "free_port"]
