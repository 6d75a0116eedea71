"""Operations: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from prometheus_client import generate_latest

from core.errors import NotReady
from rag.api import security
from rag.api.deps import ObservabilityDep, ServiceDep
from rag.api.errors import RESPONSES

router = APIRouter(tags=["ops"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers HTTP."""
    return {"status": "ok"}


@router.get("/readyz", responses=RESPONSES, dependencies=[Depends(security.address)])
def readyz(service: ServiceDep) -> dict[str, Any]:
    """Readiness: 503 ``not_ready`` with the reasons while Chroma is unreachable, the last write failed, the
    stores disagree or the index is empty; otherwise a retrieval-and-answer probe over the stored index.
    Needs no key, so each call costs the client address a rate-limit token (429 beyond)."""
    state = service.readiness()
    if not state["ready"]:
        raise NotReady("; ".join(state["reasons"]))
    return {"status": "ready", **service.probe()}


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(obs: ObservabilityDep) -> PlainTextResponse:
    return PlainTextResponse(generate_latest(obs.registry).decode(), media_type="text/plain; version=0.0.4")
