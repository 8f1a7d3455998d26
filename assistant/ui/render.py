"""HTML for the transcript, the sources, the document viewer and the tables.

Every string that comes from a document, an upload, a user or a model is
passed through :func:`esc` before it reaches ``gr.HTML``, which inserts
it with ``innerHTML``: a document containing ``<img onerror=…>`` would
otherwise run its script in every visitor's browser. Attributes carry
only integers we generated (``data-turn``, ``data-n``), and links only
``http(s)`` URLs, so nothing from the outside can become markup.

The functions are pure (state in, string out) so that the unit tests can
check the escaping and the highlighting without a browser.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from assistant.answer.model import Answer
from assistant.types import Chunk, Citation, Hit
from assistant.ui.i18n import ANSWER_LANG_KEYS, BACKEND_KEYS, t
from assistant.ui.session import Prefs, Turn

MARKER = re.compile(r"\[(\d{1,3})\]")
TARGET_ID = "viewer-target"
SNIPPET_CHARS = 220
# A thumbs-up icon (Material Icons, Apache-2.0) as inline SVG: emoji fonts are missing on many
# servers and kiosks, and the icon is a constant, never built from input. Thumbs-down rotates it.
THUMB = (
    '<svg class="thumb" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" '
    'd="M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 '
    '7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z"/></svg>'
)


def esc(value: object) -> str:
    """Text -> HTML text (quotes too, so the result is also safe inside attributes)."""
    return html.escape(str(value), quote=True)


def safe_url(url: object) -> str | None:
    """The URL if it is plain http(s), else None (``javascript:`` and friends never become links)."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    parsed = urlparse(u)
    return u if parsed.scheme in ("http", "https") and parsed.netloc else None


# -- marked text --------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    start: int
    end: int
    target: bool = False


def merge_spans(spans: Iterable[Span], length: int) -> list[Span]:
    """Clip to ``[0, length)``, drop empties, and merge overlaps (target if any part was)."""
    clipped = sorted(
        (Span(max(0, s.start), min(length, s.end), s.target) for s in spans if min(length, s.end) > max(0, s.start)),
        key=lambda s: (s.start, s.end),
    )
    out: list[Span] = []
    for s in clipped:
        if out and s.start <= out[-1].end:
            last = out[-1]
            out[-1] = Span(last.start, max(last.end, s.end), last.target or s.target)
        else:
            out.append(s)
    return out


def marked(text: str, spans: Iterable[Span], *, target_id: str | None = None) -> str:
    """``text`` escaped, with each span in ``<mark>``; the first target span gets ``target_id``."""
    out: list[str] = []
    pos = 0
    id_used = False
    for s in merge_spans(spans, len(text)):
        out.append(esc(text[pos : s.start]))
        attrs = ' class="hl target"' if s.target else ' class="hl"'
        if s.target and target_id and not id_used:
            attrs += f' id="{esc(target_id)}"'
            id_used = True
        out.append(f"<mark{attrs}>{esc(text[s.start : s.end])}</mark>")
        pos = s.end
    out.append(esc(text[pos:]))
    return "".join(out)


def cited_sentences(chunk: Chunk, spans: Sequence[tuple[int, int]]) -> list[Span]:
    """Spans in ``chunk.clean`` of the sentences that overlap cited original-file spans.

    Citations point into the original file (``chunk.start..chunk.end``),
    while the passage is shown as ``chunk.clean``; the chunk's sentence
    table maps one to the other.
    """
    out = []
    for cs, ce, os_, oe in chunk.sentence_spans():
        if any(os_ < end and start < oe for start, end in spans):
            out.append(Span(cs, ce))
    return out


def passage_html(chunk: Chunk, cites: Sequence[Citation]) -> str:
    """The chunk's clean text with the cited sentences highlighted."""
    spans = cited_sentences(chunk, [(c.start, c.end) for c in cites])
    if spans:
        return marked(chunk.clean, spans)
    # No sentence table match (should not happen): show the exact quotes.
    return " … ".join(f'<mark class="hl">{esc(c.quote)}</mark>' for c in cites)


