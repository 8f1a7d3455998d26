"""Summaries built with the index: written once per document, reused while it is unchanged, and used to
answer a question about the whole document at once."""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from assistant.config import load_settings
from assistant.embeddings.fake import HashEmbedder
from assistant.indexing import build_index, documents_fingerprint, load_corpus, open_index
from assistant.ingest.chunk import ChunkParams
from assistant.llm.base import Message
from assistant.llm.fake import FakeLLM
from assistant.retrieval.retriever import HybridRetriever
from assistant.service import Assistant
from assistant.summaries import FILE, CorpusSummarizer, read_summaries

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "tests" / "data" / "library" / "stadtbibliothek-lindenau.txt"
_PASSAGE = re.compile(r"Passage:\n\[(\d+)\](?: \([^)]*\))? (.*)\n\nAnswer in", re.S)


def _restate(messages: Sequence[Message]) -> str:
    m = _PASSAGE.search(messages[-1].content)
    assert m
    return f"{m.group(2).rstrip('.')} [{m.group(1)}]."


def _build(corpus: Path, index: Path, llm: FakeLLM | None) -> tuple[HybridRetriever, float]:
    emb = HashEmbedder(dim=128)
    docs = load_corpus(corpus, corpus.parent)
    result = build_index(
        index, docs, emb, ChunkParams(), documents_fingerprint(docs),
        summarize=CorpusSummarizer(llm, emb.embed_query, min_support=0.3), force=True,
    )  # fmt: skip
    settings = load_settings(None, **{"paths.root": str(ROOT)})
    return HybridRetriever(open_index(index, None), emb, settings.retrieval), result.seconds


def test_the_summary_is_stored_with_the_build_and_cites_the_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(LIBRARY, corpus / LIBRARY.name)
    retriever, _ = _build(corpus, tmp_path / "index", FakeLLM(_restate))
    build = retriever.index.path
    assert (build / FILE).exists() and retriever.index.manifest["summaries_by"][0].startswith("scripted")
    found = retriever.summary(f"corpus/{LIBRARY.name}")
    assert found is not None and found.written_by.startswith("scripted") and found.language == "de"
    assert 2 <= len(found.document.points) <= 4
    text = LIBRARY.read_text(encoding="utf-8")
    for c in found.document.citations:
        assert text[c.start : c.end] == c.quote
        assert found.document.chunks[c.n - 1] == c.chunk_id
    assert found.sections  # each section's own sentences, quoted
    assert read_summaries(build) == retriever.index.summaries


def test_an_unchanged_document_keeps_its_summary(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(LIBRARY, corpus / LIBRARY.name)
    llm = FakeLLM(_restate)
    _build(corpus, tmp_path / "index", llm)
    calls = len(llm.calls)
    (corpus / "neu.txt").write_text("Das Freibad Lindenau öffnet im Mai. Es hat zwei Becken und eine Rutsche.\n")
    retriever, _ = _build(corpus, tmp_path / "index", llm)
    assert set(retriever.index.summaries) == {f"corpus/{LIBRARY.name}", "corpus/neu.txt"}
    assert len(llm.calls) - calls <= 2  # only the new file's points were written


def test_a_whole_document_question_is_answered_from_the_summary(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(LIBRARY, corpus / LIBRARY.name)
    retriever, _ = _build(corpus, tmp_path / "index", FakeLLM(_restate))
    llm = FakeLLM(["NO_ANSWER"])  # would refuse, if it were asked
    settings = load_settings(None, **{"answer.self_check": False})  # type: ignore[arg-type]
    a = Assistant(settings, retriever, llm).ask("Worum geht es in dem Text?")
    assert not a.refused and not llm.calls
    assert any("summary, built with the index" in n for n in a.notes)
    assert len(a.citations) >= 2 and all(a.passages[c.n - 1].chunk.chunk_id == c.chunk_id for c in a.citations)
