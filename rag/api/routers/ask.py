"""POST /v1/ask and its SSE stream."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from rag.api.deps import ObservabilityDep, PolicyDep, Reader, ServiceDep
from rag.api.errors import RESPONSES
from rag.api.openai_compat import sse
from rag.api.schemas import AskRequest
from rag.engine import AskResult
from rag.policy import AccessPolicy, Caller
from rag.service import RagService

router = APIRouter(prefix="/v1", tags=["ask"], responses=RESPONSES)


def select_kbs(request: Request, caller: Caller, policy: AccessPolicy, service: RagService,
               requested: str | list[str] | None) -> list[str] | None:
    """The knowledge bases a question searches (``AccessPolicy.select_kbs``), remembered for the audit log.
    Raises NotFound for one that does not exist or the key may not read."""
    kbs = policy.select_kbs(caller, requested, [k.name for k in service.kbs()])
    request.state.kb = kbs if kbs is not None else "*"
    return kbs


@router.post("/ask", response_model=AskResult)
def ask(body: AskRequest, request: Request, caller: Reader, service: ServiceDep, obs: ObservabilityDep,
        policy: PolicyDep) -> AskResult:
    request.state.question = body.question
    kbs = select_kbs(request, caller, policy, service, body.kb)
    result = service.ask(body.question, body.history, body.top_k, kbs)
    obs.answered(result)
    return result


@router.post("/ask/stream", response_description="Server-sent events: `token` {text}… (a `reset` event discards "
             "the tokens so far when an LLM answer failed verification), then `citations` [..], then `done` (the /v1/ask JSON).")
def ask_stream(body: AskRequest, request: Request, caller: Reader, service: ServiceDep,
               obs: ObservabilityDep, policy: PolicyDep) -> StreamingResponse:
    request.state.question = body.question
    kbs = select_kbs(request, caller, policy, service, body.kb)
    events = service.ask_stream(body.question, body.history, body.top_k, kbs)

    def gen() -> Iterator[str]:
        for kind, payload in events:
            if kind == "token":
                yield sse("token", {"text": payload})
            elif kind == "reset":
                yield sse("reset", {})
            elif kind == "citations":
                yield sse("citations", payload)
            elif kind == "done":
                obs.answered(payload)
                yield sse("done", payload.model_dump())

    return StreamingResponse(gen(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
