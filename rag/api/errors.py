"""One table from domain errors (``core/errors.py``) to HTTP status and error code, and the handlers that
answer every failure — domain errors, validation errors, unknown routes (404), wrong methods (405),
crashes (500) — with the same envelope: ``{"error": {"code": str, "message": str}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    Busy,
    Forbidden,
    Invalid,
    NotFound,
    NotReady,
    RagqaError,
    RateLimited,
    StorageError,
    TooLarge,
    Unauthorized,
    UnsafeBind,
    UnsupportedMedia,
    UpstreamError,
)
from rag.api.schemas import ErrorResponse

log = logging.getLogger("ragqa.api")

STATUS: dict[type[RagqaError], tuple[int, str]] = {
    RagqaError: (400, "bad_request"),
    Unauthorized: (401, "unauthorized"),
    Forbidden: (403, "forbidden"),
    NotFound: (404, "not_found"),
    Busy: (409, "busy"),
    TooLarge: (413, "too_large"),
    UnsupportedMedia: (415, "unsupported_media_type"),
    Invalid: (422, "invalid_request"),
    RateLimited: (429, "rate_limited"),
    UnsafeBind: (500, "unsafe_bind"),
    UpstreamError: (502, "upstream_error"),
    NotReady: (503, "not_ready"),
    StorageError: (503, "storage_unavailable"),
}
"""Status and code of each domain error; a subclass (``IndexBusy``, ``LoadError``…) takes its nearest ancestor's."""

HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type"}

RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse} for s in (401, 403, 413, 415, 422, 429, 503)
}
"""The documented error responses of a /v1 route (OpenAPI)."""


def status_of(exc: RagqaError) -> tuple[int, str]:
    """(HTTP status, error code) of a domain error, by its nearest mapped class."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return STATUS[RagqaError]


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error envelope as a response."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RagqaError)
    status, code = status_of(exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return error_response(status, code, exc.message, headers)


async def _invalid(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    parts = []
    for e in exc.errors()[:5]:
        if e.get("type") == "json_invalid":  # pydantic's "JSON decode error" names neither the body nor the place
            at = next((x for x in reversed(e.get("loc", ())) if isinstance(x, int)), None)
            parts.append("请求体不是有效的 JSON" + (f"（第 {at} 个字符附近）" if at is not None else "")
                         + f": {e.get('ctx', {}).get('error', e.get('msg', 'invalid'))}")
            continue
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body")
        parts.append(f"{where or 'body'}: {e.get('msg', 'invalid')}")
    return error_response(422, "invalid_request", "; ".join(parts) or "invalid request")


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}) or None)


async def _crash(_: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled %s", type(exc).__name__)
    return error_response(500, "internal", "服务器内部错误。")


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with the envelope (also used on the mounted chat-page app, so an
    unknown route under / answers like one under /v1)."""
    app.add_exception_handler(RagqaError, _domain)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _crash)


__all__ = ["RESPONSES", "STATUS", "error_response", "install", "status_of"]
