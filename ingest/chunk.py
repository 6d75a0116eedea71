"""Sentence-aware Chinese chunking with section paths and exact character offsets."""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass, field

from core.kb import DEFAULT_KB
from core.text import CLOSING_CHARS, SENTENCE_END_CHARS
from ingest.articles import Document
from ingest.headings import INLINE_HEADING, ITEM_LEVEL, LIST_LINE_CHARS, heading_level, heading_title

# A sentence ends at 。！？；(and their ASCII forms) or at a line end; closing quotes stay with it.
_SENT_END = re.compile(f"[{re.escape(SENTENCE_END_CHARS)}]+[{re.escape(CLOSING_CHARS)}]*|\n")
_SOFT_BREAK = re.compile(r"[,，、:：]")
# Spans a chunk or a sentence is never cut inside: a number with its separators (「4,250」「6.5%」), a date
# (「2023年12月31日」), a 《title》, a quotation (“…”「…」『…』). Bounded lengths keep a stray
# opening mark from protecting a whole document.
_PROTECTED = re.compile(
    r"\d[\d,，.．]*\d%?"
    r"|\d{2,4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?"
    r"|[〇零一二三四五六七八九十]{2,4}年[一二三四五六七八九十]{1,2}月(?:[一二三四五六七八九十]{1,3}日)?"
    r"|《[^《》\n]{1,60}》|“[^“”\n]{1,200}”|「[^「」\n]{1,200}」|『[^『』\n]{1,200}』"
)


CHUNK_START_LEVEL = ITEM_LEVEL
"""Headings of this level or an outer one (第X章, 第X节, 一、, 第X条; levels of ingest.headings) always start a
chunk."""


def protected_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the spans of `text` that must not be cut (numbers, dates, titles, quotations)."""
    return [(m.start(), m.end()) for m in _PROTECTED.finditer(text) if m.end() - m.start() > 1]


LEAD_IN_END = ":："
"""A sentence (a line) ending with one of these introduces what follows it (a list's items): it never ends a chunk."""


def _lead_in(text: str, span: Span) -> bool:
    return text[span.end - 1] in LEAD_IN_END


def _bare_heading(text: str, span: Span) -> bool:
    """A heading standing alone (「第一节 机构设置」), not a heading sentence that carries text (「第三条 …。」)."""
    return (span.heading is not None and not _SENT_END.search(text, span.start, span.end - 1)
            and text[span.end - 1] not in SENTENCE_END_CHARS)


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a < pos < b for a, b in spans)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    heading: int | None = None  # heading level when this sentence opens a heading


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    doc_title: str
    section: str
    source: str
    start: int
    end: int
    text: str
    seq: int = 0
    also_in: list[dict[str, str]] = field(default_factory=list)
    doc_meta: dict[str, str] = field(default_factory=dict)
    """Its document's metadata (``ocr_pages`` when the text came from OCR; see ingest.load.Loaded.meta)."""
    page: int = 0
    """1-based page of the original file where the chunk starts (paginated formats), 0 when unknown."""
    page_breaks: tuple[tuple[int, int], ...] = ()
    """Pages that begin inside the chunk: (offset in ``text`` in characters, 1-based page), in order."""
    kb: str = DEFAULT_KB  # the knowledge base of its document

    def page_at(self, offset: int) -> int:
        """The 1-based page of the character at ``offset`` (characters into ``text``); 0 when unknown."""
        page = self.page
        for at, p in self.page_breaks:
            if at > offset:
                break
            page = p
        return page

    @property
    def ocr(self) -> bool:
        """Whether its document's text (wholly or in part) was read by OCR from a scan or an image."""
        return bool(self.doc_meta.get("ocr_pages"))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def sentence_spans(text: str) -> list[Span]:
    """Split text into sentence spans (offsets into `text`), also breaking before headings."""
    cuts = {0, len(text)}
    for m in _SENT_END.finditer(text):
        cuts.add(m.end())
    for m in INLINE_HEADING.finditer(text):
        cuts.add(m.start())
    spans: list[Span] = []
    bounds = sorted(cuts)
    for a, b in zip(bounds, bounds[1:], strict=False):
        a, b = _trim(text, a, b)
        if a < b:
            spans.append(Span(a, b, heading_level(text[a:b])))
    return spans


