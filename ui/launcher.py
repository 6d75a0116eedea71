"""The launcher: the HTTP API (``rag.api.app.create_app``) with the chat page mounted at /.

``build_app(settings) -> FastAPI`` is what ``ragqa serve`` runs. The page shares the API's service and
access policy objects (one index, one key store), and unknown routes under / answer with the API's
error envelope."""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import gradio as gr
from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import CsrfRefused, RateLimited
from core.settings import Settings
from rag.api import errors
from rag.api.app import create_app
from rag.keys import KeyInfo
from rag.policy import AccessPolicy, SessionUser, outcome_of
from rag.service import RagService
from ui.page import CSS, THEME, build

PAGE_LOCALE = "zh-CN"
"""The page's language whatever the browser's: gradio picks its built-in labels ("Drop File Here"…)
from ``navigator.language``, so the page is served with that set to Chinese before gradio starts."""

MISSING_TRANSLATIONS = gr.I18n(**{PAGE_LOCALE: {"common": {"complete": "完成"}}})
"""Gradio's own labels its Chinese translation lacks (it would show the key, "common.complete")."""

_LOCALE_SCRIPT = (
    "<script>(()=>{const l='LOCALE';try{Object.defineProperty(navigator,'language',{get:()=>l});"
    "Object.defineProperty(navigator,'languages',{get:()=>[l]});}catch(e){}})();</script>"
).replace("LOCALE", PAGE_LOCALE).encode()


async def _edit_html(app: ASGIApp, scope: Scope, receive: Receive, send: Send, head: bytes,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Run ``app`` and insert ``head`` right after ``<head>`` of its response when that is HTML, adding
    ``headers`` (e.g. ``set-cookie``) to it; other responses pass unchanged."""
    start: dict[str, Any] = {}
    body = bytearray()

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        body.extend(message.get("body", b""))
        if message.get("more_body"):
            return
        out_headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        content_type = next((v for k, v in out_headers if k.lower() == b"content-type"), b"")
        out = bytes(body)
        if content_type.startswith(b"text/html"):
            out = out.replace(b"<head>", b"<head>" + head, 1)
            out_headers += headers or []
        out_headers.append((b"content-length", str(len(out)).encode()))
        await send({**start, "headers": out_headers})
        await send({"type": "http.response.body", "body": out})

    await app(scope, receive, capture)


class PageLocale:
    """Inserts ``_LOCALE_SCRIPT`` right after ``<head>`` of the HTML page at ``path`` (GET only)."""

    def __init__(self, app: ASGIApp, path: str = "/") -> None:
        self.app, self.path = app, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        await _edit_html(self.app, scope, receive, send, _LOCALE_SCRIPT)


class ApiMethodGuard:
    """405 (with ``Allow``) for an API path called with a method it does not take. Without it the page,
    mounted at / and so matching every path, would answer such a request with its own 404."""

    METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def __init__(self, app: ASGIApp, routes: list[BaseRoute]) -> None:
        self.app, self.routes = app, routes

    def _match(self, scope: Scope, method: str) -> Match:
        probe = {**scope, "method": method}
        return max((r.matches(probe)[0] for r in self.routes), key=lambda m: m.value, default=Match.NONE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._match(scope, scope["method"]) == Match.PARTIAL:
            allow = ", ".join(m for m in self.METHODS if self._match(scope, m) == Match.FULL)
            await errors.error_response(405, "method_not_allowed", "Method Not Allowed", {"Allow": allow})(
                scope, receive, send)
            return
        await self.app(scope, receive, send)


_LOGIN: ContextVar[KeyInfo | None] = ContextVar("ragqa_page_login", default=None)


class PageSessions:
    """Gradio's login table (``App.tokens``: cookie token → user name) replaced by the access policy's
    sessions (``rag.policy.Sessions``). Gradio calls ``login`` (its ``auth`` callable) and then, in the
    same request, stores the new cookie token here: the token is bound to a session of the key just
    verified (its ``key_id`` and ``secret_hash``). Every look-up — gradio makes one for each page and
    ``/gradio_api`` request — checks that session against the key store, so a revoked or re-created key
    logs its sessions out at their next request; the user name handed to the page is a ``SessionUser``.
    Gradio's ``/logout`` deletes the token, which closes the session."""

    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy
        self._sid: dict[str, str] = {}

    def login(self, name: str, secret: str) -> bool:
        info = self.policy.verify_login(name, secret)
        _LOGIN.set(info)
        self.policy.record(info.name if info else None, "page", "login", "ok" if info else "unauthorized")
        return info is not None

    def __setitem__(self, token: str, username: str) -> None:
        info = _LOGIN.get()
        _LOGIN.set(None)
        if info is not None and info.name == username:
            self._sid[token] = self.policy.sessions.open(info)  # (open() drops expired sessions)
            self._sid = {t: sid for t, sid in self._sid.items() if self.policy.sessions.name_of(sid) is not None}

    def get(self, token: str | None, default: Any = None) -> SessionUser | Any:
        sid = self._sid.get(token) if token else None
        if sid is None:
            return default
        name = self.policy.sessions.name_of(sid)
        if name is None or self.policy.sessions.caller(sid) is None:
            self._sid.pop(token, None)  # type: ignore[arg-type]
            self.policy.record(name, "page", "session_end", "unauthorized")  # revoked, re-created or expired
            return default
        return SessionUser(name, sid)

    def __getitem__(self, token: str) -> SessionUser | None:
        return self.get(token)

    def __delitem__(self, token: str) -> None:
        sid = self._sid.pop(token, None)
        if sid is not None:
            self.policy.sessions.close(sid)

    def __contains__(self, token: object) -> bool:
        return token in self._sid

    def keys(self) -> list[str]:
        return list(self._sid)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._sid))

    def __len__(self) -> int:
        return len(self._sid)


