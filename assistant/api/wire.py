"""The OpenAI chat-completions wire format, and our extension to it.

Why the OpenAI format: every chat front end, editor plugin and script
already speaks it (the ``openai`` client, Open WebUI, LibreChat, curl
recipes), so speaking it makes the assistant usable from all of them.

What we add is one namespaced field, ``summit``, on the response (and on
the last chunk of a stream): the checked citations with their exact
offsets into the source file, whether the answer is a refusal, and why.
Clients that do not know it ignore it; the answer text keeps its ``[n]``
markers, which point into ``summit.citations``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.answer.model import Answer
from assistant.chat import MAX_TURNS
from assistant.errors import QuestionError


class ChatMessage(BaseModel):
    """One message; ``content`` is a string or OpenAI's list of parts (only text parts are read)."""

    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """``POST /v1/chat/completions``; sampling fields that clients send (temperature, …) are accepted
    and ignored, because the answer policy decides how the model is asked."""

    model_config = ConfigDict(extra="allow")

    model: str = ""
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


class SearchRequest(BaseModel):
    """``POST /v1/search``: the passages that retrieval finds for ``query``."""

    model_config = ConfigDict(extra="forbid")

    query: str
    k: int = Field(default=5, ge=1, le=50)
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"


def conversation(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last user message) and the history before it as (question, answer) pairs.

    System and developer messages are skipped: the answer policy brings its
    own prompt, and a client's instructions must not loosen it. The history
    is the request's alone; the server keeps none, so two clients can never
    see each other's conversation.
    """
    talk = [m for m in messages if m.role in ("user", "assistant")]
    if not talk or talk[-1].role != "user":
        raise QuestionError("The last message must be the user's question.")
    pairs: list[tuple[str, str]] = []
    pending: str | None = None
    for m in talk[:-1]:
        if m.role == "user":
            if pending is not None:
                pairs.append((pending, ""))
            pending = m.text()
        elif pending is not None:
            pairs.append((pending, m.text()))
            pending = None
    if pending is not None:
        pairs.append((pending, ""))
    return talk[-1].text(), pairs[-MAX_TURNS:]


def extension(answer: Answer) -> dict[str, Any]:
    """The ``summit`` field: what a client needs to show and check the sources."""
    return {
        "refused": answer.refused,
        "reason": answer.reason,
        "language": answer.language,
        "citations": [c.to_dict() for c in answer.citations],
        "retrieval_query": answer.retrieval_query or answer.question,
        "backend": answer.backend,
        "model": answer.model,
        "timings_ms": {k: round(v, 1) for k, v in answer.timings_ms.items()},
    }


class Completion:
    """One response's id, creation time and model name, shared by all chunks of a stream."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model

    def body(self, answer: Answer) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}
            ],
            "summit": extension(answer),
        }

    def chunk(self, delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        data = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return sse(data)

    def stream(self, answer: Answer, piece_chars: int = 24) -> list[str]:
        """The checked answer as content chunks (word-aligned), then the closing chunk with ``summit``."""
        out: list[str] = []
        text = answer.text
        start = 0
        while start < len(text):
            end = min(len(text), start + piece_chars)
            space = text.find(" ", end)
            end = len(text) if space < 0 or space - start > 4 * piece_chars else space + 1
            out.append(self.chunk({"content": text[start:end]}))
            start = end
        out.append(self.chunk({}, "stop", summit=extension(answer)))
        out.append("data: [DONE]\n\n")
        return out


def sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def error_body(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    """OpenAI's error shape, which the ``openai`` client turns into its typed exceptions."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
