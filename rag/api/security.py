"""API keys (Bearer), roles, and a per-key rate limit."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from fastapi import Request

from core.errors import Forbidden, RateLimited, Unauthorized
from rag.keys import KeyStore


@dataclass(frozen=True)
class Caller:
    name: str
    role: str  # "admin" | "reader"


ANONYMOUS = Caller("anonymous", "admin")  # authentication off: a loopback-only laptop run


class RateLimiter:
    """A token bucket per caller: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, who: str) -> None:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / self.rate)
                raise RateLimited("请求过于频繁，请稍后再试。", headers={"Retry-After": str(wait)})
            self._buckets[who] = (tokens - 1.0, now)


class Auth:
    def __init__(self, keys: KeyStore, require: bool, limiter: RateLimiter) -> None:
        self.keys = keys
        self.require = require
        self.limiter = limiter

    @property
    def enabled(self) -> bool:
        return self.require or self.keys.count() > 0

    def caller(self, request: Request) -> Caller:
        if not self.enabled:
            caller = ANONYMOUS
            who = f"ip:{request.client.host if request.client else '?'}"
        else:
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthorized("缺少 API 密钥：请在 Authorization 头中使用 Bearer <key>。")
            info = self.keys.verify(token.strip())
            if info is None:
                raise Unauthorized("API 密钥无效或已吊销。")
            caller = Caller(info.name, info.role)
            who = f"key:{info.name}"
        request.state.caller = caller
        self.limiter.check(who)
        return caller

    def reader(self, request: Request) -> Caller:
        return self.caller(request)

    def admin(self, request: Request) -> Caller:
        caller = self.caller(request)
        if caller.role != "admin":
            raise Forbidden("此操作需要管理员密钥。")
        return caller
