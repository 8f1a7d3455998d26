"""How often do the passages the model sees contain an accepted answer? (no LLM needed)

    .venv/bin/python scripts/passage_coverage.py

For each single-turn answerable case of evals/summit.jsonl, builds the
prompt passages with several (passages, chars per passage) settings and
checks whether the accept strings are in them. Used to choose
``answer.passages`` and ``answer.chars_per_passage``: the model cannot
answer from text it never sees, and every character costs prompt time.
"""

from __future__ import annotations

import json
from pathlib import Path

from assistant import Assistant
from assistant.answer.passages import build_passages
from assistant.evaluation.normalize import normalize
from assistant.retrieval.signals import is_document_question

VARIANTS = ((3, 420), (3, 360), (2, 420), (2, 500), (2, 560), (1, 700), (1, 900))


def main() -> None:
    bot = Assistant.load(backend="extractive")
    root = Path(__file__).resolve().parents[1]
    cases = [json.loads(line) for line in (root / "evals" / "summit.jsonl").read_text().splitlines() if line.strip()]
    cases = [c for c in cases if c["answerable"] and not c.get("turns")]
    print("| passages × chars | prompt text (median chars) | answer in the passages |\n|---|---|---|")
    for n, chars in VARIANTS:
        hits, sizes = 0, []
        for c in cases:
            q = c["question"]
            r = bot.retriever.retrieve(q, k=5)
            qv = bot.retriever.embed_query(q)
            ps = build_passages(
                r.hits, qv, bot.retriever.sentence_vectors, max_passages=n, chars_per_passage=chars,
                byline=is_document_question(q),
            )  # fmt: skip
            text = normalize(" ".join(p.text for p in ps))
            sizes.append(sum(len(p.text) for p in ps))
            if c["accept"]:
                hits += any(normalize(a) in text for a in c["accept"])
            else:
                hits += all(any(normalize(a) in text for a in group) for group in c["accept_all"])
        sizes.sort()
        print(f"| {n} × {chars} | {sizes[len(sizes) // 2]} | {hits}/{len(cases)} = {hits / len(cases):.3f} |")


if __name__ == "__main__":
    main()
