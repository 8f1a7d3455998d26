"""The answer policy's checks by name: what ``answer.checks`` lists, in its order.

The checks live by stage: :mod:`assistant.answer.evidence_checks` (before
the model is asked) and :mod:`assistant.answer.reply_checks` (on its
reply). See :mod:`assistant.answer.policy` for the protocol and the stages.
"""

from __future__ import annotations

from functools import cache

from assistant.answer.evidence_checks import (
    AnchorGap,
    AnswerKind,
    AskedRole,
    QuestionFacts,
    QuestionTerms,
    Relevant,
)
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
    )
}


@cache
def configured(names: tuple[str, ...]) -> tuple[tuple[Check, ...], tuple[Check, ...]]:
    """The (evidence, reply) checks that ``answer.checks`` lists, in its order; an unknown name is an error."""
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise ConfigError(f"Unknown answer check(s) {', '.join(unknown)} in answer.checks; known: {', '.join(CHECKS)}")
    chosen = [CHECKS[n] for n in dict.fromkeys(names)]
    return tuple(c for c in chosen if c.stage == "evidence"), tuple(c for c in chosen if c.stage == "reply")
