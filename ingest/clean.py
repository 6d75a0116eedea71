"""Pure text cleaning for scraped / OCR'd Chinese documents.

Every function here takes a string and returns a string (or a list of them); no I/O.
"""

from __future__ import annotations

import re
import unicodedata

# Full-width digits and Latin letters (U+FF10-FF19, FF21-FF3A, FF41-FF5A), the percent sign and the
# ideographic space; Chinese punctuation is kept as it marks sentence ends (see _FULLWIDTH_GROUPED for the marks
# inside a number).
_WIDTH_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_WIDTH_TABLE.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})
_WIDTH_TABLE.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})
_WIDTH_TABLE[0xFF05] = ord("%")  # ％ has no other use than a percent sign
_WIDTH_TABLE[0x3000] = 0x20
_WIDTH_TABLE[0xA0] = 0x20
_WIDTH_TABLE[0xFEFF] = None
_WIDTH_TABLE[0x200B] = None


# Compatibility forms of Han characters that PDF fonts emit (Kangxi radicals ⼯⽅⾏, CJK radicals
# supplement, compatibility ideographs): NFKC maps each to the unified ideograph (工方行).
_COMPAT_HAN = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")


# Full-width marks that are part of a number. The decimal point ．between two digits (「１２．５％」) has no other
# use. The ，is a thousands separator only inside a number typed wholly in full width, digits included
# (「３，２００万元」, 「１，０５０．５万元」): groups of exactly three full-width digits after a first group of one to
# three, the last group followed by no further digit or ，group. GB/T 15835-2011 (出版物上数字用法) writes the
# thousands separator as the Western comma beside half-width digits, so a full-width ，beside half-width digits is
# the Chinese comma between two values (「农户120，350，480户」: three values, never the one number 120,350,480) and stays.
_DECIMAL_POINT = re.compile(r"(?<=\d)．(?=\d)")
_FULLWIDTH_GROUPED = re.compile(r"(?<![０-９0-9,，.．])(?!０)[０-９]{1,3}(?:，[０-９]{3})+(?:．[０-９]+)?(?![０-９0-9]|，[０-９])")


def fold_width(text: str) -> str:
    """Unicode width folding (the compatibility mappings of NFKC, applied where they do not change meaning):
    full-width digits/Latin letters and ％ to ASCII; inside a number the full-width decimal point and
    thousands separator too (「１２．５％」 → 「12.5%」, 「１，０５０．５万元」 → 「1,050.5万元」), but a ，beside half-width
    digits separates two values and stays (「120，350，480户」, see _FULLWIDTH_GROUPED); odd spaces to plain
    spaces; compatibility Han forms (Kangxi radicals, compatibility ideographs) to their unified ideographs.

    Why folded in the STORED text (cleaning calls this on every line) and not only when comparing: a quote must
    be an exact substring of the stored text, and questions are folded the same way (rag.service), so a figure
    asked for in either width is found, quoted and checked (rag.cite numbers) in one form. Full-width Chinese
    punctuation (，。：；) is NOT folded outside numbers: it marks clause and sentence ends (GB/T 15834-2011).
    Lengths are kept except where NFKC rewrites compatibility Han forms."""
    if "，" in text:
        text = _FULLWIDTH_GROUPED.sub(lambda m: m.group().replace("，", ","), text)
    text = text.translate(_WIDTH_TABLE)
    if "．" in text:
        text = _DECIMAL_POINT.sub(".", text)
    if _COMPAT_HAN.search(text):
        text = _COMPAT_HAN.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text


_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef\u2010-\u2027\u2030-\u205e"
_ASCII_PUNCT = r"!-/:-@\[-`{-~"
# A character on either side of which OCR spacing is noise: Han, CJK punctuation, digits, ASCII punctuation.
_TIGHT = f"[{_HAN}{_CJK_PUNCT}0-9{_ASCII_PUNCT}]"
_TIGHT_NO_DIGIT = f"[{_HAN}{_CJK_PUNCT}{_ASCII_PUNCT}]"
# a space between two tight characters, unless both are digits (two numbers stay two numbers)
_SPACE_BETWEEN = re.compile(
    f"(?<={_TIGHT_NO_DIGIT})[ \\t]+(?={_TIGHT})|(?<=[0-9])[ \\t]+(?={_TIGHT_NO_DIGIT})"
)
# digits OCR spaced out one by one ("2 0 0 7"): a run of single digits separated by single spaces
_SPACED_DIGITS = re.compile(r"(?<![0-9])[0-9](?: [0-9](?![0-9]))+")
_HAN_LATIN = re.compile(f"(?<=[{_HAN}{_CJK_PUNCT}])[ \\t]+(?=[A-Za-z])|(?<=[A-Za-z])[ \\t]+(?=[{_HAN}{_CJK_PUNCT}])")


