"""The Assistant: question in, checked and cited Answer out.

Pipeline: clean the question -> detect its language -> (follow-up?) build
a standalone retrieval query -> hybrid retrieval -> nothing relevant?
refuse -> compact numbered passages -> LLM (streamed) or extractive ->
model refused? refuse -> check every claim's citation -> Answer.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from typing import Any

import numpy as np

from assistant.answer.checks import configured
from assistant.answer.citations import check_claims, citations_for, render
from assistant.answer.copyfix import fix_copy_slips
from assistant.answer.extractive import best_sentences
from assistant.answer.facts import NameBook
from assistant.answer.forms import Form, about_the_document, parts, question_form
from assistant.answer.lang import detect_language, document_language
from assistant.answer.merge import merge
from assistant.answer.model import Answer, StreamEvent
from assistant.answer.passages import Passage, build_passages
from assistant.answer.policy import PASS, Action, Check, Context, Draft, Verdict, finished, run_checks
from assistant.answer.prompt import build_messages, is_refusal, refusal_text
from assistant.answer.question import clean_question
from assistant.answer.yesno import lead_yes_no
from assistant.chat import ChatSession, retrieval_query
from assistant.config import Settings, load_settings
from assistant.errors import BackendError
from assistant.fallbacks import Fallbacks, quoted
from assistant.llm.base import LLM
from assistant.open_answers import OpenAnswerer
from assistant.retrieval.base import Retriever
from assistant.retrieval.signals import is_document_question
from assistant.types import Citation

# StreamEvent lives in assistant.answer.model; it is named here too for code that streams an Assistant.
__all__ = ["Assistant", "StreamEvent"]

# Evidence checks whose premise is one fact in the best sentences; an open question's evidence is wider.
FACT_ONLY_CHECKS = frozenset({"answer_kind"})


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
        configured(settings.answer.checks)  # an unknown check name fails here, not at the first question
        self._languages: dict[str, str] = {}

    # -- construction -------------------------------------------------------
    @classmethod
    def load(cls, profile: str | None = None, **overrides: Any) -> Assistant:
        """Build from the default config; ``backend=``/``model=`` are shortcuts."""
        from assistant.app import build_assistant

        mapped = {f"llm.{k}" if k in {"backend", "model", "url", "n_threads"} else k: v for k, v in overrides.items()}
        return build_assistant(load_settings(profile, **mapped))

    def chat(self) -> ChatSession:
        return ChatSession(self)

    def evidence(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> tuple[Draft, Context]:
        """What the checks see of a fact question before the model is asked: its draft (passages, best
        sentences) and their context. For tools that study the answer policy (``scripts/fallback_cosines.py``)
        without a model call; answering goes through :meth:`ask`."""
        q = clean_question(question)
        return self._retrieve(q, self._question_language(q), list(history or [])), self._context()

    # -- answering ----------------------------------------------------------
    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        answer: Answer | None = None
        for event in self.ask_stream(question, history):
            if event.answer is not None:
                answer = event.answer
        assert answer is not None
        return answer

    def ask_stream(
        self, question: str, history: Sequence[tuple[str, str]] | None = None
    ) -> Generator[StreamEvent, None, None]:
        t0 = time.perf_counter()
        hist = list(history or [])
        q = clean_question(question)  # the question's cleaning and language are decided here, once
        language = self._question_language(q)
        form = self._form(q, language)
        if form is Form.MULTI:
            yield from self._parts(q, language, hist, t0)
            return
        draft = self._retrieve(q, language, hist, wide=form.is_open)
        yield StreamEvent("passages", passages=draft.hits)
        whole = form is Form.SUMMARY and about_the_document(draft.question, draft.language)
        checks = self._evidence_checks
        if form.is_open:  # "the two best sentences hold no country" says nothing about a list's whole evidence
            checks = tuple(c for c in checks if c.name not in FACT_ONLY_CHECKS)
        verdict = PASS if whole else run_checks(checks, draft, self._context())
        if not verdict.passed:
            yield StreamEvent("answer", answer=self._decide(draft, verdict, t0))
            return
        if form.is_open:
            opened = OpenAnswerer(self.settings, self.retriever, self.llm, self.names)
            answer = yield from opened.answer(form, draft, t0, whole=whole)
            yield StreamEvent("answer", answer=answer)
            return
        if self.llm is None:
            answer = self._quote_or_refuse(draft, t0)
            yield StreamEvent("token", text=answer.text)
            draft.timings.setdefault("first_token", (time.perf_counter() - t0) * 1000)
            yield StreamEvent("answer", answer=answer)
            return
        raw: list[str] = []
        try:
            draft.messages = build_messages(draft.question, draft.passages, draft.language, hist)
            for piece in self.llm.stream(draft.messages, max_tokens=self.settings.llm.max_tokens):
                if not raw:
                    draft.timings["first_token"] = (time.perf_counter() - t0) * 1000
                raw.append(piece)
                yield StreamEvent("token", text=piece)
        except BackendError as err:
            if self.settings.llm.fallback != "extractive":
                raise
            draft.notes.append(f"backend failed ({err}); fell back to extractive")
            yield StreamEvent("answer", answer=self._quote_or_refuse(draft, t0, failed=True))
            return
        yield StreamEvent("answer", answer=self._grounded(draft, "".join(raw).strip(), t0))

    def _form(self, q: str, language: str) -> Form:
        return question_form(q, language) if self.settings.answer.forms else Form.FACT

    def _question_language(self, q: str) -> str:
        """The language to answer ``q`` in: detected, unless the settings fix one."""
        cfg = self.settings.answer
        return detect_language(q) if cfg.language == "auto" else cfg.language

    def _parts(
        self, q: str, language: str, history: list[tuple[str, str]], t0: float
    ) -> Generator[StreamEvent, None, None]:
        """Two questions in one: each part answered on its own evidence, as a follow-up to the one before."""
        answers: list[Answer] = []
        hist = list(history)
        for k, part in enumerate(parts(q, language)):
            lead = "\n" if k else ""  # each part's answer on a line of its own
            for event in self.ask_stream(part, hist):
                if event.answer is not None:
                    answers.append(event.answer)
                    hist.append((part, event.answer.text))
                elif event.kind == "token":
                    yield StreamEvent("token", text=lead + event.text)
                    lead = ""
                else:
                    yield event
        yield StreamEvent("answer", answer=merge(q, language, answers, (time.perf_counter() - t0) * 1000))

    @property
    def _evidence_checks(self) -> tuple[Check, ...]:
        return configured(self.settings.answer.checks).evidence

    @property
    def _reply_checks(self) -> tuple[Check, ...]:
        return configured(self.settings.answer.checks).reply

    @property
    def _fallback_checks(self) -> tuple[Check, ...]:
        return configured(self.settings.answer.checks).fallback

    def _context(self) -> Context:
        return Context(
            names=self.names,
            sentence_vectors=self.retriever.sentence_vectors,
            question_vec=self._vec,
            llm=self.llm,
            settings=self.settings.answer,
            max_tokens=self.settings.llm.max_tokens,
        )

    def _vec(self, text: str) -> np.ndarray:
        """A query embedding (the embedder caches it)."""
        return np.asarray(self.retriever.embed_query(text), dtype=np.float32)

    def _language_of(self, source: str, text: str) -> str:
        """The language of a passage's document, detected once per source: a corpus may mix languages."""
        if source not in self._languages:
            self._languages[source] = document_language(text)
        return self._languages[source]

    def _retrieve(self, q: str, language: str, history: list[tuple[str, str]], *, wide: bool = False) -> Draft:
        """The draft of one cleaned question in its answer language; ``wide`` (an open question) retrieves and
        checks the whole evidence pool."""
        t = time.perf_counter()
        cfg = self.settings.answer
        try:
            query = retrieval_query(q, history, cfg.follow_up, self.llm)
        except BackendError:
            query = retrieval_query(q, history, "carry")  # the answer step reports the backend error
        top_k = self.settings.retrieval.top_k
        r = self.retriever.retrieve(query, k=max(top_k, cfg.open_chunks) if wide else top_k)
        qvec = self.retriever.embed_query(query)  # cached: no second model call
        byline = is_document_question(query)
        passages = build_passages(
            r.hits,
            qvec,
            self.retriever.sentence_vectors,
            max_passages=cfg.open_chunks if wide else cfg.passages,
            chars_per_passage=cfg.chars_per_passage,
            byline=byline,
        )
        previous = " ".join([q for q, _ in history[-3:]] + [history[-1][1]]) if history else ""
        draft = Draft(q, language, query, tuple(r.hits), passages, r.relevant, byline=byline, previous=previous)
        draft.passage_languages = {p.n: self._language_of(p.hit.chunk.source, p.hit.chunk.clean) for p in passages}
        draft.picks = self._picks(draft)
        draft.timings["retrieve"] = (time.perf_counter() - t) * 1000
        draft.timings["embed"] = r.timings_ms.get("embed", 0.0)
        return draft

    def _picks(self, draft: Draft) -> list[tuple[Passage, int, float]]:
        """The three best passage sentences, for the evidence checks and the extractive answer."""
        qvec = self._vec(draft.query)
        if draft.query != draft.question:
            # A follow-up's query carries the earlier questions; its own words must count too, or
            # "Wer hat diese Zusage initiiert?" is answered with the sentence the earlier questions asked about.
            both = qvec + self._vec(draft.question)
            qvec = both / max(float(np.linalg.norm(both)), 1e-12)
        vectors = self.retriever.sentence_vectors
        return best_sentences(draft.question, draft.passages, qvec, vectors, max_sentences=3, byline=draft.byline)

    def _fallbacks(self) -> Fallbacks:
        checks = self._reply_checks
        return Fallbacks(self.settings, self.retriever, self.llm, self.names, self._read_reply, checks, self._context())

    def _quote_or_refuse(self, draft: Draft, t0: float, *, failed: bool = False) -> Answer:
        """The extractive answer: the best sentence quoted, unless the fallback checks refuse it.

        Why the fallback checks: a quote with no model behind it is exactly
        what they guard, the best-ranked sentence with nothing but the ranking
        to vouch for it. Without them the extractive backend answered 0.375 of
        XQuAD's off-corpus questions with a sentence about something else.
        """
        backend = "extractive" if failed else None
        gate = run_checks(self._fallback_checks, draft, self._context())
        if not gate.passed:
            draft.notes.append(f"{gate.reason}: {gate.note}")
            return self._finish(draft, refusal_text(draft.language), True, (), t0, backend=backend, reason=gate.reason)
        text, cites = quoted(draft, neighbour=self.settings.answer.quote_neighbour)
        return self._finish(draft, text, False, cites, t0, backend=backend, reason="backend_failed" if failed else "")

    def _read_reply(self, draft: Draft, raw: str, passages: Sequence[Passage]) -> None:
        """Match the reply's claims to passage sentences (``draft.claims``) and render what holds (``draft.text``)."""
        draft.raw = raw
        checks, notes = check_claims(
            raw,
            passages,
            self.names,
            embed=self.retriever.embed_query,
            sentence_vectors=self.retriever.sentence_vectors,
            min_support=self.settings.answer.min_support,
            given=draft.question,
        )
        draft.notes.extend(notes)
        for c in checks:
            if not c.supported:
                draft.notes.append(f"removed unsupported sentence: {c.sentence!r} (missing {', '.join(c.missing)})")
        draft.claims = checks
        text, mends = fix_copy_slips(render(checks), " ".join(p.hit.chunk.clean for p in passages))
        if mends:
            draft.notes.append(f"mended a slip in a copied phrase: {', '.join(mends)}")
        draft.text = text

    def _grounded(self, draft: Draft, raw: str, t0: float) -> Answer:
        if raw.strip() and not is_refusal(raw):
            self._read_reply(draft, raw, draft.passages)
        else:
            draft.raw = raw
        verdict = run_checks(self._reply_checks, draft, self._context())
        if not verdict.passed:
            return self._decide(draft, verdict, t0)
        text = lead_yes_no(draft.question, draft.text, draft.language)
        return self._finish(draft, text, False, tuple(citations_for(draft.claims, draft.passages)), t0)

    def _decide(self, draft: Draft, verdict: Verdict, t0: float) -> Answer:
        """The answer a failed check calls for: a refusal, or an answer from the best sentence, if the
        fallback checks let it stand."""
        draft.notes.append(f"{verdict.reason}: {verdict.note}")
        if verdict.action is Action.FALL_BACK:
            gate = run_checks(self._fallback_checks, draft, self._context())
            if not gate.passed:
                draft.notes.append(f"{gate.reason}: {gate.note}")
                verdict = gate
        if verdict.action is Action.REFUSE:
            return self._finish(draft, refusal_text(draft.language), True, (), t0, reason=verdict.reason)
        text, cites = self._fallbacks().answer(draft)
        return self._finish(draft, text, False, cites, t0, reason=verdict.reason)

    def _finish(
        self,
        draft: Draft,
        text: str,
        refused: bool,
        citations: Sequence[Citation],
        t0: float,
        *,
        backend: str | None = None,
        reason: str = "",
    ) -> Answer:
        used = backend or self.backend
        return finished(
            draft, text, refused, citations, t0, passages=draft.hits, backend=used, model=self.model, reason=reason
        )
