"""Who may do what, for both front doors: API keys (Bearer), chat-page sessions bound to a key, roles,
a rate limit per key (per client address for failed authentication and unauthenticated work), the
upload size limit, the audit log, and the bind check.

The HTTP API wraps it in FastAPI dependencies (``rag/api/security.py``); the chat page (``ui/page.py``)
calls ``page_caller`` / ``audit`` in every handler. It knows nothing of HTTP: failures are domain errors
from ``core/errors.py``."""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select

from core.errors import (
    CsrfRefused,
    Forbidden,
    NotFound,
    RagqaError,
    RateLimited,
    TooLarge,
    Unauthorized,
    UnsafeBind,
)
from core.settings import Settings, is_loopback
from rag.database import audit, engine_for
from rag.keys import KeyInfo, KeyStore

log = logging.getLogger("ragqa.policy")


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the key's name (never the key), its role and the ``key_id`` of the key
    (``KeyInfo.key_id``; None while authentication is off)."""

    name: str
    role: str  # "admin" | "reader"
    key_id: str | None = None
    grants: tuple[tuple[str, str], ...] = ()  # (knowledge base, "read" | "admin"); () = every one at `role`


ANONYMOUS = Caller("anonymous", "admin")  # authentication off: a loopback-only laptop run


def outcome_of(error: BaseException | type[BaseException]) -> str:
    """The audit outcome of a failure, the same word on both front doors: the snake-case name of its
    nearest domain error class in ``core/errors.py`` ("unauthorized", "rate_limited", "too_large",
    "not_found"…; the base class gives "bad_request"), "internal" for anything else."""
    cls = error if isinstance(error, type) else type(error)
    for c in cls.__mro__:
        if c is RagqaError:
            return "bad_request"
        if issubclass(c, RagqaError) and c.__module__ == "core.errors":
            return re.sub(r"(?<!^)(?=[A-Z])", "_", c.__name__).lower()
    return "internal"


class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, who: str) -> None:
        """Take one token for ``who``; raises ``RateLimited`` (with ``retry_after`` seconds) when empty."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                raise RateLimited("请求过于频繁，请稍后再试。", retry_after=math.ceil((1.0 - tokens) / self.rate))
            self._buckets[who] = (tokens - 1.0, now)


class SessionUser(str):
    """A chat-page login as the page framework carries it: the string is the key's name (what gradio shows
    as the user name), ``sid`` the server-side session it stands for (``Sessions``)."""

    sid: str

    def __new__(cls, name: str, sid: str) -> SessionUser:
        obj = super().__new__(cls, name)
        obj.sid = sid
        return obj


@dataclass
class _Session:
    key_id: str
    secret_hash: str
    name: str
    opened: float
    seen: float


class Sessions:
    """Chat-page sessions, each bound to one key's ``key_id`` and ``secret_hash`` (``KeyInfo``) and checked
    against the key store on every use: revoking the key (or revoking and re-creating its name) ends the
    session at its next request, and the role always comes from the bound key, never from the name.
    A session also ends ``lifetime`` seconds after login or ``idle`` seconds after its last use."""

    def __init__(self, keys: KeyStore, lifetime: float, idle: float) -> None:
        self.keys, self.lifetime, self.idle = keys, lifetime, idle
        self.page_tokens = PageTokens(lifetime, idle)  # the CSRF tokens of the pages loaded in these sessions
        self._open: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def open(self, info: KeyInfo) -> str:
        """A new session id for a key just verified (``KeyStore.verify``)."""
        sid = secrets.token_urlsafe(24)
        now = time.time()
        with self._lock:
            for old in [k for k, s in self._open.items() if now - s.opened > self.lifetime or now - s.seen > self.idle]:
                del self._open[old]  # expired sessions nobody came back to
            self._open[sid] = _Session(info.key_id, info.secret_hash, info.name, now, now)
        return sid

    def caller(self, sid: str) -> Caller | None:
        """The caller of a live session, or None (and the session is closed) when it is unknown, expired,
        or its key is no longer stored."""
        now = time.time()
        with self._lock:
            s = self._open.get(sid)
        if s is None:
            return None
        if now - s.opened > self.lifetime or now - s.seen > self.idle:
            self.close(sid)
            return None
        info = self.keys.lookup(s.key_id, s.secret_hash)
        if info is None:
            self.close(sid)
            return None
        s.seen = now
        return Caller(info.name, info.role, info.key_id, info.grants)

    def name_of(self, sid: str) -> str | None:
        """The key name a session was opened for (even if it has ended since), or None."""
        s = self._open.get(sid)
        return s.name if s else None

    def close(self, sid: str) -> None:
        """End a session (logout) and its pages' CSRF tokens; unknown ids are ignored."""
        with self._lock:
            self._open.pop(sid, None)
        self.page_tokens.end_login(sid)


