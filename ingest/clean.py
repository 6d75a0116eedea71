"""Pure text cleaning for scraped / OCR'd Chinese documents.

Every function here takes a string and returns a string (or a list of them); no I/O.
"""

from __future__ import annotations

import re

# Full-width digits and Latin letters (U+FF10-FF19, FF21-FF3A, FF41-FF5A) and the
# ideographic space; Chinese punctuation is kept as it marks sentence ends.
_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_WIDTH_TABLE.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_WIDTH_TABLE.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_WIDTH_TABLE[0x3000] = 0x20
_WIDTH_TABLE[0xA0] = 0x20
_WIDTH_TABLE[0xFEFF] = None
_WIDTH_TABLE[0x200B] = None


def fold_width(text: str) -> str:
    """Full-width digits/Latin letters to half-width; odd spaces to plain spaces."""
    return text.translate(_WIDTH_TABLE)


_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2010-\u2027\u2030-\u205e"
_ASCII_PUNCT = r"!-/:-@\[-`{-~"
# A character on either side of which OCR spacing is noise: Han, CJK punctuation, digits, ASCII punctuation.
_TIGHT = f"[{_HAN}{_CJK_PUNCT}0-9{_ASCII_PUNCT}]"
_SPACE_BETWEEN = re.compile(f"(?<={_TIGHT})[ \\t]+(?={_TIGHT})")
_HAN_LATIN = re.compile(f"(?<=[{_HAN}{_CJK_PUNCT}])[ \\t]+(?=[A-Za-z])|(?<=[A-Za-z])[ \\t]+(?=[{_HAN}{_CJK_PUNCT}])")


def fix_ocr_spacing(line: str) -> str:
    """Remove spaces OCR put inside words and numbers ("2 0 0 7年" → "2007年", "杨汛 桥" → "杨汛桥").

    Spaces between Latin words ("rural reform") are kept; so is one space between a Latin
    word and Chinese text.
    """
    line = re.sub(r"[ \t]+", " ", line).strip()
    line = _SPACE_BETWEEN.sub("", line)
    return _HAN_LATIN.sub(" ", line)


# Download-site boilerplate: whole lines that carry one of these markers are dropped.
_BOILERPLATE_LINE = re.compile(
    r"下载文档前请自行甄别|仅部分预览|不可在线预览|如文档侵犯您的权益|人工客服工作时间|"
    r"平台不提供额外的编辑|本文档由用户上传|文档下载后|点击下载|VIP免费下载|查看更多相关文档"
)
# In-line boilerplate of "范文" sites: "今天,的我为大家整理了一篇关于《…》范文,供大家…参考使用!正文如下:".
_BOILERPLATE_INLINE = re.compile(r"(?:今天[,，]?)?的?(?:我们?|小编)?为大家整理了[^。]{0,80}?正文如下[:：]")
# Page markers: "1/ 10。", "第3页 共10页", "- 12 -", a bare slide/page number, "| 40 |" at line start.
_PAGE_LINE = re.compile(
    r"^\s*(\d{1,4}\s*/\s*\d{1,4}|第\s*\d+\s*页(\s*[,，]?\s*共\s*\d+\s*页)?|[-—]\s*\d{1,4}\s*[-—]|\d{1,3})\s*[。.]?\s*$"
)
_PAGE_PREFIX = re.compile(r"^\s*\|\s*\d{1,4}\s*\|\s*")
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE_LINE.search(line))


def is_page_marker(line: str) -> bool:
    return bool(_PAGE_LINE.match(line))


def clean_line(line: str) -> str:
    """One physical line → cleaned line ('' when the line is noise)."""
    line = fix_ocr_spacing(_MD_HEADING.sub("", fold_width(line).lstrip()))
    if not line or is_boilerplate(line) or is_page_marker(line):
        return ""
    line = _PAGE_PREFIX.sub("", line)
    line = _BOILERPLATE_INLINE.sub("", line)
    return line.strip()


def clean_lines(text: str) -> list[str]:
    """Clean a whole text, returning its non-empty lines."""
    out = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = clean_line(raw)
        if line:
            out.append(line)
    return out


def compact(text: str) -> str:
    """Whitespace-free form used to compare strings that differ only in spacing."""
    return re.sub(r"\s+", "", text)


_LINE_END = ("。", "！", "？", "!", "?", "；", ";", "：", ":", "”", "’", "」", "』", "）", ")", "》")


def join_wrapped_lines(lines: list[str], min_len: int = 20) -> list[str]:
    """Re-join lines that a PDF/OCR layout wrapped mid-sentence: a long line that does not end
    a sentence continues on the next line, unless that line opens a heading."""
    from ingest.headings import heading_level

    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev is not None and len(prev) >= min_len and not prev.endswith(_LINE_END) and heading_level(line) is None:
            out[-1] = prev + line
        else:
            out.append(line)
    return out
