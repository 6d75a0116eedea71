"""Who may do what: API keys (Bearer), roles, a per-caller rate limit and the bind check.

This is the services-layer policy that both front doors use: the HTTP API wraps it in FastAPI
dependencies (``rag/api/security.py``) and the chat page (``ui/page.py``) asks it for a login's role.
It knows nothing of HTTP: failures are domain errors from ``core/errors.py``."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from collections.abc import Sequence

from core.errors import Forbidden, NotFound, RateLimited, Unauthorized, UnsafeBind
from core.settings import Settings, is_loopback
from rag.keys import KeyStore


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: the key's name (never the key) and its role."""

    name: str
    role: str  # "admin" | "reader"
    grants: tuple[tuple[str, str], ...] = ()  # (knowledge base, "read" | "admin"); () = every one at `role`


ANONYMOUS = Caller("anonymous", "admin")  # authentication off: a loopback-only laptop run


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


class AccessPolicy:
    """Authentication is on when ``require_auth`` is set or any key exists; off, every caller is
    ``ANONYMOUS`` (admin), which ``check_bind`` allows only on loopback."""

    def __init__(self, keys: KeyStore, require: bool, limiter: RateLimiter) -> None:
        self.keys = keys
        self.require = require
        self.limiter = limiter

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        return cls(KeyStore(settings), settings.require_auth, RateLimiter(settings.rate_limit_per_minute))

    @property
    def enabled(self) -> bool:
        return self.require or self.keys.count() > 0

    def authenticate(self, bearer: str | None, client: str) -> Caller:
        """The caller for a Bearer token (None: no token sent), rate-limited per key (or per client
        address while auth is off). Raises ``Unauthorized`` or ``RateLimited``."""
        if not self.enabled:
            self.limiter.check(f"ip:{client}")
            return ANONYMOUS
        if not bearer:
            raise Unauthorized("缺少 API 密钥：请在 Authorization 头中使用 Bearer <key>。")
        info = self.keys.verify(bearer)
        if info is None:
            raise Unauthorized("API 密钥无效或已吊销。")
        self.limiter.check(f"key:{info.name}")
        return Caller(info.name, info.role, info.grants)

    @staticmethod
    def require_admin(caller: Caller) -> Caller:
        """``caller`` if it is an admin; raises ``Forbidden`` otherwise."""
        if caller.role != "admin":
            raise Forbidden("此操作需要管理员密钥。")
        return caller

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

    def caller_of(self, name: str | None) -> Caller:
        """The caller of a logged-in page user (``ANONYMOUS`` with auth off; role "none" for an unknown name)."""
        if not self.enabled:
            return ANONYMOUS
        info = next((k for k in self.keys.list() if k.name == name), None)
        return Caller(name or "", "none") if info is None else Caller(info.name, info.role, info.grants)

    def login(self, name: str, secret: str) -> bool:
        """The chat page's login: the user name is the key's name, the password the key."""
        info = self.keys.verify(secret)
        return info is not None and info.name == name

    def role_of(self, name: str | None) -> str:
        """The role of a logged-in page user: "admin" with auth off, "none" for an unknown name."""
        if not self.enabled:
            return "admin"
        return next((k.role for k in self.keys.list() if k.name == name), "none")


def check_bind(settings: Settings, host: str | None = None) -> None:
    """Refuse (``UnsafeBind``) to serve beyond loopback (``host``, default ``settings.host``) without API keys."""
    host = host or settings.host
    if not is_loopback(host) and KeyStore(settings).count() == 0:
        raise UnsafeBind(
            f"refusing to listen on {host} without API keys: create one with "
            "`ragqa keys create --name NAME --role admin`, or bind to 127.0.0.1"
        )


__all__ = ["ANONYMOUS", "AccessPolicy", "Caller", "RateLimiter", "check_bind"]
