"""Dependency aliases of the routes (``Annotated`` types), resolved from ``app.state`` set by ``create_app``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.settings import Settings
from rag.api import security
from rag.api.observability import Observability
from rag.policy import AccessPolicy, Caller
from rag.service import RagService


def _service(request: Request) -> RagService:
    return request.app.state.service


def _observability(request: Request) -> Observability:
    return request.app.state.observability


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _policy(request: Request) -> AccessPolicy:
    return request.app.state.policy


ServiceDep = Annotated[RagService, Depends(_service)]
ObservabilityDep = Annotated[Observability, Depends(_observability)]
SettingsDep = Annotated[Settings, Depends(_settings)]
Multipart = Annotated[None, Depends(security.multipart)]
PolicyDep = Annotated[AccessPolicy, Depends(_policy)]
Reader = Annotated[Caller, Depends(security.reader)]
Admin = Annotated[Caller, Depends(security.admin)]
