"""The naive llama-index pipeline, as a baseline for the benchmark.

``VectorStoreIndex.from_documents`` with the default ``SentenceSplitter``,
``as_query_engine(similarity_top_k=2)``, the same embedding model and the
same GGUF model: what a llama-index quickstart gives. It has no citation
checking; its answer is scored by the same accept-match as ours.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from typing import Any

from assistant.answer.lang import detect_language
from assistant.answer.model import Answer
from assistant.embeddings.base import Embedder
from assistant.evaluation.bench_retrieval import llama_embedding
from assistant.llm.base import LLM, Message
from assistant.types import Citation, Document


def llama_index_llm(llm: LLM, max_tokens: int = 256) -> Any:
    """Our LLM (same GGUF, same llama.cpp instance) as a llama-index CustomLLM."""
    from llama_index.core.llms import CompletionResponse, CompletionResponseGen, CustomLLM, LLMMetadata
    from pydantic import PrivateAttr

    class _Adapter(CustomLLM):
        _inner: Any = PrivateAttr()

        def __init__(self, inner: LLM) -> None:
            super().__init__()
            self._inner = inner

        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=4096, num_output=max_tokens, model_name=self._inner.model)

        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            text = "".join(self._inner.stream([Message("user", prompt)], max_tokens=max_tokens))
            return CompletionResponse(text=text)

        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
            def gen() -> Generator[CompletionResponse, None, None]:
                text = ""
                for piece in self._inner.stream([Message("user", prompt)], max_tokens=max_tokens):
                    text += piece
                    yield CompletionResponse(text=text, delta=piece)

            return gen()

    return _Adapter(llm)


def _as_citation(n: int, scored: Any) -> Citation:
    """A source node the quickstart answered from, as a citation: its only evidence, shown to users as such.

    It cites no sentence, so scoring it this way is generous to the baseline:
    any answer from the gold paragraph's node counts as grounded.
    """
    node = scored.node
    start, end = int(node.start_char_idx or 0), int(node.end_char_idx or 0)
    return Citation(n, str(node.node_id), str(node.ref_doc_id), "", start, end, str(node.get_content()))


class NaiveLlamaIndex:
    """Answerer protocol over the quickstart query engine."""

    backend = "llama-index-naive"

    def __init__(self, docs: Sequence[Document], embedder: Embedder, llm: LLM) -> None:
        from llama_index.core import Document as LlamaDocument
        from llama_index.core import VectorStoreIndex
        from llama_index.core.node_parser import SentenceSplitter

        self.model = llm.model
        self._index = VectorStoreIndex.from_documents(
            [LlamaDocument(text=d.text, id_=d.source) for d in docs],
            embed_model=llama_embedding(embedder),
            transformations=[SentenceSplitter()],
        )
        self._engine = self._index.as_query_engine(llm=llama_index_llm(llm), similarity_top_k=2, streaming=True)
        self._embedder = embedder

    def ask(self, question: str, history: Sequence[tuple[str, str]] | None = None) -> Answer:
        from llama_index.core import QueryBundle

        t0 = time.perf_counter()
        t = time.perf_counter()
        self._embedder.embed_query(question)
        embed_ms = (time.perf_counter() - t) * 1000
        bundle = QueryBundle(question)
        nodes = self._engine.retrieve(bundle)
        retrieve_ms = (time.perf_counter() - t0) * 1000
        response: Any = self._engine.synthesize(bundle, nodes)
        first: float | None = None
        text = ""
        for piece in response.response_gen:
            if first is None:
                first = (time.perf_counter() - t0) * 1000
            text += piece
        total = (time.perf_counter() - t0) * 1000
        return Answer(
            question=question,
            text=text.strip(),
            language=detect_language(question),
            refused=False,
            citations=tuple(_as_citation(i, n) for i, n in enumerate(response.source_nodes, 1)),
            passages=(),
            backend=self.backend,
            model=self.model,
            timings_ms={"embed": embed_ms, "retrieve": retrieve_ms, "first_token": first or total, "total": total},
        )
