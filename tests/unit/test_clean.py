from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.clean import clean


def test_sentence_broken_by_blank_line_is_joined(original_text: str) -> None:
    ct = clean(original_text)
    for probe in ("im Wert von mehr als 50 Milliarden", "Jeppe Bruus Christensen vereinbaren in Ankara"):
        at = ct.text.find(probe)
        assert at >= 0, probe
        start, end = ct.to_original(at, at + len(probe))
        assert "\n\n" in original_text[start:end]


def test_hyphen_across_break_keeps_compound(original_text: str) -> None:
    ct = clean(original_text)
    assert "transatlantischen Cloud-Infrastruktur für militärische" in ct.text


def test_lowercase_hyphen_continuation_is_dehyphenated() -> None:
    ct = clean("Die Verteidi-\n\ngung der Allianz ist wichtig.")
    assert ct.text == "Die Verteidigung der Allianz ist wichtig."


def test_headings_and_byline(original_text: str) -> None:
    ct = clean(original_text)
    headings = [ct.text[b.start : b.end] for b in ct.blocks if b.kind == "heading"]
    assert "Burden Shifting: Die Lastenverteilung läuft" in headings
    assert "Abschreckung und Verteidigung der Zukunft" in headings
    assert not any(h.startswith("8.7.2026") for h in headings)


def test_every_kept_character_maps_to_itself(original_text: str) -> None:
    ct = clean(original_text)
    for i, ch in enumerate(ct.text):
        if ch not in " \n":
            assert original_text[ct.offsets[i]] == ch


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*"ab -.\nÄß\r\t", "x\u0301", "\u200f", "\n\n", "-\n"]), max_size=80).map("".join))
def test_offsets_are_monotonic_and_in_range(text: str) -> None:
    ct = clean(text)
    assert len(ct.offsets) == len(ct.text)
    assert all(0 <= o < max(len(text), 1) for o in ct.offsets)
    assert list(ct.offsets) == sorted(ct.offsets)
    for i, ch in enumerate(ct.text):
        if ch not in " \n":
            assert text[ct.offsets[i]] == ch
