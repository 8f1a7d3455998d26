"""Repair layout damage while keeping an exact map back to the original.

Press releases copied from the web break sentences across blank lines
("im Wert" / "von mehr als …") and hyphenate words across a break
("Cloud-" / "Infrastruktur"). We rebuild paragraphs from raw blocks and
record, for every character of the clean text, the offset of the original
character it came from. A clean span [a, b) therefore maps back to
``original[offsets[a] : offsets[b-1] + 1]`` exactly.

Short single lines without final punctuation are headings; they become the
section title of the paragraphs that follow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_FINAL = ".!?:;\"“”»«'…)"
_MAX_HEADING_CHARS = 100
_MAX_HEADING_WORDS = 14
_DATELINE = re.compile(r"^\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}\b")


@dataclass(frozen=True)
class Block:
    kind: Literal["heading", "para"]
    start: int  # clean offsets
    end: int


@dataclass(frozen=True)
class CleanText:
    text: str
    offsets: tuple[int, ...]  # clean index -> original index
    blocks: tuple[Block, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a non-empty clean span to the original span that holds it."""
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass
class _Raw:
    lines: list[tuple[int, str]]  # (original offset, line text without newline)

    @property
    def first(self) -> str:
        return self.lines[0][1].strip()

    @property
    def last(self) -> str:
        return self.lines[-1][1].rstrip()


def _raw_blocks(original: str) -> list[_Raw]:
    blocks: list[_Raw] = []
    current: list[tuple[int, str]] = []
    pos = 0
    for line in original.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if body.strip(" \t\ufeff\u00a0"):
            current.append((pos, body))
        elif current:
            blocks.append(_Raw(current))
            current = []
        pos += len(line)
    if current:
        blocks.append(_Raw(current))
    return blocks


def _continues(prev: _Raw, nxt: _Raw) -> bool:
    """True when ``nxt`` is the rest of a sentence broken by a blank line."""
    tail, head = prev.last, nxt.first
    if not tail or not head:
        return False
    if tail.endswith("-") and len(tail) > 1 and tail[-2].isalpha():
        return True
    return tail[-1] not in _FINAL and head[0].islower()


def _is_heading(raw: _Raw) -> bool:
    if len(raw.lines) != 1:
        return False
    text = raw.first
    if _DATELINE.match(text):
        return False  # "8.7.2026 - Lara Finke | …" is a byline, not a section
    if len(text) > _MAX_HEADING_CHARS or len(text.split()) > _MAX_HEADING_WORDS:
        return False
    return text[-1] not in _FINAL + "," and not text[0].islower() and not text.startswith("<")


class _Builder:
    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offsets: list[int] = []

    def add(self, text: str, origin: int) -> None:
        self.chars.extend(text)
        self.offsets.extend(range(origin, origin + len(text)))

    def add_gap(self, text: str, origin: int) -> None:
        self.chars.extend(text)
        self.offsets.extend([origin] * len(text))

    def ends_with(self, s: str) -> bool:
        return "".join(self.chars[-len(s) :]) == s

    def pop(self) -> None:
        self.chars.pop()
        self.offsets.pop()

    def __len__(self) -> int:
        return len(self.chars)


def _add_line(b: _Builder, origin: int, body: str, first_in_para: bool) -> None:
    lead = len(body) - len(body.lstrip(" \t\ufeff\u00a0"))
    text = body.strip(" \t\ufeff\u00a0")
    origin += lead
    if not first_in_para:
        if b.ends_with("-") and text[:1].islower() and len(b) > 1 and b.chars[-2].isalpha():
            b.pop()  # "Verteidi-" + "gung" -> "Verteidigung"
        elif not b.ends_with("-"):
            b.add_gap(" ", b.offsets[-1] + 1)  # soft line break or blank-line break
    text = re.sub(r"[ \t]+", " ", text) if "  " in text or "\t" in text else text
    if text == body.strip(" \t\ufeff\u00a0"):
        b.add(text, origin)
        return
    # Collapsed inner whitespace: map character by character.
    src = body.strip(" \t\ufeff\u00a0")
    i = 0
    for ch in src:
        if ch in " \t" and b.chars and b.chars[-1] == " ":
            i += 1
            continue
        b.add_gap(" " if ch == "\t" else ch, origin + i)
        i += 1


def clean(original: str) -> CleanText:
    raws = _raw_blocks(original)
    b = _Builder()
    blocks: list[Block] = []
    i = 0
    while i < len(raws):
        group = [raws[i]]
        while i + 1 < len(raws) and _continues(group[-1], raws[i + 1]):
            i += 1
            group.append(raws[i])
        kind: Literal["heading", "para"] = "heading" if len(group) == 1 and _is_heading(group[0]) else "para"
        if blocks:
            b.add_gap("\n\n", b.offsets[-1] + 1)
        start = len(b)
        first = True
        for raw in group:
            for origin, body in raw.lines:
                _add_line(b, origin, body, first)
                first = False
        blocks.append(Block(kind, start, len(b)))
        i += 1
    return CleanText("".join(b.chars), tuple(b.offsets), tuple(blocks))
