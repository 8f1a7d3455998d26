"""Calibration of the ``on_topic`` fallback check: how close to the question are the sentences fallbacks quote?

For each single-turn case of an eval run's ``results.json`` whose answer was
a fallback (a reply check decided it, and it was not refused), this
retrieves the question again (no model needed) and prints the best
sentence's cosine to the question, split by answerable / unanswerable and
by whether the sentence's document is in the question's language. The
floors ``answer.fallback_min_cosine`` and ``..._cross`` belong between the
unanswerable questions' cosines and the answerable ones'.

    .venv/bin/python scripts/fallback_cosines.py xquad RESULTS.json [PER_ARTICLE]
    .venv/bin/python scripts/fallback_cosines.py debian RESULTS.json
    .venv/bin/python scripts/fallback_cosines.py summit RESULTS.json

RESULTS.json must come from a run with the ``on_topic`` check off (or from
before it), or the fallbacks it refused are not fallbacks there any more.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from assistant.answer.fallback_checks import pick_cosine
from assistant.app import EXTRACTIVE, build_assistant
from assistant.config import load_settings
from assistant.evaluation import general
from assistant.service import Assistant

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _assistant(which: str, per_article: int) -> Assistant:
    settings = load_settings()
    if which == "summit":
        return build_assistant(settings, llm=EXTRACTIVE)
    if which == "xquad":
        corpus = general.xquad_corpus(SHARED / "xquad", per_article)
    else:
        evalset = Path(__file__).resolve().parents[1] / "evals" / "debian-reference.jsonl"
        corpus = general.debian_corpus(SHARED / "debian-reference-de", evalset)
    return general.corpus_assistant(settings, corpus, llm=EXTRACTIVE)[0]


def main(argv: list[str]) -> int:
    which, results = argv[0], Path(argv[1])
    per_article = int(argv[2]) if len(argv) > 2 else 4
    bot = _assistant(which, per_article)
    cases: list[dict[str, Any]] = json.loads(results.read_text())["cases"]
    groups: dict[str, list[tuple[float, str]]] = {}
    for case in cases:
        if len(case["turns"]) != 1:
            continue
        turn = case["turns"][0]
        if turn["refused"] or not turn.get("reason") or turn["reason"] == "backend_failed":
            continue
        draft, ctx = bot.evidence(turn["question"])
        cos = pick_cosine(draft, ctx)
        if cos is None or not draft.picks:
            continue
        n = draft.picks[0][0].n
        same = draft.passage_languages.get(n, draft.language) == draft.language
        key = f"{'answerable' if case['answerable'] else 'unanswerable'}, {'same' if same else 'other'} language"
        right = "right" if case["metrics"].get("accuracy") else "wrong"
        groups.setdefault(key, []).append((cos, right if case["answerable"] else "-"))
    for key in sorted(groups):
        values = sorted(groups[key])
        print(f"{key} ({len(values)}): " + ", ".join(f"{c:.3f}{'' if r == '-' else ' ' + r}" for c, r in values))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