def _split_long(text: str, span: Span, max_chars: int, keep: list[tuple[int, int]] | None = None) -> list[Span]:
    """A sentence longer than the maximum is cut at commas, and hard-cut only if that fails; never inside
    a protected span (number, date, title, quotation) unless that span alone is longer than the maximum."""
    keep = protected_spans(text) if keep is None else keep
    out: list[Span] = []
    start = span.start
    while span.end - start > max_chars:
        window = text[start : start + max_chars]
        soft = [start + m.end() for m in _SOFT_BREAK.finditer(window)
                if m.end() >= max_chars // 3 and not _inside(start + m.end(), keep)]
        cut = soft[-1] if soft else start + max_chars
        if not soft:
            for a, b in keep:
                if a < cut < b and a > start:
                    cut = a  # hard cut moved back before the span
        out.append(Span(start, cut, span.heading if start == span.start else None))
        start = cut
    out.append(Span(start, span.end, span.heading if start == span.start else None))
    return out


def _innermost_section(text: str, group: list[Span], section: str, path_after: dict[Span, str]) -> str:
    """The section of a chunk that opens with bare headings in a row (「第二章 …」「第一节 …」「一、…」, then text) is
    that of the innermost of them, 「第二章 … > 第一节 … > 一、…」, when no heading later in the chunk closes it
    (one of its level or an outer one); otherwise ``section``, the path where the chunk opens."""
    lead = 0
    while lead < len(group) and _bare_heading(text, group[lead]):
        lead += 1
    if lead < 2 or lead == len(group):
        return section
    inner = group[lead - 1]
    assert inner.heading is not None
    if any(s.heading is not None and s.heading <= inner.heading for s in group[lead:]):
        return section
    return path_after.get(inner, section)


def make_chunk_id(doc_id: str, text: str) -> str:
    return hashlib.sha1(f"{doc_id}\n{text}".encode()).hexdigest()[:20]


_SPACES = " \t\r\n\u3000"
_NO_SPACE = str.maketrans("", "", _SPACES)
PAGE_PROBE_CHARS = 8
"""Characters (whitespace removed) of a chunk's opening looked up in the page texts to find its page."""


def assign_pages(chunks: list[Chunk], page_texts: tuple[str, ...] | list[str]) -> None:
    """Set ``chunk.page`` (1-based) for chunks of a paginated file, in place.

    Cleaning rewrites text (NFKC, joined digits, metadata moved out), so offsets do not carry over: each
    chunk's opening (``PAGE_PROBE_CHARS`` non-space characters, NFKC) is searched in the pages' text, from
    where the previous chunk was found (chunks are in reading order). Not found: ``page`` stays 0."""
    import unicodedata

    if not page_texts:
        return
    flat, starts = "", []
    for t in page_texts:
        starts.append(len(flat))
        flat += unicodedata.normalize("NFKC", t).translate(_NO_SPACE)
    cursor = 0
    for c in chunks:
        compact = unicodedata.normalize("NFKC", c.text).translate(_NO_SPACE)
        probe = compact[:PAGE_PROBE_CHARS]
        if not probe:
            continue
        at = flat.find(probe, cursor)
        if at < 0:
            at = flat.find(probe)
        if at < 0:
            continue
        cursor = at
        c.page = bisect.bisect_right(starts, at)  # 1-based: the count of pages starting at or before `at`
        # pages beginning inside the chunk: their start, counted in non-space characters from the chunk's
        # opening, is the offset of that non-space character in the chunk's own text (NFKC keeps the length of
        # Chinese text)
        inside = range(c.page, bisect.bisect_left(starts, at + len(compact)))
        if inside:
            visible = [i for i, ch in enumerate(c.text) if ch not in _SPACES]
            c.page_breaks = tuple((visible[starts[k] - at], k + 1) for k in inside if starts[k] - at < len(visible))


CAPTION_CHARS = 20
"""Longest unnumbered line read as the caption of the list under it (characters): 「一类村庄」."""
_CAPTION_PUNCT = re.compile(r"[，,。；;：:！!？?、]")


def _own_line(text: str, span: Span) -> bool:
    return (span.start == 0 or text[span.start - 1] == "\n") and (span.end == len(text) or text[span.end] == "\n")


def _lists(text: str, spans: list[Span]) -> list[Span]:
    """Numbered lines that are a list's items, not headings, and the captions over such lists: a run of two or more
    sibling lines numbered below the first level (1. / （1） / ①, deeper than ITEM_LEVEL), each a line of its own
    of at most LIST_LINE_CHARS with no sentence end (「1.甲镇乙村（97分）」, not 「1.建立登记制度，…上报。」) and no text
    between them, is a list (a heading has a body); its items lose their
    heading level, and a short unnumbered line right above the run (at most CAPTION_CHARS, no punctuation: 「一类
    村庄」) becomes the heading over the list, at the items' level, so that a chunk opens with it and names it as
    its section."""
    out = list(spans)
    i = 0
    while i < len(out):
        level = out[i].heading
        j = i
        while (j < len(out) and level is not None and level > ITEM_LEVEL and out[j].heading == level
               and _own_line(text, out[j]) and _bare_heading(text, out[j])
               and out[j].end - out[j].start <= LIST_LINE_CHARS):
            j += 1
        if j - i >= 2:
            for k in range(i, j):
                out[k] = Span(out[k].start, out[k].end, None)
            if i > 0:
                cap = out[i - 1]
                line = text[cap.start : cap.end]
                if (cap.heading is None and _own_line(text, cap) and len(line) <= CAPTION_CHARS
                        and not _CAPTION_PUNCT.search(line) and re.search(r"[\u4e00-\u9fff]", line)):
                    out[i - 1] = Span(cap.start, cap.end, level)
            i = j
        else:
            i += 1
    return out


def chunk_document(doc: Document, target: int, max_chars: int) -> list[Chunk]:
    """Pack sentences into chunks of about `target` characters, never over `max_chars`
    unless a single sentence is; a heading starts a new chunk (a list's numbered items are no headings, and the
    caption over a list is one: _lists)."""
    text = doc.text
    keep = protected_spans(text)
    spans: list[Span] = []
    for s in _lists(text, sentence_spans(text)):
        spans.extend(_split_long(text, s, max_chars, keep) if s.end - s.start > max_chars else [s])

    stack: list[tuple[int, str]] = []
    path_after: dict[Span, str] = {}  # a heading's section path, itself included
    groups: list[tuple[list[Span], str]] = []
    current: list[Span] = []
    current_section = ""

    def section_now() -> str:
        return " > ".join(t for _, t in stack)

    for span in spans:
        size = span.end - (current[0].start if current else span.start)
        flush = False
        if current:
            # the heading that opens the chunk: a lead-in carried over stands before its first item
            opener = next((c.heading for c in current if not _lead_in(text, c)), None)
            only_headings = all(_bare_heading(text, c) for c in current)
            if span.heading is not None and not only_headings and (
                    span.heading <= CHUNK_START_LEVEL or (opener is not None and span.heading <= opener)
                    or (current[-1].end - current[0].start) >= target // 3):
                # a section heading (第X章, 第X节, 一、, 第X条) or a sibling of the chunk's own heading starts a new chunk;
                # a deeper item (（一）, 1.) starts one unless the chunk before it is short
                flush = True
            elif size > max_chars:
                flush = True
            elif size > target and (current[-1].end - current[0].start) >= target // 2 and not _inside(span.start, keep):
                flush = True  # not between two sentences of one quotation
        carried: list[Span] = []
        if flush:
            # bare headings and lead-ins ("…分为以下三类：") never end a chunk: they move on with the text they
            # introduce (a heading sentence that carries its own text, 「第一条 …。」, is text and stays); a chunk is
            # never left holding only lead-ins
            while (len(current) > 1 and (_bare_heading(text, current[-1]) or _lead_in(text, current[-1]))
                   and not all(_lead_in(text, c) for c in current[:-1])):
                carried.insert(0, current.pop())
            prev = groups[-1][0] if groups else None
            if (span.heading is not None and opener is None and prev is not None
                    and current[-1].end - prev[0].start <= target):
                prev.extend(current)  # a short tail of the previous section goes back to its chunk
            else:
                groups.append((current, current_section))
            current = []
            for c in carried:
                if not current:
                    current_section = section_now()
                current.append(c)
        if span.heading is not None:
            while stack and stack[-1][0] >= span.heading:
                stack.pop()
            stack.append((span.heading, heading_title(text[span.start : span.end])))
            path_after[span] = section_now()
        if not current or (span.heading is not None and all(_lead_in(text, c) for c in current)):
            current_section = section_now()  # a chunk opened by a lead-in is in the section of the item after it
        current.append(span)
    if current:
        groups.append((current, current_section))

    chunks: list[Chunk] = []
    for seq, (group, section) in enumerate(groups):
        section = _innermost_section(text, group, section, path_after)
        start, end = group[0].start, group[-1].end
        body = text[start:end]
        chunks.append(
            Chunk(make_chunk_id(doc.doc_id, body), doc.doc_id, doc.title, section, doc.source, start, end, body, seq)
        )
    return chunks