# -- the answer -----------------------------------------------------------------
def _cite_button(turn: int, n: int, title: str = "") -> str:
    tip = f' title="{esc(title)}"' if title else ""
    return f'<button type="button" class="cite" data-action="cite" data-turn="{turn}" data-n="{n}"{tip}>[{n}]</button>'


def answer_text_html(text: str, turn: int, cited: Mapping[int, str]) -> str:
    """Escaped answer text; ``[n]`` markers with a citation become buttons that open the viewer."""
    out: list[str] = []
    pos = 0
    for m in MARKER.finditer(text):
        out.append(esc(text[pos : m.start()]))
        n = int(m.group(1))
        out.append(_cite_button(turn, n, cited[n]) if n in cited else f'<span class="cite-plain">[{n}]</span>')
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def group_citations(citations: Iterable[Citation]) -> dict[int, list[Citation]]:
    groups: dict[int, list[Citation]] = {}
    for c in sorted(citations, key=lambda c: (c.n, c.start)):
        groups.setdefault(c.n, []).append(c)
    return groups


def sources_html(answer: Answer, turn: int, lang: str) -> str:
    """Under an answer: each cited passage with its section title and the cited sentence marked."""
    groups = group_citations(answer.citations)
    if not groups:
        return ""
    hits = {h.chunk.chunk_id: h for h in answer.passages}
    items = []
    for n, cites in groups.items():
        hit = hits.get(cites[0].chunk_id)
        body = passage_html(hit.chunk, cites) if hit else passage_quotes(cites)
        items.append(
            f'<li class="source" data-n="{n}">'
            f'<div class="source-head">{_cite_button(turn, n)} <span class="section">{esc(cites[0].section)}</span>'
            f' <span class="src">{esc(cites[0].source)}</span></div>'
            f'<blockquote class="passage">{body}</blockquote>'
            f'<button type="button" class="link" data-action="cite" data-turn="{turn}" data-n="{n}">'
            f"{esc(t('open_in_viewer', lang))} →</button></li>"
        )
    title = f'<div class="sources-title">{esc(t("sources", lang))}</div>'
    return f'<div class="sources">{title}<ol>{"".join(items)}</ol></div>'


def passage_quotes(cites: Sequence[Citation]) -> str:
    return " … ".join(f'<mark class="hl">{esc(c.quote)}</mark>' for c in cites)


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def refusal_html(answer: Answer, turn: int, lang: str) -> str:
    """A refusal says so plainly and offers the closest passages instead of an answer."""
    parts = [
        f'<div class="refusal"><span class="badge">{esc(t("refused", lang))}</span> '
        f'<span class="refusal-text">{esc(answer.text)}</span></div>'
    ]
    if answer.passages:
        items = "".join(
            f'<li><button type="button" class="passage-link" data-action="passage" '
            f'data-turn="{turn}" data-passage="{i}">'
            f"{esc(h.chunk.section or h.chunk.source)}</button>"
            f'<div class="snippet">{esc(snippet(h.chunk.clean))}</div></li>'
            for i, h in enumerate(answer.passages[:3])
        )
        parts.append(f'<div class="maybe"><div class="maybe-title">{esc(t("maybe", lang))}</div><ul>{items}</ul></div>')
    return "".join(parts)


def _citation_titles(answer: Answer) -> dict[int, str]:
    return {n: cites[0].section for n, cites in group_citations(answer.citations).items()}


