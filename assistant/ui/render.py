"""HTML building blocks: escaping, marked text, the document viewer and small boxes.

Every string that comes from a document, an upload, a user or a model is
passed through :func:`esc` before it reaches ``gr.HTML``, which inserts
it with ``innerHTML``: a document containing ``<img onerror=…>`` would
otherwise run its script in every visitor's browser. Attributes carry
only integers we generated (``data-turn``, ``data-n``), and links only
``http(s)`` URLs, so nothing from the outside can become markup. The
conversation's HTML lives in :mod:`assistant.ui.transcript` and follows
the same rules.

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

from assistant.ui.i18n import ANSWER_LANG_KEYS, BACKEND_KEYS, t
from assistant.ui.session import Prefs

TARGET_ID = "viewer-target"


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


_MARKERS = re.compile(r"\s*\[\d+\]")


def document_html(
    source: str,
    text: str,
    meta: Mapping[str, Any],
    spans: Sequence[tuple[int, int]],
    target: Sequence[tuple[int, int]],
    lang: str,
    summary: Sequence[str] = (),
) -> str:
    """The full original text, escaped, newlines kept, cited spans marked, the clicked one with an id;
    the summary built with the index (its points, ``[n]`` markers stripped) above it."""
    marks = [Span(s, e) for s, e in spans] + [Span(s, e, True) for s, e in target]
    body = marked(text, marks, target_id=TARGET_ID)
    head = ""
    if summary:
        items = "".join(f"<li>{esc(_MARKERS.sub('', p).strip())}</li>" for p in summary)
        head = f'<div class="doc-summary"><h4>{esc(t("doc_summary", lang))}</h4><ul>{items}</ul></div>'
    return (
        f'<div class="viewer">{metadata_html(source, meta, lang)}{head}'
        f'<pre class="doc-text" data-source="{esc(source)}">{body}</pre></div>'
    )


def viewer_empty_html(lang: str) -> str:
    return f'<div class="viewer empty"><p class="hint">{esc(t("viewer_empty", lang))}</p></div>'


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
