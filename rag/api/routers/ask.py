"""POST /v1/ask and its SSE stream."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from rag.api.deps import ObservabilityDep, Reader, ServiceDep
from rag.api.errors import RESPONSES
from rag.api.openai_compat import sse
from rag.api.schemas import AskRequest
from rag.engine import AskResult

router = APIRouter(prefix="/v1", tags=["ask"], responses=RESPONSES)


@router.post("/ask", response_model=AskResult)
def ask(body: AskRequest, request: Request, caller: Reader, service: ServiceDep, obs: ObservabilityDep) -> AskResult:
    request.state.question = body.question
    result = service.ask(body.question, body.history, body.top_k)
    obs.answered(result)
    return result


@router.post("/ask/stream", response_description="Server-sent events: `token` {text}… (a `reset` event discards "
             "the tokens so far when an LLM answer failed verification), then `citations` [..], then `done` (the /v1/ask JSON).")
def ask_stream(body: AskRequest, request: Request, caller: Reader, service: ServiceDep,
               obs: ObservabilityDep) -> StreamingResponse:
    request.state.question = body.question
    events = service.ask_stream(body.question, body.history, body.top_k)

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
