"""Document and section summaries, built with the index and stored in its build folder.

Why at index time: "Worum geht es?" asks the same of a document every time,
and writing its points costs the 1.5B model a few seconds each. Written
once per build, the summary answers such a question at once and heads the
Document tab. The work is split the way a small model manages it: the
document's coverage sentences are chosen by MMR over its sentence vectors
(``assistant.answer.coverage.summary``), and each becomes one checked point
(``assistant.answer.points``), so the model never sees more than one
sentence. Section summaries are the sections' own coverage sentences,
quoted (a reference manual has hundreds of sections).

A document whose chunks did not change keeps the summary of the previous
build (matched by a fingerprint of its chunk ids, which hash its text), so
a rebuild after adding one file writes only that file's summary. A build
that would have the model write more than ``llm_max`` summaries (the
first build of a thousand-file manual: hours) quotes them instead, and
later builds keep those until their document changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.coverage import Evidence, summary
from assistant.answer.facts import NameBook
from assistant.answer.lang import document_language
from assistant.answer.points import POINT_PROMPT, Point, PointWriter, numbered, quoted_point
from assistant.llm.base import LLM
from assistant.types import Chunk, Citation

FILE = "summaries.json"
VERSION = 1
DOCUMENT_POINTS = 4
SECTION_POINTS = 2
DIVERSITY = 0.3  # MMR novelty weight, as answer.open_diversity


@dataclass(frozen=True)
class Summary:
    """A few cited points; ``[n]`` in a point's text is ``chunks[n - 1]``."""

    points: tuple[str, ...]
    citations: tuple[Citation, ...]
    chunks: tuple[str, ...]


