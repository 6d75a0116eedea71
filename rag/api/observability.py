"""What the server tells operators: Prometheus metrics (a registry per app), the audit of /v1 requests
(written by the access policy's ``AuditLog``), one access-log line per request (logger ``ragqa.access``), and the request-body limit."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from rag.api.errors import STATUS, error_response
from rag.engine import AskResult
from rag.policy import AccessPolicy, Caller, outcome_of

log = logging.getLogger("ragqa.api")
access_log = logging.getLogger("ragqa.access")


ACTIONS: dict[tuple[str, str], str] = {
    ("POST", "/v1/ask"): "ask", ("POST", "/v1/ask/stream"): "ask", ("POST", "/v1/chat/completions"): "ask",
    ("GET", "/v1/models"): "list_models", ("GET", "/v1/documents"): "list_documents",
    ("POST", "/v1/documents"): "upload", ("DELETE", "/v1/documents/{doc_id}"): "delete",
    ("GET", "/v1/documents/jobs/{job_id}"): "upload_status",
}
"""The audit action of each /v1 route (method, route template); the chat page names the same actions."""
MAX_LOGGED_PATH = 200  # characters of a request path written to the audit and access logs (a path can be 64 KB)

_OUTCOMES = {status: outcome_of(cls) for cls, (status, _) in sorted(STATUS.items(), key=lambda kv: len(kv[0].__mro__),
                                                                     reverse=True)}
_OUTCOMES.update({404: "not_found", 405: "method_not_allowed", 431: "headers_too_large", 500: "internal",
                  503: "unavailable"})


def outcome_of_status(status: int) -> str:
    """The audit outcome of an HTTP status: "ok" below 400, else the word the chat page would log for the
    domain error that status stands for (``rag.policy.outcome_of`` of ``STATUS``'s class)."""
    return "ok" if status < 400 else _OUTCOMES.get(status, f"http_{status}")


class Observability:
    """Metrics of one app, and its audit of /v1 requests through the access policy's audit log."""

    def __init__(self, settings: Settings, policy: AccessPolicy) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("ragqa_requests", "HTTP requests", ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("ragqa_request_seconds", "Request latency", ["endpoint"], registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.abstentions = Counter("ragqa_abstentions", "Answers that abstained", registry=self.registry)
        self.fallbacks = Counter("ragqa_fallbacks", "LLM answers replaced by the extractive answer", registry=self.registry)
        self.policy = policy

    def answered(self, result: AskResult) -> None:
        """Count an abstention and a fallback (``AskResult.fallback``)."""
        if result.abstained:
            self.abstentions.inc()
        if result.fallback is not None:
            self.fallbacks.inc()

    def record(self, request: Request, endpoint: str, status: int, seconds: float) -> None:
        """Metrics for every request; an audit line for every /v1 request (also those refused before a
        route ran): actor (key name, never the key; without one, the ``client`` address), action, document
        id / file names, outcome, status."""
        self.requests.labels(endpoint, request.method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)
        if not request.url.path.startswith("/v1/") or getattr(request.state, "audited", False):
            return
        caller: Caller | None = getattr(request.state, "caller", None)
        path = request.url.path.rstrip("/")[:MAX_LOGGED_PATH]
        action = ACTIONS.get((request.method, endpoint)) or ACTIONS.get((request.method, path), f"{request.method} {path}")
        self.policy.record(caller, "api", action, outcome_of_status(status), status=status,
                           client=None if caller else _client(request),
                           doc_id=request.path_params.get("doc_id") if endpoint != "other" else None,
                           files=getattr(request.state, "files", None), kb=getattr(request.state, "kb", None),
                           question=getattr(request.state, "question", None), latency_ms=round(seconds * 1000, 1),
                           job_id=getattr(request.state, "job_id", None))


class ObserveRequests(BaseHTTPMiddleware):
    """Times every request; records metrics and audit, and logs one access line:
    ``METHOD path status ms key=<name>`` (the key's name, never the key; no query string), or
    ``METHOD path status ms client=<address> key=-`` for a request without an authenticated caller."""

    def __init__(self, app: ASGIApp, observability: Observability) -> None:
        super().__init__(app)
        self.obs = observability

    async def dispatch(self, request: Request, call_next: Any) -> Any:
        t0 = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # pragma: no cover - the error handlers turn errors into responses
            log.exception("unhandled error")
            response = error_response(500, "internal", "服务器内部错误。")
        seconds = time.perf_counter() - t0
        route = request.scope.get("route")
        self.obs.record(request, getattr(route, "path", "other"), response.status_code, seconds)
        caller: Caller | None = getattr(request.state, "caller", None)
        # unauthenticated (no key, a wrong one, or refused before authentication): who sent it
        who = f"key={caller.name}" if caller else f"client={_client(request)} key=-"
        access_log.info("%s %s %d %.1fms %s", request.method, request.url.path[:MAX_LOGGED_PATH], response.status_code,
                        seconds * 1000, who)
        return response


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


UPLOAD_PATHS = ("/v1/documents", "/gradio_api/upload")
"""The routes that take files: the API's upload and the chat page's (gradio's upload route). Both get
``max_upload_bytes``; every other body ``max_body_bytes``."""


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a parsed JSON value holds a string with an unpaired UTF-16 surrogate (``"\\ud800"``), which no
    UTF-8 text can carry."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


class BodyLimit:
    """413 for a request body over the limit, whether announced by Content-Length or streamed (chunked);
    422 for a JSON body holding a lone UTF-16 surrogate. JSON bodies (at most ``json_limit`` bytes) are read
    here whole; other bodies are counted as the app reads them and the app's answer is replaced by the 413."""

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].rstrip("/") in UPLOAD_PATHS else self.json_limit
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        too_large = error_response(413, "too_large", f"请求体超过上限 {limit} 字节。")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(scope, receive, send)
            return
        if headers.get(b"content-type", b"").split(b";")[0].strip().lower() == b"application/json":
            await self._json(scope, receive, send, limit, too_large)
            return
        await self._streamed(scope, receive, send, limit, too_large)

    async def _json(self, scope: Scope, receive: Receive, send: Send, limit: int, too_large: Any) -> None:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body.extend(message.get("body", b""))
            if len(body) > limit:
                await too_large(scope, receive, send)
                return
            if not message.get("more_body"):
                break
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None  # the route answers malformed JSON itself
        if _has_lone_surrogate(parsed):
            await error_response(422, "invalid_request", "请求中含有无效的 Unicode 字符（不成对的代理项）。")(
                scope, receive, send)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int, too_large: Any) -> None:
        seen, over, started = 0, False, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                over = True
                raise _BodyTooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # the app's answer to a body it could not finish reading: replaced by the 413
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except _BodyTooLarge:
            pass
        if over and not started:
            await too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
