"""Loading and validating the hand-written JSONL eval set.

The eval set is edited by hand, so it will contain typos.  One broken line
must not hide the other hundred cases, and a broken line must be easy to
find: every problem becomes an :class:`EvalIssue` carrying its 1-based line
number, the bad case is skipped, and loading carries on.  Only a file that
cannot be read at all raises :class:`~assistant.errors.EvalSetError`.

Gold quotes are checked byte-exactly against the corpus because they are
used to score citations; a quote that drifted from the source would make a
correct citation look wrong.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import EvalSetError

LANGS = frozenset({"de", "en"})
_REQUIRED = ("id", "question", "lang", "answerable")
_OPTIONAL = ("reference", "accept", "accept_all", "gold_quotes", "source", "section", "turns", "form", "points")
FORMS = frozenset({"fact", "list", "summary", "comparison", "explanation", "multi"})
_TURN_KEYS = frozenset({"question", "reference", "accept", "accept_all", "gold_quotes"})


@dataclass(frozen=True)
class Turn:
    """One question of a multi-turn conversation, scored on its own.

    ``reference`` is optional in the file; it lets follow-up answers be
    sanity-checked and F1-scored like single-turn cases.
    """

    question: str
    accept: tuple[str, ...] = ()
    accept_all: tuple[tuple[str, ...], ...] = ()
    gold_quotes: tuple[str, ...] = ()
    reference: str = ""
    points: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class EvalCase:
    """One gold case; ``line`` points back into the file for error reports."""

    id: str
    question: str
    lang: str
    answerable: bool
    reference: str = ""
    accept: tuple[str, ...] = ()
    accept_all: tuple[tuple[str, ...], ...] = ()
    gold_quotes: tuple[str, ...] = ()
    source: str | None = None
    turns: tuple[Turn, ...] = ()
    line: int = 0
    section: str = ""  # the heading of the part of ``source`` that answers it (large documents), for people
    form: str = "fact"  # an open question's form (assistant.answer.forms), for the report's breakdown
    points: tuple[tuple[str, ...], ...] = ()  # an open question's key points: accepted strings, one group each

    @property
    def is_multi_turn(self) -> bool:
        return bool(self.turns)

    def as_turns(self) -> tuple[Turn, ...]:
        """The questions to ask, in order.

        Why: lets the runner treat single- and multi-turn cases alike.
        """
        if self.turns:
            return self.turns
        return (Turn(self.question, self.accept, self.accept_all, self.gold_quotes, self.reference, self.points),)


@dataclass(frozen=True)
class EvalIssue:
    """A problem with one line; the case on that line was skipped."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class _Invalid(Exception):
    """Internal: aborts parsing of one line with a user-facing message."""


