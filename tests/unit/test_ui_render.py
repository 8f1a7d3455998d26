"""The UI's HTML: escaping, highlighting, citation buttons, refusals, i18n.

Answers come from the real pipeline (hash-embedder index over the real
corpus, a scripted LLM), so the offsets the renderer maps are real ones.
"""

from __future__ import annotations

import re

import pytest

from assistant.answer.model import Answer
from assistant.chat import ChatSession
from assistant.config import load_settings
from assistant.indexing import load_corpus
from assistant.ingest.scan import relative
from assistant.llm.fake import FakeLLM
from assistant.retrieval.retriever import HybridRetriever
from assistant.service import Assistant
from assistant.types import Citation
from assistant.ui import render, transcript
from assistant.ui.corpus import safe_name
from assistant.ui.i18n import STRINGS, from_accept_language, t
from assistant.ui.session import Prefs, SessionState, Turn, settings_for

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


def _answer(retriever: HybridRetriever, reply: str, question: str) -> Answer:
    return Assistant(load_settings(None), retriever, FakeLLM([reply])).ask(question)


@pytest.fixture(scope="module")
def budget(hash_retriever: HybridRetriever) -> Answer:
    a = _answer(
        hash_retriever,
        "Der Verteidigungshaushalt steigt 2026 auf 124 Milliarden Euro [1].",
        "Wie hoch ist der Verteidigungshaushalt 2026?",
    )
    assert a.citations and not a.refused
    return a


def _no_markup_from(text: str, html: str) -> None:
    """None of the tags in ``text`` survives as a tag in ``html``."""
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html or "<script" not in text


def test_esc_escapes_markup_and_quotes() -> None:
    assert render.esc(EVIL) == (
        "&lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;"
    )


def test_only_http_urls_become_links() -> None:
    assert render.safe_url("https://www.bmvg.de/x") == "https://www.bmvg.de/x"
    for bad in ("javascript:alert(1)", "data:text/html,<b>", "//evil.example", "", None, 42):
        assert render.safe_url(bad) is None
    html = render.metadata_html("corpus/x.txt", {"title": EVIL, "url": "javascript:alert(1)"}, "de")
    _no_markup_from(EVIL, html)
    assert "href" not in html


def test_marked_merges_overlaps_and_gives_the_target_one_id() -> None:
    text = "ab <cd> ef gh"
    spans = [render.Span(0, 4), render.Span(3, 7, True), render.Span(8, 10, True)]
    html = render.marked(text, spans, target_id="t")
    assert html.count("<mark") == 2
    assert html.count('id="t"') == 1
    assert '<mark class="hl target" id="t">ab &lt;cd&gt;</mark>' in html
    assert html.endswith(" gh")
    # spans outside the text are clipped, empty ones dropped
    assert render.merge_spans([render.Span(-5, 2), render.Span(20, 30), render.Span(4, 4)], 10) == [render.Span(0, 2)]


def test_answer_markers_become_buttons_only_when_cited() -> None:
    html = transcript.answer_text_html("A [1] and B [7].\n<b>x</b>", 3, {1: 'Sec "tion"'})
    assert 'data-action="cite" data-turn="3" data-n="1"' in html
    assert 'title="Sec &quot;tion&quot;"' in html
    assert '<span class="cite-plain">[7]</span>' in html
    assert "<br>&lt;b&gt;x&lt;/b&gt;" in html


def test_sources_highlight_the_cited_sentence(budget: Answer, original_text: str) -> None:
    html = transcript.sources_html(budget, 0, "de")
    c = budget.citations[0]
    assert original_text[c.start : c.end] == c.quote
    marks = re.findall(r'<mark class="hl">(.*?)</mark>', html, re.S)
    assert marks, html
    # the highlighted clean sentence is the quoted original sentence, modulo whitespace repair
    assert " ".join(marks[0].split()) == " ".join(render.esc(c.quote).split())
    assert render.esc(c.section) in html and "Quellen" in html


def test_transcript_escapes_questions_answers_and_sources(budget: Answer) -> None:
    evil_cite = Citation(1, "x", "corpus/<evil>.txt", EVIL, 0, 5, EVIL)
    evil = Answer(EVIL, EVIL + " [1]", "de", False, (evil_cite,), (), "fake", "scripted")
    turns = [Turn(EVIL, answer=evil, status="done"), Turn("läuft", draft=EVIL, status="writing")]
    html = transcript.transcript_html(turns, "de")
    _no_markup_from(EVIL, html)
    assert html.count("&lt;script&gt;") >= 4
    assert 'class="draft"' in html


