"""The HTTP API: `create_app(settings) -> FastAPI`. Routes validate, call the service, return models."""


import ipaddress
import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import Invalid, NotReady, RagqaError
from core.settings import Settings
from rag.api.schemas import AskRequest, ChatRequest, ChatResponse, DocumentOut, ErrorResponse, IngestOut
from rag.api.security import Auth, Caller, RateLimiter
from rag.engine import AskResult, Turn
from rag.keys import KeyStore
from rag.service import RagService, Upload

log = logging.getLogger("ragqa.api")
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse} for s in (401, 403, 413, 415, 422, 429, 503)
}


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings, host: str) -> None:
    """Bound beyond loopback, the service refuses to start without API keys."""
    if not is_loopback(host) and KeyStore(settings).count() == 0:
        raise RagqaError(
            f"refusing to listen on {host} without API keys: create one with "
            "`ragqa keys create --name NAME --role admin`, or bind to 127.0.0.1"
        )


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
        too_large = _error(413, "too_large", f"请求体超过上限 {limit} 字节。")
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


class Observability:
    """Prometheus metrics (a registry per app) and the JSON-lines audit log."""

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
        if result.abstained:
            self.abstentions.inc()
        if any("已改用原文摘录" in n for n in result.notices):
            self.fallbacks.inc()

    def record(self, request: Request, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, request.method, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)
        if not endpoint.startswith("/v1/"):
            return
        caller: Caller | None = getattr(request.state, "caller", None)
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "key": caller.name if caller else None,
                 "endpoint": endpoint, "method": request.method, "status": status,
                 "latency_ms": round(seconds * 1000, 1)}
        question = getattr(request.state, "question", None)
        if self.audit_questions and question is not None:
            entry["question"] = question
        line = json.dumps(entry, ensure_ascii=False)
        try:
            with self._lock, self.audit_path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as e:  # an unwritable audit log never fails the request it records
            log.error("audit log not written (%s): %s", self.audit_path, e)


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _split_chat(req: ChatRequest) -> tuple[str, list[Turn]]:
    turns = [m for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise Invalid("the last message must be a user message (the question)")
    history = [Turn(role=m.role, content=m.text()) for m in turns[:-1]]  # type: ignore[arg-type]
    return turns[-1].text(), history


def create_app(settings: Settings, service: RagService | None = None, mount_ui: bool = True) -> FastAPI:
    service = service or RagService(settings)
    keys = KeyStore(settings)
    auth = Auth(keys, settings.require_auth, RateLimiter(settings.rate_limit_per_minute))
    obs = Observability(settings)
    app = FastAPI(
        title="ragqa API",
        version="1.0",
        description="Grounded, cited answers over Chinese policy documents. Authenticate with "
        "`Authorization: Bearer <key>` once keys exist (`ragqa keys create`). Errors are "
        '`{"error": {"code", "message"}}`. The OpenAI-compatible endpoints accept the official `openai` SDK '
        "with `base_url=<server>/v1` and model `ragqa`; their responses carry `citations` beside `choices`.",
    )
    app.state.service = service
    app.state.settings = settings
    app.state.keys = keys
    app.add_middleware(BodyLimit, json_limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes)

    Reader = Annotated[Caller, Depends(auth.reader)]
    Admin = Annotated[Caller, Depends(auth.admin)]

    @app.middleware("http")
    async def observe(request: Request, call_next: Any) -> Any:
        t0 = time.perf_counter()
        route = request.scope.get("route")
        try:
            response = await call_next(request)
        except Exception:  # pragma: no cover - the handlers below turn errors into responses
            log.exception("unhandled error")
            response = _error(500, "internal", "服务器内部错误。")
        route = request.scope.get("route") or route
        endpoint = getattr(route, "path", "other")
        obs.record(request, endpoint, response.status_code, time.perf_counter() - t0)
        return response

    @app.exception_handler(RagqaError)
    async def ragqa_error(_: Request, exc: RagqaError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors()[:5]:
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
            parts.append(f"{where or 'body'}: {e.get('msg', 'invalid')}")
        return _error(422, "invalid_request", "; ".join(parts) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s", type(exc).__name__)
        return _error(500, "internal", "服务器内部错误。")

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses=ERRORS)
    def readyz() -> dict[str, Any]:
        state = service.readiness()  # stores agree, Chroma reachable, last write succeeded
        if not state["ready"]:
            raise NotReady("; ".join(state["reasons"]))
        r = service.ask("扩权强镇")  # answers end to end, or raises NotReady (503)
        return {"status": "ready", "documents": state["documents"], "answer_ms": r.timings_ms["total"]}

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(obs.registry).decode(), media_type="text/plain; version=0.0.4")

    @app.post("/v1/ask", response_model=AskResult, tags=["ask"], responses=ERRORS)
    def ask(body: AskRequest, request: Request, caller: Reader) -> AskResult:
        request.state.question = body.question
        result = service.ask(body.question, body.history, body.top_k)
        obs.answered(result)
        return result

    @app.post("/v1/ask/stream", tags=["ask"], responses=ERRORS,
              response_description="Server-sent events: `token` {text}… (a `reset` event discards the tokens "
              "so far when an LLM answer failed verification), then `citations` [..], then `done` (the /v1/ask JSON).")
    def ask_stream(body: AskRequest, request: Request, caller: Reader) -> StreamingResponse:
        request.state.question = body.question
        events = service.ask_stream(body.question, body.history, body.top_k)

        def gen() -> Iterator[str]:
            for kind, payload in events:
                if kind == "token":
                    yield _sse("token", {"text": payload})
                elif kind == "reset":
                    yield _sse("reset", {})
                elif kind == "citations":
                    yield _sse("citations", payload)
                elif kind == "done":
                    obs.answered(payload)
                    yield _sse("done", payload.model_dump())

        return StreamingResponse(gen(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @app.get("/v1/models", tags=["openai"])
    def models(caller: Reader) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "ragqa", "object": "model", "created": 0, "owned_by": "ragqa"}]}

    @app.post("/v1/chat/completions", tags=["openai"], response_model=ChatResponse, responses=ERRORS)
    def chat(body: ChatRequest, request: Request, caller: Reader) -> Any:
        question, history = _split_chat(body)
        request.state.question = question
        result = service.ask(question, history)
        obs.answered(result)
        cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
        citations = [c.model_dump() for c in result.citations]
        if not body.stream:
            return ChatResponse(
                id=cid, created=created, choices=[{"index": 0, "message": {"role": "assistant", "content": result.answer},
                                                   "finish_reason": "stop"}],
                usage={"prompt_tokens": len(question), "completion_tokens": len(result.answer),
                       "total_tokens": len(question) + len(result.answer)},
                citations=result.citations, abstained=result.abstained,
            )

        def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
            data = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": "ragqa",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

        def gen() -> Iterator[str]:
            # only the verified answer is streamed, so what a portal shows is what was checked
            yield chunk({"role": "assistant", "content": ""})
            text = result.answer
            for i in range(0, len(text), 8):
                yield chunk({"content": text[i : i + 8]})
            yield chunk({}, "stop", citations=citations, abstained=result.abstained)
            yield "data: [DONE]\n\n"

        return StreamingResponse(gen(), media_type="text/event-stream")

    @app.get("/v1/documents", response_model=list[DocumentOut], tags=["admin"], responses=ERRORS)
    def documents(caller: Admin) -> list[DocumentOut]:
        return [DocumentOut(doc_id=d.doc_id, title=d.title, source=d.source, chunks=d.n_chunks,
                            ingested_at=d.ingested_at) for d in service.documents()]

    @app.post("/v1/documents", response_model=IngestOut, tags=["admin"], responses=ERRORS)
    async def upload(files: Annotated[list[UploadFile], File(description="One or more documents")], caller: Admin) -> IngestOut:
        items = [Upload(f.filename or "", await f.read()) for f in files]
        from starlette.concurrency import run_in_threadpool

        summary = await run_in_threadpool(service.upload, items)
        return IngestOut(**summary.to_dict())

    @app.delete("/v1/documents/{doc_id}", tags=["admin"], responses=ERRORS)
    def delete(doc_id: str, caller: Admin) -> dict[str, str]:
        service.delete(doc_id)
        return {"deleted": doc_id}

    if mount_ui:
        try:
            from ui.page import mount
        except ImportError:  # the chat page is optional for API-only deployments
            pass
        else:
            app = mount(app, service, auth)
    return app
