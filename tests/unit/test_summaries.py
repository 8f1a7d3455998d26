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


def test_a_new_document_is_searchable_first_and_the_model_writes_its_summary_after(tmp_path: Path) -> None:
    from assistant.app import index_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(LIBRARY, corpus / LIBRARY.name)
    settings = load_settings(
        None, **{"paths.root": str(tmp_path), "paths.corpus": str(corpus), "paths.index": str(tmp_path / "index")}
    )
    emb, llm = HashEmbedder(dim=128), FakeLLM(_restate)
    first = index_corpus(settings, emb, llm=llm)
    assert first.summaries_written == 1
    assert read_summaries(first.path)[f"corpus/{LIBRARY.name}"].written_by.startswith("scripted")
    calls = len(llm.calls)
    (corpus / "neu.txt").write_text("Das Freibad Lindenau öffnet im Mai. Es hat zwei Becken und eine Rutsche.\n")
    deferred = index_corpus(settings, emb, llm=llm, defer_summaries=True)
    live = read_summaries(deferred.path)
    assert len(llm.calls) == calls and live["corpus/neu.txt"].written_by == "extractive"  # quoted: no model yet
    assert live[f"corpus/{LIBRARY.name}"].written_by.startswith("scripted")  # the other one is kept as it was
    from assistant.app import write_model_summaries

    assert write_model_summaries(settings, emb, llm) == 1 and len(llm.calls) > calls
    assert read_summaries(deferred.path)["corpus/neu.txt"].written_by.startswith("scripted")
    assert write_model_summaries(settings, emb, llm) == 0  # nothing left to write


def test_past_the_budget_a_build_quotes_the_summaries(tmp_path: Path) -> None:
    from assistant.app import index_corpus

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(4):
        (corpus / f"d{i}.txt").write_text(f"Das Haus Nummer {i} steht am Markt. Es hat {i + 2} Fenster.\n")
    over = {"paths.root": str(tmp_path), "paths.corpus": str(corpus), "paths.index": str(tmp_path / "index")}
    settings = load_settings(None, **{**over, "answer.summaries_llm_max": 2})
    emb, llm = HashEmbedder(dim=128), FakeLLM(_restate)
    result = index_corpus(settings, emb, llm=llm)
    assert result.summaries_written == 0 and not llm.calls  # four new documents, a budget of two: all quoted
    assert {s.written_by for s in read_summaries(result.path).values()} == {"extractive"}
    (corpus / "d9.txt").write_text("Das Haus Nummer 9 steht am Hafen. Es hat drei Türen.\n")
    added = index_corpus(settings, emb, llm=llm)
    by = {src: s.written_by for src, s in read_summaries(added.path).items()}
    assert added.summaries_written == 1 and by.pop("corpus/d9.txt").startswith("scripted")
    assert set(by.values()) == {"extractive"}  # the quoted ones are kept, not rewritten one by one