def fix_ocr_spacing(line: str) -> str:
    """Remove spaces OCR put inside words and numbers ("2 0 0 7年" → "2007年", "河 源镇" → "河源镇").

    Digits are joined only when they were spaced out one by one: two numbers stay apart
    ("年份 2022 2023" → "年份2022 2023"). Spaces between Latin words ("rural reform") are kept; so is one space between a Latin
    word and Chinese text.
    """
    line = re.sub(r"[ \t]+", " ", line).strip()
    line = _SPACED_DIGITS.sub(lambda m: m.group().replace(" ", ""), line)
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
# A download site's watermark stamped into the text: a run of words in another script (Cyrillic, Greek) glued to a
# Chinese character with no bracket or space before it ("…服务中Байду номын сангаас 、…", the stamp a document
# sharing site leaves in files downloaded from it). A foreign name quoted in a Chinese text stands in brackets or
# after a space ("普京（Путин）") and is kept.
_FOREIGN_STAMP = re.compile(rf"(?<=[{_HAN}])[\u0370-\u03ff\u0400-\u04ff]+(?:[ \t]+[\u0370-\u03ff\u0400-\u04ff]+)+[ \t]*")
_PAGE_PREFIX = re.compile(r"^\s*\|\s*\d{1,4}\s*\|\s*")
_MD_HEADING = re.compile(r"^#{1,6}\s+")


def is_boilerplate(line: str) -> bool:
    return bool(_BOILERPLATE_LINE.search(line))


def is_page_marker(line: str) -> bool:
    return bool(_PAGE_LINE.match(line))


def clean_line(line: str) -> str:
    """One physical line → cleaned line ('' when the line is noise)."""
    line = fix_ocr_spacing(_FOREIGN_STAMP.sub("", _MD_HEADING.sub("", fold_width(line).lstrip())))
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


_HAN_CHAR = re.compile(f"[{_HAN}]")


def _script_change(prev: str, line: str) -> bool:
    """A line without any Chinese character followed by a line opening with one: a Latin title or file name
    ("FY2024_report_final_v2") over Chinese text, never one sentence wrapped by a layout."""
    return _HAN_CHAR.search(prev) is None and _HAN_CHAR.match(line) is not None


def join_wrapped_lines(lines: list[str], min_len: int = 20) -> list[str]:
    """Re-join lines that a PDF/OCR layout wrapped mid-sentence: a long line that does not end
    a sentence continues on the next line, unless that line opens a heading or the script changes (a line with no
    Chinese character over one opening with Chinese: a Latin title or file name, "FY2024_report_final_v2"). A line
    holding only a chapter or section marker (「第二章」, ingest.headings.BARE_ORDINAL) is joined to the short title on the next line
    (「组织与职责」: not a heading, no sentence end, at most ingest.headings.TITLE_CHARS characters), as one
    heading line: 「第二章组织与职责」."""
    from ingest.headings import BARE_ORDINAL, TITLE_CHARS, heading_level

    out: list[str] = []
    for line in lines:
        prev = out[-1] if out else None
        if (prev is not None and len(prev) >= min_len and not prev.endswith(_LINE_END) and heading_level(line) is None
                and not _script_change(prev, line)):
            out[-1] = prev + line
        elif (prev is not None and BARE_ORDINAL.match(prev) and heading_level(line) is None
              and len(line) <= TITLE_CHARS and not line.endswith(_LINE_END)):
            out[-1] = prev + line
        else:
            out.append(line)
    return out


