"""公文 headings: 第X章/编 > 一、/第X条 > （一） > 1. > （1） > ① (circled numbers ①–⑳ opening a line)."""

from __future__ import annotations

import re

from core.text import CN_DIGITS

_CN_NUM = CN_DIGITS + "十百"  # headings count up to 百
METADATA_HEADING = "文献信息"
"""Heading of the block in which ingest restates a document's record metadata (authors, journal, dates)."""
HEADING_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (0, re.compile(rf"^{METADATA_HEADING}$")),
    (0, re.compile(rf"^第[{_CN_NUM}\d]+[章编部分](?=\s|\S)")),
    (1, re.compile(rf"^[{_CN_NUM}]{{1,3}}、")),
    (1, re.compile(rf"^第[{_CN_NUM}\d]+条")),
    (2, re.compile(rf"^[(（]\s*[{_CN_NUM}]{{1,3}}\s*[)）]")),
    (3, re.compile(r"^\d{1,2}\s*[.．、](?!\d)")),
    (4, re.compile(r"^[(（]\s*\d{1,2}\s*[)）]")),
    (5, re.compile("^[\u2460-\u2473]")),
]
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


def heading_title(sentence: str, limit: int = 24) -> str:
    """The short title of a heading sentence: up to its first punctuation, at most `limit` chars."""
    s = sentence.strip()
    level = heading_level(s)
    if level is not None:
        marker = next(p for lv, p in HEADING_PATTERNS if lv == level and p.match(s)).match(s)
        head, rest = s[: marker.end()], s[marker.end() :]
    else:
        head, rest = "", s
    ends = [m.start() for m in (_TITLE_END.search(rest), _NESTED.search(rest)) if m]
    rest = rest[: min(ends)] if ends else rest
    return (head + rest)[:limit].strip()
