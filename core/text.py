"""Shared text constants of ragqa: the one home of the refusal text, sentence-end punctuation and
Chinese numeral characters. Every layer (ingest, engine, api, ui) imports them from here.

Sources: the refusal wording is the product's contract (README); punctuation follows GB/T 15834-2011
(标点符号用法) for the full-width forms, plus their ASCII look-alikes seen in scraped text."""

from __future__ import annotations

NOT_FOUND = "资料中未找到相关内容"
"""The refusal the answerer gives when the documents do not support an answer (exact text, 10 characters)."""

SENTENCE_END_CHARS = "。！？；!?;"
"""Characters that end a sentence (full-width and ASCII)."""

CLOSING_CHARS = "”’」』)）"
"""Closing quotes/brackets that stay with the sentence they close."""

CN_DIGITS = "零〇一二三四五六七八九"
"""Chinese digit characters, 0-9 (零 and 〇 both mean 0)."""

CN_UNITS = "十百千万亿"
"""Chinese numeral place units (10, 100, 1000, 10^4, 10^8)."""

CN_NUMERAL_CHARS = CN_DIGITS + CN_UNITS
"""Every character that may appear in a Chinese numeral."""


def book_title(title: str) -> str:
    """A document title between 《》 as Chinese writing quotes titles, without doubling marks a title already has
    (「《实践与思考》」 stays 「《实践与思考》」, not 「《《实践与思考》》」)."""
    t = title.strip()
    return t if t.startswith("《") and t.endswith("》") else f"《{t}》"


TABLE_CELL_SEP = "｜"
"""Separator between the cells of a table row as ingest writes it (full-width vertical line, U+FF5C):
「项目：污水处理厂｜投资：1200万元｜完成时间：2023年12月。」 (ingest.formats.table_lines). A line holding it is a table
row that reads on its own (its cells named by their column headers), not a heading of the line after it."""
