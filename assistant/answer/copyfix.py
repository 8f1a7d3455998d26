"""Mend a one-letter slip in a phrase the model copied from a passage.

Small models copy German terms into an answer and now and then slip a
letter: "the Hogen Norden" for "Hohen Norden". The slip is only fixed
where the context proves the copy: the word next to it matches the passage
exactly, and the passage has the same two-word phrase with the slipped
word one edit away. An English word that merely resembles a German one
("Baltic", "Baltik") is left alone, because its neighbour will not match.
"""

from __future__ import annotations

import itertools
import re

_WORD = re.compile(r"[^\W\d_][\w-]*")


def _one_edit(a: str, b: str) -> bool:
    """Exactly one substitution, insertion or deletion apart."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def fix_copy_slips(answer: str, passages: str) -> tuple[str, list[str]]:
    """The answer with slipped copies mended, and the mends made ("Hogen -> Hohen")."""
    source = _WORD.findall(passages)
    pairs = set(itertools.pairwise(source))
    known = set(source)
    words = list(_WORD.finditer(answer))
    fixes: dict[str, str] = {}
    for left, right in itertools.pairwise(words):
        a, b = left.group(0), right.group(0)
        if (a, b) in pairs or answer[left.end() : right.start()] != " ":
            continue
        for x, y in pairs:
            if y == b and a not in known and len(a) >= 4 and _one_edit(a, x):
                fixes[a] = x
            elif x == a and b not in known and len(b) >= 4 and _one_edit(b, y):
                fixes[b] = y
    if not fixes:
        return answer, []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, fixes)) + r")\b")
    return pattern.sub(lambda m: fixes[m.group(0)], answer), [f"{a} -> {b}" for a, b in fixes.items()]
