"""The offline defaults: one list, applied without overriding what a user set."""

from __future__ import annotations

import subprocess
import sys

from assistant import offline


def test_apply_sets_every_default_and_keeps_a_users_choice() -> None:
    env = {"HF_HUB_OFFLINE": "0"}
    offline.apply(env)
    assert env["HF_HUB_OFFLINE"] == "0"  # the user's setting stands
    assert env["ANONYMIZED_TELEMETRY"] == "False"
    assert env["GRADIO_ANALYTICS_ENABLED"] == "False"
    assert set(offline.OFFLINE_ENV) <= set(env)


def test_the_prefix_runs_a_command_under_the_defaults() -> None:
    code = "import os; print(os.environ['TRANSFORMERS_OFFLINE'], os.environ['ANONYMIZED_TELEMETRY'])"
    out = subprocess.run(
        [sys.executable, "-m", "assistant.offline", sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "ANONYMIZED_TELEMETRY": "False"},
        check=True,
    )
    assert out.stdout.split() == ["1", "False"]


def test_the_prefix_passes_the_exit_status_through() -> None:
    done = subprocess.run([sys.executable, "-m", "assistant.offline", sys.executable, "-c", "raise SystemExit(5)"])
    assert done.returncode == 5  # pytest's "no tests" must still fail `make test`


def test_a_missing_command_is_one_line_not_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "assistant.offline", "no-such-command-xyz"], capture_output=True, text=True
    )
    assert done.returncode == 127
    assert "Traceback" not in done.stderr and "no-such-command-xyz" in done.stderr
