"""Re-score a recorded model eval run with the current answer checks, in seconds instead of minutes.

The answering model runs at temperature 0, so for an unchanged prompt it
says what it said before. This replays each question's recorded raw reply
(the "model said: ..." note of ``results.json``) through today's citation
repair, checks and fallbacks, which makes a change to them measurable in
about 20 s instead of a 7-minute model run. It is an approximation, and
says so: a follow-up's prompt holds the previous *checked* answer, so when
a change alters an earlier turn, the model might have said something else
next. The self-check's second opinions are replayed from their notes too;
a question that did not reach the self-check in the recorded run (its
answer failed an earlier check) has none, and its greedy reply stands in.
Confirm a kept change with a real run (`make eval`).

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
SECOND = re.compile(r"^second opinion: (.*) \(agreement [\d.]+\)$", re.DOTALL)
_QUESTION = re.compile(r"^Question: (.*)$", re.MULTILINE)


def recorded_replies(results: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Question -> the model's raw reply ("NO_ANSWER" where the model refused), and question -> its
    recorded second opinion (the sampled reply of the self-check), where one was asked for."""
    replies: dict[str, str] = {}
    seconds: dict[str, str] = {}
    for case in json.loads((results / "results.json").read_text(encoding="utf-8"))["cases"]:
        for turn in case["turns"]:
            notes = turn.get("notes") or []
            said = next((n[len(SAID) :] for n in notes if n.startswith(SAID)), None)
            if said is not None:
                replies[turn["question"]] = said
            elif any("the model found no answer" in n for n in notes):
                replies[turn["question"]] = "NO_ANSWER"
            second = next((m.group(1) for n in notes if (m := SECOND.match(n))), None)
            if second is not None:
                seconds[turn["question"]] = second
    return replies, seconds


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    recorded, out = Path(argv[0]), Path(argv[1])
    replies, seconds = recorded_replies(recorded)
    config = json.loads((recorded / "results.json").read_text(encoding="utf-8"))["config"]
    missing: list[str] = []

    def question_of(messages: Sequence[Message]) -> str:
        found = _QUESTION.findall(messages[-1].content)
        return found[-1].strip() if found else ""

    def reply(messages: Sequence[Message]) -> str:
        question = question_of(messages)
        if question not in replies:
            missing.append(question)
            return "NO_ANSWER"
        return replies[question]

    def second(messages: Sequence[Message]) -> str:
        # A question whose answer never reached the self-check in the recorded run has no second opinion:
        # the greedy reply stands in for it, as a model that is sure of itself would say it again.
        question = question_of(messages)
        return seconds.get(question, replies.get(question, "NO_ANSWER"))

    settings = load_settings()
    files = [Path(f) for f in config.get("files", ["evals/summit.jsonl"])]
    run, paths = run_request(settings, EvalRequest(files=files, out=out), None, llm=FakeLLM(reply, sampled=second))
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
