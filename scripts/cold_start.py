"""Time the phases of a cold start, with and without the background embedder load.

.venv/bin/python scripts/cold_start.py bg     # as `assistant ask` starts now
.venv/bin/python scripts/cold_start.py nobg   # the embedding model loads on first use
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import sys  # noqa: E402  (the clock starts before the imports it measures)

from assistant.app import EXTRACTIVE, build_assistant, build_retriever, prime_llm  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from assistant.llm.factory import make_llm  # noqa: E402


def main(mode: str) -> None:
    settings = load_settings()
    retriever = build_retriever(settings)
    t_index = time.perf_counter()
    if mode == "bg":
        retriever.embedder.load_in_background()  # type: ignore[attr-defined]
    llm = make_llm(settings)
    t_llm = time.perf_counter()
    primed = prime_llm(llm, settings)
    t_prime = time.perf_counter()
    bot = build_assistant(settings, retriever=retriever, llm=llm if llm is not None else EXTRACTIVE)
    t_ready = time.perf_counter()
    for event in bot.ask_stream("Wie hoch ist der Verteidigungshaushalt 2026?"):
        if event.kind == "token":
            break
    t_first = time.perf_counter()
    print(
        f"{mode}: index {t_index - T0:.2f} s, llm {t_llm - t_index:.2f} s, prime ({primed}) {t_prime - t_llm:.2f} s, "
        f"first token {t_first - t_ready:.2f} s, launch to first token {t_first - T0:.2f} s"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bg")
