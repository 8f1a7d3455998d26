"""Real answers: the default llama.cpp model, and the OpenAI-compatible
backend against a real `llama_cpp.server` on loopback serving the 0.5B."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from assistant.llm.factory import make_llm
from assistant.service import Assistant
from tests.contract import check_answer_contract, check_llm_contract
from tests.net import free_port


@pytest.fixture(scope="module")
def bot(real_settings, real_retriever) -> Assistant:  # type: ignore[no-untyped-def]
    return Assistant(real_settings, real_retriever, make_llm(real_settings))


def test_llamacpp_contract(bot: Assistant) -> None:
    assert bot.llm is not None
    check_llm_contract(bot.llm)


def test_saved_system_prompt_state_gives_the_same_answer(bot: Assistant, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A cold process restores the system prompt's KV state from disk; the answer must not change."""
    from assistant.answer.prompt import SYSTEM_PROMPT, build_messages
    from assistant.llm.base import complete

    llm = bot.llm
    assert llm is not None and llm.backend == "llamacpp"
    messages = build_messages("Wie hoch ist der Verteidigungshaushalt 2026?", [], "de")
    assert llm.warm_up(SYSTEM_PROMPT, tmp_path) == "computed+saved"
    computed = complete(llm, messages, max_tokens=24)
    assert llm.warm_up(SYSTEM_PROMPT, tmp_path) == "restored"
    assert complete(llm, messages, max_tokens=24) == computed
    (saved,) = tmp_path.glob("kv-*.bin")
    assert 0 < saved.stat().st_size < 64 * 2**20  # the prompt's KV cells, not the whole context


@pytest.mark.parametrize(
    ("question", "needle", "lang"),
    [
        ("Wie hoch ist der Verteidigungshaushalt 2026?", "124", "de"),
        ("How much military support did the allies pledge to Ukraine for 2026?", "70", "en"),
    ],
)
def test_grounded_answer(bot: Assistant, original_text: str, question: str, needle: str, lang: str) -> None:
    a = bot.ask(question)
    check_answer_contract(a, original_text)
    assert not a.refused and needle in a.text and a.language == lang
    assert any(needle in c.quote for c in a.citations)


def test_out_of_scope_is_refused(bot: Assistant) -> None:
    a = bot.ask("Wie backe ich ein Brot mit Sauerteig?")
    assert a.refused and a.text == "Dazu enthält der Text keine Angabe."
    assert a.passages


@pytest.mark.parametrize(
    ("question", "refusal"),
    [
        ("Wie viel gibt Frankreich 2026 für Verteidigung aus?", "Dazu enthält der Text keine Angabe."),
        ("How many AMRAAM missiles will be produced in Europe per year?", "The text does not say."),
        ("Wie viele Soldaten umfasst die NISRF?", "Dazu enthält der Text keine Angabe."),
        # 2027 is in the text, but only in the sentence on aid to Ukraine
        ("What is Germany's defence budget for 2027?", "The text does not say."),
    ],
)
def test_plausible_unanswerable_is_refused(bot: Assistant, question: str, refusal: str) -> None:
    """On-topic questions the text does not answer: refused, with the closest passages still shown."""
    a = bot.ask(question)
    assert a.refused and a.text == refusal, (a.text, a.notes)
    assert a.passages and not a.citations


def test_multi_turn_german(bot: Assistant) -> None:
    chat = bot.chat()
    first = chat.ask("Wer ist der NATO-Generalsekretär?")
    assert "Rutte" in first.text
    second = chat.ask("Und was hat er über Deutschland gesagt?")
    assert not second.refused
    assert any("Germany leads" in c.quote or "Deutschland führt" in c.quote for c in second.citations)


def test_multi_turn_english(bot: Assistant) -> None:
    chat = bot.chat()
    first = chat.ask("Which country joined the Multi Role Tanker Transport fleet?")
    assert any("Schweden" in c.quote for c in first.citations)
    second = chat.ask("What else does Pistorius want to develop with that country?")
    assert not second.refused and second.language == "en"
    assert any("Triebwerksentwicklung" in c.quote or "Weltraum" in c.quote for c in second.citations)


