"""The naive llama-index pipeline, as the baseline every benchmark here measures against.

``VectorStoreIndex.from_documents`` with the default ``SentenceSplitter``,
top-2 retrieval, the same embedding model and the same GGUF model: what a
llama-index quickstart gives.  One index construction (``quickstart_index``)
serves both uses, so the answering baseline (``NaiveLlamaIndex``: ``make
bench``, ``make eval-general``) and the retrieval baseline
(``quickstart_searcher``: ``make bench-retrieval``) are the same pipeline.
It has no citation checking; its answer is scored by the same accept-match
as ours.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from typing import Any

from assistant.answer.lang import detect_language
from assistant.answer.model import Answer
from assistant.embeddings.base import Embedder
from assistant.evaluation.gold import Span
from assistant.evaluation.retrieval_systems import Outcome, Searcher
from assistant.llm.base import LLM, Message
from assistant.types import Citation, Document

QUICKSTART_TOP_K = 2


def llama_embedding(embedder: Embedder) -> Any:
    """Our embedder as a llama-index ``BaseEmbedding``.

    Why not ``HuggingFaceEmbedding``: wrapping the very object our index
    uses guarantees the same model file, prompts and normalisation, so the
    comparison measures the pipeline and nothing else; and it cannot try
    to download anything.  Defined lazily because llama-index is slow to
    import and only the benchmark needs it.
    """
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from pydantic import PrivateAttr

    class _Wrapped(BaseEmbedding):
        _inner: Embedder = PrivateAttr()

        def __init__(self, inner: Embedder) -> None:
            super().__init__(model_name=inner.name, embed_batch_size=64)
            self._inner = inner

        @classmethod
        def class_name(cls) -> str:
            return "SummitEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.embed_query(query)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.embed_documents([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.embed_documents(texts)

    return _Wrapped(embedder)


def quickstart_index(docs: Sequence[Document], embedder: Embedder) -> Any:
    """The starter pipeline's ``VectorStoreIndex`` over ``docs``.

    Documents carry no metadata, so the embedded node text is the passage
    text alone, as with our chunks.  ``embed_model`` and the splitter are
    passed explicitly: the global ``Settings`` singleton is never touched,
    and nothing can fall back to a default (downloaded) model.
    """
    from llama_index.core import Document as LlamaDocument
    from llama_index.core import VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    return VectorStoreIndex.from_documents(
        [LlamaDocument(text=d.text, id_=d.source) for d in docs],
        embed_model=llama_embedding(embedder),
        transformations=[SentenceSplitter()],
    )


def quickstart_searcher(docs: Sequence[Document], embedder: Embedder) -> Searcher:
    """The llama-index starter pipeline over ``docs``, top-2 dense retrieval, as a benchmark system."""
    texts = {d.source: d.text for d in docs}
    retriever = quickstart_index(docs, embedder).as_retriever(similarity_top_k=QUICKSTART_TOP_K)

    def search(question: str) -> Outcome:
        t = time.perf_counter()
        found = retriever.retrieve(question)
        ms = (time.perf_counter() - t) * 1000
        return Outcome([_node_span(n.node, texts) for n in found], ms)

    return Searcher("quickstart", search)


def _node_span(node: Any, texts: dict[str, str]) -> Span:
    source = str(node.ref_doc_id)
    start, end = node.start_char_idx, node.end_char_idx
    if start is None or end is None:  # the splitter could not place it
        content = node.get_content()
        start = texts.get(source, "").find(content)
        end = start + len(content) if start >= 0 else -1
    return (source, int(start), int(end))


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
        self.model = llm.model
        self._index = quickstart_index(docs, embedder)
        self._engine = self._index.as_query_engine(
            llm=llama_index_llm(llm), similarity_top_k=QUICKSTART_TOP_K, streaming=True
        )
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
