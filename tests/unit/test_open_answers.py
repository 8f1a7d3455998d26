"""Open questions end to end on a real (hash-embedder) index: evidence for coverage, checked points."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.coverage import candidates, mmr
from assistant.answer.points import POINT_PROMPT
from assistant.config import load_settings
from assistant.llm.base import Message
from assistant.llm.fake import FakeLLM
from assistant.retrieval.retriever import HybridRetriever
from assistant.service import Assistant
from assistant.types import Chunk, Hit

if TYPE_CHECKING:
    from tests.unit.conftest import IndexedDoc

_PASSAGE = re.compile(r"Passage:\n\[(\d+)\](?: \([^)]*\))? (.*)\n\nAnswer in", re.S)


def _bot(retriever: HybridRetriever, llm: FakeLLM | None) -> Assistant:
    over = {"answer.self_check": False, "answer.fallback_min_cosine": 0.0, "answer.fallback_min_cosine_cross": 0.0}
    return Assistant(load_settings(None, **over), retriever, llm)  # type: ignore[arg-type]


def _restate(messages: Sequence[Message]) -> str:
    """A faithful model: the point is the passage sentence itself, cited."""
    m = _PASSAGE.search(messages[-1].content)
    assert m, messages[-1].content
    return f"{m.group(2).rstrip('.')} [{m.group(1)}]."


def _points(text: str) -> list[str]:
    return [ln[2:] for ln in text.splitlines() if ln.startswith("- ")]


def test_a_list_question_gets_several_cited_points(library_retriever: HybridRetriever, library_text: str) -> None:
    llm = FakeLLM(_restate)
    a = _bot(library_retriever, llm).ask("Welche Angebote der Bibliothek werden im Text genannt?")
    points = _points(a.text)
    assert len(points) >= 3, a.text
    assert all(re.search(r"\[\d+\]", p) for p in points)
    assert not a.refused and a.citations
    for c in a.citations:  # every citation slices the file exactly
        assert library_text[c.start : c.end] == c.quote
    assert all(call[0].content == POINT_PROMPT for call in llm.calls)  # one point prompt per evidence sentence


def test_an_unsupported_point_is_dropped_never_shown(library_retriever: HybridRetriever) -> None:
    calls: list[int] = []

    def liar(messages: Sequence[Message]) -> str:  # the first point states a number its sentence lacks
        calls.append(1)
        return "Die Bibliothek hat 999 Mitarbeiter [1]." if len(calls) == 1 else _restate(messages)

    a = _bot(library_retriever, FakeLLM(liar)).ask("Nenne alle Angebote der Bibliothek.")
    assert "999" not in a.text and _points(a.text)
    assert any("dropped the point" in n for n in a.notes)


def test_every_point_declined_is_a_refusal(library_retriever: HybridRetriever) -> None:
    a = _bot(library_retriever, FakeLLM(["NO_ANSWER"])).ask("Nenne alle Angebote der Bibliothek.")
    assert a.refused and a.reason == "model_refused"


def test_extractive_points_are_the_sentences_themselves(library_retriever: HybridRetriever) -> None:
    a = _bot(library_retriever, None).ask("Fasse den Text zusammen.")
    points = _points(a.text)
    assert len(points) >= 3 and all(p.startswith("„") for p in points)
    quotes = [" ".join(c.quote.split()) for c in a.citations]
    assert all(any(q in " ".join(p.split()) for q in quotes) for p in points)


def test_a_two_part_question_is_answered_part_by_part(library_retriever: HybridRetriever) -> None:
    replies = iter(["Die Bibliothek leitet Marta Kowalczyk [1].", "Die Bibliothek wurde 1908 gegründet [1]."])
    llm = FakeLLM(lambda _m: next(replies))
    a = _bot(library_retriever, llm).ask("Wer leitet die Bibliothek und wann wurde sie gegründet?")
    assert "Kowalczyk" in a.text and "1908" in a.text and len(a.text.splitlines()) == 2
    assert len(llm.calls) == 2 and "Wer leitet die Bibliothek?" in llm.calls[0][1].content
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", a.text)}
    assert numbers == {c.n for c in a.citations}
    for c in a.citations:
        assert a.passages[c.n - 1].chunk.chunk_id == c.chunk_id


def test_forms_off_keeps_the_fact_path(library_retriever: HybridRetriever) -> None:
    settings = load_settings(None, **{"answer.forms": False, "answer.self_check": False})  # type: ignore[arg-type]
    llm = FakeLLM(["Marta Kowalczyk leitet die Bibliothek [1]."])
    Assistant(settings, library_retriever, llm).ask("Nenne alle Angebote der Bibliothek.")
    assert len(llm.calls) == 1 and llm.calls[0][0].content != POINT_PROMPT


def _chunk(texts: list[str]) -> Chunk:
    body, spans, pos = "", [], 0
    for t in texts:
        spans.append([pos, pos + len(t), pos, pos + len(t)])
        body += t + " "
        pos += len(t) + 1
    import json

    return Chunk("c", "d", "x.txt", "", 0, len(body), body, body, sentences=json.dumps(spans))


def test_mmr_prefers_a_new_sentence_to_a_second_wording() -> None:
    chunk = _chunk(
        [
            "Die Bibliothek öffnet dienstags um zehn Uhr.",
            "Dienstags um zehn Uhr öffnet die Bibliothek.",
            "Das Lesecafé hat vierundzwanzig Plätze am Fenster.",
        ]
    )
    v = np.array([[1.0, 0.0], [0.995, 0.0998], [0.6, 0.8]], dtype=np.float32)
    cands = candidates([Hit(chunk, 1.0)], {"c": v})
    rel = np.array([0.9, 0.89, 0.75], dtype=np.float32)
    assert mmr(cands, rel, 2, 0.7) == [0, 2]  # not the paraphrase
    assert mmr(cands, rel, 2, 1.0) == [0, 1]  # relevance alone takes it


def test_a_failed_reply_can_fall_back_to_the_sentence_restated(indexed_doc: IndexedDoc) -> None:
    def model(messages: Sequence[Message]) -> str:
        if messages[0].content == POINT_PROMPT:  # asked to restate the best sentence
            return _restate(messages)
        return "Das steht bei 999 Einheiten [1]."  # a number no passage has: the reply fails its check

    floors = {"answer.fallback_min_cosine": 0.0, "answer.fallback_min_cosine_cross": 0.0}  # hash-embedder cosines
    over = {"answer.self_check": False, "answer.fallback_style": "restate", **floors}
    a = Assistant(load_settings(None, **over), indexed_doc.retriever, FakeLLM(model)).ask(indexed_doc.question)  # type: ignore[arg-type]
    assert a.reason == "unsupported" and "999" not in a.text
    assert not a.text.startswith("Laut Text") and indexed_doc.fact in a.text and a.citations
    quote = Assistant(
        load_settings(None, **{"answer.self_check": False, **floors}), indexed_doc.retriever, FakeLLM(model)
    )  # type: ignore[arg-type]
    assert quote.ask(indexed_doc.question).text.startswith("Laut Text")  # the default quotes
