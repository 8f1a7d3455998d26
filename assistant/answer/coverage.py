"""Evidence for open questions: sentences chosen for coverage, not only for similarity.

A fact question is answered by the one sentence closest to it. "Welche
Unternehmen werden genannt?" is answered by every sentence naming one, and
the five closest sentences to "Summarize the summit" are five wordings of
its headline. So the evidence is chosen by maximal marginal relevance
(Carbonell & Goldstein, 1998) over the stored sentence vectors: each pick
is the sentence most relevant to the question *and* least like the picks
before it.

* **Lists, explanations:** relevance is the cosine to the question, and only
  sentences near the best one qualify (``margin``): a list's items are all
  about the question, a loosely related sentence is not an item.
* **Summaries:** relevance is the cosine to the document's centroid (what
  the whole document is about), mixed with the question's when it names a
  topic ("Fasse den Abschnitt über die Ukraine zusammen"); every sentence of
  the document competes, in reading order in the answer.
* **Comparisons:** each side the question names (its names and places, as
  the fact checks read them) gets its own best sentences first, so neither
  side is left without evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer.extractive import says_something
from assistant.answer.facts import NameBook, facts, supported
from assistant.text.fold import normalize
from assistant.text.places import places
from assistant.types import Chunk, Hit


@dataclass(frozen=True)
class Evidence:
    """One sentence of one chunk, with how relevant it was found."""

    hit: Hit
    index: int  # into hit.chunk.sentence_spans()
    score: float

    @property
    def text(self) -> str:
        a, b, _, _ = self.hit.chunk.sentence_spans()[self.index]
        return self.hit.chunk.clean[a:b]

    @property
    def position(self) -> tuple[str, int, int]:
        """Where it stands in the corpus: source, chunk order, sentence."""
        return (self.hit.chunk.source, self.hit.chunk.order, self.index)


Candidate = tuple[Hit, int, np.ndarray]
_SENTENCE_END = re.compile(r"[.!?…:;)\"“”»]\s*$")
MIN_WORDS = 5  # a byline fragment ("von Lara Finke") is close to any vague question and says nothing
SECTION_LEAD = 0.08  # cosine: a summary is of one section when that section's sentences lead the median by this
COMMON_SIDE = 0.3  # a name in more than this share of the evidence is common ground, not a side


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def candidates(hits: Iterable[Hit], vectors: Mapping[str, np.ndarray]) -> list[Candidate]:
    """Each distinct sentence that can say something, with its vector (overlapping chunks share sentences)."""
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for hit in hits:
        vecs = vectors.get(hit.chunk.chunk_id)
        spans = hit.chunk.sentence_spans()
        if vecs is None or len(vecs) != len(spans):
            continue
        for i, (a, b, start, _) in enumerate(spans):
            key = (hit.chunk.source, start)
            text = hit.chunk.clean[a:b]
            if key in seen or len(text.split()) < MIN_WORDS or not says_something(text) or _heading(text, hit):
                continue
            seen.add(key)
            out.append((hit, i, np.asarray(vecs[i], dtype=np.float32)))
    return out


def _heading(text: str, hit: Hit) -> bool:
    """The section's heading, which the chunker keeps as the section's first line: it names a topic and says
    nothing about it, yet its vector is close to every question on that topic."""
    return bool(hit.chunk.section) and normalize(text.rstrip(".:")) == normalize(hit.chunk.section)


def mmr(cands: Sequence[Candidate], relevance: np.ndarray, k: int, lam: float) -> list[int]:
    """Indices of ``k`` candidates by maximal marginal relevance: ``lam`` relevance, ``1 - lam`` novelty."""
    if not cands:
        return []
    mat = np.stack([c[2] for c in cands])
    chosen: list[int] = []
    redundancy = np.full(len(cands), -1.0, dtype=np.float32)
    for _ in range(min(k, len(cands))):
        score = lam * relevance - (1 - lam) * np.maximum(redundancy, 0.0)
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        redundancy = np.maximum(redundancy, mat @ mat[best])
    return chosen


def relevant(
    q: np.ndarray, hits: Sequence[Hit], vectors: Mapping[str, np.ndarray], *, limit: int, margin: float, lam: float
) -> list[Evidence]:
    """Sentences about the question, near the best one in cosine, spread by MMR; best first."""
    cands = candidates(hits, vectors)
    if not cands:
        return []
    rel = np.array([float(c[2] @ q) for c in cands], dtype=np.float32)
    keep = [i for i in range(len(cands)) if rel[i] >= float(rel.max()) - margin]
    sub = [cands[i] for i in keep]
    picked = mmr(sub, rel[keep], limit, lam)
    return [Evidence(sub[i][0], sub[i][1], float(rel[keep][i])) for i in picked]


def summary(
    chunks: Sequence[Chunk],
    vectors: Mapping[str, np.ndarray],
    *,
    q: np.ndarray | None,
    question: str = "",
    limit: int,
    lam: float,
    topic_weight: float = 0.5,
) -> list[Evidence]:
    """The sentences that cover a document (its centroid, and the question's topic if any); reading order.

    A question about one part ("Fasse den Abschnitt über die Ukraine
    zusammen") is told from one about the whole ("Worum geht es?") by how
    far one section stands out: the mean cosine of its sentences to the
    question beats the median section's by ``SECTION_LEAD``. Then only that
    section's sentences compete.
    """
    hits = [Hit(c, 0.0) for c in sorted(chunks, key=lambda c: c.order)]
    # A line without a sentence mark is a heading, a byline or a caption: it names, it does not state.
    cands = [c for c in candidates(hits, vectors) if _SENTENCE_END.search(c[0].chunk.clean[_span(c)])]
    if q is not None:
        cands = _named_section(cands, question) or _topic_section(cands, q) or cands
    if not cands:
        return []
    centroid = _unit(np.mean(np.stack([c[2] for c in cands]), axis=0))
    rel = np.array([float(c[2] @ centroid) for c in cands], dtype=np.float32)
    if q is not None:
        rel = (1 - topic_weight) * rel + topic_weight * np.array([float(c[2] @ q) for c in cands], dtype=np.float32)
    picked = mmr(cands, rel, limit, lam)
    out = [Evidence(cands[i][0], cands[i][1], float(rel[i])) for i in picked]
    return sorted(out, key=lambda e: e.position)


def _named_section(cands: list[Candidate], question: str) -> list[Candidate]:
    """The candidates of the section whose heading the question quotes ("the section \"Vereinbarungen …\"")."""
    asked = f" {normalize(question)} "
    named = {c[0].chunk.section for c in cands if c[0].chunk.section and f" {normalize(c[0].chunk.section)} " in asked}
    return [c for c in cands if c[0].chunk.section in named] if len(named) == 1 else []


def _topic_section(cands: list[Candidate], q: np.ndarray) -> list[Candidate]:
    """The candidates of the one section the question is about, or [] when no section stands out."""
    by_section: dict[str, list[float]] = {}
    for hit, _, vec in cands:
        by_section.setdefault(hit.chunk.section, []).append(float(vec @ q))
    if len(by_section) < 3:
        return []
    means = {s: float(np.mean(v)) for s, v in by_section.items()}
    best = max(means, key=lambda s: means[s])
    if means[best] - float(np.median(list(means.values()))) < SECTION_LEAD:
        return []
    return [c for c in cands if c[0].chunk.section == best]


def sides(question: str, book: NameBook) -> list[str]:
    """The things a comparison sets side by side: the question's names and places (folded facts)."""
    return sorted(f for f in facts(question, book) if not f.replace(".", "").isdigit())


def mentions(side: str, sentence: str) -> bool:
    return supported(side, normalize(sentence), places(sentence))


def compared(
    q: np.ndarray,
    hits: Sequence[Hit],
    vectors: Mapping[str, np.ndarray],
    book: NameBook,
    question: str,
    *,
    limit: int,
    per_side: int,
    lam: float,
) -> list[Evidence]:
    """For each side, its sentences closest to the question; then MMR fills up with what else is relevant."""
    cands = candidates(hits, vectors)
    if not cands:
        return []
    rel = np.array([float(c[2] @ q) for c in cands], dtype=np.float32)
    texts = [c[0].chunk.clean[_span(c)] for c in cands]
    order = [int(i) for i in np.argsort(-rel)]
    named = {side: [i for i in order if mentions(side, texts[i])] for side in sides(question, book)}
    # "What did Germany agree with Denmark and with Sweden?" in a German ministry's text: Germany is in
    # every other sentence, the common ground of the comparison; Denmark and Sweden are its sides.
    distinct = {s: ids for s, ids in named.items() if len(ids) <= COMMON_SIDE * len(cands)}
    chosen: list[int] = []
    used = distinct if len(distinct) >= 2 else named
    share = max(1, min(per_side, limit // max(1, len(used))))  # every side gets its sentences within ``limit``
    for ids in used.values():
        chosen.extend(i for i in ids[:share] if i not in chosen)
    rest = relevant(q, hits, vectors, limit=limit, margin=1.0, lam=lam)
    out = [Evidence(cands[i][0], cands[i][1], float(rel[i])) for i in chosen]
    taken = {e.position for e in out}
    out.extend(e for e in rest if e.position not in taken)
    return out[:limit]


def _span(c: Candidate) -> slice:
    a, b, _, _ = c[0].chunk.sentence_spans()[c[1]]
    return slice(a, b)
