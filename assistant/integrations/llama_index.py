"""summit-assistant inside a llama-index application.

Two drop-ins for an app that already uses llama-index:

* :class:`SummitRetriever`: our hybrid retrieval (dense + BM25, sentence
  evidence, calibrated relevance) as a ``BaseRetriever``. It goes wherever
  ``index.as_retriever()`` went, for example into
  ``RetrieverQueryEngine.from_args(retriever, llm=...)``.
* :class:`SummitQueryEngine`: the whole answer policy as a query engine,
  whose ``Response.source_nodes`` are the checked citations.

Every node carries its place in the source file: ``start_char_idx`` and
``end_char_idx`` (llama-index's own fields), and ``source``, ``section``,
``start`` and ``end`` in its metadata. For a retrieved passage, the node's
text is ``file_text[start:end]``. For a citation, it is the quoted sentence,
which is the same slice.

llama-index is imported only when this module is, so nothing else here
pays for it.
"""

from __future__ import annotations

from typing import Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from pydantic import Field

from assistant.config import Settings, load_settings
from assistant.retrieval.base import Retriever
from assistant.types import Citation, Hit

# Long or internal metadata that must not be pasted into a llama-index prompt.
_NOT_FOR_THE_LLM = ["start", "end", "chunk_id", "doc_id", "citation"]


def _node(id_: str, text: str, start: int, end: int, **meta: Any) -> TextNode:
    """A node that knows where it lives: llama-index's char fields and ours, kept out of prompts."""
    return TextNode(
        id_=id_,
        text=text,
        start_char_idx=start,
        end_char_idx=end,
        metadata={**meta, "start": start, "end": end},
        excluded_llm_metadata_keys=_NOT_FOR_THE_LLM,
        excluded_embed_metadata_keys=_NOT_FOR_THE_LLM,
    )


def hit_node(hit: Hit) -> NodeWithScore:
    c = hit.chunk
    node = _node(
        c.chunk_id, c.text, c.start, c.end, source=c.source, section=c.section, doc_id=c.doc_id, chunk_id=c.chunk_id
    )
    return NodeWithScore(node=node, score=float(hit.score))


def citation_node(cite: Citation) -> NodeWithScore:
    node = _node(
        f"{cite.chunk_id}#{cite.n}",
        cite.quote,
        cite.start,
        cite.end,
        source=cite.source,
        section=cite.section,
        chunk_id=cite.chunk_id,
        citation=cite.n,
    )
    return NodeWithScore(node=node, score=1.0)


class SummitRetriever(BaseRetriever):
    """Our retriever as a llama-index ``BaseRetriever``; ``k`` passages per query."""

    def __init__(self, retriever: Retriever, k: int = 5, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._summit = retriever
        self._k = k

    @classmethod
    def from_settings(cls, settings: Settings | None = None, k: int = 5) -> SummitRetriever:
        """Over the project's index (``assistant index`` builds it), with the configured embedder."""
        from assistant.app import build_retriever

        return cls(build_retriever(settings or load_settings()), k=k)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [hit_node(h) for h in self._summit.retrieve(query_bundle.query_str, k=self._k).hits]


class SummitQueryEngine(CustomQueryEngine):
    """The whole assistant as a query engine: the answer text (with its ``[n]`` markers), the checked
    citations as ``source_nodes``, and ``refused``, ``reason`` and ``language`` in ``metadata``."""

    assistant: Any = Field(description="an assistant.Assistant (or anything with its ask())")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SummitQueryEngine:
        from assistant.app import build_assistant

        return cls(assistant=build_assistant(settings or load_settings()))

    def custom_query(self, query_str: str) -> Response:
        answer = self.assistant.ask(query_str)
        return Response(
            response=answer.text,
            source_nodes=[citation_node(c) for c in answer.citations],
            metadata={
                "refused": answer.refused,
                "reason": answer.reason,
                "language": answer.language,
                "backend": answer.backend,
                "model": answer.model,
            },
        )
