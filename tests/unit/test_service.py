"""The answer pipeline with a scripted LLM and the hash-embedder index."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from assistant.config import load_settings
from assistant.errors import BackendError, QuestionError
from assistant.llm.fake import FakeLLM
from assistant.retrieval.retriever import HybridRetriever
from assistant.service import Assistant

if TYPE_CHECKING:
    from tests.unit.conftest import IndexedDoc


def _bot(retriever: HybridRetriever, llm: FakeLLM | None, **over: object) -> Assistant:
    # The hash embedder's cosines mean nothing, and on_topic's floors are EmbeddingGemma's: off unless a test sets them.
    over = {"answer.fallback_min_cosine": 0.0, "answer.fallback_min_cosine_cross": 0.0, **over}
    settings = load_settings(None, **over)  # type: ignore[arg-type]
    return Assistant(settings, retriever, llm)


def test_answer_with_checked_citation(indexed_doc: IndexedDoc) -> None:
    llm = FakeLLM([indexed_doc.reply])
    a = _bot(indexed_doc.retriever, llm).ask(indexed_doc.question)
    assert not a.refused and a.language == "de"
    assert a.citations and indexed_doc.fact in a.citations[0].quote
    assert a.citations[0].source == indexed_doc.source
    assert indexed_doc.text[a.citations[0].start : a.citations[0].end] == a.citations[0].quote
    d = a.to_dict()
    assert set(d) == {"question", "answer", "language", "refused", "reason", "citations", "passages", "backend",
                      "model", "timings_ms"}  # fmt: skip
    assert a.reason == ""  # the model's reply stood
    assert set(d["timings_ms"]) == {"retrieve", "first_token", "total"}
    system, user = llm.calls[0]
    assert "Answer in German." in user.content and "[1]" in user.content


def test_model_refusal_becomes_a_refusal(hash_retriever: HybridRetriever) -> None:
    a = _bot(hash_retriever, FakeLLM(["NO_ANSWER"])).ask("Who will host the 2027 summit?")
    assert a.refused and a.text == "The text does not say." and a.language == "en"
    assert a.passages  # closest passages are still offered


def test_unsupported_answer_falls_back_to_extractive(hash_retriever: HybridRetriever) -> None:
    a = _bot(hash_retriever, FakeLLM(["Der Haushalt beträgt 999 Milliarden Euro [1]."])).ask(
        "Wie hoch ist der Verteidigungshaushalt 2026?"
    )
    assert not a.refused and "999" not in a.text
    assert a.reason == "unsupported" and a.citations


def test_subject_pinned_from_question_is_refused(hash_retriever: HybridRetriever) -> None:
    llm = FakeLLM(["France spends 124 billion euros on defence in 2026 [1]."])
    a = _bot(hash_retriever, llm).ask("How much does France spend on defence?")
    assert a.refused


def test_backend_down_errors_or_falls_back(indexed_doc: IndexedDoc) -> None:
    down = FakeLLM(fail="Cannot reach the server at http://127.0.0.1:9: connection refused.")
    with pytest.raises(BackendError, match="connection refused"):
        _bot(indexed_doc.retriever, down).ask(indexed_doc.question)
    a = _bot(indexed_doc.retriever, down, **{"llm.fallback": "extractive"}).ask(indexed_doc.question)
    assert a.backend == "extractive" and a.citations
    assert any(indexed_doc.fact in c.quote for c in a.citations)


def test_the_extractive_answer_passes_the_fallback_checks(indexed_doc: IndexedDoc) -> None:
    """A quote with no model behind it is what ``on_topic`` guards: a floor no sentence reaches refuses it."""
    floor = {"answer.fallback_min_cosine": 1.01, "answer.fallback_min_cosine_cross": 1.01}
    a = _bot(indexed_doc.retriever, None, **floor).ask(indexed_doc.question)
    assert a.refused and a.reason == "fallback_off_topic" and not a.citations
    assert any("fallback_off_topic" in n for n in a.notes)
    answered = _bot(indexed_doc.retriever, None).ask(indexed_doc.question)
    assert not answered.refused and answered.reason == "" and answered.citations
    down = FakeLLM(fail="connection refused")
    b = _bot(indexed_doc.retriever, down, **{"llm.fallback": "extractive", **floor}).ask(indexed_doc.question)
    assert b.refused and b.backend == "extractive" and b.reason == "fallback_off_topic"


def test_a_failing_rewrite_falls_back_to_carrying_the_previous_question(indexed_doc: IndexedDoc) -> None:
    """`retrieval_query` lets the rewrite's BackendError through (test_chat_query); the service carries over."""
    down = FakeLLM(fail="connection refused")
    bot = _bot(indexed_doc.retriever, down, **{"answer.follow_up": "rewrite", "llm.fallback": "extractive"})
    a = bot.ask("Und seit wann?", history=[(indexed_doc.question, indexed_doc.reply)])
    assert "Follow-up: Und seit wann?" in down.calls[0][1].content  # the rewrite was tried
    assert a.retrieval_query == f"{indexed_doc.question} Und seit wann?"
    assert a.backend == "extractive"


