"""A two-part question's answers merged: one numbering, markers rewritten to match."""

from __future__ import annotations

from assistant.answer.merge import merge
from assistant.answer.model import Answer
from assistant.types import Chunk, Citation, Hit


def _chunk(cid: str, text: str) -> Chunk:
    return Chunk(cid, "d", "doc.txt", "", 0, len(text), text, text)


def _answer(text: str, cites: list[Citation], hits: list[Hit], *, refused: bool = False) -> Answer:
    return Answer("q", text, "de", refused, tuple(cites), tuple(hits), "fake", "scripted", {"total": 5.0})


def test_parts_are_renumbered_by_the_chunks_they_cite() -> None:
    a, b = _chunk("a", "Marta Kowalczyk leitet die Bibliothek."), _chunk("b", "Das Lesecafé hat 24 Plätze.")
    first = _answer("Marta Kowalczyk [1].", [Citation(1, "a", "doc.txt", "", 0, 10, "Marta")], [Hit(a, 1.0)])
    second = _answer(
        "Das Lesecafé hat 24 Plätze [2], geleitet von Kowalczyk [1].",
        [Citation(2, "b", "doc.txt", "", 0, 5, "Das"), Citation(1, "a", "doc.txt", "", 0, 10, "Marta")],
        [Hit(a, 1.0), Hit(b, 0.5)],
    )
    m = merge("Wer? Und was?", "de", [first, second], 12.0)
    assert m.text == "Marta Kowalczyk [1].\nDas Lesecafé hat 24 Plätze [2], geleitet von Kowalczyk [1]."
    assert [(c.n, c.chunk_id) for c in m.citations] == [(1, "a"), (2, "b"), (1, "a")]
    assert [h.chunk.chunk_id for h in m.passages] == ["a", "b"]  # passage n is passages[n - 1]
    assert not m.refused and m.timings_ms["total"] == 12.0


def test_a_refused_part_is_left_out_and_all_refused_is_a_refusal() -> None:
    a = _chunk("a", "Marta Kowalczyk leitet die Bibliothek.")
    ok = _answer("Marta Kowalczyk [1].", [Citation(1, "a", "doc.txt", "", 0, 10, "Marta")], [Hit(a, 1.0)])
    no = _answer("Dazu enthält der Text keine Angabe.", [], [], refused=True)
    assert merge("q", "de", [ok, no], 1.0).text == "Marta Kowalczyk [1]."
    both = merge("q", "de", [no, no], 1.0)
    assert both.refused and both.text == "Dazu enthält der Text keine Angabe."
