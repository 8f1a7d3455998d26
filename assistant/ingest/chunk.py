"""Sentence-aware chunking with exact offsets.

A chunk is about one paragraph: short paragraphs of the same section are
merged up to ``max_chars``, long ones are split at sentence boundaries
with ``overlap_sentences`` sentences repeated, so that a fact near a split
still has its context. Sentences come from pysbd's German rules, and each
sentence's span is kept, because answers cite sentences, not chunks.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.ingest.clean import CleanText, clean
from assistant.types import Chunk, Document


@dataclass(frozen=True)
class ChunkParams:
    max_chars: int = 700
    min_chars: int = 200
    overlap_sentences: int = 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "max_chars": self.max_chars,
            "min_chars": self.min_chars,
            "overlap_sentences": self.overlap_sentences,
            "version": CHUNKER_VERSION,
        }


@lru_cache(maxsize=2)
def _segmenter(lang: str) -> Any:
    import pysbd

    return pysbd.Segmenter(language=lang if lang in {"de", "en"} else "de", clean=False)


CHUNKER_VERSION = 2
# pysbd ends a sentence after "8." in "am 7. und 8. Juli" and after some
# abbreviations; a span ending like this continues in the next one.
_NOT_AN_END = re.compile(r"(?:\b\d{1,2}\.|\b(?:Mrd|Mio|Nr|bzw|ca|Dr|Prof|St|vgl|z\.\s?B|u\.\s?a|d\.\s?h)\.)$")


_FINAL = set(".!?:;\"“”»«'…)]")


def _merge_false_ends(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        prev = text[merged[-1][0] : merged[-1][1]].rstrip() if merged else ""
        if merged and (_NOT_AN_END.search(prev) or prev[-1:] not in _FINAL):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def split_sentences(text: str, lang: str = "de") -> list[tuple[int, int]]:
    """Sentence spans in ``text`` (pysbd may normalise, so we re-find)."""
    return _merge_false_ends(text, _pysbd_spans(text, lang))


def _pysbd_spans(text: str, lang: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for sent in _segmenter(lang).segment(text):
        s = sent.strip()
        if not s:
            continue
        at = text.find(s, pos)
        if at < 0:  # pysbd altered the text; fall back to the rest
            at = pos
            s = text[pos:].strip()
        spans.append((at, at + len(s)))
        pos = at + len(s)
    rest = text[pos:].strip()
    if rest:
        at = text.find(rest, pos)
        spans.append((at, at + len(rest)))
    return spans


@dataclass(frozen=True)
class _Sent:
    start: int  # clean offsets
    end: int
    section: str
    para: int


def _sentences(ct: CleanText, title: str, lang: str) -> list[_Sent]:
    out: list[_Sent] = []
    section = title
    for i, block in enumerate(ct.blocks):
        text = ct.text[block.start : block.end]
        if block.kind == "heading":
            section = text
            continue
        for a, b in split_sentences(text, lang):
            out.append(_Sent(block.start + a, block.start + b, section, i))
    return out


def _groups(sents: list[_Sent], p: ChunkParams) -> Iterator[list[_Sent]]:
    """Pack sentences into chunks: paragraphs first, then sentence splits."""
    paras: list[list[_Sent]] = []
    for s in sents:
        if paras and paras[-1][-1].para == s.para:
            paras[-1].append(s)
        else:
            paras.append([s])
    # Merge short paragraphs into the next one of the same section.
    merged: list[list[_Sent]] = []
    for para in paras:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev[0].section == para[0].section
            and (prev[-1].end - prev[0].start < p.min_chars or para[-1].end - para[0].start < p.min_chars)
            and para[-1].end - prev[0].start <= p.max_chars
        ):
            prev.extend(para)
        else:
            merged.append(list(para))
    for para in merged:
        if para[-1].end - para[0].start <= p.max_chars:
            yield para
            continue
        i = 0
        while i < len(para):
            j = i + 1
            while j < len(para) and para[j].end - para[i].start <= p.max_chars:
                j += 1
            yield para[i:j]
            if j >= len(para):
                break
            i = max(i + 1, j - p.overlap_sentences)


def chunk_document(doc: Document, params: ChunkParams | None = None) -> list[Chunk]:
    p = params or ChunkParams()
    lang = str(doc.metadata.get("language", "de"))
    ct = clean(doc.text)
    title = str(doc.metadata.get("title", ""))
    chunks: list[Chunk] = []
    for order, group in enumerate(_groups(_sentences(ct, title, lang), p)):
        cs, ce = group[0].start, group[-1].end
        start, end = ct.to_original(cs, ce)
        text = doc.text[start:end]
        sentences = []
        for s in group:
            os_, oe = ct.to_original(s.start, s.end)
            sentences.append([s.start - cs, s.end - cs, os_, oe])
        digest = hashlib.sha1(f"{doc.source}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()[:16]
        chunks.append(
            Chunk(
                chunk_id=digest,
                doc_id=doc.doc_id,
                source=doc.source,
                section=group[0].section,
                start=start,
                end=end,
                text=text,
                clean=ct.text[cs:ce],
                order=order,
                sentences=json.dumps(sentences),
            )
        )
    return chunks