LOGIN_COOKIE = "ragqa-login"
"""The cookie holding the browser id the login form's CSRF token is bound to (``rag.policy.LoginTokens``)."""
LOGIN_HEADER = "x-ragqa-login-token"
"""The header the page's login form sends its CSRF token in (added by ``_LOGIN_SCRIPT``)."""

_LOGIN_SCRIPT = (
    '<meta name="ragqa-login-token" content="TOKEN">'
    "<script>(()=>{const f=window.fetch;window.fetch=function(input,init){try{"
    "const u=new URL(typeof input==='string'||input instanceof URL?input:input.url,location.href);"
    "if(u.origin===location.origin&&/\\/login\\/?$/.test(u.pathname)&&init&&String(init.method).toUpperCase()==='POST'){"
    "const h=new Headers(init.headers||{});"
    "h.set('HEADER',document.querySelector('meta[name=ragqa-login-token]').content);init={...init,headers:h};}"
    "}catch(e){}return f.call(this,input,init);};})();</script>"
).replace("HEADER", LOGIN_HEADER)
"""Gradio's login form posts with ``fetch``; this adds the page's login token to that one request."""


class LoginGuard:
    """The page's login form (``POST /login``) while authentication is on. Its CSRF token: the HTML page (GET
    ``/``) gets a browser-id cookie (``LOGIN_COOKIE``: HttpOnly, SameSite=Strict; a new one when absent) and
    carries the matching token (``AccessPolicy.login_tokens``), which ``_LOGIN_SCRIPT`` sends in
    ``LOGIN_HEADER``; a login without it (or with another browser's) is refused with 403 and audited
    (``login``, ``csrf_refused``) before the key is even looked at. Then each attempt costs the client address a
    rate-limit token (``AccessPolicy.throttle_address``): 429 beyond, so keys cannot be guessed at the page's
    speed. Logout (gradio's ``GET /logout``, a link) is refused (403, audited) when the browser marks it as
    coming from another site (``Sec-Fetch-Site``), so an image on another page cannot log the official out."""

    def __init__(self, app: ASGIApp, policy: AccessPolicy, path: str = "/") -> None:
        self.app, self.policy, self.path = app, policy, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.policy.enabled:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET" and scope["path"] == self.path:
            browser = Request(scope).cookies.get(LOGIN_COOKIE)
            headers = []
            if not browser:
                browser = self.policy.login_tokens.new_browser()
                headers.append((b"set-cookie", f"{LOGIN_COOKIE}={browser}; Path=/; HttpOnly; SameSite=Strict".encode()))
            head = _LOGIN_SCRIPT.replace("TOKEN", self.policy.login_tokens.token_for(browser)).encode()
            await _edit_html(self.app, scope, receive, send, head, headers)
            return
        if scope["method"] == "GET" and scope["path"].rstrip("/") == "/logout" and Request(scope).headers.get(
                "sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            client = scope.get("client")
            self.policy.record(None, "page", "logout", "forbidden", client=client[0] if client else "?",
                               site=Request(scope).headers.get("sec-fetch-site"))
            await errors.error_response(403, "forbidden", "跨站请求被拒绝：请从本系统的页面操作。")(scope, receive, send)
            return
        if scope["method"] == "POST" and scope["path"].rstrip("/") == "/login":
            request = Request(scope)
            client = scope.get("client")
            try:
                self.policy.login_tokens.check(request.cookies.get(LOGIN_COOKIE), request.headers.get(LOGIN_HEADER))
                self.policy.throttle_address(client[0] if client else "?")
            except CsrfRefused as e:
                self.policy.record(None, "page", "login", outcome_of(e), client=client[0] if client else "?")
                await errors.error_response(403, "forbidden", e.message)(scope, receive, send)
                return
            except RateLimited as e:
                await errors.error_response(429, "rate_limited", e.message, {"Retry-After": str(e.retry_after)})(
                    scope, receive, send)
                return
        await self.app(scope, receive, send)


def mount_page(app: FastAPI, service: RagService) -> FastAPI:
    """Mount the chat page at / of ``app`` (built by ``create_app``), with key login when auth is on:
    sessions bound to the key (``PageSessions``), uploads up to the API's ``max_upload_bytes``."""
    policy: AccessPolicy = app.state.policy
    sessions = PageSessions(policy)
    api_routes = list(app.router.routes)
    page = build(service, policy)
    # gradio accepts a file named by a request only from its own upload folder (processing_utils._check_allowed),
    # but skips that check until the Blocks "has launched", which mount_gradio_app never marks: without this, a
    # call to the page's upload event naming /etc/… or any server file would have it read and ingested
    page.has_launched = True
    app = gr.mount_gradio_app(
        app, page, path="/", auth=sessions.login if policy.enabled else None,
        auth_message="请用密钥登录：用户名为密钥名称，密码为密钥。", show_error=False,
        theme=THEME, css=CSS, footer_links=[], i18n=MISSING_TRANSLATIONS,
        max_file_size=policy.max_upload_bytes,
    )
    for route in app.routes:
        if isinstance(route, Mount) and route.path in ("", "/") and isinstance(route.app, FastAPI):
            errors.install(route.app)
            if hasattr(route.app, "tokens"):
                route.app.tokens = sessions
    # innermost (after the API's access log and body limit, which then see these responses too)
    app.user_middleware.append(Middleware(LoginGuard, policy=policy, path="/"))
    app.user_middleware.append(Middleware(ApiMethodGuard, routes=api_routes))
    app.user_middleware.append(Middleware(PageLocale, path="/"))
    return app


def build_app(settings: Settings, service: RagService | None = None) -> FastAPI:
    """The whole server: API routes, /docs, and the chat page at /."""
    app = create_app(settings, service)
    return mount_page(app, app.state.service)


__all__ = ["build_app", "mount_page"]
