"""👍/👎 feedback: stored as JSON Lines, exported as eval cases.

Feedback is only worth collecting if it flows back into the evals, so
each record keeps everything an eval case needs (question, answer,
citations with their exact quotes, the conversation before it) plus what
produced it (backend, model). :func:`export_feedback` turns 👍 answers
into cases in the format of ``evals/README.md`` (the answer becomes the
``reference``, its key facts the ``accept`` strings, its citation quotes
the ``gold_quotes``) and 👎 answers into cases flagged for review, which
carry an extra ``review`` field so that the eval loader rejects them
until a person has written the correct answer.

The log is append-only (one ``write`` per record, under a lock), so
concurrent sessions cannot interleave lines; rating the same answer again
appends a new record, and the export keeps the latest one.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from assistant.answer.facts import NameBook
from assistant.answer.lang import detect_language
from assistant.answer.model import Answer
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.evaluation.evalset import EvalCase, Turn, case_to_dict, load_evalset
from assistant.evaluation.normalize import contains_normalized, normalize

FEEDBACK_FILE = "feedback.jsonl"
RATINGS = ("up", "down")
MAX_COMMENT = 1000
MAX_ACCEPT = 4
_MARKER = re.compile(r"\s*\[\d{1,3}\]")
_WORD = re.compile(r"[\w-]+")
_CONNECTORS = frozenset({"für", "fur", "von", "der", "des", "of", "the", "for"})
_NUMBER = re.compile(
    r"\d+(?:[.,]\d+)*(?:\s*%|[\s-](?:Milliarden|Millionen|Mrd\.?|Mio\.?|Prozent|billion|million|percent|per cent"
    r"|Euro|euros?|US-Dollar|Dollar|dollars?|Kilometer|km|Jahre|years|Tonnen|tonnes))?",
    re.IGNORECASE,
)


def feedback_path(settings: Settings) -> Path:
    return settings.data_dir / FEEDBACK_FILE


def _turn_record(question: str, answer: Answer) -> dict[str, Any]:
    return {
        "question": question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [c.to_dict() for c in answer.citations],
    }


class FeedbackStore:
    """Appends feedback records to ``feedback.jsonl`` (thread-safe within the process)."""

    _locks: ClassVar[dict[Path, threading.Lock]] = {}
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = self._lock_for(path)

    @classmethod
    def _lock_for(cls, path: Path) -> threading.Lock:
        """The one lock for this file: each session has its own store, but they all append to the same log."""
        with cls._guard:
            return cls._locks.setdefault(path.resolve(), threading.Lock())

    def record(
        self,
        *,
        answer_id: str,
        answer: Answer,
        rating: str,
        comment: str = "",
        history: Sequence[tuple[str, Answer]] = (),
    ) -> dict[str, Any]:
        """Store one rating; ``history`` is the conversation before this answer."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        rec: dict[str, Any] = {
            "id": answer_id,
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "rating": rating,
            "comment": " ".join(comment.split())[:MAX_COMMENT],
            "question": answer.question,
            "answer": answer.text,
            "language": answer.language,
            "refused": answer.refused,
            "citations": [c.to_dict() for c in answer.citations],
            "backend": answer.backend,
            "model": answer.model,
            "retrieval_query": answer.retrieval_query,
            "history": [_turn_record(q, a) for q, a in history],
        }
        line = json.dumps(rec, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        return rec


def read_feedback(path: Path) -> list[dict[str, Any]]:
    """Every record, the latest rating per answer id, in the order answers were first rated."""
    latest: dict[str, dict[str, Any]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue  # a torn last line after a crash must not block the export
        if isinstance(rec, dict) and rec.get("rating") in RATINGS and rec.get("question"):
            key = str(rec.get("id") or len(latest))
            if key in latest:
                latest[key].update(rec)
            else:
                latest[key] = rec
    return list(latest.values())


# -- export -----------------------------------------------------------------------
def strip_markers(text: str) -> str:
    """The answer as a reference: without ``[n]`` markers, spacing repaired."""
    out = _MARKER.sub("", text)
    return re.sub(r"\s+([.,;:!?])", r"\1", out).strip()


def _is_code(word: str) -> bool:
    return bool(re.search(r"\d", word)) or sum(c.isupper() for c in word) >= 2


def _name_strings(text: str, quotes: Sequence[str]) -> list[str]:
    """Names and codes in ``text`` as written there ("Lara Finke", "Bundesministerium für Verteidigung", "PAC-3").

    A name is a run of capitalised words that the corpus uses as a name
    (see :mod:`assistant.answer.facts`), possibly joined by "für", "of" …;
    a single capitalised word counts only if it is a code, because every
    German noun is capitalised.
    """
    names = NameBook.from_texts([*quotes, text]).names
    found: list[str] = []
    run: list[re.Match[str]] = []

    def flush() -> None:
        while run and run[-1].group(0).lower() in _CONNECTORS:
            run.pop()
        if len(run) >= 2 or (len(run) == 1 and _is_code(run[0].group(0))):
            found.append(text[run[0].start() : run[-1].end()])
        run.clear()

    for m in _WORD.finditer(text):
        word = m.group(0)
        if (word[:1].isupper() and normalize(word) in names) or (run and word.lower() in _CONNECTORS):
            run.append(m)
        else:
            flush()
    flush()
    return found


def key_phrases(answer: str, question: str, quotes: Sequence[str] = ()) -> list[str]:
    """Short strings a correct answer must contain: numbers (with unit) and names, not already in the question."""
    text = strip_markers(answer)
    numbers = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    number_words = {w.lower() for n in numbers for w in _WORD.findall(n)}
    # "Milliarden Euro" is not a name when "124 Milliarden" is already a fact
    names = [n for n in _name_strings(text, quotes) if not number_words & {w.lower() for w in _WORD.findall(n)}]
    out: list[str] = []
    for p in numbers + names:
        if len(normalize(p)) < 2 or contains_normalized(question, p):
            continue
        if any(contains_normalized(q, p) for q in out):
            continue
        out = [q for q in out if not contains_normalized(p, q)]  # keep "124 Milliarden", drop "124"
        out.append(p)
    return out[:MAX_ACCEPT]


def _quotes(citations: Iterable[Mapping[str, Any]]) -> list[str]:
    # A gold quote lies inside one paragraph (evals/README.md), so one spanning a blank line is left out.
    quotes = [str(c.get("quote", "")) for c in citations]
    return list(dict.fromkeys(q for q in quotes if q.strip() and "\n\n" not in q.replace("\r\n", "\n")))


def _language(rec: Mapping[str, Any]) -> str:
    lang = str(rec.get("language") or "")
    return lang if lang in ("de", "en") else detect_language(str(rec["question"]))


def _turn(rec: Mapping[str, Any]) -> tuple[Turn, str]:
    """(eval turn, problem) for one answered question."""
    question, answer = str(rec["question"]), str(rec.get("answer", ""))
    if rec.get("refused"):
        return Turn(question, reference=answer), "refused"
    quotes = _quotes(rec.get("citations") or [])
    accept = key_phrases(answer, question, quotes)
    problem = "" if accept else "no numbers or names in the answer to turn into accept strings"
    return Turn(question, accept=tuple(accept), gold_quotes=tuple(quotes), reference=strip_markers(answer)), problem


def _source(rec: Mapping[str, Any]) -> str | None:
    sources = {str(c.get("source")) for c in rec.get("citations") or [] if c.get("source")}
    return sources.pop() if len(sources) == 1 else None


def _case(rec: Mapping[str, Any], case_id: str) -> tuple[EvalCase, str]:
    """The eval case for a record, and why it cannot be used as is ("" when it can)."""
    lang = _language(rec)
    history = list(rec.get("history") or [])
    built = [_turn(h) for h in history] + [_turn(rec)]
    turns = [tr for tr, _ in built]
    refused = bool(rec.get("refused"))
    problems = [p for _, p in built[:-1] if p]  # an earlier refusal cannot anchor a follow-up
    last_problem = built[-1][1]
    if last_problem and last_problem != "refused":
        problems.append(last_problem)
    first = turns[0]
    if refused and not history:
        case = EvalCase(case_id, first.question, lang, False, reference=first.reference, source=_source(rec))
    else:
        case = EvalCase(
            id=case_id,
            question=first.question,
            lang=lang,
            answerable=not refused,
            reference=first.reference,
            accept=first.accept,
            accept_all=first.accept_all,
            gold_quotes=first.gold_quotes,
            source=_source(rec),
            turns=tuple(turns) if history else (),
        )
        if refused:
            problems.append("a follow-up that was refused: decide whether the text answers it")
    return case, "; ".join(problems)


def _review_item(rec: Mapping[str, Any], case: EvalCase, reason: str) -> dict[str, Any]:
    lang = _language(rec)
    item = case_to_dict(case)
    item["id"] = f"{lang}-feedback-review-{str(rec.get('id', ''))[:8]}"
    if rec.get("rating") == "down":
        # A wrong answer is no reference and its citations are no gold: a person fills these in.
        item.update(reference="", accept=[], accept_all=[], gold_quotes=[])
        item.pop("turns", None)
    item["review"] = {
        "reason": reason,
        "rating": rec.get("rating"),
        "comment": rec.get("comment", ""),
        "model_answer": rec.get("answer", ""),
        "refused": bool(rec.get("refused")),
        "citations": rec.get("citations", []),
        "history": rec.get("history", []),
        "backend": rec.get("backend"),
        "model": rec.get("model"),
        "timestamp": rec.get("timestamp"),
    }
    return item


def export_feedback(path: Path) -> list[dict[str, Any]]:
    """Turn the feedback log at ``path`` into eval-case dicts.

    👍 answers become cases in the eval-set format (refusals become
    unanswerable cases); 👎 answers, and 👍 answers that cannot be scored
    automatically, become review items: the same fields plus ``review``.
    """
    out: list[dict[str, Any]] = []
    for rec in read_feedback(path):
        lang = _language(rec)
        case, problem = _case(rec, f"{lang}-feedback-{str(rec.get('id', ''))[:8]}")
        if rec["rating"] == "down":
            reason = "rated not helpful" + (f": {rec['comment']}" if rec.get("comment") else "")
            out.append(_review_item(rec, case, reason))
        elif problem:
            out.append(_review_item(rec, case, problem))
        else:
            out.append(case_to_dict(case))
    return out


def _write_jsonl(path: Path, items: Sequence[Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    os.replace(tmp, path)


def review_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.stem + ".review.jsonl")


def cli_export(settings: Settings, out_path: Path) -> int:
    """``assistant feedback export``: write eval cases and review items; 0 when the cases load cleanly."""
    src = feedback_path(settings)
    items = export_feedback(src)
    if not items:
        print(f"No feedback recorded yet in {src}; nothing to export.")
        return 0
    cases = [i for i in items if "review" not in i]
    reviews = [i for i in items if "review" in i]
    _write_jsonl(out_path, cases)
    _write_jsonl(review_path(out_path), reviews)
    print(f"{len(cases)} eval case(s) -> {out_path}")
    print(f"{len(reviews)} case(s) to review -> {review_path(out_path)}")
    texts: dict[str, str] | None
    try:
        from assistant.indexing import load_corpus

        texts = {d.source: d.text for d in load_corpus(settings.corpus_dir, settings.root)}
    except AssistantError:
        texts = None  # no corpus here: check the format only
    _, issues = load_evalset(out_path, texts)
    for issue in issues:
        print(f"warning: {out_path}: {issue}", file=sys.stderr)
    return 1 if issues else 0
