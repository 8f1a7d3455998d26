"""Loopback helpers for tests that start real servers: a free port, and a real `chroma run` server.

``free_port`` is the package's own (assistant/net.py, which the load test uses too), re-exported so
that tests import it from one place: ``from tests.net import free_port``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from assistant.net import free_port

__all__ = ["ChromaServer", "free_port"]

CHROMA = str(Path(sys.executable).parent / "chroma")


class ChromaServer:
    """A real Chroma server (the venv's ``chroma run``) on loopback, with its data in ``path``."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [CHROMA, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("chroma server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
            self.proc = None
