"""assistant.integrations.llama_index: our retriever and our answers inside llama-index applications.

The hash embedder and the scripted LLM stand in for the models here; llama-index's own ``MockLLM`` writes the
llama-index app's answer. ``tests/integration/test_answer_real.py`` runs the same swap with the real models
and a real ``llama_cpp.server``.
"""

from __future__ import annotations

from llama_index.core import Document as LlamaDocument
from llama_index.core import VectorStoreIndex
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import MetadataMode

from assistant.config import load_settings
from assistant.evaluation.naive import llama_embedding
from assistant.integrations.llama_index import SummitQueryEngine, SummitRetriever
from assistant.llm.fake import FakeLLM
from assistant.retrieval.retriever import HybridRetriever
from assistant.service import Assistant
from tests.unit.conftest import IndexedDoc


def _app(texts: list[str], retriever_for_swap: SummitRetriever | None, embedder: object) -> RetrieverQueryEngine:
    """A llama-index quickstart app; with ``retriever_for_swap``, the same app with our retriever in."""
    index = VectorStoreIndex.from_documents(
        [LlamaDocument(text=t) for t in texts], embed_model=llama_embedding(embedder)
    )
    retriever = retriever_for_swap or index.as_retriever(similarity_top_k=2)
    return RetrieverQueryEngine.from_args(retriever, llm=MockLLM(max_tokens=8))


def test_a_vector_store_app_swaps_in_our_retriever(indexed_doc: IndexedDoc) -> None:
    retriever = indexed_doc.retriever
    assert isinstance(retriever, HybridRetriever)
    theirs = _app([indexed_doc.text], None, retriever.embedder)
    before = theirs.query(indexed_doc.question)
    assert before.source_nodes and before.source_nodes[0].node.metadata.get("start") is None  # no offsets
    ours = _app([indexed_doc.text], SummitRetriever(retriever, k=3), retriever.embedder)
    after = ours.query(indexed_doc.question)
    assert str(after).strip(), "the llama-index app still writes an answer"
    assert len(after.source_nodes) == 3
    for n in after.source_nodes:
        meta = n.node.metadata
        assert meta["source"] == indexed_doc.source
        assert indexed_doc.text[meta["start"] : meta["end"]] == n.node.get_content()
        assert (n.node.start_char_idx, n.node.end_char_idx) == (meta["start"], meta["end"])
        assert "start" not in n.node.get_content(metadata_mode=MetadataMode.LLM).split("\n")[0]


def test_the_retriever_ranks_like_ours(indexed_doc: IndexedDoc) -> None:
    ours = [h.chunk.chunk_id for h in indexed_doc.retriever.retrieve(indexed_doc.question, k=4).hits]
    nodes = SummitRetriever(indexed_doc.retriever, k=4).retrieve(indexed_doc.question)
    assert [n.node.node_id for n in nodes] == ours
    assert all(isinstance(n.score, float) for n in nodes)


def test_the_query_engine_returns_the_checked_citations(indexed_doc: IndexedDoc) -> None:
    settings = load_settings(None, **{"retrieval.min_dense_score": 0.0, "answer.self_check": False})
    bot = Assistant(settings, indexed_doc.retriever, FakeLLM([indexed_doc.reply]))
    response = SummitQueryEngine(assistant=bot).query(indexed_doc.question)
    assert indexed_doc.fact in str(response) and response.metadata is not None
    assert response.metadata["refused"] is False
    assert response.source_nodes
    for n in response.source_nodes:
        meta = n.node.metadata
        assert indexed_doc.text[meta["start"] : meta["end"]] == n.node.get_content()
        assert meta["citation"] >= 1