def test_bad_questions(indexed_doc: IndexedDoc) -> None:
    bot = _bot(indexed_doc.retriever, None)
    for q in ("", "   \n\t", "\x00\x01"):
        with pytest.raises(QuestionError, match="empty"):
            bot.ask(q)
    with pytest.raises(QuestionError, match="limit"):
        bot.ask("Haushalt? " * 10_000)


def test_streaming_order(indexed_doc: IndexedDoc) -> None:
    bot = _bot(indexed_doc.retriever, FakeLLM([indexed_doc.reply]))
    events = list(bot.ask_stream(indexed_doc.question))
    kinds = [e.kind for e in events]
    assert kinds[0] == "passages" and kinds[-1] == "answer" and "token" in kinds
    assert kinds.count("answer") == 1 and events[-1].answer is not None


def test_chat_carries_the_previous_question(hash_retriever: HybridRetriever) -> None:
    llm = FakeLLM(["Der Haushalt beträgt 124 Milliarden Euro [1].", "Mark Rutte [1]."])
    session = _bot(hash_retriever, llm).chat()
    session.ask("Wie hoch ist der Verteidigungshaushalt 2026?")
    second = session.ask("Und wer hat das gelobt?")
    assert second.retrieval_query.startswith("Wie hoch ist der Verteidigungshaushalt 2026?")
    assert "Previous question: Wie hoch" in llm.calls[1][1].content
    assert len(session.history) == 2
    session.reset()
    assert session.history == []


@pytest.mark.parametrize("backend", ["fake", "extractive"])
def test_answer_contract(indexed_doc: IndexedDoc, backend: str) -> None:
    from tests.contract import check_answer_contract

    llm = FakeLLM([indexed_doc.reply]) if backend == "fake" else None
    bot = _bot(indexed_doc.retriever, llm)
    for q in (indexed_doc.question, indexed_doc.question_en, "Who will host the 2027 summit?"):
        check_answer_contract(bot.ask(q), indexed_doc.text)


def test_answer_from_a_sentence_without_the_asked_year_falls_back(hash_retriever: HybridRetriever) -> None:
    """The founders of 2024 do not answer "who joined in 2025?": the sentence with 2025 is quoted instead."""
    llm = FakeLLM(["Norwegen, Kanada und Deutschland haben die Maritime Sicherheitspartnerschaft gegründet [1]."])
    a = _bot(hash_retriever, llm).ask("Mit welchem Land wurde der Kreis 2025 größer?")
    assert not a.refused and a.reason == "off_anchor", a.notes
    assert "2025 mit Dänemark" in a.text and "2025" in a.citations[0].quote


def test_answer_naming_part_of_a_list_falls_back(hash_retriever: HybridRetriever) -> None:
    llm = FakeLLM(["Japan, Südkorea und Neuseeland [1]."])
    a = _bot(hash_retriever, llm).ask("Welche Indo-Pazifik-Partner nahmen am Gipfel teil?")
    assert a.reason == "list_incomplete" and any("left out Australien" in n for n in a.notes), a.notes
    assert "Australien, Japan, Südkorea und Neuseeland" in a.text


def test_a_complete_list_is_kept(hash_retriever: HybridRetriever) -> None:
    llm = FakeLLM(["Australien, Japan, Südkorea und Neuseeland nahmen teil [1]."])
    a = _bot(hash_retriever, llm).ask("Welche Indo-Pazifik-Partner nahmen am Gipfel teil?")
    assert a.text.startswith("Australien, Japan") and a.reason == ""


def test_repeating_the_previous_answer_falls_back(hash_retriever: HybridRetriever) -> None:
    said = "Die Pressemitteilung hat Lara Finke verfasst [1]."
    bot = _bot(hash_retriever, FakeLLM([said]))
    a = bot.ask("Für welches Ministerium arbeitet sie?", history=[("Wer hat die Pressemitteilung verfasst?", said)])
    assert a.reason == "repeats_conversation", a.notes
    assert a.text.startswith("Laut Text:")


def test_an_answer_without_the_asked_sum_falls_back(hash_retriever: HybridRetriever) -> None:
    llm = FakeLLM(["Deutschland geht mit der Erhöhung des Verteidigungshaushaltes voran [1]."])
    a = _bot(hash_retriever, llm).ask("Wie viel Geld umfasst der Verteidigungshaushalt 2026?")
    assert a.reason == "kind_missing", a.notes
    assert "124" in a.text and a.citations


def test_an_answer_built_from_earlier_questions_falls_back(hash_retriever: HybridRetriever) -> None:
    history = [("Wie viel sagten die Alliierten der Ukraine für 2026 zu?", "70 Milliarden Euro [1].")]
    bot = _bot(hash_retriever, FakeLLM(["Die Alliierten haben diese Zusage initiiert [1]."]))
    a = bot.ask("Wer hat diese Zusage initiiert?", history=history)
    assert a.reason == "repeats_conversation", a.notes


