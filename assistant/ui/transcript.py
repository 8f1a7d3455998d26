"""HTML for the conversation: answers with citation buttons, their sources, refusals, feedback.

Split from :mod:`assistant.ui.render` because this is where the answer's
structure (markers, citations, offered passages) meets the markup; the
escaping rules are the same and come from there. Clicks on the buttons
made here reach Python as custom events whose data holds only the
integers rendered into ``data-*`` attributes (see
:mod:`assistant.ui.events`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from assistant.answer.model import Answer
from assistant.types import Chunk, Citation
from assistant.ui.i18n import t
from assistant.ui.render import Span, esc, marked
from assistant.ui.session import Turn

MARKER = re.compile(r"\[(\d{1,3})\]")
SNIPPET_CHARS = 220
# A thumbs-up icon (Material Icons, Apache-2.0) as inline SVG: emoji fonts are missing on many
# servers and kiosks, and the icon is a constant, never built from input. Thumbs-down rotates it.
THUMB = (
    '<svg class="thumb" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" '
    'd="M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 '
    '7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z"/></svg>'
)


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
