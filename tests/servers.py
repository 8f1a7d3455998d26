"""A real ``assistant serve`` for tests, started the way a user starts it, on a scratch copy of the project.

The UI tests (``tests/ui/conftest.py``) and the API tests (``tests/integration/test_api_real.py``) share
this: the environment a server runs in, a scratch project with the corpus and its index (copied, and
rebuilt only if stale), and the server itself, ready when ``/readyz`` answers 200 (the page and the API
listen at once; the models are warm only then). A server that dies shows its log in the failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.net import free_port

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 420  # model load + warm-up, plus an index build if the real index is stale
#: The keys of the UI's server with a login (``tests/ui/conftest.py::auth_server``): a user's and an admin's.
USER_KEY = "ui-user-key-7c1e93"
ADMIN_KEY = "ui-admin-key-2b8d40"


def server_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment without our settings, pointed at ``root``, offline; ``extra`` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUMMIT_")}
    env.update(
        {
            "SUMMIT_PATHS__ROOT": str(root),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for key in ("SUMMIT_MODELS_DIR", "SUMMIT_MODELS__DIR"):  # where the models are, if set
        if key in os.environ:
            env[key] = os.environ[key]
    return {**env, **extra}


def copy_index(src: Path, dst: Path) -> None:
    """Copy the current index build, so an up-to-date project index saves a rebuild."""
    try:
        name = (src / "CURRENT").read_text().strip()
    except OSError:
        return
    if name and (src / name).is_dir():
        dst.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src / name, dst / name)
        (dst / "CURRENT").write_text(name + "\n")


def scratch_project(root: Path) -> Path:
    """The corpus and its index in ``root``, so that uploads and builds never touch the real ones."""
    shutil.copytree(ROOT / "corpus", root / "corpus")
    copy_index(ROOT / "index", root / "index")
    # A no-op when the copied index matches the settings; otherwise a real (atomic) build.
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "index", "-q"],
        env=server_env(root),
        cwd=root,
        capture_output=True,
        text=True,
        timeout=STARTUP_TIMEOUT_S,
    )
    assert done.returncode == 0, f"index build failed:\n{done.stdout}\n{done.stderr}"
    return root


@contextlib.contextmanager
def running_serve(root: Path, *args: str, log_name: str = "server.log", **env: str) -> Iterator[str]:
    """``assistant serve ARGS`` on a free loopback port for as long as the block runs; yields its URL with a
    trailing slash."""
    port = free_port()
    log_path = root / log_name
    cmd = [sys.executable, "-m", "assistant.cli", "serve", *args, "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, env=server_env(root, **env), cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            try:
                with urllib.request.urlopen(url + "readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the server did not come up in {STARTUP_TIMEOUT_S} s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
