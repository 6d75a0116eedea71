"""The ask use case: retrieve → answer → verify → abstain or cite. One object per index."""

from __future__ import annotations

import re
import time
from typing import Literal

from pydantic import BaseModel, Field

from rag.answer import NOT_FOUND, Answerer, Draft, ExtractiveAnswerer
from rag.cite import verify
from rag.retrieve import HybridRetriever, Index
from rag.settings import Settings


class Citation(BaseModel):
    n: int
    chunk_id: str
    doc_title: str
    section: str
    source: str
    quote: str = Field(description="The exact supporting sentence(s), a substring of the chunk.")
    start: int = Field(description="Offset of the quote in its cleaned document.")
    end: int


class Context(BaseModel):
    n: int
    chunk_id: str
    doc_title: str
    section: str
    source: str
    text: str
    score: float


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskResult(BaseModel):
    question: str
    answer: str
    abstained: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation]
    contexts: list[Context]
    notices: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float]


_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|此外|其中)|^[^，。？?]{1,6}(呢|吗)[？?]?$")


def condense(question: str, history: list[Turn]) -> str:
    """Without an LLM, a short follow-up ("那编制呢？") carries the subject of the previous question."""
    previous = [t.content for t in history if t.role == "user"]
    if not previous or not _FOLLOW_UP.search(question.strip()):
        return question
    return f"{previous[-1]} {question}"


class AskEngine:
    def __init__(self, index: Index, settings: Settings, answerer: Answerer | None = None) -> None:
        self.index = index
        self.settings = settings
        self.retriever = HybridRetriever(index, settings)
        self.extractive = ExtractiveAnswerer(index)
        self.answerer = answerer or self.extractive

    def ask(self, question: str, history: list[Turn] | None = None, top_k: int | None = None) -> AskResult:
        t0 = time.perf_counter()
        query = condense(question, history or [])
        hits = self.retriever.search(query, top_k=max(top_k or self.settings.top_k, 5))
        t1 = time.perf_counter()
        notices: list[str] = []
        draft = self.extractive.answer(query, hits)
        abstained = not hits or draft.support < self.settings.abstain_threshold
        if not abstained and self.answerer is not self.extractive:
            draft, notices = self._llm_answer(query, hits, draft)
        t2 = time.perf_counter()
        contexts = [
            Context(n=i, chunk_id=h.chunk.chunk_id, doc_title=h.chunk.doc_title, section=h.chunk.section,
                    source=h.chunk.source, text=h.chunk.text, score=round(h.score, 4))
            for i, h in enumerate(hits, start=1)
        ]
        if abstained:
            answer, citations, mode = NOT_FOUND, [], "extractive"
            if hits:
                notices.append("证据不足，以下为最接近的资料，供参考。")
        else:
            verdict = verify(draft.text, draft.evidence, len(hits))
            if not verdict.ok:
                notices.append("回答未通过引用核验，已改用原文摘录：" + "；".join(verdict.problems))
                draft = self.extractive.answer(query, hits)
            answer, citations = draft.text, self._citations(draft)
            mode = self.answerer.mode if draft.evidence and draft is not None and not verdict.problems else "extractive"
        return AskResult(
            question=question, answer=answer, abstained=abstained, mode=mode, citations=citations,
            contexts=contexts, notices=notices,
            timings_ms={"retrieve": round((t1 - t0) * 1000, 2), "answer": round((t2 - t1) * 1000, 2),
                        "total": round((time.perf_counter() - t0) * 1000, 2)},
        )

    def _llm_answer(self, query: str, hits: list, fallback: Draft) -> tuple[Draft, list[str]]:
        try:
            return self.answerer.answer(query, hits), []
        except Exception as e:  # any upstream failure falls back, never reaches the user
            return fallback, [f"大模型暂不可用（{type(e).__name__}），已改用原文摘录回答。"]

    @staticmethod
    def _citations(draft: Draft) -> list[Citation]:
        seen: set[tuple[int, int, int]] = set()
        out: list[Citation] = []
        for e in draft.evidence:
            key = (e.n, e.start, e.end)
            if key in seen:
                continue
            seen.add(key)
            c = e.hit.chunk
            out.append(Citation(n=e.n, chunk_id=c.chunk_id, doc_title=c.doc_title, section=c.section,
                                source=c.source, quote=e.quote, start=c.start + e.start, end=c.start + e.end))
        return out
