"""Re-score a recorded model eval run with the current answer checks, in seconds instead of minutes.

The answering model runs at temperature 0, so for an unchanged prompt it
says what it said before. This replays each question's recorded raw reply
(the "model said: ..." note of ``results.json``) through today's citation
repair, checks and fallbacks, which makes a change to them measurable in
about 20 s instead of a 7-minute model run. It is an approximation, and
says so: a follow-up's prompt holds the previous *checked* answer, so when
a change alters an earlier turn, the model might have said something else
next. Confirm a kept change with a real run (`make eval`).

    .venv/bin/python scripts/replay_eval.py evals/results/summit-llamacpp-1.5b /tmp/replayed
    .venv/bin/assistant eval --compare evals/results/summit-llamacpp-1.5b /tmp/replayed
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.config import load_settings
from assistant.evaluation.command import EvalRequest, run_request
from assistant.llm.base import Message
from assistant.llm.fake import FakeLLM

SAID = "model said: "
_QUESTION = re.compile(r"^Question: (.*)$", re.MULTILINE)


def recorded_replies(results: Path) -> dict[str, str]:
    """Question -> the model's raw reply; "NO_ANSWER" where the model refused."""
    replies: dict[str, str] = {}
    for case in json.loads((results / "results.json").read_text(encoding="utf-8"))["cases"]:
        for turn in case["turns"]:
            notes = turn.get("notes") or []
            said = next((n[len(SAID) :] for n in notes if n.startswith(SAID)), None)
            if said is not None:
                replies[turn["question"]] = said
            elif any("the model found no answer" in n for n in notes):
                replies[turn["question"]] = "NO_ANSWER"
    return replies


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    recorded, out = Path(argv[0]), Path(argv[1])
    replies = recorded_replies(recorded)
    config = json.loads((recorded / "results.json").read_text(encoding="utf-8"))["config"]
    missing: list[str] = []

    def reply(messages: Sequence[Message]) -> str:
        found = _QUESTION.findall(messages[-1].content)
        question = found[-1].strip() if found else ""
        if question not in replies:
            missing.append(question)
            return "NO_ANSWER"
        return replies[question]

    settings = load_settings()
    files = [Path(f) for f in config.get("files", ["evals/summit.jsonl"])]
    run, paths = run_request(settings, EvalRequest(files=files, out=out), None, llm=FakeLLM(reply))
    s = run.summary
    print()
    keys = ("accuracy", "grounded_accuracy", "citation_precision", "citation_recall", "refusal_rate",
            "false_refusal_rate")  # fmt: skip
    print("  ".join(f"{k}={s[k]:.3f}" for k in keys))
    if missing:
        print(f"{len(missing)} prompts had no recorded reply (NO_ANSWER replayed): {missing[:5]}", file=sys.stderr)
    print(f"reports: {paths['markdown']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
