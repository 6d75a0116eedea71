"""The ask flow: retrieve → answer → verify → abstain or cite. One object per index, shared by every
request: it keeps no per-call state (timings travel with each result)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.settings import Settings
from core.text import NOT_FOUND
from ingest.headings import issue_date
from ingest.tokenize import lexicon_scope
from rag.answer import Draft, ExtractiveAnswerer
from rag.cite import verify
from rag.extreme import cut_inside_sentence, superlative
from rag.question import (
    OPENING_SUBJECT,
    SUPERLATIVE,
    analyse,
    asked_slot,
    asks_issue_date,
    names_slot,
    next_item,
    spell_out,
    year_change_parts,
)
from rag.retrieve import Hit, Hits, HybridRetriever, Index


class Citation(BaseModel):
    n: int
    chunk_id: str
    doc_title: str
    section: str
    source: str
    quote: str = Field(description="The exact supporting sentence(s), a substring of the chunk.")
    start: int = Field(description="Offset of the quote in its cleaned document.")
    end: int
    ocr: bool = Field(False, description="The quoted document was read by OCR from a scan or an image: check the original.")
    page: int = Field(0, description="1-based page of the original file where the quoted passage starts; 0 when "
                      "the format has no pages or it is unknown.")
    kb: str = Field("default", description="The knowledge base of the quoted document.")


class Context(BaseModel):
    n: int
    chunk_id: str
    doc_title: str
    section: str
    source: str
    text: str
    score: float
    also_in: list[dict[str, str]] = Field(default_factory=list, description="Other documents repeating this passage "
                                          "({doc_id, doc_title, source}); it is shown once.")
    ocr: bool = Field(False, description="The document was read by OCR from a scan or an image.")
    kb: str = Field("default", description="The knowledge base of the document.")


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


Fallback = Literal["llm_unavailable", "citation_check_failed"]


class AskResult(BaseModel):
    question: str
    answer: str
    abstained: bool
    mode: Literal["extractive", "llm"]
    citations: list[Citation]
    contexts: list[Context]
    notices: list[str] = Field(default_factory=list)
    fallback: Fallback | None = Field(
        None, description="Why the extractive answer replaced the planned one: the LLM failed "
        "(`llm_unavailable`) or an answer failed the citation check (`citation_check_failed`); null otherwise.")
    timings_ms: dict[str, float] = Field(
        description="Milliseconds: retrieve, answer, total; and the retrieval parts bm25, dense, embed_query.")


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
NOT_CHINESE_NOTICE = "资料均为中文文件，请用中文提问。(The documents are in Chinese; please ask in Chinese.)"
"""Added to a refusal when the question has letters but no Chinese character (e.g. an English question)."""


def is_chinese_question(question: str) -> bool:
    """False for a question written with letters but no Han character (English, pinyin…)."""
    return bool(_HAN.search(question)) or not any(ch.isalpha() for ch in question)


# a follow-up that refers to the previous question's subject by a pronoun ("它的营业收入是多少？")
_PRONOUN_LEAD = re.compile(r"^(?:它(?!们)|其(?![中他余实次])|该(?:公司|企业|集团|单位|镇|乡|县|市|区|村))")
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|此外|其中)|^[^，。？?]{1,6}(呢|吗)[？?]?$|^[^，。？?]{1,16}呢[？?]?$|"
                        + _PRONOUN_LEAD.pattern)


_YEAR_ONLY = re.compile(r"(?:1[5-9]|20)\d{2}年?")
_FOLLOW_UP_LEAD = re.compile(r"^(?:那么|那|还有|另外|此外|其中)[，,、\s]*")
_FOLLOW_UP_TAIL = re.compile(r"(?:的情况|的呢)?(?:呢|吗)?[？?。！!\s]*$")


def condense(question: str, history: list[Turn]) -> str:
    """Without an LLM, a short follow-up is completed from the previous user question (`history`, oldest first),
    itself first completed from the turns before it:
    - a follow-up naming only another place, person or body ("那么河南呢？" after "河北从哪一年开始…？") asks the
      previous question about it ("河南从哪一年开始…?", in the normal form of ingest.normalize). The name replaced
      is the previous question's name of the same administrative unit ("东镇呢？" after "南县西镇…" replaces
      西镇), else its last name; names: jieba's ns/nr/nt (ingest.tokenize.entities), with their unit (北坪乡);
    - a follow-up opening with a pronoun (它, 其, 该公司, 该镇…) has it replaced by the subject the previous question
      opens with ("它的营业收入是多少？" after "禾田食品的董事长是谁？" → "禾田食品的营业收入是多少?");
    - a follow-up naming only a year ("2023年呢？") asks the previous question of that year, one naming only a
      superlative ("最少的呢？" after "常住人口最多的是哪个乡镇？") asks it with that superlative, one naming only a noun
      phrase ("农村居民人均可支配收入呢？") asks it of that attribute in place of the previous one (a figure's);
    - any other follow-up ("那编制呢？") carries the previous question's names ("南县 那编制呢？");
    - a question that names no place, person, body or title of its own, after one that named some, is about them
      (Chinese leaves out a subject it goes on with: 「研发人员有多少名？」 after 「华盛科技2023年营业收入是多少？」 →
      "华盛科技 研发人员有多少名？"); the engine asks it as it stands when so completed it finds no answer (a new
      topic: 「扩权强县改革存在哪些问题？」). Names: the previous question's (as for the case before), else the
      subject it opens with.
    A question that is no follow-up (rag.engine._FOLLOW_UP) and names a subject, or one without history, is
    returned as it is."""
    from ingest.normalize import normalize
    from ingest.tokenize import entities, unit_places
    from rag.question import PLACE_UNITS

    users = [i for i, t in enumerate(history) if t.role == "user"]
    if not users:
        return question
    # the previous question as it was understood (a follow-up of a follow-up: "东镇呢？" → "那么西镇呢？")
    last = normalize(condense(history[users[-1]].content.strip(), history[: users[-1]]))
    named = list(dict.fromkeys(entities(last, min_len=2) + unit_places(last)))  # the previous question's names
    if not _FOLLOW_UP.search(question.strip()):
        asked = normalize(question.strip())
        if entities(asked, min_len=2) or unit_places(asked) or "《" in asked or asked in last:
            return question
        opening = OPENING_SUBJECT.match(last)
        subject = "".join(named) or (opening.group(0) if opening is not None else "")
        return f"{subject} {question}" if subject else question

    def with_unit(name: str, text: str) -> str:
        at = text.find(name)
        end = at + len(name)
        return text[at:end + 1] if 0 <= at and end < len(text) and text[end] in PLACE_UNITS else name

    asked = normalize(question.strip())
    pronoun = _PRONOUN_LEAD.match(asked)
    if pronoun is not None:  # "它的营业收入是多少？" after "禾田食品的董事长是谁？" → "禾田食品的营业收入是多少?"
        opening = OPENING_SUBJECT.match(last)
        if opening is not None:
            return opening.group(0) + asked[pronoun.end():]
    subject = _FOLLOW_UP_TAIL.sub("", _FOLLOW_UP_LEAD.sub("", asked))
    names = [with_unit(n, last) for n in named]
    found = entities(subject, min_len=2) or unit_places(subject)
    previous = analyse(last)
    if _YEAR_ONLY.fullmatch(subject) and previous.years:  # "2023年呢？" asks the previous question of that year
        return last.replace(previous.years[0], subject[:4], 1)
    # "最少的呢？" after "常住人口最多的是哪个乡镇？" asks the previous question with the other superlative
    if (other := _SUPERLATIVE_ONLY.fullmatch(subject)) and (was := _SUPERLATIVE.search(last)):
        return last[: was.start()] + other.group(1) + last[was.end() :]
    # "农村居民人均可支配收入呢？": another attribute of the same subject (a noun phrase read as an attribute, no
    # place or body in it: jieba may tag 农村居民 a person's name, so such names are let through)
    attribute = analyse(subject + "是多少?").attribute if subject else ""
    if (attribute and subject.endswith(attribute) and previous.attribute and previous.attribute in last
            and not unit_places(subject) and not entities(subject, min_len=2, flags=("ns", "nt"))):
        return last.replace(previous.attribute, subject, 1)
    if subject and len(found) == 1 and with_unit(found[0], subject) == subject:
        unit = subject[-1] if subject[-1] in PLACE_UNITS else ""
        same = [n for n in names if unit and n.endswith(unit)]
        old = (same or names[-1:] or [""])[-1]
        if old and old in last:
            return last.replace(old, subject, 1)
        return subject + last
    return f"{''.join(names) or last} {question}"


# a superlative (最多, 最低, 倒数第一, 排名第一) and a follow-up naming only one ("最少的呢？")
_SUPERLATIVE = re.compile(rf"{SUPERLATIVE}|排名?第[一1]")
_SUPERLATIVE_ONLY = re.compile(rf"({_SUPERLATIVE.pattern})的?")
_QUESTION_WORD = re.compile(r"什么|哪|多少|几|谁|怎|如何|为何|何时|何地|是否|有没有|吗")
_ENDS_WITH_NE = re.compile(r"呢[？?。！!\s]*$")
FRAGMENT_NOTICE = ("这像是对上一个问题的追问，但没有上一个问题：请把问题问完整（例如「某镇2022年地区生产总值是多少？」）。"
                   "(A follow-up with no earlier question: please ask the whole question.)")
"""The notice of a refusal of a follow-up fragment asked with no history (needs_history)."""


def needs_history(question: str) -> bool:
    """Whether a question is only a follow-up that says nothing without an earlier question: it ends with 呢 and,
    once its lead (那么, 还有…) and tail (的情况呢) are taken off, asks nothing of its own ("2022年呢？", "那么江苏呢？",
    "那编制呢？"), or it opens with a pronoun for a subject (它, 其, 该公司, 该镇…: "它的营业收入是多少？").
    `question`: the user's words (any length); "其中…", "它们…" and a question ending with 呢 that has a question
    word of its own ("强镇扩权的意义是什么呢？") are not fragments. Pure function, no error raised."""
    from ingest.normalize import normalize

    asked = normalize(question.strip())
    if _PRONOUN_LEAD.match(asked):
        return True
    rest = _FOLLOW_UP_TAIL.sub("", _FOLLOW_UP_LEAD.sub("", asked))
    return bool(_ENDS_WITH_NE.search(asked)) and not _QUESTION_WORD.search(rest)


Event = tuple[str, Any]


def _pieces(text: str, size: int = 8) -> Iterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


ISSUE_DATE_HITS = 3  # a question about when a document was issued also reads the last chunk of this many hits' docs
LIST_CONTINUATION_HITS = 2  # a list question also reads the chunk after each of its best this many hits
LIST_CONTINUATION_CHUNKS = 3  # ... and the chunks after that one while the list goes on, this many in all


class AskEngine:
    """retrieve → answer (extractive, or LLM when configured) → verify → cite or abstain."""

    def __init__(self, index: Index, settings: Settings, answerer: Any | None = None) -> None:
        self.index = index
        self.settings = settings
        self.retriever = HybridRetriever(index, settings)
        self.extractive = ExtractiveAnswerer(index, model_path=settings.answer_model,
                                             title_weight=settings.answer_title_weight)
        self.abstain_threshold = (settings.abstain_threshold if settings.abstain_threshold is not None
                                  else self.extractive.threshold)
        if answerer is None and settings.llm_enabled:
            from rag.llm import LLMAnswerer

            answerer = LLMAnswerer(settings)
        self.answerer = answerer or self.extractive

    @property
    def uses_llm(self) -> bool:
        return self.answerer is not self.extractive

    def condense(self, question: str, history: list[Turn]) -> str:
        if history and self.uses_llm and _FOLLOW_UP.search(question.strip()):
            text = "\n".join(f"{'用户' if t.role == 'user' else '助手'}：{t.content}" for t in history[-6:])
            rewritten = self.answerer.condense(question, text)
            if rewritten:
                return rewritten
        return condense(question, history)

    def ask(self, question: str, history: list[Turn] | None = None, top_k: int | None = None) -> AskResult:
        result = None
        for kind, payload in self.ask_stream(question, history, top_k, stream_tokens=False):
            if kind == "done":
                result = payload
        assert result is not None
        return result

    def _ranked(self, query: str, k: int) -> Hits:
        """The query's top-k hits: the fused top `rerank_pool` (settings) reranked by the learned answer scorer
        (ExtractiveAnswerer.rerank), or the fused top k when the pool is no larger."""
        s = self.settings
        if s.rerank_pool > k:
            got = self.retriever.search(query, top_k=s.rerank_pool)
            return Hits(self.extractive.rerank(query, got, k, s.rerank_retrieval_weight, s.rerank_title_weight),
                        got.timings_ms, got.top_similarity)
        return self.retriever.search(query, top_k=k)

    def _retrieve(self, query: str, k: int) -> Hits:
        """The question's top-k hits (_ranked); for a comparison ("A和B…分别…") or a change between two years
        (year_change_parts), followed by the top-k hits of each part's own question (ExtractiveAnswerer.part_questions),
        ranked as that question asked alone, not already among them, so that each part is answered from contexts
        retrieved for it and not only from those the other part dominates. Timings are the whole question's."""
        hits = self._ranked(query, k)
        q = analyse(query)
        seen = {h.chunk.chunk_id for h in hits}
        extra: list[Hit] = []
        if q.what != "list" and superlative(q.norm) is not None:
            # which item is the most of a document's enumeration: a chunk ending inside a sentence (a long list of
            # clauses cut at ；) is read on into the chunk holding the sentence's rest, so that every item's figure
            # is among the contexts an extreme is quoted from (rag.extreme)
            for h in hits[:LIST_CONTINUATION_HITS]:
                chunks = {c.seq: c for c in self.index.by_doc.get(h.chunk.doc_id, [])}
                cur = h.chunk
                for _ in range(LIST_CONTINUATION_CHUNKS):
                    nxt = chunks.get(cur.seq + 1)
                    if nxt is None or not cut_inside_sentence(cur.text, nxt.text):
                        break
                    if nxt.chunk_id not in seen:
                        seen.add(nxt.chunk_id)
                        extra.append(Hit(nxt, 0.0))
                    cur = nxt
        # (and the chunks holding a superlative's computed answer: a list with an item per chunk is read whole)
        for chunk in self.extractive.extreme_chunks(query, [*hits, *extra]):
            seen.add(chunk.chunk_id)
            extra.append(Hit(chunk, 0.0))
        if q.what == "list":
            # a list goes on in the chunk after the one that holds its first items, so that items the retriever
            # did not rank are still quoted in order: the next chunk of the best hits' documents is read too, and
            # the chunks after it while each opens with the item that follows the last one before it ("（三）…" |
            # "（四）…"), up to LIST_CONTINUATION_CHUNKS in all
            for h in hits[:LIST_CONTINUATION_HITS]:
                chunks = {c.seq: c for c in self.index.by_doc.get(h.chunk.doc_id, [])}
                cur = h.chunk
                for n in range(LIST_CONTINUATION_CHUNKS):
                    nxt = chunks.get(cur.seq + 1)
                    if nxt is None:
                        break
                    if n > 0:
                        lines = [x for x in cur.text.splitlines() if x.strip()]
                        follows = next_item(lines[-1]) if lines else None
                        if follows is None or not follows.match(nxt.text):
                            break
                    if nxt.chunk_id not in seen:
                        seen.add(nxt.chunk_id)
                        extra.append(Hit(nxt, 0.0))
                    cur = nxt
        if slot := asked_slot(q.norm):
            # "培训班在哪里举办": a notice gives the element asked a heading of its own (二、培训地点) whose short
            # body shares few words with the question: the chunks under it in the best hits' documents are read too
            for h in hits[:ISSUE_DATE_HITS]:
                for c in sorted(self.index.by_doc.get(h.chunk.doc_id, []), key=lambda c: c.seq):
                    if c.chunk_id not in seen and names_slot(q.norm, c.section, slot):
                        seen.add(c.chunk_id)
                        extra.append(Hit(c, 0.0))
        if asks_issue_date(q):
            # the date a document was issued ends it (ingest.headings.issue_date): the last chunk of each of the
            # best hits' documents is read too
            for h in hits[:ISSUE_DATE_HITS]:
                last = self.index.last_chunk(h.chunk.doc_id)
                if last is not None and last.chunk_id not in seen and issue_date(last.text):
                    seen.add(last.chunk_id)
                    extra.append(Hit(last, 0.0))
        parts = self.extractive.part_questions(query) or year_change_parts(q.norm)
        if len(parts) < 2:
            return Hits([*hits, *extra], hits.timings_ms, hits.top_similarity) if extra else hits
        for part in parts:
            for h in self._ranked(part, k):  # as the part would be retrieved asked alone
                if h.chunk.chunk_id not in seen:
                    seen.add(h.chunk.chunk_id)
                    extra.append(h)
        return Hits([*hits, *extra], hits.timings_ms, hits.top_similarity)

    def ask_stream(
        self, question: str, history: list[Turn] | None = None, top_k: int | None = None, *, stream_tokens: bool = True
    ) -> Iterator[Event]:
        """Events: ("token", text)…, then ("citations", [...]), then ("done", AskResult). Every step runs under the
        index's own lexicon (ingest.tokenize.lexicon_scope), in whichever thread the consumer resumes it."""
        steps = self._ask_steps(question, history, top_k, stream_tokens=stream_tokens)
        while True:
            with lexicon_scope(self.index.lexicon):
                step = next(steps, None)
            if step is None:
                return
            yield step

    def _ask_steps(
        self, question: str, history: list[Turn] | None, top_k: int | None, *, stream_tokens: bool
    ) -> Iterator[Event]:
        t0 = time.perf_counter()
        # a follow-up fragment with nothing to follow ("2022年呢？" as a first question) is refused with a notice, not
        # answered about whatever its few words retrieve; the nearest sources are still listed
        fragment = not any(t.role == "user" for t in history or []) and needs_history(question)
        query = spell_out(self.condense(question, history or []), self.index.mentions)
        hits = self._retrieve(query, max(top_k or self.settings.top_k, 5))
        t1 = time.perf_counter()
        notices: list[str] = []
        fallback: Fallback | None = None
        extractive = self.extractive.answer(query, hits, focus=question)
        abstained = not hits or extractive.support < self.abstain_threshold
        if abstained and not self.uses_llm and history and not _FOLLOW_UP.search(question.strip()) \
                and query != spell_out(question, self.index.mentions):
            # a question completed with the previous one's subject (condense) that finds no answer so is asked as
            # it stands: it may open a new topic
            query = spell_out(question, self.index.mentions)
            hits = self._retrieve(query, max(top_k or self.settings.top_k, 5))
            extractive = self.extractive.answer(query, hits, focus=question)
            abstained = not hits or extractive.support < self.abstain_threshold
        abstained = abstained or fragment
        draft, mode = extractive, "extractive"
        streamed = False
        if not abstained and self.uses_llm:
            try:
                if stream_tokens:
                    parts: list[str] = []
                    for piece in self.answerer.stream(query, hits):
                        parts.append(piece)
                        yield ("token", piece)
                    streamed = True
                    draft = self.answerer.finish("".join(parts), hits)
                else:
                    draft = self.answerer.answer(query, hits)
                mode = "llm"
                if draft.text == NOT_FOUND:
                    abstained = True
            except Exception as e:  # upstream failure of any kind: extractive answer, with a notice
                notices.append(f"大模型暂不可用（{e}），已改用原文摘录回答。")
                draft, mode, fallback = extractive, "extractive", "llm_unavailable"
        if abstained:
            answer, citations = NOT_FOUND, []
            if fragment:
                notices.append(FRAGMENT_NOTICE)
            elif hits:
                notices.append("证据不足，以下为最接近的资料，供参考。")
            if not is_chinese_question(question):
                notices.append(NOT_CHINESE_NOTICE)
        else:
            verdict = verify(draft.text, draft.evidence, len(hits))
            if not verdict.ok or not draft.evidence:
                problems = verdict.problems or ["no citation"]
                notices.append("回答未通过引用核验，已改用原文摘录：" + "；".join(problems))
                draft, mode, fallback = extractive, "extractive", "citation_check_failed"
            answer, citations = draft.text, self._citations(draft)
        t2 = time.perf_counter()
        if stream_tokens and not (streamed and mode == "llm" and not abstained):
            if streamed:
                yield ("reset", None)  # what was streamed is replaced by the checked answer
            for piece in _pieces(answer):
                yield ("token", piece)
        yield ("citations", [c.model_dump() for c in citations])
        contexts = [
            Context(n=i, chunk_id=h.chunk.chunk_id, doc_title=h.chunk.doc_title, section=h.chunk.section,
                    source=h.chunk.source, text=h.chunk.text, score=round(h.score, 4), also_in=h.chunk.also_in,
                    ocr=h.chunk.ocr, kb=h.chunk.kb)
            for i, h in enumerate(hits, start=1)
        ]
        yield ("done", AskResult(
            question=question, answer=answer, abstained=abstained, mode=mode, citations=citations,
            contexts=contexts, notices=notices, fallback=fallback,
            timings_ms={"retrieve": round((t1 - t0) * 1000, 2), "answer": round((t2 - t1) * 1000, 2),
                        "total": round((time.perf_counter() - t0) * 1000, 2),
                        **{k: round(v, 2) for k, v in hits.timings_ms.items()}},
        ))

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
                                source=c.source, quote=e.quote, start=c.start + e.start, end=c.start + e.end,
                                ocr=c.ocr, page=c.page_at(e.start), kb=c.kb))
        return out
