"""The ``/v1`` HTTP API: OpenAI chat completions with citations, search, models, health.

It runs on the same :class:`~assistant.ui.engine.Engine` as the UI, so an
API question waits in the same line for the local model as a browser's,
and both see the same index. Every failure leaves as OpenAI's error
shape with the same one-line message the CLI prints; a traceback only
ever reaches the log.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse

from assistant.access import Access, Caller, RateLimiter
from assistant.answer.model import Answer, StreamEvent
from assistant.answer.question import clean_question
from assistant.api.wire import ChatRequest, Completion, SearchRequest, conversation, error_body, sse
from assistant.errors import (
    AssistantError,
    BackendError,
    BusyError,
    ConfigError,
    IndexError_,
    ModelError,
    QuestionError,
    QueueTimeout,
)
from assistant.ui.engine import Engine
from assistant.ui.queue import Ticket
from assistant.ui.session import BACKENDS, Prefs, backend_choice, default_prefs

log = logging.getLogger("assistant.api")
INTERNAL = "Internal error; the server's log has the details."


class APIError(Exception):
    """An error that already knows its HTTP status and OpenAI type."""

    def __init__(self, status: int, message: str, kind: str, code: str | None = None, retry_after: float = 0) -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code, self.retry_after = status, message, kind, code, retry_after


def api_error(err: AssistantError) -> APIError:
    """Our error tree onto HTTP: the caller's fault is 4xx, the server's state 503."""
    msg = str(err)
    if isinstance(err, QueueTimeout):
        return APIError(503, msg, "server_error", "queue_timeout", retry_after=30)
    if isinstance(err, BusyError):
        return APIError(429, msg, "rate_limit_error", "queue_full", retry_after=5)
    if isinstance(err, QuestionError | ConfigError):
        return APIError(400, msg, "invalid_request_error", "invalid_request")
    if isinstance(err, BackendError | ModelError | IndexError_):
        return APIError(503, msg, "server_error", "backend_unavailable")
    return APIError(500, msg, "server_error", "internal_error")


def model_ids(engine: Engine) -> list[str]:
    """The backend profiles a request's ``model`` may name: the server's default first, then the UI's."""
    prefs = default_prefs(engine.settings)
    default = backend_choice(engine.settings)
    # An OpenAI-compatible server has no default URL: it is offered once the settings name one.
    usable = [b for b in BACKENDS if b != "openai" or prefs.openai_url]
    return [default, *(b for b in usable if b != default)]


def _json_error(err: APIError) -> JSONResponse:
    headers = {"Retry-After": str(max(1, round(err.retry_after)))} if err.retry_after else None
    return JSONResponse(error_body(err.message, err.kind, err.code), status_code=err.status, headers=headers)


async def _api_error(request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, APIError)
    return _json_error(err)


async def _bug(request: Request, err: Exception) -> JSONResponse:
    log.error("%s %s failed", request.method, request.url.path, exc_info=err)
    return _json_error(APIError(500, INTERNAL, "server_error", "internal_error"))


async def _invalid(request: Request, err: Exception) -> JSONResponse:
    """A malformed body: one line naming the first bad field, like a settings error."""
    problems = err.errors() if isinstance(err, RequestValidationError) else []
    first = problems[0] if problems else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = f"Invalid request: {where + ': ' if where else ''}{first.get('msg', 'invalid')}."
    return _json_error(APIError(400, message, "invalid_request_error", "invalid_request"))


