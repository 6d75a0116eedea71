"""公文 headings, outermost first: 第X编/章 > 第X节 > 一、/第X条 > （一） > 1. > （1） > ① (circled numbers ①–⑳
opening a line).

Levels follow the 公文 numbering order of GB/T 9704-2012 (7.3.3: 一、 （一） 1. （1）) and the chapter/section
layout of laws and regulations (立法技术规范: 编、章、节、条): a smaller level is an outer heading."""

from __future__ import annotations

import re

from core.text import CN_DIGITS
from ingest.normalize import normalize

_CN_NUM = CN_DIGITS + "十百"  # headings count up to 百
METADATA_HEADING = "文献信息"
"""Heading of the block in which ingest restates a document's record metadata (authors, journal, dates)."""

CHAPTER_LEVEL = 0
"""第X编, 第X章, 第X部分 (and the metadata block's heading)."""
SECTION_LEVEL = 1
"""第X节: a section of a chapter."""
ITEM_LEVEL = 2
"""一、 and 第X条: the first numbered level of a 公文, an article of a regulation."""

_ORDINAL_UNIT = rf"^第[{_CN_NUM}\d]+"
HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (CHAPTER_LEVEL, re.compile(rf"^{METADATA_HEADING}$")),
    (CHAPTER_LEVEL, re.compile(rf"{_ORDINAL_UNIT}(?:[章编]|部分)")),
    (SECTION_LEVEL, re.compile(rf"{_ORDINAL_UNIT}节(?!课)")),
    (ITEM_LEVEL, re.compile(rf"^[{_CN_NUM}]{{1,3}}、")),
    (ITEM_LEVEL, re.compile(rf"{_ORDINAL_UNIT}条")),
    (ITEM_LEVEL + 1, re.compile(rf"^[(（]\s*[{_CN_NUM}]{{1,3}}\s*[)）]")),
    (ITEM_LEVEL + 2, re.compile(r"^\d{1,2}\s*[.．、](?!\d)")),
    (ITEM_LEVEL + 3, re.compile(r"^[(（]\s*\d{1,2}\s*[)）]")),
    (ITEM_LEVEL + 4, re.compile("^[\u2460-\u2473]")),
]
BARE_ORDINAL = re.compile(rf"{_ORDINAL_UNIT}\s*(?:[章节编]|部分)$")
"""A line holding only a chapter or section marker (「第二章」): a PDF whose heading is typeset as two text runs
(marker, wide space, title) gives its title on the next line."""
TITLE_CHARS = 24
"""Longest heading title kept in a section path (characters)."""

# Parenthesised Chinese numerals are headings wherever they stand, e.g. "一、…的动因(一)经济…".
INLINE_HEADING = re.compile(rf"[(（]\s*[{_CN_NUM}]{{1,3}}\s*[)）]")
_TITLE_END = re.compile(r"[。！？!?；;:：,，]")
# a deeper heading run into this one: "…的主要做法1.扩大…", "…的动因(一)经济…"
_NESTED = re.compile(rf"(?<=[\u4e00-\u9fff”])(\d{{1,2}}[.．、](?!\d)|[(（]\s*[{_CN_NUM}\d]{{1,3}}\s*[)）])")


def heading_level(sentence: str) -> int | None:
    """Level of the heading that opens this sentence, or None."""
    s = sentence.lstrip()
    for level, pat in HEADING_PATTERNS:
        if pat.match(s):
            return level
    return None


def heading_title(sentence: str, limit: int = TITLE_CHARS) -> str:
    """The short title of a heading sentence: up to its first punctuation, at most `limit` chars. An ordinal
    marker (第X章, 第X节, 第X条) is set apart from its title by one space, as 公文 and laws print it
    (「第二章　组织与职责」), whether or not cleaning kept the space: 「第二章 组织与职责」. An article (第X条) is
    named by its marker alone: the words after it are its text (「第四条 三个村的农户数…」 → 「第四条」)."""
    s = sentence.strip()
    level = heading_level(s)
    if level is not None:
        marker = next(p for lv, p in HEADING_PATTERNS if lv == level and p.match(s)).match(s)
        head, rest = s[: marker.end()], s[marker.end() :]
    else:
        head, rest = "", s
    if head.rstrip().endswith("条"):  # 第X条: an article of a regulation; what follows is its text, not a title
        return head.strip()[:limit]
    ends = [m.start() for m in (_TITLE_END.search(rest), _NESTED.search(rest)) if m]
    rest = rest[: min(ends)] if ends else rest
    if head.startswith("第") and rest.strip():
        rest = " " + rest.strip()
    return (head + rest)[:limit].strip()


def heading_name(sentence: str) -> str:
    """A heading's title without its numbering marker: 「一、培训时间」 → 「培训时间」, 「（二）报名方式：…」 →
    「报名方式」; "" for a sentence opening no heading (heading_level is None)."""
    s = sentence.strip()
    level = heading_level(s)
    if level is None:
        return ""
    marker = next(p for lv, p in HEADING_PATTERNS if lv == level and p.match(s)).match(s)
    return heading_title(s[marker.end() :].strip()) if marker is not None else ""


LEAD_IN = re.compile(r"[:：]\s*$")
"""A sentence announcing the list after it ends with a colon: 「各乡镇地区生产总值如下：」 over 「甲镇：24.3亿元」."""
LIST_LINE_CHARS = 40
"""Longest line read as one line of a list (characters): 「甲镇：24.3亿元」, 「教育支出8.45亿元；」, not a paragraph."""
FULL_STOP = re.compile(r"[。！!？?]\s*$")
"""A line or sentence ended by a full stop (not a list's line, which ends at the line end)."""


def list_lead_in(text: str, start: int) -> str:
    """The lead-in of the list whose line starts at `start` in `text` (raw): the nearest line above ending with a
    colon (LEAD_IN), when every line between is a line of the list (at most LIST_LINE_CHARS, no full stop, no
    heading); "" when the line is in no such list (a paragraph, a heading or the text's start come first)."""
    lines = text[: text.rfind("\n", 0, start) + 1].split("\n")[:-1] if "\n" in text[:start] else []
    for line in reversed(lines):
        line = line.strip()
        if not line:
            continue
        if LEAD_IN.search(line):
            return line
        if len(line) > LIST_LINE_CHARS or FULL_STOP.search(line) or heading_level(line) is not None:
            return ""
    return ""


_WHOLE_DATE = re.compile(r"(?:19|20)\d{2}年\d{1,2}月\d{1,2}日")
SIGNATURE_CHARS = 30
"""Longest line read as the issuing body's signature above a 成文日期 (characters)."""


def issue_date(text: str) -> tuple[int, int] | None:
    """The 成文日期 of a 公文 (GB/T 9704-2012, 7.3.5: the issuing body's signature, then the date the document was
    made, ending its body): the span (start, end) in `text` of its last non-empty line when that line is a whole date
    ("2025年3月10日"; in Chinese numerals too, "二〇二五年三月十日", read through ingest.normalize), widened to
    the signature line above it when that is a short line (≤ SIGNATURE_CHARS) without sentence punctuation. None
    when the text does not end with a date line."""
    body = text.rstrip()
    start = body.rfind("\n") + 1
    if not _WHOLE_DATE.fullmatch(normalize(body[start:]).replace(" ", "")):
        return None
    above = body[:start].rstrip()
    at = above.rfind("\n") + 1
    line = above[at:].strip()
    if line and len(line) <= SIGNATURE_CHARS and not re.search(r"[。，,；;：:！？!?]", line):
        return at + (len(above[at:]) - len(above[at:].lstrip())), len(body)
    return start, len(body)