CSRF_REFUSED = "页面已过期或请求并非由本页面发出，未执行任何操作。请刷新页面后重试。"
"""What a chat-page request without its page's CSRF token is told (``PageTokens.check``)."""


@dataclass
class _PageToken:
    login: str
    token: str
    issued: float
    seen: float


class PageTokens:
    """The chat page's CSRF tokens (the synchronizer token pattern of the OWASP CSRF Prevention Cheat Sheet).
    Each page load (the page framework's session id, ``page``) gets one random token
    (``secrets.token_urlsafe(32)``, 43 characters) when it loads, bound server-side to that page and to the
    login session it was loaded in (``login``: a ``Sessions`` id; "" while authentication is off). The page
    sends it back with every state-changing request; ``check`` compares it in constant time
    (``hmac.compare_digest``). A token ends with its page's login session (a new login — new session id —
    never inherits one: no session fixation), ``lifetime`` seconds after it was issued or ``idle`` seconds
    after its last use; at most ``per_login`` pages keep a token per login session (oldest dropped first)."""

    def __init__(self, lifetime: float, idle: float, per_login: int = 64) -> None:
        self.lifetime, self.idle, self.per_login = lifetime, idle, per_login
        self._tokens: dict[str, _PageToken] = {}
        self._lock = threading.Lock()

    def _expired(self, t: _PageToken, now: float) -> bool:
        return now - t.issued > self.lifetime or now - t.seen > self.idle

    def issue(self, page: str, login: str) -> str:
        """A new token for page session ``page`` loaded in login session ``login`` (replacing any the page had)."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self._lock:
            for old in [p for p, t in self._tokens.items() if self._expired(t, now)]:
                del self._tokens[old]
            mine = sorted((t.issued, p) for p, t in self._tokens.items() if t.login == login and p != page)
            for _, old in mine[: max(0, len(mine) - self.per_login + 1)]:
                del self._tokens[old]
            self._tokens[page] = _PageToken(login, token, now, now)
        return token

    def check(self, page: str | None, login: str, token: str | None) -> None:
        """Nothing when ``token`` is the live token issued to page ``page`` in login session ``login``;
        raises ``CsrfRefused`` otherwise (no token, another page's or session's token, expired)."""
        now = time.time()
        with self._lock:
            t = self._tokens.get(page) if page else None
            if t is not None and self._expired(t, now):
                del self._tokens[page]  # type: ignore[arg-type]
                t = None
        ok = (t is not None and isinstance(token, str)
              and hmac.compare_digest(t.login.encode(), login.encode())
              & hmac.compare_digest(t.token.encode(), token.encode()))
        if not ok:
            raise CsrfRefused(CSRF_REFUSED)
        t.seen = now  # type: ignore[union-attr]

    def end_login(self, login: str) -> None:
        """Drop every token of login session ``login`` (it ended: logout, revoked key, expiry)."""
        with self._lock:
            for p in [p for p, t in self._tokens.items() if t.login == login]:
                del self._tokens[p]


class LoginTokens:
    """The CSRF token of the chat page's login form, before any session exists (the signed double-submit
    cookie pattern of the OWASP CSRF Prevention Cheat Sheet): the browser holds a random id in a cookie
    (``new_browser``), the login form sends ``token_for(id)`` = HMAC-SHA256 of the id under a key made at
    start-up and never sent, and ``check`` compares in constant time. A page of another origin can neither
    read the token nor compute one for an id it planted as a cookie."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    @staticmethod
    def new_browser() -> str:
        """A new random browser id (``secrets.token_urlsafe(24)``) for the cookie."""
        return secrets.token_urlsafe(24)

    def token_for(self, browser: str) -> str:
        """The login form's token for browser id ``browser`` (64 hex characters)."""
        return hmac.new(self._key, browser.encode(), "sha256").hexdigest()

    def check(self, browser: str | None, token: str | None) -> None:
        """Nothing when ``token`` belongs to ``browser``; raises ``CsrfRefused`` otherwise."""
        if not browser or not token or not hmac.compare_digest(self.token_for(browser).encode(), token.encode()):
            raise CsrfRefused(CSRF_REFUSED)


