"""Answer matching for the eval runner.

Hand-written gold answers and model answers disagree on surface form far
more often than on facts: "124 Mrd." vs "124 Milliarden", "Südkorea" vs
"Suedkorea", "3,5 %" vs "3.5 percent", a German answer to an English
question.  Scoring must not punish a correct answer for that, so both sides
go through the same lossy folding (:func:`assistant.text.fold.normalize`,
re-exported here, the one the answer checks use too) before they are
compared.

The SQuAD functions keep the official v1.1 normalisation instead, so that
their numbers stay comparable with published results.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

from assistant.text.fold import normalize

__all__ = ["contains_normalized", "matches", "normalize", "squad_exact_match", "squad_f1", "squad_normalize"]


def _contains(haystack: str, needle: str) -> bool:
    """Why: "32" must not match inside "2032", so compare whole tokens only."""
    return bool(needle) and f" {needle} " in f" {haystack} "


def contains_normalized(text: str, candidate: str) -> bool:
    """Whether ``candidate`` occurs in ``text`` after both are normalised.

    Why public: the eval-set sanity tests reuse the exact rule ``matches``
    uses, so a gold answer that cannot match its own reference is caught.
    """
    return _contains(normalize(text), normalize(candidate))


def matches(answer: str, accept: Sequence[str], accept_all: Sequence[Sequence[str]]) -> bool:
    """Whether ``answer`` satisfies a case's accept rules.

    ``accept`` is a set of alternatives (any one suffices); every group in
    ``accept_all`` must also be hit, which is how list answers are scored.
    A case with neither has nothing to check, so it cannot pass: a silent
    pass would hide a broken gold case.
    """
    if not accept and not accept_all:
        return False
    norm = normalize(answer)
    if accept and not any(_contains(norm, normalize(a)) for a in accept):
        return False
    return all(any(_contains(norm, normalize(a)) for a in group) for group in accept_all)


# --- SQuAD v1.1 -----------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the|der|die|das|den|dem|des|ein|eine|einer|eines|einem|einen)\b")
_ASCII_PUNCT = frozenset(string.punctuation)


def squad_normalize(text: str) -> str:
    """Official SQuAD v1.1 answer normalisation, plus German articles.

    Why: keeps EM/F1 comparable with published numbers; Unicode punctuation
    („“ – …) is dropped too, since German answers are full of it.
    """
    text = text.lower()
    text = "".join(" " if unicodedata.category(c).startswith("P") and c not in _ASCII_PUNCT else c for c in text)
    text = "".join(c for c in text if c not in _ASCII_PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def _f1(prediction: str, gold: str) -> float:
    pred_tokens = squad_normalize(prediction).split()
    gold_tokens = squad_normalize(gold).split()
    common = Counter(pred_tokens) & Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 if the prediction equals any gold after SQuAD normalisation."""
    norm = squad_normalize(prediction)
    return max((float(norm == squad_normalize(g)) for g in golds), default=0.0)


def squad_f1(prediction: str, golds: Sequence[str]) -> float:
    """Token-overlap F1 against the best-matching gold, as in SQuAD v1.1."""
    return max((_f1(prediction, g) for g in golds), default=0.0)
