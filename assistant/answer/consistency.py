"""Does the model's answer hold when it is asked again?

A small model that has understood a passage says the same thing when its
reply is sampled instead of decoded greedily; one that is guessing
("the AMRAAM is described as a rocket", then "as an AIM-120C-8 missile")
changes its answer. So the answer step asks a second time, sampled with a
fixed seed, and compares what the two replies *add* to the question: the
content words beyond the question's own. Only the claim counts, not its
wording ("The P-8A is a maritime aircraft" and "It is a maritime
aircraft" agree), which is why this is a word overlap and not a sentence
cosine: a short answer ("Lara Finke.") and a full sentence naming the
same person are far apart as vectors but share the name.

Disagreement of a model with its own samples is the hallucination signal
of SelfCheckGPT (Manakul et al., 2023); it needs no second model, and with
the prompt unchanged llama.cpp reuses the whole prompt's KV cache, so the
second reply costs only its own tokens.
"""

from __future__ import annotations

import re

from assistant.answer.citations import strip_markers
from assistant.answer.prompt import is_refusal
from assistant.answer.yesno import is_yes_no, polarity
from assistant.text.analyzer import tokenize
from assistant.text.fold import normalize

_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")


def _added(reply: str, question: str) -> set[str]:
    return set(tokenize(strip_markers(reply))) - set(tokenize(question))


def _added_numbers(reply: str, question: str) -> set[str]:
    """The numbers a reply states beyond the question's, written one way ("fünf", "5" and "five" agree)."""
    return set(_NUMBER.findall(normalize(strip_markers(reply)))) - set(_NUMBER.findall(normalize(question)))


def agreement(first: str, second: str, question: str, language: str = "en") -> float:
    """How much of what the shorter reply adds to the question the other one says too (0..1).

    The overlap is taken over the shorter reply, so a second reply that
    says the same and a little more still agrees. A refusal agrees with
    nothing, and two replies that add nothing both restate the question:
    they agree, and the restatement check decides about them. Two replies
    that state the same new numbers agree, even in different languages: the
    sampled reply often drifts into English ("discovered oxygen in 1773"
    against "entdeckte Sauerstoff im Jahr 1773"), and on XQuAD and the Debian
    Reference every such pair was right. A yes/no
    question's claim is its polarity: "YES" agrees with "South Korea took
    part in the summit", although they share no word.
    """
    if is_refusal(second) or not second.strip():
        return 0.0
    if is_yes_no(question, language):
        return 1.0 if polarity(first, language) == polarity(second, language) else 0.0
    numbers = _added_numbers(first, question)
    if numbers and numbers == _added_numbers(second, question):
        return 1.0  # the same year, sum or count, whatever the words or language around it
    a, b = _added(first, question), _added(second, question)
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
