"""Turn one cleaned file into documents: a compilation file is split into its articles.

A scraped compilation repeats each article's title: a short title line, then a line that
starts with the same title and carries the text. Articles whose repeat was lost (slides,
OCR) are recognised by a weaker rule that only applies inside a file already shown to be a
compilation by at least two strong titles.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.clean import clean_lines, compact, is_news_header, join_wrapped_lines, split_metadata
from ingest.headings import METADATA_HEADING, heading_level

_END_PUNCT = "。！？!?；;：:，,、"
_INNER_PUNCT = re.compile(r"[。，,；;：:！!？?、]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Document:
    """One article: its id, title, source name, cleaned text and record metadata (field → value, e.g.
    journal, authors, date, clc; moved out of the text by ingest.clean.split_metadata; not compared)."""

    doc_id: str
    title: str
    source: str
    text: str
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def _looks_like_title(line: str) -> bool:
    c = compact(line)
    return (
        4 <= len(c) <= 64
        and c[-1] not in _END_PUNCT
        and _HAN.search(c) is not None
        and heading_level(c) is None
    )


# an official document's title names its kind (文种, GB/T 9704-2012 党政机关公文格式 and the 15 kinds of the 党政机关
# 公文处理工作条例, with the plans and rules issued as attachments): "关于…的通知", "…工作方案"
_OFFICIAL_TITLE = re.compile(r"^关于.{2,}|.{2,}(?:通知|通报|决定|决议|意见|报告|请示|批复|公告|通告|公报|函|纪要|命令|议案"
                             r"|办法|方案|规定|细则|规划|计划|要点|措施|条例|守则)$")


# the issuing body's mark (发文机关标志: a body's name, or it and 文件) and the document number (发文字号, 〔2024〕3号)
_ISSUER = re.compile(r"(?:政府|委员会|常委会|指挥部|办公室|办公厅|局|厅|委|部|中心|办事处|领导小组|党委|党组|党工委|管委会"
                     r"|法院|检察院|公司|协会|学会|联合会|大学|学院)(?:文件)?$")
_DOC_NUMBER = re.compile(r"[〔\[(（]\d{4}[〕\])）]\s*\d+\s*号")


def _official_title(body: list[str]) -> int:
    """The line number (1 or 2) of an official document's title (_OFFICIAL_TITLE) when the lines before it are its
    issuing body's mark and document number ("某县防汛抗旱指挥部" / "X政发〔2024〕3号" above "关于…的通报"): short
    lines with no sentence punctuation, each a body's name or a document number (_ISSUER, _DOC_NUMBER). 0 when the first line is the title or
    there is none (GB/T 9704-2012: 发文机关标志 and 发文字号 come before 标题)."""
    for k in (1, 2):
        if len(body) <= k + 1 or not _looks_like_title(body[k]) or not _OFFICIAL_TITLE.match(compact(body[k])):
            continue
        before = [compact(b) for b in body[:k]]
        if all(len(b) <= 30 and not _INNER_PUNCT.search(b) and (_ISSUER.search(b) or _DOC_NUMBER.search(b))
               for b in before):
            return k
    return 0


def _is_subsequence(needle: str, hay: str) -> bool:
    it = iter(hay)
    return all(ch in it for ch in needle)


def _strong_title(line: str, nxt: str | None) -> bool:
    """The next line repeats the title (exactly, or with the title's characters in order)."""
    if nxt is None or not _looks_like_title(line):
        return False
    t, n = compact(line), compact(nxt)
    if len(n) <= len(t):
        return False
    if n.startswith(t):
        return True
    return len(t) >= 6 and _is_subsequence(t, n[: 2 * len(t) + 4])


def _weak_title(line: str, nxt: str | None, nxt2: str | None, before: list[str]) -> bool:
    """A longer punctuation-free line that opens a long paragraph (possibly after one short garbled
    line), and does not stand inside an outline of short lines (a slide deck)."""
    if nxt is None or not _looks_like_title(line):
        return False
    if sum(len(compact(b)) < 12 for b in before) > 1:
        return False
    c = compact(line)
    if len(c) < 12 or _INNER_PUNCT.search(c):
        return False
    n = len(compact(nxt))
    if n >= 40:
        return True
    return n <= 12 and nxt2 is not None and len(compact(nxt2)) >= 20


def _strip_repeated_title(title: str, line: str) -> str:
    """Drop the title (possibly repeated) from the start of the line that carries the text."""
    t = compact(title)
    while True:
        c = compact(line)
        if not c.startswith(t) or len(c) == len(t):
            return line
        # walk the original line until len(t) non-space characters are consumed
        seen = 0
        for i, ch in enumerate(line):
            if not ch.isspace():
                seen += 1
            if seen == len(t):
                line = line[i + 1 :].lstrip()
                break


def split_articles(lines: list[str]) -> list[tuple[str | None, list[str]]]:
    """Split cleaned lines into (title, body lines). A file that is not a compilation
    comes back as one part with title None."""
    n = len(lines)
    get = lambda i: lines[i] if i < n else None  # noqa: E731
    strong = [i for i in range(n) if _strong_title(lines[i], get(i + 1))]
    if len(strong) < 2:
        return [(None, lines)]
    starts = set(strong)
    starts.update(i for i in range(n) if _weak_title(lines[i], get(i + 1), get(i + 2), lines[max(0, i - 3) : i]))
    parts: list[tuple[str | None, list[str]]] = []
    order = sorted(starts)
    if order[0] > 0:
        parts.append((None, lines[: order[0]]))
    for k, s in enumerate(order):
        end = order[k + 1] if k + 1 < len(order) else n
        title, body = lines[s], list(lines[s + 1 : end])
        if body and s in strong:
            body[0] = _strip_repeated_title(title, body[0])
        parts.append((title, body))
    return parts


def _is_file_heading(body: list[str]) -> bool:
    """A preamble that is a single title-like line is the compilation's own heading, not an article."""
    return len(body) == 1 and _looks_like_title(body[0])


METADATA_LABELS = {"authors": "作者", "affiliation": "作者单位", "author_note": "作者简介", "journal": "期刊",
                   "date": "日期", "received": "收稿日期", "funding": "基金项目"}
"""Record metadata restated, in this order, under METADATA_HEADING at the end of a document's text (the
others, e.g. clc, doc_code, article_no, stay in Document.meta only)."""


def metadata_block(meta: dict[str, str]) -> list[str]:
    """Lines stating the readable metadata fields, so that a question about a document's author or source
    is answered from its own section, apart from the body text; [] when there is none."""
    lines = [f"{label}：{meta[key].rstrip('。')}。" for key, label in METADATA_LABELS.items() if meta.get(key)]
    return [METADATA_HEADING, *lines] if lines else []


def make_doc_id(source: str, title: str, ordinal: int) -> str:
    key = f"{source}\n{title}\n{ordinal}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def documents_from_text(text: str, source: str, default_title: str | None = None,
                        meta: dict[str, str] | None = None) -> list[Document]:
    """Clean a file's text and return its documents (one per article of a compilation).
    A document without a title line is titled `default_title` (or the file name). `meta` (e.g.
    `Loaded.meta()` of ingest.load: kind, pages, ocr_pages) is added to every document's metadata."""
    meta_in = meta or {}
    lines = clean_lines(text)
    parts = split_articles(lines)
    docs: list[Document] = []
    seen_titles: dict[str, int] = {}
    compilation = len(parts) > 1
    for title, body in parts:
        doc_meta: dict[str, str] = dict(meta_in)
        if title is not None:
            head = split_metadata(title, doc_meta).split("\n")
            title, body = head[0], head[1:] + list(body)
        # a compilation of news records keeps each record's date in its text, the first one's too
        records = sum(1 for line in [title or "", *body] if is_news_header(line))
        body = [x for line in body for x in split_metadata(line, doc_meta, keep_dates=records > 1).split("\n")
                if x.strip()]
        if title is None:
            if compilation and _is_file_heading(body):
                continue
            k = _official_title(body)
            if k:  # the issuing body's mark (and number) before an official document's title: kept in the text
                title, body = body[k], body[:k] + body[k + 1 :]
            elif body and _looks_like_title(body[0]) and len(body) > 1:
                title, body = body[0], body[1:]
            else:
                title = default_title or Path(source).stem
        body_text = "\n".join(b for b in join_wrapped_lines(body) + metadata_block(doc_meta) if b.strip())
        if not body_text.strip():
            continue
        ordinal = seen_titles.get(title, 0)
        seen_titles[title] = ordinal + 1
        docs.append(Document(make_doc_id(source, title, ordinal), title.strip(), source, body_text, doc_meta))
    return docs
