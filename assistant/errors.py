"""One error tree for everything a user can run into.

    AssistantError                 base: has a one-line, actionable message
    ├── ConfigError                bad settings file, profile or override
    ├── ModelError                 model missing, wrong size or sha256
    ├── IndexError_                index missing, stale, corrupt or mismatched
    ├── IngestError                unreadable, unsupported or oversized file
    ├── QuestionError              empty or unusable question
    ├── BackendError               LLM backend missing, down or timing out
    ├── BusyError                  the model's line is full (QueueTimeout: waited too long in it)
    └── EvalSetError               malformed eval file (carries line numbers)

Edges (CLI, UI) catch ``AssistantError`` and print ``str(err)``; anything
else is a bug and may show a traceback in the logs, never in the UI.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: ``str(err)`` is a message fit to show a user."""


class ConfigError(AssistantError):
    pass


class ModelError(AssistantError):
    pass


class IndexError_(AssistantError):  # noqa: N801 - avoid shadowing builtins.IndexError
    pass


class IngestError(AssistantError):
    """``reason`` is the kind of problem, one word a report can group by.

    A build skips a file that raises this and lists it under its reason
    (``binary``, ``not-pdf``, ``encrypted``, ``too-large``, ``empty``,
    ``encoding``, ``unsupported``, ``unreadable``), so one bad file costs
    only itself.
    """

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


class QuestionError(AssistantError):
    pass


class BackendError(AssistantError):
    pass


class EvalSetError(AssistantError):
    pass


class BusyError(AssistantError):
    """The local model's line is full: come back shortly (HTTP 429)."""


class QueueTimeout(BusyError):
    """A question waited in the model's line longer than the server allows (HTTP 503)."""