@pytest.fixture(scope="module")
def llama_server(real_settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from assistant.models.registry import QWEN_05B

    port = free_port()
    model = real_settings.models_dir / QWEN_05B.filename
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
            "--model_alias",
            "qwen-0.5b",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(url + "/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not start in 120 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_openai_backend_against_llama_cpp_server(real_settings, real_retriever, llama_server, original_text) -> None:  # type: ignore[no-untyped-def]
    settings = real_settings.with_overrides(
        **{"llm.backend": "openai", "llm.url": llama_server, "llm.model": "qwen-0.5b"}
    )
    llm = make_llm(settings)
    assert llm is not None
    check_llm_contract(llm)
    a = Assistant(settings, real_retriever, llm).ask("Wie hoch ist der Verteidigungshaushalt 2026?")
    check_answer_contract(a, original_text)
    assert a.backend == "openai" and "124" in a.text


def test_any_llama_index_llm_by_import_path_against_llama_cpp_server(  # type: ignore[no-untyped-def]
    real_settings, real_retriever, llama_server, original_text
) -> None:
    """``llm.backend: llama-index`` with ``llm.class`` and ``llm.kwargs``: the same contracts as our own backends."""
    settings = real_settings.with_overrides(
        **{
            "llm.backend": "llama-index",
            "llm.model": "qwen-0.5b",
            "llm.class": "llama_index.llms.openai_like.OpenAILike",
            "llm.kwargs": {
                "model": "qwen-0.5b",
                "api_base": f"{llama_server}/v1",
                "api_key": "none",
                "is_chat_model": True,
                "temperature": 0.0,
                "max_retries": 0,
                "timeout": 120,
            },
        }
    )
    llm = make_llm(settings)
    assert llm is not None and llm.backend == "llama-index"
    check_llm_contract(llm)
    a = Assistant(settings, real_retriever, llm).ask("Wie hoch ist der Verteidigungshaushalt 2026?")
    check_answer_contract(a, original_text)
    assert a.backend == "llama-index" and "124" in a.text


def test_a_llama_index_app_swaps_in_our_retriever(real_retriever, real_embedder, llama_server, original_text) -> None:  # type: ignore[no-untyped-def]
    """An existing ``VectorStoreIndex`` app, answering with a real model, takes our retriever instead of its own."""
    from llama_index.core import Document as LlamaDocument
    from llama_index.core import VectorStoreIndex
    from llama_index.core.query_engine import RetrieverQueryEngine
    from llama_index.llms.openai_like import OpenAILike

    from assistant.evaluation.naive import llama_embedding
    from assistant.integrations.llama_index import SummitRetriever

    llm = OpenAILike(
        model="qwen-0.5b",
        api_base=f"{llama_server}/v1",
        api_key="none",
        is_chat_model=True,
        temperature=0.0,
        max_tokens=48,
        max_retries=0,
        timeout=120,
    )
    index = VectorStoreIndex.from_documents(
        [LlamaDocument(text=original_text)], embed_model=llama_embedding(real_embedder)
    )
    question = "Wie hoch ist der Verteidigungshaushalt 2026?"
    theirs = RetrieverQueryEngine.from_args(index.as_retriever(similarity_top_k=2), llm=llm).query(question)
    ours = RetrieverQueryEngine.from_args(SummitRetriever(real_retriever, k=2), llm=llm).query(question)
    assert str(theirs).strip() and "124" in str(ours)
    assert len(ours.source_nodes) == 2
    for n in ours.source_nodes:
        meta = n.node.metadata
        assert original_text[meta["start"] : meta["end"]] == n.node.get_content()
    assert any("124 Milliarden" in n.node.get_content() for n in ours.source_nodes)


@pytest.mark.parametrize(
    ("question", "history", "needle"),
    [
        ("Welches Land kam 2025 zur Maritimen Sicherheitspartnerschaft hinzu?", [], "Dänemark"),
        (
            "And who joined in 2025?",
            [("Who founded the Maritime Security Partnership?", "Norway, Canada, Germany.")],
            "Dänemark",
        ),
    ],
)
def test_a_year_in_a_less_similar_sentence_still_answers(
    real_settings, real_retriever, question: str, history: list[tuple[str, str]], needle: str
) -> None:  # type: ignore[no-untyped-def]
    """The year check refuses only when the sentence with the year is far from the question (0.10 cosine)."""
    a = Assistant(real_settings, real_retriever, None, backend="extractive").ask(question, history=history)
    assert not a.refused and needle in a.text, (a.text, a.notes)


def test_a_follow_up_quotes_the_sentence_on_what_it_asks(real_settings, real_retriever) -> None:  # type: ignore[no-untyped-def]
    """The retrieval query of a follow-up carries the earlier questions, which pull the quoted sentence back to
    the earlier topic (the 70 billion pledge); the follow-up's own words must count too."""
    said = (
        "Laut Text: „Für das Jahr 2026 sagten sie der Ukraine weitere militärische Ausrüstung, Unterstützung und "
        "Ausbildung im Wert von 70 Milliarden Euro zu und bekräftigten, dieses Niveau auch im Jahr 2027 mindestens "
        "beizubehalten.“"
    )
    history = [
        ("Wie viel sagten die Alliierten der Ukraine für 2026 an militärischer Unterstützung zu?", said),
        ("Und für 2027?", said),
    ]
    bot = Assistant(real_settings, real_retriever, None, backend="extractive")
    a = bot.ask("Wer hat diese Zusage initiiert?", history=history)
    assert not a.refused and "von Deutschland initiierten" in a.text, (a.text, a.notes)
