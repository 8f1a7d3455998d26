"""Process-wide resources: models loaded once, one retriever, one model line.

A Gradio server is one process serving many sessions. Loading a 1.1 GB
GGUF or the embedding model per session (or per question) would be slow
and would run out of memory, so the :class:`Engine` loads each model once
and hands every request a cheap :class:`~assistant.service.Assistant`,
built by :func:`~assistant.app.build_assistant` from the shared retriever,
name book and model with that session's preferences. It is also the
"assistant factory" that :func:`assistant.ui.build_app` accepts, so tests
can build one with a hash embedder and a scripted LLM.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.answer.facts import NameBook
from assistant.answer.prompt import build_messages
from assistant.app import (
    EXTRACTIVE,
    Extractive,
    build_assistant,
    build_embedder,
    build_retriever,
    index_corpus,
    prime_llm,
    write_model_summaries,
)
from assistant.config import Settings
from assistant.embeddings.base import Embedder, Vector, WrappedEmbedder, quiet
from assistant.indexing import BuildResult, Progress
from assistant.llm.base import LLM
from assistant.llm.factory import make_llm, model_name
from assistant.retrieval.retriever import HybridRetriever
from assistant.service import Assistant
from assistant.ui.queue import LLMGate, QueuedLLM, Ticket
from assistant.ui.session import Prefs, settings_for

log = logging.getLogger("assistant.ui")

# Backends whose model lives in this process and must wait in line.
GATED_BACKENDS = frozenset({"llamacpp", "fake"})
# Backends whose client is worth keeping (loading them costs seconds).
CACHED_BACKENDS = frozenset({"llamacpp", "fake"})


class SerialEmbedder(WrappedEmbedder):
    """The shared embedder, serialised: the model and its query cache are not safe to share between threads.

    Documents go through in small batches, so that questions from other
    sessions get in between while an upload is embedded. Nothing is cached
    here: an incremental build (:mod:`assistant.index_reuse`) sends only
    new text to the model, and a cache of every vector would grow with the
    corpus.
    """

    def __init__(self, inner: Embedder, *, batch: int = 32) -> None:
        super().__init__(inner)
        self._model_lock = threading.Lock()
        self._batch = batch
        self.embedded = 0  # texts actually sent to the model, for tests and logs

    def embed_query(self, text: str) -> Vector:
        with self._model_lock:
            return self.inner.embed_query(text)

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self.embed_with(self.inner, texts)

    def embed_with(self, model: Embedder, texts: Sequence[str]) -> list[Vector]:
        """Embed with ``model`` (this one's, or its bulk runtime) in turn with every other use of the model."""
        out: list[Vector] = []
        for i in range(0, len(texts), self._batch):
            part = list(texts[i : i + self._batch])
            with self._model_lock:
                out += model.embed_documents(part)
            self.embedded += len(part)
        return out

    def runtime(self, count: int, announce: Callable[[str], None] = quiet) -> Embedder:
        """The inner embedder's choice for a job this size (the int8 copy for a large build), still serialised."""
        bulk = self.inner.runtime(count, announce)
        return self if bulk is self.inner else _SerialBulk(self, bulk)


class _SerialBulk(WrappedEmbedder):
    """A bulk runtime that still waits its turn at the shared embedder's lock."""

    def __init__(self, serial: SerialEmbedder, bulk: Embedder) -> None:
        super().__init__(bulk)
        self._serial = serial

    def embed_documents(self, texts: Sequence[str]) -> list[Vector]:
        return self._serial.embed_with(self.inner, texts)


LLMFactory = Callable[[Settings], "LLM | None"]


@dataclass(frozen=True)
class _Loaded:
    """An opened index's retriever and the name book built from its chunks, swapped as one."""

    retriever: HybridRetriever
    names: NameBook


class Engine:
    """Models, retriever and model line for one server process."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        llm_factory: LLMFactory = make_llm,
        gate: LLMGate | None = None,
    ) -> None:
        self.settings = settings
        self.embedder = SerialEmbedder(embedder if embedder is not None else build_embedder(settings))
        self.gate = gate or LLMGate()
        self.corpus_lock = threading.Lock()  # one corpus change at a time
        self._llm_factory = llm_factory
        self._llms: dict[tuple[str, str, str], LLM | None] = {}
        self._llm_lock = threading.Lock()
        self._retriever_lock = threading.Lock()
        self._loaded: _Loaded | None = None
        self.ready = threading.Event()  # set by warm(): the server's readiness probe reports it
        self._summaries: threading.Thread | None = None

    # -- retrieval ------------------------------------------------------------
    def retriever(self) -> HybridRetriever:
        """The current retriever, loaded on first use."""
        return self._current().retriever

    def reload(self) -> HybridRetriever:
        """Open the index again (after a corpus change); sessions in flight keep the old one."""
        with self._retriever_lock:
            self._loaded = self._load()
            return self._loaded.retriever

    def _current(self) -> _Loaded:
        loaded = self._loaded
        if loaded is not None:
            return loaded
        with self._retriever_lock:
            if self._loaded is None:
                self._loaded = self._load()
            return self._loaded

    def _load(self) -> _Loaded:
        retriever = build_retriever(self.settings, self.embedder)
        log.info("index %s: %d chunks", retriever.index.path.name, len(retriever.index.chunks))
        # One object: a request reads the retriever and the name book of the same index.
        return _Loaded(retriever, retriever.name_book())

    def build_index(self, *, force: bool = False, progress: Progress | None = None) -> BuildResult:
        """Build (atomically) and reopen the index; callers hold :attr:`corpus_lock`.

        The new documents are searchable when this returns; with ``answer.summaries: llm`` the
        model's summaries of them follow in a background thread (:meth:`summaries_done` waits).
        """
        result = index_corpus(self.settings, self.embedder, force=force, progress=progress)
        self.reload()
        llm = self._summary_llm()
        if llm is not None and result.built:
            self._summaries = threading.Thread(target=self._write_summaries, args=(llm,), daemon=True)
            self._summaries.start()
        return result

    def _summary_llm(self) -> LLM | None:
        if self.settings.answer.summaries != "llm":
            return None
        shared = self.llm(self.settings)
        gated = self.settings.llm.backend in GATED_BACKENDS
        # The summaries' points queue for the model like any question: llama.cpp serves one at a time.
        return QueuedLLM(shared, self.gate if gated else None, Ticket()) if shared is not None else None

    def _write_summaries(self, llm: LLM) -> None:
        with self.corpus_lock:  # after the change that started it, before the next one
            try:
                if write_model_summaries(self.settings, self.embedder, llm):
                    self.reload()
            except Exception:  # the index serves with quoted summaries; the log says why
                log.exception("writing the model's summaries failed; the quoted ones stay")

    def summaries_done(self, timeout: float | None = None) -> bool:
        """Wait for the model's summaries of the last change; True when none is being written."""
        thread = self._summaries
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    # -- models ---------------------------------------------------------------
    def llm(self, settings: Settings) -> LLM | None:
        """The LLM for these settings; a local model is loaded once per process."""
        cfg = settings.llm
        if cfg.backend not in CACHED_BACKENDS:
            return self._llm_factory(settings)
        key = (cfg.backend, model_name(settings), cfg.url)
        with self._llm_lock:
            if key not in self._llms:
                log.info("loading %s model %s", cfg.backend, key[1])
                self._llms[key] = self._llm_factory(settings)
            return self._llms[key]

    def assistant(self, prefs: Prefs, ticket: Ticket | None = None) -> Assistant:
        """An Assistant for one request: shared retriever, name book and model, the session's settings."""
        settings = settings_for(self.settings, prefs)
        loaded = self._current()
        shared = self.llm(settings)
        llm: LLM | Extractive = EXTRACTIVE
        if shared is not None:
            gate = self.gate if settings.llm.backend in GATED_BACKENDS else None
            llm = QueuedLLM(shared, gate, ticket or Ticket())
        return build_assistant(settings, retriever=loaded.retriever, llm=llm, names=loaded.names)

    def warm(self, prefs: Prefs) -> None:
        """Load the index, the embedder and the session default's model, and run each once.

        Why: the first visitor should not wait for 2 GB of weights, and a
        one-token generation puts the fixed system prompt into llama.cpp's
        KV cache, which every later prompt starts with.
        """
        self.retriever()
        self.embedder.embed_query("Aufwärmen / warm-up")
        settings = settings_for(self.settings, prefs)
        llm = self.llm(settings)
        if llm is not None and settings.llm.backend in GATED_BACKENDS:
            self._prime(llm, settings)
        self.ready.set()

    def _prime(self, llm: LLM, settings: Settings) -> None:
        with self.gate.hold(Ticket()):
            prime_llm(llm, settings)  # the system prompt's KV state, from disk when saved before
            stream = llm.stream(build_messages("Warm-up?", [], "de"), max_tokens=1)
            try:
                next(stream, None)
            finally:
                stream.close()
