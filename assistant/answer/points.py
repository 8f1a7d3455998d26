"""Multi-point answers: one short, cited, checked point per evidence sentence.

Why one prompt per point rather than one prompt for the whole list: given
the whole document, the 1.5B model loops ("Island, Norwegen, Kanada,
Deutschland, Island, …"), invents figures and denies what the text names
(measured for the open-questions issue). Given one sentence and the
question, it writes one short point about that sentence, or says that it
does not help. Each point is then checked like a fact answer (its numbers,
names and codes must stand in its cited sentence, ``check_claims``), so an
unsupported point is dropped and never shown, and points can be streamed
one by one as they pass. The system prompt is fixed, so llama.cpp reuses
its KV cache from one point to the next.

With no model (the extractive backend), the points are the evidence
sentences themselves, quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.citations import check_claims, citations_for, render, restates_question, strip_markers
from assistant.answer.coverage import Evidence
from assistant.answer.facts import NameBook
from assistant.answer.passages import Passage
from assistant.answer.prompt import is_refusal
from assistant.errors import BackendError
from assistant.llm.base import LLM, Message, complete
from assistant.text.analyzer import tokenize
from assistant.text.pack import pack
from assistant.types import Citation

POINT_PROMPT = (
    "You restate one numbered passage as one point of an answer.\n"
    "Rules: write one short sentence (at most 20 words), in the language asked for, that says what the passage "
    "states. Keep its names, numbers and dates exactly as written. Add nothing the passage does not say. End with "
    "the passage number in square brackets, like [2].\n\n"
    # A recipe, so that no word of the examples fits a real document: the 1.5B model copies example words
    # that fit ("die Investitionen der Stadt" from an example about a town).
    "Example:\n"
    "Passage:\n[2] Für den Teig braucht man 200 Gramm Mehl, zwei Eier und eine Prise Salz.\n"
    "Answer in English.\n"
    "Point: The dough needs 200 grams of flour, two eggs and a pinch of salt [2].\n\n"
    "Passage:\n[1] Der Kuchen backt bei 180 Grad etwa 40 Minuten im Ofen.\n"
    "Answer in German.\n"
    "Point: Der Kuchen backt 40 Minuten bei 180 Grad [1]."
)
_LABEL = re.compile(r"^(?:point|punkt|answer|antwort)\s*:\s*", re.IGNORECASE)
SAME_POINT = 0.8
# Least cosine of a point to the sentence it restates (EmbeddingGemma). On the summit open set the points
# below it were restated headings and sentences about something else; translations sit at 0.6-0.9.
MIN_SIMILARITY = 0.5  # a point whose words are this much in earlier points says nothing new


@dataclass(frozen=True)
class Point:
    """One shown point: its text with ``[n]`` markers, and the sentences it cites."""

    text: str
    citations: tuple[Citation, ...]
    quoted: bool = False  # the evidence sentence itself (no model, or the model's point failed)


def numbered(evidence: Sequence[Evidence]) -> list[Passage]:
    """One passage per evidence sentence; sentences of one chunk share its number, as fact answers cite it."""
    numbers: dict[str, int] = {}
    out: list[Passage] = []
    for e in evidence:
        n = numbers.setdefault(e.hit.chunk.chunk_id, len(numbers) + 1)
        out.append(Passage(n, e.hit, (e.index,), " ".join(e.text.split())))
    return out


def point_messages(passage: Passage, language: str) -> list[Message]:
    """The prompt for one point: the passage alone. Given the question too, the 1.5B model answers it from
    any passage ("Die Unternehmen, die im Text genannt sind, sind die maritimen Aufklärungsdrohnen") or
    restates it; the question's part is done already, by choosing the evidence. No section heading either:
    given one, it restates the heading ("Allianz bekennt sich zu fortgesetzter Unterstützung der Ukraine")."""
    user = f"Passage:\n[{passage.n}] {passage.text}\n\nAnswer in {pack(language).name}."
    return [Message("system", POINT_PROMPT), Message("user", user)]


def quoted_point(passage: Passage) -> Point:
    """The evidence sentence itself, quoted, as its own point."""
    chunk = passage.hit.chunk
    _, _, start, end = chunk.sentence_spans()[passage.sentence_ids[0]]
    quote = chunk.text[start - chunk.start : end - chunk.start]
    cite = Citation(passage.n, chunk.chunk_id, chunk.source, chunk.section, start, end, quote)
    return Point(f"„{passage.text}“ [{passage.n}]", (cite,), quoted=True)


class PointWriter:
    """Writes and checks the points of one open answer; ``notes`` say what was dropped and why."""

    def __init__(
        self,
        question: str,
        language: str,
        names: NameBook,
        *,
        llm: LLM | None,
        embed: Callable[[str], Sequence[float]],
        sentence_vectors: Mapping[str, np.ndarray],
        min_support: float,
        max_tokens: int = 72,
        min_similarity: float = MIN_SIMILARITY,
    ) -> None:
        self.question = question
        self.language = language
        self.names = names
        self.llm = llm
        self.embed = embed
        self.vectors = sentence_vectors
        self.min_support = min_support
        self.max_tokens = max_tokens
        self.min_similarity = min_similarity
        self.notes: list[str] = []
        self.declined = 0  # passages the model said do not help
        self._said: set[str] = set()

    def points(self, passages: Sequence[Passage]) -> Generator[Point, None, None]:
        """Each passage's point, in order, once it has passed its checks; a point that fails is left out."""
        for p in passages:
            point = self._point(p)
            if point is None:
                continue
            words = set(tokenize(point.text))
            if words and len(words & self._said) >= SAME_POINT * len(words):
                self.notes.append(f"left out a repeated point: {point.text!r}")
                continue
            self._said |= words
            yield point

    def _point(self, p: Passage) -> Point | None:
        if self.llm is None:
            return quoted_point(p)
        try:
            raw = complete(self.llm, point_messages(p, self.language), max_tokens=self.max_tokens)
        except BackendError as err:
            self.notes.append(f"point from [{p.n}] failed ({err}); quoted the sentence")
            return quoted_point(p)
        raw = _LABEL.sub("", " ".join(raw.split()))  # the model echoes the example's "Point:" label
        if not raw or is_refusal(raw):
            self.declined += 1
            return None
        checks, notes = check_claims(
            raw,
            [p],
            self.names,
            embed=self.embed,
            sentence_vectors=self.vectors,
            min_support=self.min_support,
            given=self.question,
        )
        self.notes.extend(notes)
        kept = [c for c in checks if c.supported]
        text = render(kept)
        similarity = self._similarity(text, p) if kept else 0.0
        self.notes.append(f"point from [{p.n}] (cosine {similarity:.2f} to its sentence): {raw}")
        if kept and similarity < self.min_similarity:
            # Facts alone do not catch a point that states none ("Die Gipfelerklärung beschreibt die
            # Maßnahmen, die die Güter des Gipfels verhindern"): it must still say what its sentence says.
            self.notes.append(f"dropped the point from [{p.n}]: it strays from its sentence ({similarity:.2f})")
            return None
        if not kept or restates_question(text, self.question):
            dropped = "; ".join(f"{c.sentence!r} (missing {', '.join(c.missing)})" for c in checks if not c.supported)
            self.notes.append(f"dropped the point from [{p.n}]: {dropped or repr(raw)}")
            return None
        return Point(text, tuple(citations_for(kept, [p])))

    def _similarity(self, text: str, p: Passage) -> float:
        vecs = self.vectors.get(p.hit.chunk.chunk_id)
        if vecs is None or not text:
            return 1.0
        v = np.asarray(self.embed(strip_markers(text)), dtype=np.float32)
        s = np.asarray(vecs[p.sentence_ids[0]], dtype=np.float32)
        return float(v @ s / max(float(np.linalg.norm(v) * np.linalg.norm(s)), 1e-12))


def render_points(points: Sequence[Point]) -> str:
    return "\n".join(f"- {p.text}" for p in points)
