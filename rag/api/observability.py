"""What the server tells operators: Prometheus metrics (a registry per app), the JSON-lines audit log of
/v1 requests, one access-log line per request (logger ``ragqa.access``), and the request-body limit."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from rag.api.errors import error_response
from rag.engine import AskResult
from rag.policy import Caller

log = logging.getLogger("ragqa.api")
access_log = logging.getLogger("ragqa.access")


class Observability:
    """Metrics and the audit log of one app."""

    def __init__(self, settings: Settings) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("ragqa_requests", "HTTP requests", ["endpoint", "method", "status"], registry=self.registry)
        self.latency = Histogram("ragqa_request_seconds", "Request latency", ["endpoint"], registry=self.registry,
                                 buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
        self.abstentions = Counter("ragqa_abstentions", "Answers that abstained", registry=self.registry)
        self.fallbacks = Counter("ragqa_fallbacks", "LLM answers replaced by the extractive answer", registry=self.registry)
        self.audit_path = settings.index_dir / "audit.log"
        self.audit_questions = settings.audit_questions
        self._lock = threading.Lock()

    def answered(self, result: AskResult) -> None:
        """Count an abstention and a fallback (``AskResult.fallback``)."""
        if result.abstained:
            self.abstentions.inc()
        if result.fallback is not None:
            self.fallbacks.inc()

    def record(self, request: Request, endpoint: str, status: int, seconds: float) -> None:
        """Metrics for every request; an audit line (key name, never the key) for /v1 requests."""
        self.requests.labels(endpoint, request.method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)
        if not endpoint.startswith("/v1/"):
            return
        caller: Caller | None = getattr(request.state, "caller", None)
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "key": caller.name if caller else None,
                 "endpoint": endpoint, "method": request.method, "status": status,
                 "latency_ms": round(seconds * 1000, 1)}
        kb = getattr(request.state, "kb", None)
        if kb is not None:  # the knowledge base(s) the request read or changed
            entry["kb"] = kb
        question = getattr(request.state, "question", None)
        if self.audit_questions and question is not None:
            entry["question"] = question
        line = json.dumps(entry, ensure_ascii=False)
        try:
            with self._lock, self.audit_path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as e:  # an unwritable audit log never fails the request it records
            log.error("audit log not written (%s): %s", self.audit_path, e)


class ObserveRequests(BaseHTTPMiddleware):
    """Times every request; records metrics and audit, and logs one access line:
    ``METHOD path status ms key=<name or ->`` (the key's name, never the key; no query string)."""

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
        access_log.info("%s %s %d %.1fms key=%s", request.method, request.url.path, response.status_code,
                        seconds * 1000, caller.name if caller else "-")
        return response


class BodyLimit:
    """413 for a request body over the limit, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app, self.json_limit, self.upload_limit = app, json_limit, upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"].rstrip("/") == "/v1/documents" else self.json_limit
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        too_large = error_response(413, "too_large", f"请求体超过上限 {limit} 字节。")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await too_large(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLarge:
            await too_large(scope, receive, send)


class _BodyTooLarge(Exception):
    pass
