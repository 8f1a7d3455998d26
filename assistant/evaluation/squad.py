"""SQuAD v1.1 files (XQuAD) as a retrieval benchmark: paragraphs and questions.

XQuAD gives the same paragraphs and questions in several languages, with
one shared question id.  Indexing the German paragraphs and asking the
German questions measures monolingual retrieval; asking the English
questions (taken from the parallel file by id) over the same German
paragraphs measures cross-lingual retrieval.  A question's gold passage is
the paragraph it belongs to, recorded as the ``source`` of that paragraph's
``Document``, so a hit is any retrieved chunk with that source.

The data is read at run time from wherever it lies (``../shared/data/xquad``
in this project); it is never copied into the repository.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import EvalSetError
from assistant.types import Document


@dataclass(frozen=True)
class SquadQuestion:
    """One question with its gold answers and the paragraph that holds them.

    ``doc_source`` equals the ``source`` of the paragraph's ``Document`` and
    of every chunk cut from it, which is what retrieval is scored against.
    """

    id: str
    question: str
    answers: tuple[str, ...]
    doc_source: str
    lang: str


@dataclass(frozen=True)
class SquadSet:
    """Paragraphs, questions and the ids that could not be translated.

    ``skipped`` lists question ids absent from the parallel file; they are
    left out rather than silently asked in the wrong language.
    """

    documents: list[Document]
    questions: list[SquadQuestion]
    skipped: tuple[str, ...] = ()


def read(path: Path) -> list[Any]:
    """The ``data`` list of a SQuAD file, or an ``EvalSetError`` naming the file."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise EvalSetError(f"SQuAD file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalSetError(f"cannot read SQuAD file {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    data = raw.get("data") if isinstance(raw, dict) else None
    if not isinstance(data, list):
        raise EvalSetError(f"{path}: not a SQuAD v1.1 file (no top-level 'data' list)")
    return data


def field(obj: Any, key: str, kind: type, where: str) -> Any:
    """``obj[key]`` if it is a ``kind``, else an ``EvalSetError`` saying ``where``.

    Public because every reader of SQuAD-shaped files (``general`` too)
    should fail on a malformed file with the same message, naming the spot.
    """
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind):
        raise EvalSetError(f"{where}: field '{key}' must be a {kind.__name__}")
    return value


def _question_texts(path: Path) -> dict[str, str]:
    """Question id -> question text, from a parallel file."""
    texts: dict[str, str] = {}
    for a, article in enumerate(read(path)):
        for p, para in enumerate(field(article, "paragraphs", list, f"{path.name} article {a}")):
            for qa in field(para, "qas", list, f"{path.name} article {a} paragraph {p}"):
                where = f"{path.name} article {a} paragraph {p}"
                texts[field(qa, "id", str, where)] = field(qa, "question", str, where)
    return texts


def load_squad(
    path: Path,
    lang: str,
    questions_from: Path | None = None,
    limit: int | None = None,
    *,
    questions_lang: str | None = None,
) -> SquadSet:
    """Paragraphs of ``path`` as Documents in ``lang``, plus their questions.

    With ``questions_from``, each question's text is taken from that
    parallel file, matched by id; paragraphs and answers still come from
    ``path``, because the answers must be spans of the indexed text.  The
    questions' language is ``questions_lang``, or else read from the
    parallel file's name (``xquad.en.dev.json`` -> ``en``), or else
    ``lang``.  ``limit`` keeps the first ``limit`` paragraphs in file order
    with all their questions, so that a smoke run still scores every
    question against its complete gold paragraph.
    """
    data = read(path)
    parallel = _question_texts(questions_from) if questions_from is not None else None
    q_lang = questions_lang or (_lang_of(questions_from, lang) if questions_from is not None else lang)
    documents: list[Document] = []
    questions: list[SquadQuestion] = []
    skipped: list[str] = []
    for a, article in enumerate(data):
        title = field(article, "title", str, f"{path.name} article {a}")
        for p, para in enumerate(field(article, "paragraphs", list, f"{path.name} article {a}")):
            if limit is not None and len(documents) >= limit:
                return SquadSet(documents, questions, tuple(skipped))
            where = f"{path.name} article {a} paragraph {p}"
            source = f"{path.name}#{a}/{p}"
            context = field(para, "context", str, where)
            documents.append(
                Document(
                    doc_id=hashlib.sha1(source.encode()).hexdigest()[:12],
                    source=source,
                    text=context,
                    # Wikipedia titles use "_" for spaces; the chunker makes the
                    # title the section name, which BM25 and readers see.
                    metadata={"title": title.replace("_", " "), "language": lang},
                )
            )
            for qa in field(para, "qas", list, where):
                qid = field(qa, "id", str, where)
                text = field(qa, "question", str, where)
                if parallel is not None:
                    if qid not in parallel:
                        skipped.append(qid)
                        continue
                    text = parallel[qid]
                answers = tuple(
                    dict.fromkeys(field(ans, "text", str, where) for ans in field(qa, "answers", list, where))
                )
                questions.append(SquadQuestion(qid, text, answers, source, q_lang))
    return SquadSet(documents, questions, tuple(skipped))


def _lang_of(path: Path, default: str) -> str:
    """``xquad.en.dev.json`` -> ``en``: the first two-letter dotted name part."""
    for part in path.name.split(".")[1:-1]:
        if len(part) == 2 and part.isalpha():
            return part.lower()
    return default
