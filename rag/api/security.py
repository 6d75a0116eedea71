"""FastAPI adapters of the access policy (``rag/policy.py``): read the Bearer key from the request,
authenticate, check the role, and remember the caller on ``request.state`` for the audit and access logs."""

from __future__ import annotations

from fastapi import Request

from rag.policy import ANONYMOUS, AccessPolicy, Caller, RateLimiter

__all__ = ["ANONYMOUS", "AccessPolicy", "Caller", "RateLimiter", "admin", "reader"]


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def reader(request: Request) -> Caller:
    """Any valid key (or anyone while auth is off). Raises ``Unauthorized`` / ``RateLimited``."""
    policy: AccessPolicy = request.app.state.policy
    caller = policy.authenticate(_bearer(request), request.client.host if request.client else "?")
    request.state.caller = caller
    return caller


def admin(request: Request) -> Caller:
    """An admin key (or anyone while auth is off). Raises as ``reader``, and ``Forbidden`` for a reader key."""
    return AccessPolicy.require_admin(reader(request))