def test_turn_states(budget: Answer) -> None:
    assert "Warteschlange: Platz 2" in transcript.bot_html(Turn("q", status="queue", place=2), 0, "de")
    assert "Queue: position 1" in transcript.bot_html(Turn("q", status="queue", place=1), 0, "en")
    assert "Suche" in transcript.bot_html(Turn("q"), 0, "de")
    err = transcript.bot_html(Turn("q", error=EVIL, status="error"), 0, "en")
    assert 'class="error-box"' in err and "<script" not in err and "Traceback" not in err
    done = transcript.bot_html(Turn("q", answer=budget, status="done", seconds=1.5), 0, "de")
    assert 'class="feedback"' in done and "1.5 s" in done
    rated = transcript.bot_html(Turn("q", answer=budget, status="done", feedback="down"), 0, "en")
    assert "Thank you" in rated and "fb-comment" not in rated


def test_refusal_offers_closest_passages(hash_retriever: HybridRetriever) -> None:
    refused = _answer(hash_retriever, "NO_ANSWER", "Who will host the 2027 summit?")
    assert refused.refused and refused.passages
    html = transcript.bot_html(Turn(refused.question, answer=refused, status="done"), 2, "en")
    assert "Not answered by the text" in html and "You may be looking for" in html
    assert html.count('data-action="passage"') == min(3, len(refused.passages))
    assert 'data-turn="2" data-passage="0"' in html
    assert "Sources" not in html


def test_document_viewer_keeps_text_and_marks_target(original_text: str, budget: Answer) -> None:
    c = budget.citations[0]
    text = original_text + "\n\n" + EVIL
    html = render.document_html(
        c.source, text, {"title": "T", "url": "https://x.example/a"}, [], [(c.start, c.end)], "de"
    )
    _no_markup_from(EVIL, html)
    assert html.count(f'id="{render.TARGET_ID}"') == 1
    assert f'id="{render.TARGET_ID}">{render.esc(c.quote)}</mark>' in html
    assert "\n\n" in html  # newlines survive for <pre>
    assert 'href="https://x.example/a"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_every_string_is_translated() -> None:
    for key, entry in STRINGS.items():
        assert set(entry) == {"de", "en"}, key
        assert entry["de"].strip() and entry["en"].strip(), key
        assert re.findall(r"{\w+}", entry["de"]) == re.findall(r"{\w+}", entry["en"]), key
    assert t("queue", "xx", n=3) == "Warteschlange: Platz 3"  # unknown language: German


@pytest.mark.parametrize(
    ("header", "lang"),
    [("de-DE,de;q=0.9,en;q=0.8", "de"), ("en-US,en;q=0.9", "en"), ("fr-FR,en;q=0.5", "en"), ("", "de"), (None, "de")],
)
def test_interface_language_from_browser(header: str | None, lang: str) -> None:
    assert from_accept_language(header) == lang


def test_session_settings_map_backends() -> None:
    base = load_settings(None)
    s = settings_for(base, Prefs(backend="local-0.5b", passages=6, answer_lang="en"))
    assert (s.llm.backend, s.llm.model) == ("llamacpp", base.models.fast_llm)
    assert s.answer.passages == 6 and s.retrieval.top_k >= 6 and s.answer.language == "en"
    assert settings_for(base, Prefs(backend="local-1.5b")).llm.model == base.models.llm
    o = settings_for(base, Prefs(backend="ollama", ollama_url="http://h:1", ollama_model="m"))
    assert (o.llm.backend, o.llm.url, o.llm.model) == ("ollama", "http://h:1", "m")
    assert settings_for(base, Prefs(backend="nonsense")).llm.backend == "extractive"
    assert base.llm.backend == load_settings(None).llm.backend  # the server's settings are untouched


def test_session_history_is_per_session_and_bounded(budget: Answer, hash_retriever: HybridRetriever) -> None:
    a, b = SessionState(), SessionState()
    a.turns += [Turn(f"q{i}", answer=budget) for i in range(9)] + [Turn("failed", error="x")]
    chat = ChatSession(Assistant(load_settings(None), hash_retriever, FakeLLM()))
    for _ in range(9):
        chat.remember(budget)
    assert len(a.history()) == len(chat.history) == 6 and b.history() == []  # the web UI keeps what `chat` keeps
    a.reset()
    assert a.history() == [] and a.viewer.source == ""


def test_upload_names_are_made_harmless() -> None:
    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("..\\..\\boot.ini.TXT") == "boot.ini.txt"
    assert safe_name(".hidden.md") == "hidden.md"
    assert safe_name("Gipfel Notiz (final) <b>.pdf") == "Gipfel-Notiz-final-b.pdf"
    assert safe_name("ümlaut-ß.html") == "ümlaut-ß.html"
    assert safe_name("...") == "document"


def test_sources_match_the_indexer() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    settings = load_settings(None, **{"paths.root": str(root)})
    docs = load_corpus(settings.corpus_dir, root)
    paths = sorted(settings.corpus_dir.glob("*.txt"))
    assert sorted(d.source for d in docs) == sorted(relative(p, root) for p in paths)
