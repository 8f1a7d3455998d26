"""The Assistant: question in, checked and cited Answer out.

Pipeline: clean the question -> detect its language -> (follow-up?) build
a standalone retrieval query -> hybrid retrieval -> nothing relevant?
refuse -> compact numbered passages -> LLM (streamed) or extractive ->
model refused? refuse -> check every claim's citation -> Answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.answer.answerable import (
    Verdict,
    anchors,
    check_answerable,
    designations,
    left_out,
    missing_kind,
    numbers,
)
from assistant.answer.citations import NO_SUPPORT, ClaimCheck, check_claims, citations_for, render, restates_question
from assistant.answer.consistency import agreement
from assistant.answer.copyfix import fix_copy_slips
from assistant.answer.extractive import anchor_gap, best_sentences, extractive_answer, quote_groups, with_neighbour
from assistant.answer.facts import NameBook, facts
from assistant.answer.lang import detect_language
from assistant.answer.model import Answer, StreamEvent
from assistant.answer.passages import Passage, build_passages
from assistant.answer.prompt import build_messages, is_refusal, refusal_text
from assistant.answer.question import clean_question
from assistant.answer.yesno import lead_yes_no
from assistant.chat import ChatSession, retrieval_query
from assistant.config import Settings, load_settings
from assistant.errors import BackendError
from assistant.llm.base import LLM, Message, Sampling, complete
from assistant.retrieval.base import Retriever
from assistant.retrieval.signals import is_document_question
from assistant.types import Citation, Hit

# StreamEvent lives in assistant.answer.model; it is named here too for code that streams an Assistant.
__all__ = ["Assistant", "StreamEvent"]


@dataclass
class _Draft:
    question: str
    language: str
    query: str
    hits: tuple[Hit, ...] = ()
    passages: list[Passage] = field(default_factory=list)
    relevant: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    raw: str = ""
    byline: bool = False  # a question about the document itself: its dateline answers it
    picks: list[tuple[Passage, int, float]] | None = None  # best sentences, best first (computed once)
    previous: str = ""  # the conversation so far: recent questions and the last answer


class Assistant:
    """One configuration of the pipeline; ``llm=None`` answers extractively (the quoted best sentence).

    ``names`` is the corpus's name book; pass the one already built for this
    retriever's index to share it (the UI builds an Assistant per request),
    or leave it out to build it from the retriever's chunks.
    Wire one from settings with :func:`assistant.app.build_assistant`.
    """

    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        llm: LLM | None,
        *,
        backend: str | None = None,
        model: str | None = None,
        names: NameBook | None = None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.llm = llm
        self.backend = backend or (llm.backend if llm else "extractive")
        self.model = model or (llm.model if llm else "none")
        self.names = names if names is not None else NameBook.from_texts(retriever.chunk_texts())

    # -- construction -------------------------------------------------------
    @classmethod
    def load(cls, profile: str | None = None, **overrides: Any) -> Assistant:
        """Build from the default config; ``backend=``/``model=`` are shortcuts."""
        from assistant.app import build_assistant

        mapped = {f"llm.{k}" if k in {"backend", "model", "url", "n_threads"} else k: v for k, v in overrides.items()}
        return build_assistant(load_settings(profile, **mapped))

    def chat(self) -> ChatSession:
        return ChatSession(self)

    # -- answering ----------------------------------------------------------
    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        answer: Answer | None = None
        for event in self.ask_stream(question, history):
            if event.answer is not None:
                answer = event.answer
        assert answer is not None
        return answer

    def ask_stream(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Iterator[StreamEvent]:
        t0 = time.perf_counter()
        hist = list(history or [])
        draft = self._retrieve(question, hist)
        yield StreamEvent("passages", passages=draft.hits)
        if not draft.relevant or not draft.passages:
            draft.notes.append("retrieval found nothing relevant")
            yield StreamEvent("answer", answer=self._finish(draft, refusal_text(draft.language), True, (), t0))
            return
        verdict = self._answerable(draft)
        if not verdict.answerable:
            draft.notes.append(f"not answerable from the text: {verdict.reason}")
            yield StreamEvent("answer", answer=self._finish(draft, refusal_text(draft.language), True, (), t0))
            return
        if self.llm is None:
            text, cites = self._extractive(draft)
            yield StreamEvent("token", text=text)
            draft.timings.setdefault("first_token", (time.perf_counter() - t0) * 1000)
            yield StreamEvent("answer", answer=self._finish(draft, text, False, cites, t0))
            return
        raw: list[str] = []
        try:
            messages = build_messages(draft.question, draft.passages, draft.language, hist)
            for piece in self.llm.stream(messages, max_tokens=self.settings.llm.max_tokens):
                if not raw:
                    draft.timings["first_token"] = (time.perf_counter() - t0) * 1000
                raw.append(piece)
                yield StreamEvent("token", text=piece)
        except BackendError as err:
            if self.settings.llm.fallback != "extractive":
                raise
            note = f"backend failed ({err}); fell back to extractive"
            yield StreamEvent("answer", answer=self._fall_back(draft, note, t0, backend="extractive"))
            return
        yield StreamEvent("answer", answer=self._grounded(draft, "".join(raw).strip(), t0, messages))

    def _retrieve(self, question: str, history: list[tuple[str, str]]) -> _Draft:
        t = time.perf_counter()
        q = clean_question(question)
        cfg = self.settings.answer
        language = detect_language(q) if cfg.language == "auto" else cfg.language
        try:
            query = retrieval_query(q, history, cfg.follow_up, self.llm)
        except BackendError:
            query = retrieval_query(q, history, "carry")  # the answer step reports the backend error
        r = self.retriever.retrieve(query, k=self.settings.retrieval.top_k)
        qvec = self.retriever.embed_query(query)  # cached: no second model call
        byline = is_document_question(query)
        passages = build_passages(
            r.hits,
            qvec,
            self.retriever.sentence_vectors,
            max_passages=cfg.passages,
            chars_per_passage=cfg.chars_per_passage,
            byline=byline,
        )
        previous = " ".join([q for q, _ in history[-3:]] + [history[-1][1]]) if history else ""
        draft = _Draft(q, language, query, tuple(r.hits), passages, r.relevant, byline=byline, previous=previous)
        draft.timings["retrieve"] = (time.perf_counter() - t) * 1000
        draft.timings["embed"] = r.timings_ms.get("embed", 0.0)
        return draft

    def _picks(self, draft: _Draft) -> list[tuple[Passage, int, float]]:
        """The three best passage sentences, for the answerability check and the extractive answer."""
        if draft.picks is None:
            qvec = np.asarray(self.retriever.embed_query(draft.query), dtype=np.float32)
            if draft.query != draft.question:
                # A follow-up's query carries the earlier questions; its own words must count too, or
                # "Wer hat diese Zusage initiiert?" is answered with the sentence the earlier questions asked about.
                both = qvec + self._question_vec(draft)
                qvec = both / max(float(np.linalg.norm(both)), 1e-12)
            vectors = self.retriever.sentence_vectors
            draft.picks = best_sentences(
                draft.question, draft.passages, qvec, vectors, max_sentences=3, byline=draft.byline
            )
        return draft.picks

    def _answerable(self, draft: _Draft) -> Verdict:
        if not self.settings.answer.answerability:
            return Verdict()
        verdict = check_answerable(
            draft.question,
            draft.language,
            [p.hit.chunk.clean for p in draft.passages],
            [p.sentence_text(i) for p, i, _ in self._picks(draft)],
        )
        return verdict if not verdict.answerable else self._anchor_elsewhere(draft)

    def _anchor_elsewhere(self, draft: _Draft) -> Verdict:
        """Is the question's year only in sentences about something else?

        "What is Germany's defence budget for 2027?": 2027 is in the passages,
        but only in the sentence on aid to Ukraine, while the sentence closest
        to the question (the 2026 budget) lacks it. Over the summit set, the
        best sentence holding all of an answerable question's years and
        numbers is at most 0.05 below the best sentence overall (18 questions);
        for that unanswerable one the gap is 0.16; ``answer.anchor_gap`` is 0.10.
        The threshold is a cosine of EmbeddingGemma's: with another embedding
        model, measure it again or set it to 0.
        """
        wanted = anchors(draft.question)
        gap = self.settings.answer.anchor_gap
        if not wanted or gap <= 0:
            return Verdict()
        # The question itself, not the retrieval query: a follow-up's query carries the earlier questions,
        # whose topic ("who founded it") would pull the best sentence away from the asked year.
        trail = anchor_gap(wanted, draft.passages, self._question_vec(draft), self.retriever.sentence_vectors)
        if trail is not None and trail > gap:
            return Verdict(f"{', '.join(sorted(wanted))} appears only in sentences about something else")
        return Verdict()

    def _question_vec(self, draft: _Draft) -> np.ndarray:
        """The question's own embedding (the embedder caches it), without the carried earlier questions."""
        return np.asarray(self.retriever.embed_query(draft.question), dtype=np.float32)

    def _extractive(self, draft: _Draft) -> tuple[str, tuple[Citation, ...]]:
        picks = self._picks(draft)
        picks = with_neighbour(picks) if self.settings.answer.quote_neighbour else picks[:1]
        text = extractive_answer(picks, draft.language)
        cites = []
        for p, ids in quote_groups(picks):
            chunk = p.hit.chunk
            spans = chunk.sentence_spans()
            start, end = spans[ids[0]][2], spans[ids[-1]][3]
            quote = chunk.text[start - chunk.start : end - chunk.start]
            cites.append(Citation(p.n, chunk.chunk_id, chunk.source, chunk.section, start, end, quote))
        return text, tuple(cites)

    def _grounded(self, draft: _Draft, raw: str, t0: float, messages: Sequence[Message]) -> Answer:
        if not raw.strip():
            # An empty reply is not a "NO_ANSWER": the question passed the answerability check.
            return self._fall_back(draft, "the model returned nothing; fell back to extractive", t0)
        if is_refusal(raw):
            if draft.byline:
                # Small models do not read "8.7.2026 - Lara Finke | Ministerium" as an author line.
                note = "the model found no answer; the document's byline answers questions about it"
                return self._fall_back(draft, note, t0)
            draft.notes.append("the model found no answer in the passages")
            return self._finish(draft, refusal_text(draft.language), True, (), t0)
        embed = self.retriever.embed_query
        draft.raw = raw
        checks, notes = check_claims(
            raw,
            draft.passages,
            self.names,
            embed=embed,
            sentence_vectors=self.retriever.sentence_vectors,
            min_support=self.settings.answer.min_support,
            given=draft.question if self.settings.answer.answerability else "",
        )
        draft.notes.extend(notes)
        for c in checks:
            if not c.supported:
                draft.notes.append(f"removed unsupported sentence: {c.sentence!r} (missing {', '.join(c.missing)})")
        if not any(c.supported for c in checks):
            missing = {m for c in checks for m in c.missing}
            if missing & facts(draft.question, self.names) or missing == {NO_SUPPORT}:
                # The model pinned the question's subject (say "France") onto a
                # passage about something else, or said something no passage
                # says at all: the text does not answer the question.
                draft.notes.append("no passage supports the model's answer; refused")
                return self._finish(draft, refusal_text(draft.language), True, (), t0)
            return self._fall_back(draft, "no sentence passed the citation check; fell back to extractive", t0)
        quoted = self._quoted(draft, checks)
        cited = [p.sentence_text(i) for p, i in quoted]
        if self._off_anchor(draft, quoted):
            # "Welches Land kam 2025 hinzu?" answered from the sentence about the 2024 founders.
            note = (
                "the model cited a sentence without the question's year or number, or a passage without its "
                "type code; fell back to extractive"
            )
            return self._fall_back(draft, note, t0)
        dropped = self._left_out(checks, cited)
        if dropped:
            note = f"the model's list left out {', '.join(dropped)}; fell back to extractive"
            return self._fall_back(draft, note, t0)
        text, mends = fix_copy_slips(render(checks), " ".join(p.hit.chunk.clean for p in draft.passages))
        if mends:
            draft.notes.append(f"mended a slip in a copied phrase: {', '.join(mends)}")
        if draft.previous and restates_question(text, f"{draft.question} {draft.previous}"):
            # "Which ministry is she with?" -> "The press release was written by Lara Finke [1]." again;
            # "Wer hat diese Zusage initiiert?" -> "Die Alliierten haben diese Zusage initiiert [1]."
            note = "the model's answer only repeated the conversation so far; fell back to extractive"
            return self._fall_back(draft, note, t0)
        kind = missing_kind(draft.question, text)
        if kind is not None:
            # "Wie viel sagten die Alliierten zu?" -> "Die Alliierten haben diese Zusage initiiert [1]."
            note = f"the question asks for a {kind} and the model's answer holds none; fell back to extractive"
            return self._fall_back(draft, note, t0)
        if restates_question(text, draft.question, draft.language):
            # "Mark Rutte lobte Deutschland [1]." for "Mit welchen Worten lobte Mark Rutte Deutschland?":
            # true, cited, and useless. The best sentence, quoted, answers it.
            note = "the model's answer only restated the question; fell back to extractive"
            return self._fall_back(draft, note, t0)
        unstable = self._unstable(draft, messages, raw)
        if unstable:
            return self._fall_back(draft, unstable, t0)
        text = lead_yes_no(draft.question, text, draft.language)
        return self._finish(draft, text, False, tuple(citations_for(checks, draft.passages)), t0)

    def _unstable(self, draft: _Draft, messages: Sequence[Message], raw: str) -> str:
        """Why the model's checked answer is not to be trusted (empty when it is): asked again with the
        same prompt, sampled, it says something else (``assistant.answer.consistency``)."""
        cfg = self.settings.answer
        if not cfg.self_check or not messages or self.llm is None:
            return ""
        sampling = Sampling(temperature=cfg.self_check_temperature)
        t = time.perf_counter()
        try:
            second = complete(self.llm, messages, max_tokens=self.settings.llm.max_tokens, sampling=sampling)
        except BackendError as err:
            draft.notes.append(f"no second opinion ({err}); kept the model's answer")
            return ""
        finally:
            draft.timings["second_opinion"] = (time.perf_counter() - t) * 1000
        share = agreement(raw, second, draft.question, draft.language)
        draft.notes.append(f"second opinion: {second.strip()} (agreement {share:.2f})")
        if share >= cfg.self_check_agreement:
            return ""
        return "the model's answer changed when it was asked again; fell back to extractive"

    def _quoted(self, draft: _Draft, checks: Sequence[ClaimCheck]) -> list[tuple[Passage, int]]:
        """(passage, sentence index) of the sentence quoted for each kept claim."""
        by_n = {p.n: p for p in draft.passages}
        return [
            (by_n[c.quote_sentence[0]], c.quote_sentence[1])
            for c in checks
            if c.supported and c.quote_sentence is not None
        ]

    def _off_anchor(self, draft: _Draft, quoted: Sequence[tuple[Passage, int]]) -> bool:
        """Did the model answer from sentences (``quoted``) without any of the question's numbers or type
        codes, when the best sentence has them all?

        A number must be in the cited sentence itself ("Welches Land kam 2025 hinzu?" is not answered by
        the sentence on the 2024 founders); a type code in its passage, since a paragraph names the thing
        once and then says "Die Kooperation mit dem Unternehmen Lockheed Martin" two sentences after the
        "PAC-3" facility. So "Mit welchem Land will Deutschland beim Einsatz der P-8A kooperieren?"
        answered "mit der USA" from the paragraph on AIM-120C-8-AMRAAM missiles falls back: no P-8A there.
        """
        years, codes = anchors(draft.question), designations(draft.question)
        picks = self._picks(draft)
        if not (years or codes) or not picks:
            return False
        best = picks[0][0].sentence_text(picks[0][1])
        if not years <= numbers(best) or not codes <= designations(best):
            return False
        return bool(quoted) and all(
            not years & numbers(p.sentence_text(i)) and not codes & designations(p.hit.chunk.clean) for p, i in quoted
        )

    @staticmethod
    def _left_out(checks: Sequence[ClaimCheck], cited: Sequence[str]) -> list[str]:
        """Items of a list in a cited sentence that the answer names only in part."""
        text = " ".join(c.sentence for c in checks if c.supported)
        for sentence in cited:
            missing = left_out(text, sentence)
            if missing:
                return missing
        return []

    def _fall_back(self, draft: _Draft, note: str, t0: float, *, backend: str | None = None) -> Answer:
        """Answer with the quoted best sentence instead of the model's reply, and say why."""
        draft.notes.append(note)
        text, cites = self._extractive(draft)
        return self._finish(draft, text, False, cites, t0, backend=backend)

    def _finish(
        self,
        draft: _Draft,
        text: str,
        refused: bool,
        citations: Sequence[Citation],
        t0: float,
        *,
        backend: str | None = None,
    ) -> Answer:
        draft.timings["total"] = (time.perf_counter() - t0) * 1000
        draft.timings.setdefault("first_token", draft.timings["total"])
        return Answer(
            question=draft.question,
            text=text,
            language=draft.language,
            refused=refused,
            citations=tuple(citations),
            passages=draft.hits,
            backend=backend or self.backend,
            model=self.model if (backend or self.backend) != "extractive" else "none",
            timings_ms=dict(draft.timings),
            notes=tuple(draft.notes),
            retrieval_query=draft.query,
            raw_text=draft.raw,
        )
