"""The answer policy's checks by name: what ``answer.checks`` lists, in its order.

The checks live by stage: :mod:`assistant.answer.evidence_checks` (before
the model is asked), :mod:`assistant.answer.reply_checks` (on its reply)
and :mod:`assistant.answer.fallback_checks` (on a fallback's sentence).
See :mod:`assistant.answer.policy` for the protocol and the stages.
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from assistant.answer.evidence_checks import (
    AnchorGap,
    AnswerKind,
    AskedRole,
    QuestionFacts,
    QuestionTerms,
    Relevant,
)
from assistant.answer.fallback_checks import OnTopic
from assistant.answer.policy import Check
from assistant.answer.reply_checks import (
    Anchored,
    CompleteList,
    ModelRefusal,
    NewToConversation,
    NonEmpty,
    NotARestatement,
    ReplyKind,
    SecondOpinion,
    Supported,
)
from assistant.errors import ConfigError

CHECKS: dict[str, Check] = {
    c.name: c
    for c in (
        Relevant(),
        QuestionFacts(),
        QuestionTerms(),
        AskedRole(),
        AnswerKind(),
        AnchorGap(),
        NonEmpty(),
        ModelRefusal(),
        Supported(),
        Anchored(),
        CompleteList(),
        NewToConversation(),
        ReplyKind(),
        NotARestatement(),
        SecondOpinion(),
        OnTopic(),
    )
}


class Configured(NamedTuple):
    """The checks ``answer.checks`` enables, by stage, each in the listed order."""

    evidence: tuple[Check, ...]
    reply: tuple[Check, ...]
    fallback: tuple[Check, ...]


@cache
def configured(names: tuple[str, ...]) -> Configured:
    """The checks that ``answer.checks`` lists, by stage and in its order; an unknown name is an error."""
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ConfigError(f"Unknown answer check(s) {', '.join(unknown)} in answer.checks; known: {', '.join(CHECKS)}")
    chosen = [CHECKS[n] for n in dict.fromkeys(names)]
    return Configured(*(tuple(c for c in chosen if c.stage == stage) for stage in ("evidence", "reply", "fallback")))