class AuditLog:
    """The audit log of both front doors, kept in the deployment's SQL database (table ``audit``, shared by
    every replica: ``rag.database``) and mirrored as JSON lines in ``<index_dir>/audit.log`` for the local
    operator. One entry per action:
    ``time``, ``actor`` (key name, never the key; "anonymous" with auth off, None when unauthenticated),
    ``via`` ("api" | "page"), ``action`` (e.g. "ask", "upload", "delete", "list_documents"),
    ``outcome`` ("ok" or the error code), optional ``status`` (HTTP), ``doc_id``, ``files`` (names),
    ``question`` (unless ``audit_questions`` is off) and ``latency_ms``. A write failure is logged
    (logger ``ragqa.policy``) and never raised: a read is never failed by its audit."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.index_dir / "audit.log"
        self.questions = settings.audit_questions
        self._lock = threading.Lock()

    def entries(self, limit: int = 1000) -> list[dict[str, Any]]:
        """The newest ``limit`` entries of every replica (from the database), oldest first.
        Raises ``StorageError`` when the database cannot be reached."""
        with engine_for(self.settings).connect() as db:
            rows = db.execute(select(audit.c.entry).order_by(audit.c.id.desc()).limit(limit)).scalars().all()
        return [json.loads(r) for r in reversed(rows)]

    def write(self, *, actor: str | None, via: str, action: str, outcome: str, **fields: Any) -> None:
        entry: dict[str, Any] = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "actor": actor, "via": via,
                                 "action": action, "outcome": outcome}
        entry.update({k: v for k, v in fields.items() if v is not None and (k != "question" or self.questions)})
        # a lone surrogate (from a JSON \\ud800 escape) cannot be encoded as UTF-8: keep it visible as an escape
        line = json.dumps(entry, ensure_ascii=False).encode("utf-8", "backslashreplace").decode("utf-8")
        try:
            with engine_for(self.settings).begin() as db:
                db.execute(insert(audit).values(at=time.time(), entry=line))
        except Exception as e:  # noqa: BLE001 - an audit failure never fails the request it records
            log.error("audit entry not stored in the database: %s", e)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as e:  # an unwritable audit log never fails the request it records
            log.error("audit log not written (%s): %s", self.path, e)


class AccessPolicy:
    """Authentication is on when ``require_auth`` is set or any key exists; off, every caller is
    ``ANONYMOUS`` (admin), which ``check_bind`` allows only on loopback."""

    def __init__(self, keys: KeyStore, require: bool, limiter: RateLimiter, settings: Settings) -> None:
        self.keys = keys
        self.require = require
        self.limiter = limiter
        self.sessions = Sessions(keys, settings.session_lifetime_seconds, settings.session_idle_seconds)
        self.login_tokens = LoginTokens()
        self.audit = AuditLog(settings)
        self.max_upload_bytes = settings.max_upload_bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(KeyStore(settings), settings.require_auth, RateLimiter(settings.rate_limit_per_minute), settings)

    @property
    def enabled(self) -> bool:
        return self.require or self.keys.count() > 0

    def throttle_address(self, client: str) -> None:
        """One token from the client address's budget (unauthenticated work, failed authentication).
        Raises ``RateLimited``."""
        self.limiter.check(f"ip:{client}")

    def authenticate(self, bearer: str | None, client: str) -> Caller:
        """The caller for a Bearer token (None: no token sent), rate-limited per key (or per client
        address while auth is off; a failed attempt also costs the address a token). Raises
        ``Unauthorized`` or ``RateLimited``."""
        if not self.enabled:
            self.throttle_address(client)
            return ANONYMOUS
        info = self.keys.verify(bearer) if bearer else None
        if info is None:
            self.throttle_address(client)
            if not bearer:
                raise Unauthorized("缺少 API 密钥：请在 Authorization 头中使用 Bearer <key>。")
            raise Unauthorized("API 密钥无效或已吊销。")
        self.limiter.check(f"key:{info.key_id}")
        return Caller(info.name, info.role, info.key_id, info.grants)

    def page_caller(self, user: str | None, client: str) -> Caller:
        """The caller behind a chat-page request: ``user`` is what the page framework passes as the user
        name (a ``SessionUser`` once logged in). Checks the session against the key store and takes a
        rate-limit token from the same bucket the key's API calls use. Raises ``Unauthorized`` (no
        live session) or ``RateLimited``."""
        if not self.enabled:
            self.throttle_address(client)
            return ANONYMOUS
        caller = self.sessions.caller(user.sid) if isinstance(user, SessionUser) else None
        if caller is None:
            self.throttle_address(client)
            raise Unauthorized("登录已失效，请重新登录。")
        self.limiter.check(f"key:{caller.key_id}")
        return caller

    def _login_of(self, user: str | None) -> str | None:
        """The login session id of a chat-page user: its ``SessionUser.sid``, "" while auth is off, else None."""
        if isinstance(user, SessionUser):
            return user.sid
        return None if self.enabled else ""

    def issue_page_token(self, user: str | None, page: str | None) -> str:
        """A new CSRF token for the chat page ``page`` (the page framework's session id) loaded by ``user``
        (``PageTokens.issue``). Raises ``Unauthorized`` without a live login session while auth is on."""
        login = self._login_of(user)
        if not page or login is None or (login and self.sessions.caller(login) is None):
            raise Unauthorized("登录已失效，请重新登录。")
        return self.sessions.page_tokens.issue(page, login)

    def check_page_token(self, user: str | None, page: str | None, token: str | None) -> None:
        """Nothing when ``token`` is the CSRF token issued to page ``page`` of ``user``'s login session;
        raises ``CsrfRefused`` otherwise (``PageTokens.check``)."""
        login = self._login_of(user)
        if login is None:
            raise CsrfRefused(CSRF_REFUSED)
        self.sessions.page_tokens.check(page, login, token)

    def session_valid(self, user: str | None) -> bool:
        """Whether a chat-page user (``SessionUser``) still has a live session; no rate-limit token taken."""
        return not self.enabled or (isinstance(user, SessionUser) and self.sessions.caller(user.sid) is not None)

    @staticmethod
    def require_admin(caller: Caller) -> Caller:
        """``caller`` if it is an admin; raises ``Forbidden`` otherwise."""
        if caller.role != "admin":
            raise Forbidden("此操作需要管理员密钥。")
        return caller

    def check_upload_size(self, total_bytes: int) -> None:
        """The one upload limit of both front doors (``max_upload_bytes``); raises ``TooLarge``."""
        if total_bytes > self.max_upload_bytes:
            raise TooLarge(f"上传内容超过上限 {self.max_upload_bytes} 字节。")

    # --- knowledge bases: a key granted per knowledge base never learns that any other exists ---------
    @staticmethod
    def readable_kbs(caller: Caller, names: Sequence[str]) -> list[str]:
        """Those of the knowledge bases `names` the caller may read (all for a key without grants)."""
        if not caller.grants:
            return list(names)
        granted = {kb for kb, _ in caller.grants}
        return [n for n in names if n in granted]

    @staticmethod
    def may_admin_kb(caller: Caller, kb: str) -> bool:
        """Whether the caller may change knowledge base `kb` (upload, delete documents, delete it)."""
        if not caller.grants:
            return caller.role == "admin"
        return (kb, "admin") in caller.grants

    def select_kbs(self, caller: Caller, requested: str | Sequence[str] | None, names: Sequence[str]) -> list[str] | None:
        """The knowledge bases a question of `caller` searches: `requested` (a name or names), each of which
        must exist among `names` and be readable, else ``NotFound`` (never Forbidden: a knowledge base not
        granted does not exist for the caller); None requested: every readable one (None = all, for a key
        without grants; ``NotFound`` when a key with grants may read none that exists)."""
        if requested is None:
            if not caller.grants:
                return None
            readable = self.readable_kbs(caller, names)
            if not readable:
                raise NotFound("no knowledge base this key may read")
            return readable
        wanted = [requested] if isinstance(requested, str) else list(requested)
        visible = set(self.readable_kbs(caller, names))
        missing = [n for n in wanted if n not in visible]
        if missing:
            raise NotFound(f"no knowledge base {', '.join(missing)}")
        return list(dict.fromkeys(wanted))

    def require_kb_read(self, caller: Caller, kb: str, names: Sequence[str]) -> None:
        """``NotFound`` unless `kb` exists among `names` and the caller may read it."""
        if kb not in self.readable_kbs(caller, names):
            raise NotFound(f"no knowledge base {kb}")

    def require_kb_admin(self, caller: Caller, kb: str, names: Sequence[str]) -> None:
        """``NotFound`` as `require_kb_read`; ``Forbidden`` when the caller may read `kb` but not change it."""
        self.require_kb_read(caller, kb, names)
        if not self.may_admin_kb(caller, kb):
            raise Forbidden("此操作需要该知识库的管理员密钥。")

    @staticmethod
    def require_global_admin(caller: Caller) -> Caller:
        """``caller`` if it is an admin over every knowledge base (creating one needs it); raises ``Forbidden``."""
        if caller.role != "admin" or caller.grants:
            raise Forbidden("此操作需要管理员密钥。")
        return caller

    def verify_login(self, name: str, secret: str) -> KeyInfo | None:
        """The chat page's login: the user name is the key's name, the password the key. The key, or None."""
        info = self.keys.verify(secret)
        return info if info is not None and info.name == name else None

    def login(self, name: str, secret: str) -> bool:
        """Whether ``verify_login`` accepts the pair."""
        return self.verify_login(name, secret) is not None

    def session_caller(self, user: str | None) -> Caller:
        """The caller of a chat-page user (``SessionUser``) from its live session, checked against the key
        store, without taking a rate-limit token: ``ANONYMOUS`` with auth off, role "none" without a session."""
        if not self.enabled:
            return ANONYMOUS
        caller = self.sessions.caller(user.sid) if isinstance(user, SessionUser) else None
        return caller or Caller("", "none")

    def role_of(self, user: str | None) -> str:
        """The role of a chat-page user (``SessionUser``): "admin" with auth off, "none" without a live session."""
        return self.session_caller(user).role

    def record(self, actor: Caller | str | None, via: str, action: str, outcome: str, **fields: Any) -> None:
        """An audit line (``AuditLog.write``) for ``actor`` (a caller or a key name; None: unauthenticated)."""
        name = actor.name if isinstance(actor, Caller) else actor
        self.audit.write(actor=name, via=via, action=action, outcome=outcome, **fields)


def check_bind(settings: Settings, host: str | None = None) -> None:
    """Refuse (``UnsafeBind``) to serve beyond loopback (``host``, default ``settings.host``) without API keys."""
    host = host or settings.host
    if not is_loopback(host) and KeyStore(settings).count() == 0:
        raise UnsafeBind(
            f"refusing to listen on {host} without API keys: create one with "
            "`ragqa keys create --name NAME --role admin`, or bind to 127.0.0.1"
        )


__all__ = ["ANONYMOUS", "CSRF_REFUSED", "AccessPolicy", "AuditLog", "Caller", "LoginTokens", "PageTokens", "RateLimiter", "SessionUser",
           "Sessions", "check_bind", "outcome_of"]