def _feedback_html(turn: Turn, index: int, lang: str) -> str:
    if turn.feedback:
        cls = "up" if turn.feedback == "up" else "down"
        return (
            f'<div class="feedback done"><span class="fb {cls}">{THUMB}</span> {esc(t("feedback_thanks", lang))}</div>'
        )
    return (
        f'<div class="feedback" data-turn="{index}"><span class="fb-prompt">{esc(t("feedback_prompt", lang))}</span>'
        f'<button type="button" class="fb up" data-action="feedback" data-rating="up" data-turn="{index}" '
        f'title="{esc(t("feedback_up", lang))}" aria-label="{esc(t("feedback_up", lang))}">{THUMB}</button>'
        f'<button type="button" class="fb down" data-action="feedback" data-rating="down" data-turn="{index}" '
        f'title="{esc(t("feedback_down", lang))}" aria-label="{esc(t("feedback_down", lang))}">{THUMB}</button>'
        f'<input type="text" class="fb-comment" maxlength="1000" placeholder="{esc(t("feedback_comment", lang))}">'
        "</div>"
    )


def _notes_html(answer: Answer, lang: str) -> str:
    if not answer.notes:
        return ""
    items = "".join(f"<li>{esc(n)}</li>" for n in answer.notes)
    return f'<details class="notes"><summary>{esc(t("notes", lang))}</summary><ul>{items}</ul></details>'


def _status_html(turn: Turn, lang: str) -> str:
    if turn.status == "queue":
        return f'<div class="status queue">⏳ {esc(t("queue", lang, n=turn.place))}</div>'
    if turn.status == "writing" and not turn.draft:
        return f'<div class="status">{esc(t("found_passages", lang, n=turn.passages_found))}</div>'
    if turn.status == "searching":
        return f'<div class="status">{esc(t("searching", lang))}</div>'
    return ""


def bot_html(turn: Turn, index: int, lang: str) -> str:
    """The assistant's side of one turn: status, streamed draft, or the checked answer."""
    if turn.error:
        return f'<div class="error-box"><b>{esc(t("error", lang))}:</b> {esc(turn.error)}</div>'
    a = turn.answer
    if a is None:
        draft = f'<div class="draft">{esc(turn.draft)}<span class="cursor">▍</span></div>' if turn.draft else ""
        return _status_html(turn, lang) + draft
    if a.refused:
        body = refusal_html(a, index, lang)
    else:
        body = (
            f'<div class="answer" lang="{esc(a.language)}">{answer_text_html(a.text, index, _citation_titles(a))}</div>'
        )
        body += sources_html(a, index, lang)
    meta = t("timing", lang, backend=a.backend, model=a.model, seconds=f"{turn.seconds:.1f}")
    return body + _notes_html(a, lang) + f'<div class="meta">{esc(meta)}</div>' + _feedback_html(turn, index, lang)


def transcript_html(turns: Sequence[Turn], lang: str) -> str:
    """The whole conversation (newest last)."""
    if not turns:
        return f'<div class="transcript empty"><p class="hint">{esc(t("empty_chat", lang))}</p></div>'
    rows = []
    for i, turn in enumerate(turns):
        state = "done" if turn.answer is not None or turn.error else "pending"
        rows.append(
            f'<div class="turn {state}" id="turn-{i}" data-turn="{i}">'
            f'<div class="msg user"><div class="who">{esc(t("you", lang))}</div>'
            f'<div class="bubble">{esc(turn.question)}</div></div>'
            f'<div class="msg bot"><div class="who">{esc(t("assistant", lang))}</div>'
            f'<div class="bubble">{bot_html(turn, i, lang)}</div></div></div>'
        )
    return f'<div class="transcript">{"".join(rows)}</div>'


# -- the document viewer ----------------------------------------------------------
META_FIELDS = (
    ("title", "meta_title"),
    ("author", "meta_author"),
    ("date", "meta_date"),
    ("publisher", "meta_publisher"),
)


def metadata_html(source: str, meta: Mapping[str, Any], lang: str) -> str:
    rows = [
        f"<tr><th>{esc(t(key, lang))}</th><td>{esc(meta[field])}</td></tr>"
        for field, key in META_FIELDS
        if meta.get(field) not in (None, "")
    ]
    url = safe_url(meta.get("url"))
    if url:
        rows.append(
            f'<tr><th>{esc(t("meta_url", lang))}</th><td><a href="{esc(url)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">{esc(url)}</a></td></tr>'
        )
    rows.append(f"<tr><th>{esc(t('meta_source', lang))}</th><td><code>{esc(source)}</code></td></tr>")
    return f'<table class="doc-meta">{"".join(rows)}</table>'