# --- bibliographic and site metadata -------------------------------------------------------------
# Journal articles and download sites put a record header into the text: CLC number, document code,
# article number, 【label】value fields, author notes, dates of receipt, funding, a news record's
# "[ date time ] ，正文：". These are facts about the document, not answerable text: they are moved into
# the document's metadata. Patterns follow the fields of GB/T 7714 / CAJ-CD B/T 1-2006 record headers.
_SEP = r"\s*[:：]\s*"
_FIELD_VALUES: list[tuple[str, str]] = [
    ("clc", rf"中图(?:法)?分类号{_SEP}[A-Z][A-Z0-9.;；/\-]*"),
    ("doc_code", rf"文献标[志识]码{_SEP}[A-Z]"),
    # ISSN-like number, then a bracketed year (any bracket glyph a PDF font gave) and issue-page-pages
    ("article_no", rf"文章编号{_SEP}\d{{4}}-\d{{3}}[\dXx](?:.\d{{4}}.)?[\d\-]*"),
    ("doi", rf"DOI{_SEP}10\.\S+?(?=[\u4e00-\u9fff]|\s|$)"),
    ("received", rf"收稿日期{_SEP}\d{{4}}\s*[-年./]\s*\d{{1,2}}\s*[-月./]\s*\d{{1,2}}日?"),
    ("funding", rf"基金项目{_SEP}[^。\n]{{1,200}}?(?:[)）]\s*[。；;]?|。|$)"),
    ("author_note", rf"作者简介{_SEP}[^。\n]{{1,300}}(?:。|$)"),
]
_FIELDS = [(name, re.compile(pat)) for name, pat in _FIELD_VALUES]
# 【label】value fields of a download-site record; the value runs to the next 【 or the line end, except the
# language field whose value is one word (the text follows it directly).
_BRACKET_FIELD = re.compile(r"【([^【】\n]{1,12})】")
_BRACKET_RUN = re.compile(r"(?:【[^【】\n]{1,12}】[^【\n]*){2,}")
_LANG_VALUE = re.compile(r"(?:中文|英文|日文|汉语|英语)")
# "[ 2023-07-28 16:40 ] ，正文：" — or without brackets, where the "正文：" label must follow ("2023年08月11日，正文：",
# "2023-08-07 13:12，正文："): a line that merely opens with a date is text
_NEWS_DATE = r"(\d{4}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}日?)(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
_NEWS_HEADER = re.compile(
    # in brackets, the date may be followed by the record's source: "【2031年08月20日 来源：柳河镇人民政府】正文："
    rf"^\s*(?:[\[【(（]\s*{_NEWS_DATE}\s*(?:来源\s*[:：]\s*(?P<source>[^\]】)）\n]{{1,40}}?)\s*)?[\]】)）]\s*[,，、]?\s*"
    r"(?:正文\s*[:：])?"
    rf"|{_NEWS_DATE}\s*[,，、]?\s*正文\s*[:：]"
    r"|[,，、]\s*正文\s*[:：])\s*"  # a record whose date field is empty: "，正文："
)
_META_KEYS = {"期刊名称": "journal", "作者": "authors", "作者单位": "affiliation", "年(卷),期": "issue",
              "年(卷)，期": "issue", "总页数": "pages", "正文语种": "language", "文献来源": "journal",
              "来源": "journal", "发布日期": "date", "出版日期": "date", "分类号": "clc", "文章编号": "article_no"}


def _bracket_record(m: re.Match[str], meta: dict[str, str]) -> str:
    """Move the 【label】value fields of a record into meta; returns the text that follows the record."""
    run = m.group()
    fields = list(_BRACKET_FIELD.finditer(run))
    rest = ""
    for k, f in enumerate(fields):
        end = fields[k + 1].start() if k + 1 < len(fields) else len(run)
        value = run[f.end() : end].strip()
        label = f.group(1)
        if k == len(fields) - 1:
            # the last field's value ends where the text starts: a language word, or up to a sentence end
            lang = _LANG_VALUE.match(value)
            if lang:
                value, rest = lang.group(), value[lang.end() :]
            elif label in _META_KEYS and len(value) > 40:
                value, rest = "", value
        meta.setdefault(_META_KEYS.get(label, label), value)
    return rest


def is_news_header(line: str) -> bool:
    """Whether the line opens with a news record's header («[ 2023-07-28 16:40 ] ，正文：», «2023年08月11日，正文：»)."""
    return _NEWS_HEADER.match(line) is not None


def split_metadata(line: str, meta: dict[str, str], keep_dates: bool = False) -> str:
    """Remove record-header metadata from one cleaned line, adding it to `meta` (field → value: clc,
    doc_code, article_no, doi, received, funding, author_note, journal, authors, date, …). Returns the
    remaining text ('' when the line was only metadata). A news record header is the document's date the first
    time; a later one keeps its date in the text, and with `keep_dates` (a compilation of several records,
    ingest.articles) every one does, so that no record loses its date; the label and the time go."""
    m = _NEWS_HEADER.match(line)
    if m:
        date = re.sub(r"\s+", "", next((g for g in m.groups() if g and g[:1].isdigit()), ""))
        if m.group("source"):
            meta.setdefault("journal", m.group("source").strip())
        rest = line[m.end() :]
        if date:
            meta.setdefault("date", date)
        # a record of a compilation (or one dated otherwise than the document) keeps its date with its text
        line = f"{date}，{rest}" if date and (keep_dates or meta["date"] != date) else rest
    for name, pat in _FIELDS:
        def take(mm: re.Match[str], name: str = name) -> str:
            meta.setdefault(name, re.split(r"[:：]", mm.group(), maxsplit=1)[1].strip())
            return ""

        line = pat.sub(take, line)
    m = _BRACKET_RUN.search(line)
    if m:
        before, rest = line[: m.start()], _bracket_record(m, meta)
        author = meta.get("authors", "")
        if author and before.endswith(author):
            before = before[: -len(author)]  # the record's "title + author" header keeps only the title
        line = (before + "\n" + rest) if before.strip() and rest.strip() else before + rest
    return line.strip()
