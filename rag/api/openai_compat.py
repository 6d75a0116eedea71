"""The OpenAI chat-completions envelope and its SSE stream, built from the ``openai`` package's own types
(``ChatCompletion``, ``ChatCompletionChunk``) so the shapes are the SDK's. ragqa adds two fields beside
``choices``: ``citations`` (list of Citation) and ``abstained`` (bool)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from core.errors import Invalid
from rag.api.schemas import ChatRequest
from rag.engine import AskResult, Turn

MODEL = "ragqa"
STREAM_PIECE = 8  # characters per streamed delta


def split_chat(req: ChatRequest) -> tuple[str, list[Turn]]:
    """(question, earlier turns): the last message must be the user's question (``Invalid`` otherwise);
    system and tool messages are ignored."""
    turns = [m for m in req.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user":
        raise Invalid("the last message must be a user message (the question)")
    history = [Turn(role=m.role, content=m.text()) for m in turns[:-1]]  # type: ignore[arg-type]
    return turns[-1].text(), history


def _ids() -> tuple[str, int]:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())


def completion(question: str, result: AskResult) -> dict[str, Any]:
    """The non-streaming body: one choice with the checked answer; usage counts characters."""
    cid, created = _ids()
    body = ChatCompletion(
        id=cid, object="chat.completion", created=created, model=MODEL,
        choices=[{"index": 0, "message": {"role": "assistant", "content": result.answer}, "finish_reason": "stop"}],
        usage={"prompt_tokens": len(question), "completion_tokens": len(result.answer),
               "total_tokens": len(question) + len(result.answer)},
        citations=[c.model_dump() for c in result.citations], abstained=result.abstained,
    )
    return body.model_dump(exclude_none=True)


def completion_stream(result: AskResult) -> Iterator[str]:
    """SSE ``data:`` lines of ``chat.completion.chunk`` objects: the role, the checked answer in pieces, a
    final chunk with ``finish_reason`` "stop", ``citations`` and ``abstained``, then ``data: [DONE]``.
    Only the verified answer is streamed, so what a portal shows is what was checked."""
    cid, created = _ids()

    def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        c = ChatCompletionChunk(id=cid, object="chat.completion.chunk", created=created, model=MODEL,
                                choices=[{"index": 0, "delta": delta, "finish_reason": finish}], **extra)
        return f"data: {c.model_dump_json(exclude_unset=True)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    text = result.answer
    for i in range(0, len(text), STREAM_PIECE):
        yield chunk({"content": text[i : i + STREAM_PIECE]})
    yield chunk({}, "stop", citations=[c.model_dump() for c in result.citations], abstained=result.abstained)
    yield "data: [DONE]\n\n"


def models(kbs: list[str] | None = None) -> dict[str, Any]:
    """The model list: ``ragqa`` (every knowledge base the key may read) and ``ragqa/<kb>`` for each of `kbs`."""
    ids = [MODEL] + [f"{MODEL}/{kb}" for kb in kbs or []]
    return {"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "ragqa"} for i in ids]}


def model_kb(model: str) -> str | None:
    """The knowledge base a model name selects: ``ragqa/<kb>`` → kb; ``ragqa`` (or any other name) → None."""
    prefix = MODEL + "/"
    return model[len(prefix):] if model.startswith(prefix) else None


def sse(event: str, data: Any) -> str:
    """One server-sent event of ragqa's own stream (/v1/ask/stream)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