def document_html(
    source: str,
    text: str,
    meta: Mapping[str, Any],
    spans: Sequence[tuple[int, int]],
    target: Sequence[tuple[int, int]],
    lang: str,
) -> str:
    """The full original text, escaped, newlines kept, cited spans marked, the clicked one with an id."""
    marks = [Span(s, e) for s, e in spans] + [Span(s, e, True) for s, e in target]
    body = marked(text, marks, target_id=TARGET_ID)
    return (
        f'<div class="viewer">{metadata_html(source, meta, lang)}'
        f'<pre class="doc-text" data-source="{esc(source)}">{body}</pre></div>'
    )


def viewer_empty_html(lang: str) -> str:
    return f'<div class="viewer empty"><p class="hint">{esc(t("viewer_empty", lang))}</p></div>'


def passage_target(hit: Hit) -> tuple[int, int]:
    return (hit.chunk.start, hit.chunk.end)


# -- small boxes ------------------------------------------------------------------
def active_html(prefs: Prefs, lang: str) -> str:
    """One line under the question box: what will answer the next question."""
    backend = t(BACKEND_KEYS.get(prefs.backend, "backend_extractive"), lang)
    if prefs.backend == "ollama":
        backend += f" ({prefs.ollama_model} @ {prefs.ollama_url})"
    elif prefs.backend == "openai":
        backend += f" ({prefs.openai_model or '?'} @ {prefs.openai_url or '?'})"
    answer_lang = t(ANSWER_LANG_KEYS.get(prefs.answer_lang, "answer_auto"), lang)
    line = t("active", lang, backend=backend, n=prefs.passages, answer_lang=answer_lang)
    return f'<div class="active">{esc(line)}</div>'


def message_html(text: str, *, kind: str = "info") -> str:
    cls = "error-box" if kind == "error" else "info-box"
    return f'<div class="{cls}">{esc(text)}</div>'


