"""Request and response models of the HTTP API (they are the OpenAPI contract)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.engine import AskResult, Citation, Turn


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "1995年全国有多少个小城镇开展了综合试点？"},
                     {"question": "那浙江有几个？", "history": [
                         {"role": "user", "content": "1995年全国有多少个小城镇开展了综合试点？"},
                         {"role": "assistant", "content": "57个[1]"}]}]})

    question: str = Field(description="The question, in Chinese.")
    history: list[Turn] = Field(default_factory=list, max_length=50, description="Earlier turns, oldest first.")
    top_k: int | None = Field(None, ge=1, le=20, description="Contexts to retrieve (default: server setting).")
    kb: str | list[str] | None = Field(None, description="Knowledge base(s) to search: a name or a list of names "
                                       "(default: every one the key may read).")


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    source: str
    chunks: int
    ingested_at: float
    meta: dict[str, str] = Field(default_factory=dict, description="Document metadata: kind, pages, ocr_pages (pages "
                                 "read by OCR), and record fields moved out of the text (journal, authors, date…).")
    kb: str = Field("default", description="The knowledge base the document belongs to.")


class IngestOut(BaseModel):
    """An upload's (or a sync's) ingest report. `documents` and `chunks` are the knowledge base's totals after it;
    `added`, `updated`, `deleted` and `unchanged` count its documents by what this run did to them (the documents
    already there count as unchanged)."""

    documents: int = Field(description="Documents in the knowledge base after the run (not only those uploaded).")
    chunks: int = Field(description="Chunks in the knowledge base after the run.")
    added: int = Field(description="Documents this run added.")
    updated: int = Field(description="Documents this run re-embedded because their content changed.")
    deleted: int = Field(description="Documents this run removed.")
    unchanged: int = Field(description="Documents left as they were, including those already in the knowledge base.")
    chunks_added: int
    chunks_deleted: int
    duplicates_merged: int
    duplicate_of: list[str] = Field(default_factory=list, description="Existing documents a byte-identical upload resolved to (nothing was written).")
    replaced: list[str] = Field(default_factory=list, description="Documents replaced by a new version (same upload name, or PUT).")
    embedded: int
    skipped: list[dict[str, str]]
    seconds: float


class IngestJobOut(BaseModel):
    """An upload being ingested in the background (``POST /v1/documents?wait=false``); poll ``GET
    /v1/documents/jobs/{job_id}`` until ``status`` is no longer ``running``."""

    job_id: str
    status: Literal["running", "done", "failed"]
    stage: str = Field(description="What the ingest is doing: `check` (files checked before the index is touched: "
                       "done/total counts files), `check_pages` (the pages of a PDF read while it is checked), "
                       "`pages`/`ocr` (pages read or OCR'd while it is ingested), `files` (files ingested), `embed` "
                       "(chunks embedded; 0 while the model loads).")
    done: int = Field(description="Units of `stage` done so far; rises to `total` within a stage.")
    total: int = Field(description="Units of `stage` in all (0 before the first report).")
    kb: str = Field(description="The knowledge base the files go into.")
    files: list[str] = Field(description="The uploaded file names.")
    created: float = Field(description="Unix time (seconds) the job started.")
    finished: float | None = Field(None, description="Unix time it ended; null while running.")
    result: IngestOut | None = Field(None, description="What the upload did (as the synchronous upload answers), "
                                     "once `status` is `done`.")
    error: ErrorBody | None = Field(None, description="Why it failed, once `status` is `failed`: the code and message "
                                    "the synchronous upload would have answered (e.g. `unsupported_media_type`, "
                                    "`busy`, `storage_unavailable`).")


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if isinstance(p, dict))
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"model": "ragqa", "messages": [{"role": "user", "content": "龙泉镇下放了多少项行政审批权？"}]}]})
    model: str = "ragqa"
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=100)
    stream: bool = False


class ChatChoice(BaseModel):
    index: int = 0
    message: dict[str, str]
    finish_reason: str = "stop"


class ChatResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = "ragqa"
    choices: list[ChatChoice]
    usage: dict[str, int]
    citations: list[Citation]
    abstained: bool


__all__ = ["AskRequest", "AskResult", "ChatRequest", "ChatResponse", "DocumentOut", "ErrorResponse", "IngestJobOut",
           "IngestOut"]


class KnowledgeBaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "finance", "display": "财政局", "description": "财政局的通知与公告"}]})
    name: str = Field(description="Id: 1-40 letters, digits, '_' or '-' (used in `kb` fields and model `ragqa/<name>`).")
    display: str = Field("", max_length=100, description="Display name (default: the id).")
    description: str = Field("", max_length=1000)


class KnowledgeBaseUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"display": "财政局（新）"}]})
    display: str | None = Field(None, max_length=100, description="New display name (the id never changes).")
    description: str | None = Field(None, max_length=1000)


class KnowledgeBaseOut(BaseModel):
    name: str
    display: str
    description: str
    created: float = Field(description="Unix time (seconds); 0 for the default knowledge base of an older index.")
    documents: int = 0
