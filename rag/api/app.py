"""The HTTP API factory: ``create_app(settings) -> FastAPI``. Routes live in ``rag/api/routers/`` (one router
per use case), errors are mapped in ``rag/api/errors.py``; the chat page is mounted by ``ui/launcher.py``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from core.settings import Settings
from rag.api import errors
from rag.api.observability import BodyLimit, Observability, ObserveRequests
from rag.api.routers import ask, documents, kbs, openai, ops
from rag.api.security import HeaderLimit, SameOrigin
from rag.policy import AccessPolicy, check_bind
from rag.service import RagService

DESCRIPTION = (
    "Grounded, cited answers over Chinese policy documents. Authenticate with `Authorization: Bearer <key>` "
    "once keys exist (`ragqa keys create`). Errors are `{\"error\": {\"code\", \"message\"}}`. The OpenAI-compatible "
    "endpoints accept the official `openai` SDK with `base_url=<server>/v1` and model `ragqa`; their responses "
    "carry `citations` beside `choices`."
)


def create_app(settings: Settings, service: RagService | None = None) -> FastAPI:
    """The API over ``service`` (built from ``settings`` when None). Raises ``UnsafeBind`` when
    ``settings.host`` is beyond loopback and no API key exists. /docs and /redoc use local assets."""
    check_bind(settings)
    app = FastAPIOffline(title="ragqa API", version="1.0", description=DESCRIPTION)
    app.state.settings = settings
    app.state.service = service or RagService(settings)
    app.state.policy = AccessPolicy.from_settings(settings)
    app.state.observability = Observability(settings, app.state.policy)
    # innermost first; these wrap every path, so the chat page mounted by ui/launcher.py passes them too
    app.add_middleware(BodyLimit, json_limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes)
    app.add_middleware(SameOrigin, allowed=settings.cors_allow_origins, policy=app.state.policy)
    # credentialed CORS for the allow-list only (empty: none); its presence also stops the mounted gradio
    # app from adding its own CORS, which reflects any localhost origin with credentials
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_allow_origins,
                       allow_credentials=bool(settings.cors_allow_origins),
                       allow_methods=["*"], allow_headers=["*"])
    app.add_middleware(HeaderLimit, limit=settings.max_header_bytes)
    app.add_middleware(ObserveRequests, observability=app.state.observability)
    errors.install(app)
    for router in (ops.router, ask.router, openai.router, documents.router, kbs.router):
        app.include_router(router)
    return app


__all__ = ["check_bind", "create_app"]
