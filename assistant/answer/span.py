"""A fallback's answer as the words of its sentence that answer the question, the sentence as its citation.

Why a span and not the sentence: "According to the text: „…“" hands the
reader a whole paragraph of the source to read, in the source's language.
Why a span and not the model's own words: asked to answer once more from
the best sentence alone, the 1.5B model was right for 17 of 39 XQuAD
fallbacks where the quote was right for 17 of 18, and restating the
sentence in the question's language cost 0.1 of accuracy. Copying is what
a small model does best, and a copy can be checked exactly: the reply must
stand word for word in the sentence, or the quote stays.
"""

from __future__ import annotations

import re
import time

from assistant.answer.citations import restates_question, strip_markers
from assistant.answer.passages import Passage
from assistant.answer.policy import Draft
from assistant.answer.prompt import is_refusal
from assistant.answer.yesno import is_yes_no
from assistant.errors import BackendError
from assistant.llm.base import LLM, Message, complete
from assistant.text.pack import light_fold

SPAN_PROMPT = (
    "You find the answer to a question in one numbered passage.\n"
    "Rules: reply with the shortest words copied exactly from the passage that answer the question, and nothing "
    "else: no sentence, no explanation, no translation. Copy names, numbers and dates exactly. If the passage "
    "does not answer the question, reply only: NO_ANSWER\n\n"
    # A recipe, so that no word of the examples fits a real document (see points.POINT_PROMPT).
    "Example:\n"
    "Passage:\n[2] Für den Teig braucht man 200 Gramm Mehl, zwei Eier und eine Prise Salz.\n"
    "Question: How much flour does the dough need?\n"
    "Answer: 200 Gramm Mehl\n\n"
    "Passage:\n[1] Der Kuchen backt bei 180 Grad etwa 40 Minuten im Ofen, bis er goldbraun ist.\n"
    "Question: Wie lange backt der Kuchen?\n"
    "Answer: etwa 40 Minuten\n\n"
    "Passage:\n[1] Der Kuchen backt bei 180 Grad etwa 40 Minuten im Ofen.\n"
    "Question: Wer hat den Kuchen erfunden?\n"
    "Answer: NO_ANSWER"
)
_LABEL = re.compile(r"^(?:answer|antwort)\s*:\s*", re.IGNORECASE)
_EDGES = " \t\n.,;:!?\"'„“”«»()[]"
# A span this long, against its sentence, is the sentence again: quoting it is the honest answer.
MOST_OF_SENTENCE = 0.8


def span_messages(n: int, sentence: str, question: str) -> list[Message]:
    """The prompt: the sentence as passage ``n`` and the question; the system prompt is fixed (KV cache)."""
    return [Message("system", SPAN_PROMPT), Message("user", f"Passage:\n[{n}] {sentence}\nQuestion: {question}")]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", light_fold(text))


def _inside(part: list[str], whole: list[str]) -> bool:
    """Is ``part`` a run of whole words of ``whole``?"""
    n = len(part)
    return any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def checked_span(reply: str, sentence: str, question: str) -> str | None:
    """The reply as a span of ``sentence``, or None when it is not one that answers.

    It must stand in the sentence as a run of its words (case, accents and punctuation aside),
    be shorter than most of it, and add something to the question: "die
    Burg Hohenfels" for "Wann wurde die Burg Hohenfels erbaut?" is a copy
    and says nothing.
    """
    span = strip_markers(_LABEL.sub("", reply.strip().splitlines()[0] if reply.strip() else "")).strip(_EDGES)
    if not span or is_refusal(span) or not re.search(r"\w", span):
        return None
    words, whole = _words(span), _words(sentence)
    if not words or not _inside(words, whole) or len(words) > MOST_OF_SENTENCE * len(whole):
        return None
    if restates_question(span, question):
        return None
    return span


def copy_span(llm: LLM, draft: Draft, focus: Passage) -> str | None:
    """The model's checked copy of the words of ``focus`` that answer ``draft``'s question, or None (a yes/no
    question, a failed call, or a reply that is no answering span); the draft's notes and timings say which."""
    if is_yes_no(draft.question, draft.language):  # a copied span answers no yes/no question
        return None
    t = time.perf_counter()
    try:
        reply = complete(llm, span_messages(focus.n, focus.text, draft.question), max_tokens=48)
    except BackendError as err:
        draft.notes.append(f"no span ({err})")
        return None
    finally:
        draft.timings["span"] = (time.perf_counter() - t) * 1000
    span = checked_span(reply, focus.text, draft.question)
    if span is None:
        draft.notes.append(f"span {reply.strip()!r} is not an answering part of the sentence")
        return None
    draft.notes.append(f"span of the best sentence: {span}")
    return span