def create_api(engine: Engine, access: Access, app: FastAPI | None = None) -> FastAPI:
    """Add the API's routes to ``app`` (a new one by default), on which the UI may be mounted as well."""
    app = app or FastAPI(title="summit-assistant", docs_url="/v1/docs", openapi_url="/v1/openapi.json")
    routes = Routes(engine, access)
    app.add_exception_handler(APIError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(Exception, _bug)
    app.add_api_route("/healthz", routes.healthz, methods=["GET"], include_in_schema=False)
    app.add_api_route("/readyz", routes.readyz, methods=["GET"], include_in_schema=False)
    keyed = [Depends(routes.caller)]
    app.add_api_route("/v1/models", routes.models, methods=["GET"], dependencies=keyed)
    app.add_api_route("/v1/chat/completions", routes.chat, methods=["POST"], dependencies=keyed, response_model=None)
    app.add_api_route("/v1/search", routes.search, methods=["POST"], dependencies=keyed)
    return app


class Routes:
    """The API's handlers over one Engine; FastAPI runs these plain functions in its thread pool."""

    def __init__(self, engine: Engine, access: Access) -> None:
        self.engine = engine
        self.access = access
        self.cfg = engine.settings.server
        self.limiter = RateLimiter(self.cfg.rate_limit_per_minute)

    def caller(self, request: Request) -> Caller:
        """The key's owner (401 without one), within the owner's rate limit (429 beyond it)."""
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header[:7].lower() == "bearer " else None
        who = self.access.caller(key)
        if who is None:  # the key itself is never logged
            log.info("refused a request with %s API key", "a wrong" if key else "no")
            raise APIError(401, "Incorrect or missing API key.", "authentication_error", "invalid_api_key")
        name = who.name if self.access.enabled else (request.client.host if request.client else "local")
        wait = self.limiter.wait_s(name)
        if wait > 0:
            limit = f"Rate limit reached: {self.cfg.rate_limit_per_minute} requests a minute."
            raise APIError(429, limit, "rate_limit_error", "rate_limit_exceeded", retry_after=wait)
        request.state.caller = who
        return who

    def healthz(self) -> dict[str, str]:
        return {"status": "ok"}

    def readyz(self) -> JSONResponse:
        ready = self.engine.ready.is_set()
        gate = self.engine.gate
        body = {"status": "ready" if ready else "loading", "queue": {"busy": gate.busy, "waiting": gate.waiting}}
        return JSONResponse(body, status_code=200 if ready else 503)

    def models(self) -> dict[str, Any]:
        ids = model_ids(self.engine)
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "created": 0, "owned_by": "summit-assistant"} for m in ids],
        }

    def _prefs(self, model: str) -> Prefs:
        ids = model_ids(self.engine)
        if model and model not in ids:
            known = f"Unknown model {model!r}; known: {', '.join(ids)}."
            raise APIError(404, known, "invalid_request_error", "model_not_found")
        return default_prefs(self.engine.settings).with_(backend=model or ids[0])

    def chat(self, body: ChatRequest, request: Request) -> JSONResponse | StreamingResponse:
        prefs = self._prefs(body.model)
        reply = Completion(body.model or prefs.backend)
        ticket = Ticket(max_waiting=self.cfg.queue_max, deadline=time.monotonic() + self.cfg.queue_timeout_s)
        try:
            question, history = conversation(body.messages)
            events = self.engine.assistant(prefs, ticket).ask_stream(question, history)
            if not body.stream:
                answer = _last(events)
                who = request.state.caller.name
                log.info("api answer for %s: refused=%s reason=%s", who, answer.refused, answer.reason or "-")
                return JSONResponse(reply.body(answer))
            first = _until_model_starts(events)
        except AssistantError as err:
            ticket.cancel()
            raise api_error(err) from err
        return StreamingResponse(_sse(reply, first, events, ticket), media_type="text/event-stream")

    def search(self, body: SearchRequest) -> dict[str, Any]:
        try:
            result = self.engine.retriever().retrieve(clean_question(body.query), k=body.k, mode=body.mode)
        except AssistantError as err:
            raise api_error(err) from err
        return {
            "object": "list",
            "relevant": result.relevant,
            "data": [h.to_dict() for h in result.hits],
            "timings_ms": {k: round(v, 1) for k, v in result.timings_ms.items()},
        }


def _last(events: Iterator[StreamEvent]) -> Answer:
    answer: Answer | None = None
    for event in events:
        if event.answer is not None:
            answer = event.answer
    if answer is None:  # pragma: no cover - ask_stream always ends with its answer
        raise BackendError("The answer stream ended without an answer.")
    return answer


def _until_model_starts(events: Iterator[StreamEvent]) -> list[StreamEvent]:
    """Read the stream until the model writes (or the answer is decided without it).

    Why: a full queue, a backend that is down or an empty question must
    still get their own HTTP status, and once a stream's 200 has gone out
    they could only be an event inside it.
    """
    seen: list[StreamEvent] = []
    for event in events:
        seen.append(event)
        if event.kind != "passages":
            break
    return seen


def _sse(reply: Completion, first: list[StreamEvent], events: Iterator[StreamEvent], ticket: Ticket) -> Iterator[str]:
    """The stream's body: the role at once, then the checked answer, then ``[DONE]``.

    The model's draft is not sent as it is written: the answer checks may
    still replace it (a quote) or refuse it, and a client cannot take back
    text it was sent. So the answer streams once it has passed its checks.
    """
    yield reply.chunk({"role": "assistant", "content": ""})
    try:
        answer = _last(itertools.chain(first, events))
    except AssistantError as err:
        e = api_error(err)
        yield sse(error_body(e.message, e.kind, e.code))
        return
    except Exception:
        log.exception("the answer stream failed")
        yield sse(error_body(INTERNAL, "server_error", "internal_error"))
        return
    finally:
        ticket.cancel()  # a client that went away frees the model at its next token
    yield from reply.stream(answer)
