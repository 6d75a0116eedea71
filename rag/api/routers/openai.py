"""The OpenAI-compatible endpoints: GET /v1/models and POST /v1/chat/completions (plain and streamed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from rag.api import openai_compat
from rag.api.deps import ObservabilityDep, PolicyDep, Reader, ServiceDep
from rag.api.errors import RESPONSES
from rag.api.routers.ask import select_kbs
from rag.api.schemas import ChatRequest, ChatResponse

router = APIRouter(prefix="/v1", tags=["openai"])


@router.get("/models")
def models(caller: Reader, service: ServiceDep, policy: PolicyDep) -> dict[str, Any]:
    return openai_compat.models(policy.readable_kbs(caller, [k.name for k in service.kbs()]))


@router.post("/chat/completions", response_model=ChatResponse, responses=RESPONSES)
def chat(body: ChatRequest, request: Request, caller: Reader, service: ServiceDep, obs: ObservabilityDep,
         policy: PolicyDep) -> Any:
    question, history = openai_compat.split_chat(body)
    request.state.question = question
    kbs = select_kbs(request, caller, policy, service, openai_compat.model_kb(body.model))
    result = service.ask(question, history, kbs=kbs)
    obs.answered(result)
    if body.stream:
        return StreamingResponse(openai_compat.completion_stream(result), media_type="text/event-stream")
    return openai_compat.completion(question, result)
