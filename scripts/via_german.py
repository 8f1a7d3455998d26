"""Tried and dropped (2026-11-29): answer an English question in German first, then translate the answer.

The 1.5B model is far more accurate on German questions (grounded 0.90) than on English ones over the same
German text (0.71), so reading in German and translating a short answer looked easier than answering across
languages in one step. Measured on the English single-turn answerable summit questions that the recorded
1.5B run answered (plain accuracy, accept strings of evals/summit.jsonl): see
evals/results/via-german-2026-11-29.md.

Run on a quiet machine:  .venv/bin/python scripts/via_german.py
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.answer.lang import detect_language  # noqa: E402
from assistant.answer.prompt import build_messages  # noqa: E402
from assistant.evaluation.normalize import matches  # noqa: E402
from assistant.llm.base import Message, complete  # noqa: E402

TRANSLATE = (
    "Translate the German answer into English. Keep names, numbers and the [n] markers exactly. "
    "Reply with the English sentence only."
)

bot = Assistant.load()
assert bot.llm is not None
record = json.loads((ROOT / "evals/results/summit-llamacpp-1.5b/results.json").read_text())
recorded = {c["id"]: c for c in record["cases"]}
cases = [json.loads(line) for line in (ROOT / "evals/summit.jsonl").read_text().splitlines() if line.strip()]
cases = [c for c in cases if c["lang"] == "en" and c.get("answerable") and "turns" not in c]
rows = []
for c in cases:
    direct = recorded[c["id"]]["turns"][0]
    if direct["refused"]:
        continue
    draft = bot._retrieve(c["question"], [])
    t = time.perf_counter()
    german = complete(bot.llm, build_messages(c["question"], draft.passages, "de"), max_tokens=200).strip()
    english = complete(bot.llm, [Message("system", TRANSLATE), Message("user", german)], max_tokens=200).strip()
    rows.append(
        {
            "id": c["id"],
            "direct_correct": matches(direct["answer"], c["accept"], c.get("accept_all", [])),
            "via_german_correct": matches(english, c["accept"], c.get("accept_all", [])),
            "via_german_language": detect_language(english),
            "seconds": round(time.perf_counter() - t, 1),
            "german": german,
            "english": english,
        }
    )
    print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
n = len(rows)
print(
    f"n={n} direct={sum(r['direct_correct'] for r in rows) / n:.3f} "
    f"via_german={sum(r['via_german_correct'] for r in rows) / n:.3f} "
    f"english={sum(r['via_german_language'] == 'en' for r in rows) / n:.3f} "
    f"median_s={sorted(r['seconds'] for r in rows)[n // 2]}"
)
