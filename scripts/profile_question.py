"""Profile one cold and one warm question with pyinstrument (for docs/performance.md).

    .venv/bin/python scripts/profile_question.py [--out evals/results] [--question "..."]

Cold: a new ``assistant ask`` process under pyinstrument, from launch to the
end of the answer (imports, model loads, index open, first question).
Warm: one process asks once to warm up (as ``serve`` does at start), then
the profiled question. Writes ``profile-<date>-cold.txt`` and ``-warm.txt``
and prints the per-stage timings the answer itself reports.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

QUESTION = "Wie hoch ist der Verteidigungshaushalt 2026?"


def cold(out: Path, question: str) -> None:
    report = out / f"profile-{time.strftime('%Y-%m-%d')}-cold.txt"
    cmd = [sys.executable, "-m", "pyinstrument", "--show-all", "-r", "text", "-o", str(report)]
    cmd += ["-m", "assistant.cli", "ask", question]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    print(f"cold: {time.perf_counter() - t:.1f} s wall (under the profiler) -> {report}")


def warm(out: Path, question: str) -> None:
    from pyinstrument import Profiler

    from assistant import Assistant

    assistant = Assistant.load()
    assistant.ask("Wer ist NATO-Generalsekretär?")  # warm-up, as `serve` does at start
    profiler = Profiler(interval=0.001)
    profiler.start()
    answer = assistant.ask(question)
    profiler.stop()
    report = out / f"profile-{time.strftime('%Y-%m-%d')}-warm.txt"
    report.write_text(profiler.output_text(show_all=False, color=False))
    print(f"warm: timings_ms {answer.timings_ms} -> {report}")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="evals/results")
    p.add_argument("--question", default=QUESTION)
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cold(out, args.question)
    warm(out, args.question)
    return 0


if __name__ == "__main__":
    sys.exit(main())
