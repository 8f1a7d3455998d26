"""Contract every LLM backend must pass (run against fakes and real ones)."""

from __future__ import annotations

from assistant.llm.base import LLM, Message, Sampling, complete

PROMPT = [
    Message("system", "You are terse."),
    Message("user", "Passages:\n[1] Der Haushalt beträgt 124 Milliarden Euro.\n\nQuestion: Wie hoch ist der Haushalt?"),
]


def check_llm_contract(llm: LLM) -> None:
    assert isinstance(llm, LLM)
    assert isinstance(llm.backend, str) and llm.backend
    assert isinstance(llm.model, str) and llm.model
    pieces = list(llm.stream(PROMPT, max_tokens=24))
    assert pieces, "a backend must stream at least one piece"
    assert all(isinstance(p, str) for p in pieces)
    text = "".join(pieces)
    assert text.strip()
    again = complete(llm, PROMPT, max_tokens=24)
    assert isinstance(again, str) and again.strip()
    # The answer step's second opinion: a sampled reply (with a fixed seed) must work on every backend.
    sampled = complete(llm, PROMPT, max_tokens=24, sampling=Sampling())
    assert isinstance(sampled, str) and sampled.strip()


def check_answer_contract(answer: object, original_text: str) -> None:
    """What every backend's Answer must satisfy, whatever the model said."""
    from assistant.answer.model import Answer

    assert isinstance(answer, Answer)
    d = answer.to_dict()
    assert set(d) == {"question", "answer", "language", "refused", "reason", "citations", "passages", "backend",
                      "model", "timings_ms"}  # fmt: skip
    assert isinstance(d["reason"], str) and (d["reason"] or not d["refused"]), "a refusal says which check refused"
    assert d["language"] in {"de", "en"} and isinstance(d["refused"], bool) and d["answer"].strip()
    for c in d["citations"]:
        assert set(c) == {"n", "chunk_id", "source", "section", "start", "end", "quote"}
        assert original_text[c["start"] : c["end"]] == c["quote"]
    for p in d["passages"]:
        assert original_text[p["start"] : p["end"]] == p["text"]
    if not d["refused"]:
        assert d["citations"], "a non-refused answer carries at least one citation"
