from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.chunk import ChunkParams, chunk_document, split_sentences
from assistant.types import Document


def _doc(text: str) -> Document:
    return Document("d1", "corpus/x.txt", text, {"title": "Titel"})


def test_chunks_map_back_exactly(original_text: str) -> None:
    chunks = chunk_document(Document("d", "corpus/n.txt", original_text, {"title": "T"}))
    assert len(chunks) > 10
    for c in chunks:
        assert original_text[c.start : c.end] == c.text
        for cs, ce, os_, oe in c.sentence_spans():
            assert c.clean[cs:ce].replace(" ", "") == original_text[os_:oe].replace("\n", "").replace(" ", "")


def test_sections_and_sizes(original_text: str) -> None:
    p = ChunkParams(max_chars=700, min_chars=200, overlap_sentences=1)
    chunks = chunk_document(Document("d", "corpus/n.txt", original_text, {"title": "T"}), p)
    budget = next(c for c in chunks if "124 Milliarden Euro" in c.clean)
    assert budget.section == "Burden Shifting: Die Lastenverteilung läuft"
    assert all(len(c.clean) <= p.max_chars or len(c.sentence_spans()) == 1 for c in chunks)


def test_ids_are_stable_and_unique(original_text: str) -> None:
    a = chunk_document(Document("d", "corpus/n.txt", original_text, {}))
    b = chunk_document(Document("d", "corpus/n.txt", original_text, {}))
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)


def test_long_paragraph_splits_with_overlap() -> None:
    sents = [f"Satz Nummer {i} handelt von der Zahl {i * 7} und mehr." for i in range(30)]
    chunks = chunk_document(_doc(" ".join(sents)), ChunkParams(max_chars=300, min_chars=50, overlap_sentences=1))
    assert len(chunks) > 3
    for prev, nxt in itertools.pairwise(chunks):
        last = prev.clean.split(". ")[-1]
        assert last.rstrip(".") in nxt.clean


def test_german_abbreviations_do_not_split() -> None:
    spans = split_sentences("Das kostet 124 Mrd. Euro, z. B. für Panzer. Danach folgt mehr.")
    assert len(spans) == 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abc ÄÖ.?!-\n")), min_size=1, max_size=80), max_size=8))
def test_fuzzed_documents_never_crash_and_map_back(paras: list[str]) -> None:
    text = "\n\n".join(paras)
    if not text.strip():
        return
    for c in chunk_document(_doc(text), ChunkParams(max_chars=120, min_chars=20)):
        assert text[c.start : c.end] == c.text
