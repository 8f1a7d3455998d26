"""Answers to open questions (lists, summaries, comparisons, explanations) and to two questions in one.

The Assistant hands a question here once :mod:`assistant.answer.forms` has
read it as open; fact questions keep the Assistant's own path. Kept apart
from ``service`` because it is a second answer strategy with its own
evidence (``assistant.answer.coverage``) and its own writer
(``assistant.answer.points``), sharing with the fact path only the checks
on each claim.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence

import numpy as np

from assistant.answer.coverage import Evidence, compared, relevant, summary
from assistant.answer.facts import NameBook
from assistant.answer.forms import Form
from assistant.answer.model import Answer, StreamEvent
from assistant.answer.passages import Passage
from assistant.answer.points import Point, PointWriter, numbered, quoted_point, render_points
from assistant.answer.policy import Draft, finished
from assistant.answer.prompt import refusal_text
from assistant.config import Settings
from assistant.llm.base import LLM
from assistant.retrieval.base import Retriever
from assistant.summaries import DocumentSummary
from assistant.types import Citation, Hit


class OpenAnswerer:
    """Evidence chosen for coverage, then one checked point per evidence sentence, streamed as each passes."""

    def __init__(self, settings: Settings, retriever: Retriever, llm: LLM | None, names: NameBook) -> None:
        self.settings = settings
        self.retriever = retriever
        self.llm = llm
        self.names = names

    def evidence(self, form: Form, draft: Draft) -> list[Evidence]:
        cfg = self.settings.answer
        q = np.asarray(self.retriever.embed_query(draft.query), dtype=np.float32)
        vectors = self.retriever.sentence_vectors
        lam = 1 - cfg.open_diversity
        if form is Form.SUMMARY:
            source = draft.hits[0].chunk.source if draft.hits else None
            chunks = self.retriever.chunks(source) if source else []
            return summary(chunks, vectors, q=q, question=draft.question, limit=cfg.open_points, lam=lam)
        hits = list(draft.hits)  # retrieved wide for an open question (Assistant._retrieve)
        if form is Form.COMPARISON:
            return compared(q, hits, vectors, self.names, draft.question, limit=cfg.open_points, per_side=2, lam=lam)
        limit = cfg.explanation_points if form is Form.EXPLANATION else cfg.open_points
        # The fact path's best sentence first (cosine, the question's own words and numbers): the cosine alone
        # ranks what a list or an explanation needs below sentences that only share its topic.
        first = [Evidence(p.hit, i, score) for p, i, score in draft.picks[:1]]
        if form is Form.EXPLANATION and first:
            # What explains a thing mostly follows the sentence that names it ("… Botschaft … Konkret
            # bedeutet das: …"; "… AMRAAM-Raketen … vereinbart. Die Luft-Luft-Lenkflugkörper … dienen …").
            best = first[0]
            if best.index + 1 < len(best.hit.chunk.sentence_spans()):
                first.append(Evidence(best.hit, best.index + 1, best.score))
        rest = relevant(q, hits, vectors, limit=limit, margin=cfg.open_margin, lam=lam)
        seen = {e.position for e in first}
        return (first + [e for e in rest if e.position not in seen])[:limit]

    def stored(self, form: Form, draft: Draft, *, whole: bool) -> DocumentSummary | None:
        """The index's summary of the document, when it answers this question: a question about the ``whole``
        document (not one of its sections), in the summary's language (or quoted, which any language reads)."""
        if form is not Form.SUMMARY or not whole or not draft.hits:
            return None
        source = draft.hits[0].chunk.source
        found = self.retriever.summary(source)
        if found is None or (found.written_by != "extractive" and found.language != draft.language):
            return None
        if self.llm is not None and not found.written_by.startswith(self.llm.model):
            return None  # written by another model than the one asked
        if (found.written_by == "extractive") != (self.llm is None):
            return None  # the model's points for a model's answer, quotes for the extractive backend
        return found

    def answer(self, form: Form, draft: Draft, t0: float, *, whole: bool) -> Generator[StreamEvent, None, Answer]:
        """Stream the points of ``draft``'s answer; the generator's return value is the Answer. ``whole``: the
        question is about the whole document (:func:`assistant.answer.forms.about_the_document`), asked once
        by the caller, which also skips the evidence checks for it."""
        found = self.stored(form, draft, whole=whole)
        if found is not None:
            return self._from_summary(draft, found, t0)
        t = time.perf_counter()
        passages = numbered(self.evidence(form, draft))
        draft.timings["evidence"] = (time.perf_counter() - t) * 1000
        draft.notes.append(f"open question ({form.value}): {len(passages)} evidence sentences")
        writer = PointWriter(
            draft.question,
            draft.language,
            self.names,
            llm=self.llm,
            embed=self.retriever.embed_query,
            sentence_vectors=self.retriever.sentence_vectors,
            min_support=self.settings.answer.min_support,
        )
        shown: list[Point] = []
        for point in writer.points(passages):
            if not shown:
                draft.timings["first_token"] = (time.perf_counter() - t0) * 1000
            yield StreamEvent("token", text=("\n" if shown else "") + f"- {point.text}")
            shown.append(point)
        draft.notes.extend(writer.notes)
        hits = _hits(passages)
        reason = ""
        if not shown and passages and writer.declined == len(passages):
            draft.notes.append("model_refused: no evidence sentence helps answer the question")
            return self._answer(draft, refusal_text(draft.language), True, (), hits, t0, "model_refused")
        if not shown:
            reason = "unsupported"
            draft.notes.append("unsupported: no point passed its checks; quoted the evidence")
            shown = [quoted_point(p) for p in passages[:3]]
        cites = tuple(c for p in shown for c in p.citations)
        return self._answer(draft, render_points(shown), False, cites, hits, t0, reason)

    def _from_summary(self, draft: Draft, found: DocumentSummary, t0: float) -> Answer:
        s = found.document
        by_id = {c.chunk_id: c for c in self.retriever.chunks(found.source)}
        hits = [Hit(by_id[cid], 1.0) for cid in s.chunks if cid in by_id]
        draft.notes.append(f"answered from the document's summary, built with the index ({found.written_by})")
        text = "\n".join(f"- {p}" for p in s.points)
        return self._answer(draft, text, False, s.citations, hits, t0, "")

    def _answer(
        self,
        draft: Draft,
        text: str,
        refused: bool,
        citations: Sequence[Citation],
        hits: Sequence[Hit],
        t0: float,
        reason: str,
    ) -> Answer:
        backend = self.llm.backend if self.llm else "extractive"
        model = self.llm.model if self.llm else "none"
        return finished(draft, text, refused, citations, t0, passages=hits, backend=backend, model=model, reason=reason)


def _hits(passages: Sequence[Passage]) -> list[Hit]:
    """The distinct chunks of the numbered passages, in their number's order (passage n is hits[n - 1])."""
    out: dict[int, Hit] = {}
    for p in passages:
        out.setdefault(p.n, p.hit)
    return [out[n] for n in sorted(out)]