@dataclass(frozen=True)
class DocumentSummary:
    source: str
    fingerprint: str
    language: str
    written_by: str  # "extractive" or the model that wrote the points
    document: Summary
    sections: tuple[tuple[str, Summary], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fingerprint": self.fingerprint,
            "language": self.language,
            "written_by": self.written_by,
            "document": _summary_json(self.document),
            "sections": [[title, _summary_json(s)] for title, s in self.sections],
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> DocumentSummary:
        return cls(
            source=str(raw["source"]),
            fingerprint=str(raw["fingerprint"]),
            language=str(raw["language"]),
            written_by=str(raw["written_by"]),
            document=_summary_from(raw["document"]),
            sections=tuple((str(t), _summary_from(s)) for t, s in raw.get("sections", [])),
        )


def _summary_json(s: Summary) -> dict[str, Any]:
    return {"points": list(s.points), "citations": [c.to_dict() for c in s.citations], "chunks": list(s.chunks)}


def _summary_from(raw: Mapping[str, Any]) -> Summary:
    cites = tuple(
        Citation(
            int(c["n"]), str(c["chunk_id"]), str(c["source"]), str(c["section"]), int(c["start"]), int(c["end"]),
            str(c["quote"]),
        )
        for c in raw.get("citations", [])
    )  # fmt: skip
    return Summary(tuple(str(p) for p in raw.get("points", [])), cites, tuple(str(c) for c in raw.get("chunks", [])))


def fingerprint(chunks: Sequence[Chunk]) -> str:
    return hashlib.sha1("\n".join(sorted(c.chunk_id for c in chunks)).encode()).hexdigest()[:16]


class CorpusSummarizer:
    """Writes the summaries of a build; ``llm=None`` quotes the coverage sentences instead of restating them."""

    def __init__(
        self,
        llm: LLM | None,
        embed: Callable[[str], Sequence[float]],
        *,
        min_support: float,
        llm_max: int | None = None,
    ) -> None:
        self.llm = llm
        self.embed = embed
        self.min_support = min_support
        self.llm_max = llm_max  # the most documents the model writes in one build (None: no limit)

    @property
    def written_by(self) -> str:
        """Who wrote the points: the model (and which point prompt, so that a new prompt rewrites them)."""
        if self.llm is None:
            return "extractive"
        return f"{self.llm.model} (prompt {hashlib.sha1(POINT_PROMPT.encode()).hexdigest()[:8]})"

    def __call__(
        self,
        chunks: Sequence[Chunk],
        vectors: Mapping[str, np.ndarray],
        previous: Mapping[str, DocumentSummary],
        only: Collection[str] | None = None,
    ) -> dict[str, DocumentSummary]:
        """Every document's summary: kept from ``previous`` where current, else written, within ``llm_max``."""
        by_source: dict[str, list[Chunk]] = {}
        for c in chunks:
            by_source.setdefault(c.source, []).append(c)
        prints = {source: fingerprint(own) for source, own in by_source.items()}
        changed = {s for s in by_source if s not in previous or previous[s].fingerprint != prints[s]}
        stale = {s for s in by_source if not _current(previous.get(s), prints[s], self.written_by)}
        todo, writer = stale, self
        if self.llm_max is not None and len(stale) > self.llm_max:
            # Over budget, the model writes only new text and what the build read anew (``only``); if even
            # that is too much (a first build of a large corpus), new text is quoted, and the rest is kept.
            first = changed | (stale & set(only or ()))
            todo, writer = (first, self) if len(first) <= self.llm_max else (changed, self._quoting())
        # The corpus's names check the model's points (seconds on a large corpus); quoting needs none.
        wanted = todo and writer.llm is not None
        names = NameBook.from_texts(c.clean for c in chunks) if wanted else NameBook.from_texts(())
        out: dict[str, DocumentSummary] = {}
        for source, own in by_source.items():
            if source in todo:
                ordered = sorted(own, key=lambda c: c.order)
                out[source] = writer.document(source, ordered, vectors, names, prints[source])
            else:
                out[source] = previous[source]
        return out

    def _quoting(self) -> CorpusSummarizer:
        return CorpusSummarizer(None, self.embed, min_support=self.min_support)

    def document(
        self, source: str, chunks: list[Chunk], vectors: Mapping[str, np.ndarray], names: NameBook, fp: str
    ) -> DocumentSummary:
        """One document's summary by this writer; ``names`` is the corpus's name book, built once per build."""
        language = document_language(" ".join(c.clean for c in chunks[:3]))
        evidence = summary(chunks, vectors, q=None, limit=DOCUMENT_POINTS, lam=1 - DIVERSITY)
        writer = PointWriter(
            "", language, names, llm=self.llm, embed=self.embed, sentence_vectors=vectors, min_support=self.min_support
        )
        document = _collect(evidence, lambda passages: list(writer.points(passages)))
        sections: list[tuple[str, Summary]] = []
        for title in dict.fromkeys(c.section for c in chunks if c.section):
            own = [c for c in chunks if c.section == title]
            quoted = summary(own, vectors, q=None, limit=SECTION_POINTS, lam=1 - DIVERSITY)
            sections.append((title, _collect(quoted, lambda passages: [quoted_point(p) for p in passages])))
        return DocumentSummary(source, fp, language, self.written_by, document, tuple(sections))


def _current(old: DocumentSummary | None, fp: str, written_by: str) -> bool:
    return old is not None and old.fingerprint == fp and old.written_by == written_by


def _collect(evidence: Sequence[Evidence], write: Callable[[Sequence[Any]], list[Point]]) -> Summary:
    passages = numbered(evidence)
    points = write(passages) or [quoted_point(p) for p in passages]
    chunks: dict[int, str] = {p.n: p.hit.chunk.chunk_id for p in passages}
    return Summary(
        tuple(p.text for p in points),
        tuple(c for p in points for c in p.citations),
        tuple(chunks[n] for n in sorted(chunks)),
    )


def write_summaries(build: Path, summaries: Mapping[str, DocumentSummary]) -> None:
    """Write (or replace, atomically: a reader sees the old file or the new one) the build's summaries."""
    payload = {"version": VERSION, "documents": [s.to_json() for s in summaries.values()]}
    tmp = build / f".{FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, build / FILE)


def store_summaries(
    build: Path,
    written: Mapping[str, DocumentSummary],
    previous_build: Path | None,
    previous: Mapping[str, DocumentSummary],
) -> None:
    """Write a new build's summaries, or copy ``previous_build``'s file (read as ``previous``) when none changed.

    Why: a removal on a thousand-document corpus changes no summary, and
    serialising them all again costs seconds.
    """
    unchanged = _fingerprints(written) == _fingerprints(previous)
    if unchanged and previous_build is not None and (previous_build / FILE).is_file():
        shutil.copyfile(previous_build / FILE, build / FILE)
        return
    write_summaries(build, written)


def _fingerprints(summaries: Mapping[str, DocumentSummary]) -> dict[str, str]:
    return {s.source: s.fingerprint + s.written_by for s in summaries.values()}


def rewrite(
    build: Path,
    chunks: Sequence[Chunk],
    vectors: Mapping[str, np.ndarray],
    summarizer: CorpusSummarizer,
    only: Collection[str] | None = None,
) -> int:
    """Let ``summarizer`` (the model) rewrite the summaries that a build quoted; return how many it wrote.

    Why after the build: a new document is searchable as soon as it is
    embedded, and the model's points for it take several seconds more. So
    a build quotes the new document's summary (``CorpusSummarizer`` with
    ``llm=None, llm_max=0``), switches to the new index, and only then does
    this replace the quoted summaries in that build's folder. Summaries are
    the one file of a build written after it went live, and only whole.
    ``only`` (the sources the build read anew) keeps the model to those.
    """
    previous = read_summaries(build)
    fresh = summarizer(chunks, vectors, previous, only)
    written = sum(1 for source, s in fresh.items() if previous.get(source) is not s)
    if written:
        write_summaries(build, fresh)
    return written


def read_summaries(build: Path | None) -> dict[str, DocumentSummary]:
    """The build's summaries; {} for a build without them (made with summaries off, or before they existed)."""
    if build is None or not (build / FILE).exists():
        return {}
    try:
        raw = json.loads((build / FILE).read_text(encoding="utf-8"))
        if raw.get("version") != VERSION:
            return {}
        docs = [DocumentSummary.from_json(d) for d in raw.get("documents", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return {d.source: d for d in docs}
