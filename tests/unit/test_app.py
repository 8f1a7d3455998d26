"""build_assistant, the one composition root, wired with the hash embedder and the scripted LLM."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app import EXTRACTIVE, build_assistant, index_corpus
from assistant.config import Settings, load_settings
from assistant.embeddings.fake import HashEmbedder
from assistant.llm.fake import FakeLLM
from assistant.retrieval.retriever import HybridRetriever

ROOT = Path(__file__).resolve().parents[2]


def _settings(**over: object) -> Settings:
    # The hash embedder's cosines mean nothing, and on_topic's floors are EmbeddingGemma's.
    floors = {"answer.fallback_min_cosine": 0.0, "answer.fallback_min_cosine_cross": 0.0}
    return load_settings(None, **{"paths.root": str(ROOT), **floors, **over})  # type: ignore[arg-type]


def test_opens_the_index_with_the_given_embedder_and_uses_the_given_llm(tmp_path: Path) -> None:
    settings = _settings(**{"paths.index": str(tmp_path / "index")})
    embedder = HashEmbedder(dim=128)
    index_corpus(settings, embedder)
    llm = FakeLLM(["Der Verteidigungshaushalt steigt 2026 auf 124 Milliarden Euro [1]."])
    bot = build_assistant(settings, embedder=embedder, llm=llm)
    assert isinstance(bot.retriever, HybridRetriever) and bot.retriever.embedder is embedder
    assert bot.llm is llm and (bot.backend, bot.model) == ("fake", "scripted")
    answer = bot.ask("Wie hoch ist der Verteidigungshaushalt 2026?")
    assert not answer.refused and answer.citations and llm.calls


def test_no_llm_means_the_configured_one(hash_retriever: HybridRetriever) -> None:
    bot = build_assistant(_settings(**{"llm.backend": "fake"}), retriever=hash_retriever)
    assert isinstance(bot.llm, FakeLLM) and bot.backend == "fake"


def test_extractive_means_no_llm_whatever_the_settings_say(hash_retriever: HybridRetriever) -> None:
    bot = build_assistant(_settings(**{"llm.backend": "fake"}), retriever=hash_retriever, llm=EXTRACTIVE)
    assert bot.llm is None and (bot.backend, bot.model) == ("extractive", "none")
    answer = bot.ask("Wie hoch ist der Verteidigungshaushalt 2026?")
    assert answer.backend == "extractive" and answer.citations


def test_assistants_built_on_one_retriever_share_it_and_its_name_book(hash_retriever: HybridRetriever) -> None:
    first = build_assistant(_settings(), retriever=hash_retriever, llm=EXTRACTIVE)
    second = build_assistant(_settings(), retriever=hash_retriever, llm=FakeLLM(), names=first.names)
    assert second.retriever is first.retriever and second.names is first.names
    assert second.llm is not None and first.llm is None


def test_a_retriever_and_an_embedder_together_are_refused(hash_retriever: HybridRetriever) -> None:
    with pytest.raises(TypeError, match="not both"):
        build_assistant(_settings(), retriever=hash_retriever, embedder=HashEmbedder(dim=128), llm=EXTRACTIVE)
