"""Parse, attach and check ``[n]`` citations.

Small models drop markers, invent numbers ("[7]" with three passages) and
cite the wrong passage. So we never trust a marker: each answer sentence
is mapped to the passage sentence that best supports it (shared numbers,
names and content words, plus embedding similarity when vectors are at
hand), and its numbers and names must occur in that passage. Sentences
that fail are removed and the removal is recorded in the answer's notes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.facts import NameBook, missing_facts
from assistant.answer.passages import Passage
from assistant.ingest.chunk import split_sentences
from assistant.retrieval.signals import sentence_cosines
from assistant.text.analyzer import tokenize
from assistant.text.fold import normalize
from assistant.text.places import place_words
from assistant.types import Citation

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_TRAILING_MARKS = re.compile(r"([.!?])\s*((?:\[\d+(?:\s*[,;]\s*\d+)*\]\s*)+)")

Embed = Callable[[str], Sequence[float]]
NO_SUPPORT = "(no sentence of the passage says this)"


@dataclass(frozen=True)
class ClaimCheck:
    sentence: str  # without markers
    cited: tuple[int, ...]  # passage numbers after repair
    supported: bool
    missing: tuple[str, ...]
    quote_sentence: tuple[int, int] | None  # (passage n, sentence index) backing the claim


def parse_markers(text: str) -> list[int]:
    return [int(n) for m in _MARKER.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1))]


def strip_markers(text: str) -> str:
    text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(_MARKER.sub("", text).split()))
    return re.sub(r"(?<!\.)\.\.(?!\.)", ".", text).strip()


def split_claims(answer: str) -> list[str]:
    """Sentences of an answer, each with its trailing markers kept."""
    text = " ".join(answer.split())
    if not text:
        return []
    # Markers after the full stop ("… Euro. [1]") belong to the sentence before.
    text = _TRAILING_MARKS.sub(lambda m: " " + m.group(2).strip() + m.group(1) + " ", text).strip()
    # pysbd knows "8. Juli", "124 Mrd. Euro" and "z. B." are not sentence ends.
    return [text[a:b].strip() for a, b in split_sentences(text, "de") if text[a:b].strip()]


def _content(text: str) -> set[str]:
    return set(tokenize(text))


def best_support(
    claim: str,
    passages: Sequence[Passage],
    claim_vec: np.ndarray | None,
    sentence_vectors: Mapping[str, np.ndarray],
    only: Sequence[int] | None = None,
    echo: frozenset[str] = frozenset(),
) -> tuple[int, int, float] | None:
    """(passage n, sentence index, best score) of the best supporting sentence.

    With ``echo`` (the question's words), a sentence that shares a word the
    claim adds beyond the question goes first: "The PAC-3 repair facility is
    to speed up maintenance and availability" must be quoted from the
    sentence about maintenance, not from the one that names the PAC-3 repair
    facility as the question did. Among those the plain score decides, so
    that "Pistorius said the cooperation would extend to the P-8A" is quoted
    from the sentence where he says it, not from any sentence naming him.
    When no sentence shares such a word (an English claim on a German
    passage), the question's words are left out of the overlap and the
    cosine decides: "air refuelling, troop transport and cargo" is quoted
    from "Hier werden Luftbetankung, ... vereint", not from the sentence
    that names the "Multi Role Tanker Transport" unit.
    """
    best: tuple[bool, float, int, int] | None = None
    plain = float("-inf")  # the best score of any candidate: what ``answer.min_support`` was calibrated on
    words = _content(claim)
    new = words - echo if echo else set()
    for p in passages:
        if only is not None and p.n not in only:
            continue
        count = len(p.hit.chunk.sentence_spans())
        sims = sentence_cosines(p.hit.chunk.chunk_id, count, claim_vec, sentence_vectors)
        for i in range(count):
            found = _content(p.sentence_text(i))
            sim = float(sims[i]) if sims is not None else 0.0
            overlap = len(words & found) / max(1, len(words))
            seen = 0.0 if i in p.sentence_ids else 0.05  # prefer what the model actually saw
            plain = max(plain, overlap + sim - seen)
            covers = bool(new & found)
            key = (covers, (overlap if covers or not new else 0.0) + sim - seen, p.n, i)
            if best is None or key[:2] > best[:2]:
                best = key
    return None if best is None else (best[2], best[3], plain)


def _echo(question: str) -> str:
    """The question's words that an answer may repeat without a passage backing them: not its numbers
    and not its places, in any form ("South Korea", "Südkorea", "dänischer"), which must be in the passage."""
    named = {normalize(w) for w in place_words(question)}
    words = normalize(question).split()
    return " ".join(w for w in words if w.isalpha() and w not in named)


def check_claims(
    answer: str,
    passages: Sequence[Passage],
    book: NameBook,
    *,
    embed: Embed | None = None,
    sentence_vectors: Mapping[str, np.ndarray] | None = None,
    min_support: float = 0.0,
    given: str = "",
) -> tuple[list[ClaimCheck], list[str]]:
    """Repair and check each claim; return the checks and notes.

    ``given`` is the question: the names it states itself ("the Maritime
    Security Partnership", echoed in English against a German passage) are
    not new claims of the answer. Its numbers and places are: "the budget
    for 2027 is 124 billion [1]" must find 2027 in passage 1.
    """
    reader = _ClaimReader(passages, book, embed, sentence_vectors or {}, min_support, given)
    checks = [c for c in (reader.check(raw) for raw in split_claims(answer)) if c is not None]
    return checks, reader.notes


class _ClaimReader:
    """One reply's claims checked against one set of passages; the notes say what was repaired."""

    def __init__(
        self,
        passages: Sequence[Passage],
        book: NameBook,
        embed: Embed | None,
        vectors: Mapping[str, np.ndarray],
        min_support: float,
        given: str,
    ) -> None:
        self.passages = passages
        self.book = book
        self.embed = embed if passages else None
        self.vectors = vectors
        self.min_support = min_support
        self.given = given
        self.echo = _echo(given)
        self.asked = frozenset(_content(given))  # the question's words, for choosing the quote
        self.by_n = {p.n: p for p in passages}
        self.notes: list[str] = []

    def check(self, raw: str) -> ClaimCheck | None:
        """The check of one claim (None for one with no words), its citations repaired first."""
        marks = parse_markers(raw)
        sentence = strip_markers(raw)
        if not sentence or not re.search(r"\w", sentence):
            return None
        vec = np.asarray(self.embed(sentence), dtype=np.float32) if self.embed else None
        cited, missing = self._cite(sentence, marks, vec)
        quote = None
        if cited:
            claim, claim_vec = sentence, vec
            if self.given and len(sentence.split()) <= 3 and self.embed:
                # "Germany." is the question's ellipsis: its support is that of question plus answer.
                claim = f"{self.given} {sentence}"
                claim_vec = np.asarray(self.embed(claim), dtype=np.float32)
            quote = best_support(claim, self.passages, claim_vec, self.vectors, only=cited, echo=self.asked)
        if quote is not None and quote[2] < self.min_support and not missing:
            # No fact is wrong, but nothing in the passage says anything like it.
            missing = [NO_SUPPORT]
        if quote is not None and not missing:
            # "Norway, Canada and Germany joined in Ankara": each fact is in the passage, but the three countries
            # founded it in 2024, two sentences before Iceland joined in Ankara. A claim's facts must stand
            # together: in its quoted sentence or the sentences on either side.
            spread = missing_facts(sentence, self.by_n[quote[0]].around(quote[1]), self.book, also=self.echo)
            missing = [f"{f} (not near the quoted sentence)" for f in spread]
        return ClaimCheck(sentence, tuple(cited), not missing, tuple(missing), (quote[0], quote[1]) if quote else None)

    def _cite(self, sentence: str, marks: Sequence[int], vec: np.ndarray | None) -> tuple[list[int], list[str]]:
        """The passages a claim cites (invented ones dropped, a missing one attached, a wrong one moved),
        and the facts of the claim that those passages lack."""
        invented = [m for m in marks if m not in self.by_n]
        if invented:
            self.notes.append(f"dropped invented citation(s) {invented}")
        cited = [m for m in dict.fromkeys(marks) if m in self.by_n]
        if not cited:
            found = best_support(sentence, self.passages, vec, self.vectors, echo=self.asked)
            if found is not None:
                cited = [found[0]]
                self.notes.append("attached a citation the model left out")
        if not cited:
            return cited, ["(no passage)"]
        # Check against the cited passages (whole chunks: the model may use context).
        evidence = " ".join(self.by_n[n].hit.chunk.clean for n in cited)
        missing = missing_facts(sentence, evidence, self.book, also=self.echo)
        if missing:
            # The right facts may sit in another passage: re-attach if one supports them.
            for p in self.passages:
                if p.n not in cited and not missing_facts(sentence, p.hit.chunk.clean, self.book, also=self.echo):
                    self.notes.append(f"moved citation [{cited[0]}] -> [{p.n}]")
                    return [p.n], []
        return cited, missing


def citations_for(checks: Sequence[ClaimCheck], passages: Sequence[Passage]) -> list[Citation]:
    """One Citation per distinct (passage, sentence) backing a kept claim."""
    by_n = {p.n: p for p in passages}
    seen: set[tuple[int, int]] = set()
    out: list[Citation] = []
    for c in checks:
        if not c.supported or c.quote_sentence is None or c.quote_sentence in seen:
            continue
        seen.add(c.quote_sentence)
        n, i = c.quote_sentence
        chunk = by_n[n].hit.chunk
        _, _, start, end = chunk.sentence_spans()[i]
        rel_start, rel_end = start - chunk.start, end - chunk.start
        out.append(Citation(n, chunk.chunk_id, chunk.source, chunk.section, start, end, chunk.text[rel_start:rel_end]))
    return out


def render(checks: Sequence[ClaimCheck]) -> str:
    """The answer text from the kept claims, with repaired markers."""
    parts = []
    for c in checks:
        if not c.supported:
            continue
        marks = "".join(f"[{n}]" for n in c.cited)
        body = c.sentence
        if body and body[-1] in ".!?":
            parts.append(f"{body[:-1]} {marks}{body[-1]}" if marks else body)
        else:
            parts.append(f"{body} {marks}".strip())
    return " ".join(parts)


_GENERIC = frozenset(
    tokenize("text passage passages according laut says sagt mentioned erwähnt describes beschreibt called heißt")
)


def restates_question(answer: str, question: str) -> bool:
    """True when the answer adds no content word to the question.

    Small models often echo the question as a statement ("Island hat eine
    geostrategisch herausgehobene Lage [1]." for "Warum hat Island eine
    geostrategisch herausgehobene Lage?"). Measured on the summit set, every
    such answer was wrong while the extractive quote was right in 5 of 7.
    """
    if not answer.strip():
        return False
    asked = set(tokenize(question)) | _GENERIC
    new = [w for w in re.findall(r"[^\W\d_][\w-]*|\d[\d.,]*", strip_markers(answer)) if set(tokenize(w)) - asked]
    return not new