# -- the second opinion ------------------------------------------------------------------
BUDGET_Q = "Wie hoch ist der Verteidigungshaushalt 2026?"
BUDGET_A = "Der Verteidigungshaushalt steigt 2026 auf 124 Milliarden Euro [1]."


def test_an_answer_that_holds_when_asked_again_is_kept(hash_retriever: HybridRetriever) -> None:
    llm = FakeLLM([BUDGET_A], sampled=["2026 sind es 124 Milliarden Euro für die Verteidigung."])
    a = _bot(hash_retriever, llm).ask(BUDGET_Q)
    assert "124 Milliarden" in a.text and not a.text.startswith("Laut Text")
    assert llm.sampled_calls == llm.calls  # the same prompt, so llama.cpp reuses all of its KV cache
    assert any(n.startswith("second opinion:") for n in a.notes)
    assert 0 <= a.timings_ms["second_opinion"] <= a.timings_ms["total"]
    assert set(a.to_dict()["timings_ms"]) == {"retrieve", "first_token", "total"}  # the JSON shape is unchanged


def test_an_answer_that_changes_when_asked_again_falls_back(hash_retriever: HybridRetriever) -> None:
    llm = FakeLLM([BUDGET_A], sampled=["Der Haushalt wird durch Burden Shifting der Partner aufgestockt [1]."])
    a = _bot(hash_retriever, llm).ask(BUDGET_Q)
    assert a.text.startswith("Laut Text: „") and a.citations and a.reason == "unstable"
    # With the short fallback, the model answers once more from the best sentence alone, checked like any reply.
    short = _bot(
        hash_retriever, FakeLLM([BUDGET_A], sampled=["Burden Shifting [1]."]), **{"answer.short_fallback": True}
    ).ask(BUDGET_Q)
    assert short.reason == "unstable" and "124 Milliarden" in short.text and not short.text.startswith("Laut Text")
    assert any(n.startswith("short answer from the best sentence") for n in short.notes)
    kept = _bot(hash_retriever, FakeLLM([BUDGET_A], sampled=["Burden Shifting [1]."]), **{"answer.self_check": False})
    assert not kept.ask(BUDGET_Q).text.startswith("Laut Text")


def test_a_fallback_far_from_the_question_is_a_refusal(hash_retriever: HybridRetriever) -> None:
    shaky = ["Der Haushalt wird durch Burden Shifting der Partner aufgestockt [1]."]
    far = {"answer.fallback_min_cosine": 1.01, "answer.fallback_min_cosine_cross": 1.01}  # no sentence is that close
    a = _bot(hash_retriever, FakeLLM([BUDGET_A], sampled=shaky), **far).ask(BUDGET_Q)
    assert a.refused and a.reason == "fallback_off_topic" and not a.citations
    assert any(n.startswith("unstable:") for n in a.notes)  # the reply check that fell back is still told
    off = {**far, "answer.checks": tuple(c for c in load_settings(None).answer.checks if c != "on_topic")}
    assert _bot(hash_retriever, FakeLLM([BUDGET_A], sampled=shaky), **off).ask(BUDGET_Q).reason == "unstable"


def test_a_second_opinion_that_cannot_be_had_keeps_the_answer(hash_retriever: HybridRetriever) -> None:
    def down(messages: object) -> str:
        raise BackendError("The server went away.")

    a = _bot(hash_retriever, FakeLLM([BUDGET_A], sampled=down)).ask(BUDGET_Q)
    assert not a.text.startswith("Laut Text") and "124 Milliarden" in a.text
    assert any("no second opinion" in n for n in a.notes)


def test_an_answer_from_a_passage_without_the_asked_type_code_falls_back(hash_retriever: HybridRetriever) -> None:
    """Every fact of "mit Norwegen und Kanada [2]" is in passage 2, but that passage is about the Maritime
    Security Partnership: the question's P-8A is only in passage 1, whose sentence is quoted instead."""
    llm = FakeLLM(["Deutschland kooperiert mit Norwegen und Kanada [2]."])
    a = _bot(hash_retriever, llm).ask("Mit welchem Land will Deutschland beim Einsatz der P-8A kooperieren?")
    assert a.reason == "off_anchor", a.notes
    assert "P-8A" in a.citations[0].quote and "Norwegen" not in a.text


def test_type_codes_are_folded_and_numbers_are_not_codes() -> None:
    from assistant.answer.answerable import designations

    assert designations("P-8A, PAC-3-Flugabwehrraketen, MQ-4C, AIM-120C-8-AMRAAM") == {
        "p8a",
        "pac3",
        "mq4c",
        "aim120c8",
    }
    # Numbers, years, percentages and hyphenated words are not type codes.
    assert designations("2026 wurden 3,5-Prozent-Ziels und KI-Modelle vereinbart") == set()