def table_html(headers: Sequence[str], rows: Iterable[Sequence[object]], *, cls: str = "grid") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{esc(cls)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


CSS = """
.gradio-container { max-width: 1180px !important; margin: 0 auto; }
#app-title h1 { margin-bottom: 0; }
#app-title p { margin-top: 4px; color: var(--body-text-color-subdued); }
.transcript { display: flex; flex-direction: column; gap: 14px; padding: 4px; }
.transcript.empty .hint, .viewer.empty .hint { color: var(--body-text-color-subdued); font-style: italic; }
.turn { display: flex; flex-direction: column; gap: 6px; }
.msg { display: flex; flex-direction: column; max-width: 92%; }
.msg.user { align-self: flex-end; align-items: flex-end; }
.msg.bot { align-self: flex-start; }
.msg .who { font-size: 12px; color: var(--body-text-color-subdued); margin: 0 6px 2px; }
.msg .bubble { border-radius: 12px; padding: 10px 14px; line-height: 1.5; }
.msg.user .bubble { background: var(--color-accent-soft); }
.msg.bot .bubble { background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary); }
.status { color: var(--body-text-color-subdued); font-style: italic; }
.status.queue { color: #b45309; font-weight: 600; font-style: normal; }
.draft { white-space: pre-wrap; }
.cursor { animation: blink 1s steps(1) infinite; color: var(--color-accent); }
@keyframes blink { 50% { opacity: 0; } }
button.cite { border: none; background: var(--color-accent-soft); color: var(--color-accent); border-radius: 6px;
  padding: 0 4px; margin: 0 1px; font-weight: 600; cursor: pointer; font-size: 0.9em; }
button.cite:hover { background: var(--color-accent); color: white; }
.sources { margin-top: 10px; border-top: 1px solid var(--border-color-primary); padding-top: 8px; }
.sources-title, .maybe-title { font-weight: 600; font-size: 13px; margin-bottom: 4px; }
.sources ol { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 8px; }
.source-head .section { font-weight: 600; }
.source-head .src, .doc-meta code { color: var(--body-text-color-subdued); font-size: 12px; }
.transcript blockquote.passage { margin: 4px 0 2px 0 !important; padding: 6px 10px;
  border-left: 3px solid var(--color-accent);
  background: var(--background-fill-primary); font-size: 14px; color: var(--body-text-color); }
mark.hl { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
mark.hl.target { background: #fb923c; outline: 2px solid #ea580c; }
.sources li.source { margin: 0 !important; }
.source-head { margin-bottom: 2px; }
button.link, button.passage-link { border: none; background: none; color: var(--color-accent); cursor: pointer;
  padding: 0; font-size: 13px; text-decoration: underline; }
.refusal { padding: 6px 0; }
.refusal .badge { background: #fee2e2; color: #991b1b; border-radius: 6px; padding: 1px 8px; font-size: 12px;
  font-weight: 600; margin-right: 6px; }
.maybe { margin-top: 8px; }
.maybe ul { margin: 0; padding-left: 18px; }
.maybe .snippet { font-size: 13px; color: var(--body-text-color-subdued); }
.notes { margin-top: 6px; font-size: 12px; color: var(--body-text-color-subdued); }
.meta { margin-top: 6px; font-size: 11px; color: var(--body-text-color-subdued); }
.feedback { display: flex; align-items: center; gap: 6px; margin-top: 6px; font-size: 13px; flex-wrap: wrap; }
.fb.down .thumb { transform: rotate(180deg); }
.fb.up { color: #047857; }
.fb.down { color: #b91c1c; }
.feedback.done .fb { display: inline-flex; vertical-align: middle; }
.feedback button.fb { border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  border-radius: 8px; cursor: pointer; padding: 1px 8px; font-size: 15px; }
.feedback .fb-comment { flex: 1; min-width: 160px; font-size: 13px; padding: 3px 6px; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary); }
.feedback.done { color: #047857; }
.error-box { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; border-radius: 8px; padding: 8px 12px; }
.info-box { background: #ecfdf5; color: #065f46; border: 1px solid #a7f3d0; border-radius: 8px; padding: 8px 12px; }
.viewer table.doc-meta { border-collapse: collapse; margin-bottom: 10px; font-size: 14px; width: auto; }
.viewer table.doc-meta, .viewer table.doc-meta tr, .viewer table.doc-meta th, .viewer table.doc-meta td {
  border: none !important; background: none !important; }
.viewer table.doc-meta th, .viewer table.doc-meta td { padding: 1px 14px 1px 0 !important; }
.viewer .doc-meta th { text-align: left; padding: 2px 12px 2px 0; color: var(--body-text-color-subdued);
  font-weight: 500; }
pre.doc-text { position: relative; white-space: pre-wrap; word-wrap: break-word; font-family: inherit;
  font-size: 15px; line-height: 1.6;
  max-height: 58vh; overflow-y: auto; padding: 12px 16px; border: 1px solid var(--border-color-primary);
  border-radius: 8px; background: var(--background-fill-primary); margin: 0; }
table.grid, table.grid tr { border-collapse: collapse; width: 100%; font-size: 14px; border: none !important; }
table.grid th, table.grid td { border: none !important; border-bottom: 1px solid var(--border-color-primary) !important;
  padding: 4px 8px !important; text-align: left; background: none !important; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 8px 14px; min-width: 110px;
  background: var(--background-fill-secondary); }
.card .v { font-size: 22px; font-weight: 700; }
.card .k { font-size: 12px; color: var(--body-text-color-subdued); }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts svg { width: calc(50% - 8px); min-width: 340px; height: auto; overflow: visible; }
.examples-row button { font-size: 13px !important; }
.active { font-size: 12px; color: var(--body-text-color-subdued); padding: 6px 2px; }
"""