def _str(obj: Mapping[str, Any], key: str, *, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise _Invalid(f"field '{key}' must be a string")
    return value


def _str_list(obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = obj.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"field '{key}' must be a list of strings")
    return tuple(value)


def _groups(obj: Mapping[str, Any], key: str) -> tuple[tuple[str, ...], ...]:
    value = obj.get(key, [])
    ok = isinstance(value, list) and all(
        isinstance(g, list) and g and all(isinstance(s, str) for s in g) for g in value
    )
    if not ok:
        raise _Invalid(f"field '{key}' must be a list of non-empty lists of strings")
    return tuple(tuple(g) for g in value)


def _turn(raw: object, n: int) -> Turn:
    if not isinstance(raw, dict):
        raise _Invalid(f"turn {n} must be an object")
    unknown = sorted(set(raw) - _TURN_KEYS)
    if unknown:
        raise _Invalid(f"turn {n}: unknown field(s) {', '.join(unknown)}")
    if not isinstance(raw.get("question"), str) or not raw["question"].strip():
        raise _Invalid(f"turn {n}: 'question' must be a non-empty string")
    return Turn(
        question=raw["question"],
        accept=_str_list(raw, "accept"),
        accept_all=_groups(raw, "accept_all"),
        gold_quotes=_str_list(raw, "gold_quotes"),
        reference=_str(raw, "reference", default=""),
    )


def _turns(obj: Mapping[str, Any]) -> tuple[Turn, ...]:
    raw = obj.get("turns", [])
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _Invalid("field 'turns' must be a list")
    if len(raw) == 1:
        raise _Invalid("field 'turns' needs at least 2 turns (or none)")
    return tuple(_turn(t, i) for i, t in enumerate(raw, start=1))


def _parse(obj: object, line: int) -> EvalCase:
    if not isinstance(obj, dict):
        raise _Invalid("a case must be a JSON object")
    missing = [k for k in _REQUIRED if k not in obj]
    if missing:
        raise _Invalid(f"missing required field(s) {', '.join(missing)}")
    unknown = sorted(set(obj) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise _Invalid(f"unknown field(s) {', '.join(unknown)} (typo?)")
    if not isinstance(obj["answerable"], bool):
        raise _Invalid("field 'answerable' must be true or false")
    source = obj.get("source")
    if source is not None and not isinstance(source, str):
        raise _Invalid("field 'source' must be a string")
    case = EvalCase(
        id=_str(obj, "id").strip(),
        question=_str(obj, "question"),
        lang=_str(obj, "lang"),
        answerable=obj["answerable"],
        reference=_str(obj, "reference", default=""),
        accept=_str_list(obj, "accept"),
        accept_all=_groups(obj, "accept_all"),
        gold_quotes=_str_list(obj, "gold_quotes"),
        source=source,
        turns=_turns(obj),
        line=line,
        section=_str(obj, "section", default=""),
        form=_str(obj, "form", default="fact"),
        points=_groups(obj, "points"),
    )
    _check_consistency(case)
    return case


def _check_consistency(case: EvalCase) -> None:
    if not case.id:
        raise _Invalid("field 'id' must not be empty")
    if not case.question.strip():
        raise _Invalid("field 'question' must not be empty")
    if case.lang not in LANGS:
        raise _Invalid(f"lang '{case.lang}' is not one of {', '.join(sorted(LANGS))}")
    if case.turns and case.turns[0].question != case.question:
        raise _Invalid("'question' must equal the first turn's question")
    if not case.answerable and (case.accept or case.accept_all or case.gold_quotes or case.points):
        raise _Invalid("an unanswerable case must have empty accept, accept_all, points and gold_quotes")
    if case.form not in FORMS:
        raise _Invalid(f"form '{case.form}' is not one of {', '.join(sorted(FORMS))}")
    if case.points and case.turns:
        raise _Invalid("'points' is for single-turn cases")


def _check_quotes(case: EvalCase, corpus_texts: Mapping[str, str]) -> None:
    if case.source is not None:
        if case.source not in corpus_texts:
            raise _Invalid(f"unknown source '{case.source}'")
        texts: list[str] = [corpus_texts[case.source]]
    else:
        texts = list(corpus_texts.values())
    quotes = [q for turn in case.as_turns() for q in turn.gold_quotes]
    for quote in quotes:
        if not quote or not any(quote in text for text in texts):
            where = case.source or "any corpus text"
            raise _Invalid(f"{case.id}: gold quote not found verbatim in {where}: {quote[:60]!r}")


def load_evalset(path: Path, corpus_texts: Mapping[str, str] | None = None) -> tuple[list[EvalCase], list[EvalIssue]]:
    """Load every valid case from a JSONL eval file and report the rest.

    ``corpus_texts`` maps a source path (as written in ``source``) to that
    file's text; when given, gold quotes are verified against it.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise EvalSetError(f"eval set not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read eval set {path}: {exc}") from exc

    cases: list[EvalCase] = []
    issues: list[EvalIssue] = []
    seen: dict[str, int] = {}
    for lineno, raw_line in enumerate(text.split("\n"), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _Invalid(f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
            case = _parse(obj, lineno)
            if case.id in seen:
                raise _Invalid(f"duplicate id '{case.id}' (first on line {seen[case.id]})")
            if corpus_texts is not None:
                _check_quotes(case, corpus_texts)
        except _Invalid as exc:
            issues.append(EvalIssue(lineno, str(exc)))
            continue
        seen[case.id] = lineno
        cases.append(case)
    return cases, issues


def _turn_to_dict(turn: Turn) -> dict[str, Any]:
    out: dict[str, Any] = {"question": turn.question}
    if turn.reference:
        out["reference"] = turn.reference
    out["accept"] = list(turn.accept)
    out["accept_all"] = [list(g) for g in turn.accept_all]
    out["gold_quotes"] = list(turn.gold_quotes)
    return out


def case_to_dict(case: EvalCase) -> dict[str, Any]:
    """The JSON object for ``case``, in file field order.

    Why: exporters write cases back with ``json.dumps(..., ensure_ascii=False)``
    and the result must load again unchanged (``line`` is not stored).
    """
    out: dict[str, Any] = {
        "id": case.id,
        "question": case.question,
        "lang": case.lang,
        "answerable": case.answerable,
        "reference": case.reference,
        "accept": list(case.accept),
        "accept_all": [list(g) for g in case.accept_all],
        "gold_quotes": list(case.gold_quotes),
    }
    if case.source is not None:
        out["source"] = case.source
    if case.section:
        out["section"] = case.section
    if case.form != "fact":
        out["form"] = case.form
    if case.points:
        out["points"] = [list(g) for g in case.points]
    if case.turns:
        out["turns"] = [_turn_to_dict(t) for t in case.turns]
    return out
