"""Real EmbeddingGemma + Chroma on disk + the real corpus."""

from __future__ import annotations

import pytest

QUESTIONS = [
    ("Wie hoch ist der Verteidigungshaushalt 2026?", "124 Milliarden Euro"),
    ("Wer ist NATO-Generalsekretär?", "Mark Rutte"),
    ("Welches Land ist der Maritimen Sicherheitspartnerschaft beigetreten?", "ist Island in Ankara der Maritimen"),
    ("Wie viele Triton-Drohnen sollen beschafft werden?", "bis zu fünf maritimen"),
    ("Mit welchem Land kooperiert Deutschland bei der P-8A?", "Jeppe Bruus Christensen"),
    ("How much military aid did the allies pledge to Ukraine for 2026?", "70 Milliarden Euro"),
    ("Which company will help maintain Patriot missiles?", "Lockheed Martin"),
    ("Which Indo-Pacific partners attended the summit?", "Australien, Japan, Südkorea und Neuseeland"),
    ("What was announced about the Multi Role Tanker Transport fleet?", "Bündnispartner Schweden erweitert"),
    ("Where will Ukrainian long-range drones be produced?", "auch in Deutschland produziert"),
]


@pytest.mark.parametrize(("question", "needle"), QUESTIONS)
def test_answer_passage_in_top3(real_retriever, question: str, needle: str) -> None:  # type: ignore[no-untyped-def]
    hits = real_retriever.retrieve(question, k=3).hits
    assert any(needle in h.chunk.clean for h in hits), [h.chunk.clean[:80] for h in hits]


def test_cross_lingual_without_shared_keyword(real_retriever) -> None:  # type: ignore[no-untyped-def]
    # No word of the question occurs in the German passage ("Seefernaufklärer", "kooperieren").
    question = "Which neighbour wants to work together with Germany on maritime patrol aircraft?"
    from assistant.text.analyzer import tokenize

    hits = real_retriever.retrieve(question, k=3).hits
    target = next(c for c in real_retriever.index.chunks.values() if "Seefernaufklärer" in c.clean)
    assert not set(tokenize(question)) & set(tokenize(target.clean))
    assert target.chunk_id in [h.chunk.chunk_id for h in hits]


def test_hits_map_back_to_the_file(real_retriever, original_text: str) -> None:  # type: ignore[no-untyped-def]
    for h in real_retriever.retrieve("Wann fand der Gipfel statt?", k=5).hits:
        assert original_text[h.chunk.start : h.chunk.end] == h.chunk.text
        assert h.chunk.source == "corpus/nato-gipfel-2026-ankara.txt"
