"""FastAPI adapters of the access policy (``rag/policy.py``): read the Bearer key from the request,
authenticate, check the role, and remember the caller on ``request.state`` for the audit and access logs;
plus the request guards every path passes (the API's and the chat page's ``/gradio_api/*`` alike):
``SameOrigin`` (CSRF: cross-site state-changing requests refused) and ``HeaderLimit`` (431)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from core.errors import UnsupportedMedia
from rag.api.errors import error_response
from rag.policy import ANONYMOUS, AccessPolicy, Caller, RateLimiter

__all__ = ["ANONYMOUS", "AccessPolicy", "Caller", "HeaderLimit", "RateLimiter", "SameOrigin", "address", "admin",
           "multipart", "reader"]


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def reader(request: Request) -> Caller:
    """Any valid key (or anyone while auth is off). Raises ``Unauthorized`` / ``RateLimited``."""
    policy: AccessPolicy = request.app.state.policy
    caller = policy.authenticate(_bearer(request), _client(request))
    request.state.caller = caller
    return caller


def admin(request: Request) -> Caller:
    """An admin key (or anyone while auth is off). Raises as ``reader``, and ``Forbidden`` for a reader key."""
    return AccessPolicy.require_admin(reader(request))


def address(request: Request) -> None:
    """For unauthenticated routes that do real work (``/readyz`` runs a query): one token of the client
    address's rate limit. Raises ``RateLimited``."""
    request.app.state.policy.throttle_address(_client(request))


def multipart(request: Request) -> None:
    """Uploads take ``multipart/form-data`` only (a type no JSON client sends by mistake); raises
    ``UnsupportedMedia`` otherwise. Checked before authentication, so it holds with auth off too."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        raise UnsupportedMedia("上传请使用 multipart/form-data。")


STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SameOrigin:
    """CSRF protection for every state-changing request (POST/PUT/PATCH/DELETE, any path): refused with 403
    when the browser says it comes from another origin — ``Sec-Fetch-Site`` other than ``same-origin`` /
    ``none`` (another port of the same host is ``same-site``, and refused), or, from browsers that do not
    send it, an ``Origin`` whose host:port is not this server's ``Host`` (or ``X-Forwarded-Host``) —
    unless the origin is in ``allowed`` (``Settings.cors_allow_origins``). Requests without either header
    (curl, the SDKs, scripts) are not from a browser page and pass. A refusal is audited."""

    def __init__(self, app: ASGIApp, allowed: list[str], policy: AccessPolicy) -> None:
        self.app, self.allowed, self.policy = app, frozenset(allowed), policy

    def cross_origin(self, headers: Headers) -> bool:
        origin = headers.get("origin")
        if origin is not None and origin.rstrip("/") in self.allowed:
            return False
        site = headers.get("sec-fetch-site")
        if site is not None:
            return site not in ("same-origin", "none")
        if origin is None:
            return False
        netloc = urlsplit(origin).netloc if origin != "null" else ""
        return netloc not in {h for h in (headers.get("host"), headers.get("x-forwarded-host")) if h}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING and self.cross_origin(Headers(scope=scope)):
            headers = Headers(scope=scope)
            self.policy.record(None, "api" if scope["path"].startswith("/v1/") else "page", "cross_origin_request",
                               "forbidden", method=scope["method"], path=scope["path"],
                               origin=headers.get("origin"), site=headers.get("sec-fetch-site"))
            scope.setdefault("state", {})["audited"] = True
            await error_response(403, "forbidden", "跨站请求被拒绝：请从本系统的页面操作。")(scope, receive, send)
            return
        await self.app(scope, receive, send)


class HeaderLimit:
    """431 for a request whose header lines (names and values, +4 bytes each) total over ``limit`` bytes
    (``Settings.max_header_bytes``). It runs after uvicorn has parsed the headers, so it bounds what the
    app accepts, not what the HTTP parser buffered; a reverse proxy's header limit bounds that."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and sum(len(k) + len(v) + 4 for k, v in scope.get("headers") or []) > self.limit:
            await error_response(431, "headers_too_large", f"请求头超过上限 {self.limit} 字节。")(scope, receive, send)
            return
        await self.app(scope, receive, send)
