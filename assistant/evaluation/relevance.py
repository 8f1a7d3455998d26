"""Where the gold evidence is, and whether a retrieved passage or a citation carries it.

Gold is written as quotes (text a reader can check); retrieval and
citations are scored on character spans.  This module is the bridge, and
the one place that decides how much overlap counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from assistant.evaluation.gold import GoldTurn, Span
from assistant.evaluation.normalize import contains_normalized
from assistant.evaluation.results import PassageRef
from assistant.types import Citation

# A passage that holds at least this share of a gold quote counts as a hit.
# Why not full containment only: a long sentence can straddle a chunk
# boundary, and then no chunk "covers" it although the top chunk clearly
# carries the evidence.
HIT_MIN_COVERAGE = 0.5


def locate_quotes(
    quotes: Iterable[str], corpus_texts: Mapping[str, str], source: str | None = None
) -> tuple[Span, ...]:
    """Every occurrence of every quote, as spans in the original files.

    Why every occurrence: a short quote can appear twice, and a passage
    holding either copy does carry the evidence.  ``source`` restricts the
    search to one file when the case names it.
    """
    if source is not None and source in corpus_texts:
        texts: Mapping[str, str] = {source: corpus_texts[source]}
    else:
        texts = corpus_texts
    spans: list[Span] = []
    for quote in quotes:
        if not quote:
            continue
        for src, text in texts.items():
            start = text.find(quote)
            while start >= 0:
                spans.append((src, start, start + len(quote)))
                start = text.find(quote, start + 1)
    return tuple(dict.fromkeys(spans))


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def passage_is_relevant(passage: PassageRef, gold_spans: Sequence[Span], gold_source: str | None) -> bool:
    """Whether a retrieved passage carries the gold evidence (see ``Case``)."""
    if gold_source is not None:
        return passage.source == gold_source
    for src, start, end in gold_spans:
        if src != passage.source or end <= start:
            continue
        covered = _overlap(passage.start, passage.end, start, end)
        if covered >= max(1, math.ceil(HIT_MIN_COVERAGE * (end - start))):
            return True
    return False


def citation_overlaps_gold(citation: Citation, gold_spans: Sequence[Span]) -> bool:
    return any(
        src == citation.source and _overlap(citation.start, citation.end, start, end) > 0
        for src, start, end in gold_spans
    )


def citation_is_supported(citation: Citation, gold: GoldTurn) -> bool:
    """A citation is good if it points at gold evidence or quotes an accepted answer.

    Why both: gold quotes are one author's pick of the evidence; a citation
    of another sentence that states the accepted fact is just as valid.
    """
    if citation_overlaps_gold(citation, gold.gold_spans):
        return True
    return any(contains_normalized(citation.quote, a) for a in gold.accepted_strings)
