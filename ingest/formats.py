"""Text of the binary document formats: docx, xlsx, ofd, doc/wps and PDF (text layer).

Each reader takes the file's bytes and returns its pages of text (a list of strings; formats without pages
give one). Tables become one line per row in which every cell is named by its column header
(「列名：值｜列名：值」), so a row reads on its own and two numbers of adjacent cells never touch; cells merged
across columns or down rows keep every later cell in its column (see table_lines and Cell).
Every failure raises a `LoadError` subclass with the reason.
"""

from __future__ import annotations

import gc
import io
import logging
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from core.errors import ArchiveTooLarge, ConverterMissing, LoadError
from core.text import TABLE_CELL_SEP

MAX_UNPACKED = 100 * 1024 * 1024
"""Largest total uncompressed size (bytes) of a zip-based file (docx, xlsx, ofd)."""
MAX_RATIO = 100
"""Largest ratio uncompressed / compressed size of a zip-based file; real office files stay below ~20."""
CELL_SEP = TABLE_CELL_SEP  # core.text: a line holding it is a table row (see there)
ROW_END = "。"
"""A table row ends like a sentence, so that it is never run into the next line."""


def check_zip(data: bytes, kind: str) -> None:
    """Refuse a zip whose declared uncompressed size exceeds MAX_UNPACKED or MAX_RATIO × its size.

    Raises ArchiveTooLarge (zip bomb) or LoadError (not a zip)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError) as e:
        raise LoadError(f"corrupt {kind} (not a zip archive)") from e
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(len(data), 1):
        raise ArchiveTooLarge(
            f"{kind} unpacks to {unpacked // (1024 * 1024)} MB from {len(data) // 1024} KB (zip bomb?);"
            f" the limit is {MAX_UNPACKED // (1024 * 1024)} MB and {MAX_RATIO}× the file size"
        )


def read_member(z: zipfile.ZipFile, name: str, limit: int = MAX_UNPACKED) -> bytes:
    """One zip member, reading at most `limit` bytes whatever its header claims (raises ArchiveTooLarge)."""
    with z.open(name) as f:
        out = f.read(limit + 1)
    if len(out) > limit:
        raise ArchiveTooLarge(f"{name} unpacks beyond {limit // (1024 * 1024)} MB (zip bomb?)")
    return out


# --- tables ----------------------------------------------------------------------------------------
Cell = str | None
"""A table cell as the readers give it: its text, or None for a grid column covered by the cell to its left (a
cell merged across columns: docx w:gridSpan, xlsx merged_cells). A cell merged down several rows repeats its text
on each row (docx w:vMerge, xlsx merged_cells), as a row must read on its own."""
SPANNED: Cell = None
"""The mark of a grid column covered by the cell to its left (see Cell)."""

_NUMERIC = re.compile(r"^[\d\s.,，%％+\-−—~～/年月日万亿元个项]*$")
# a figure with its measure word, whatever the measure (「94.3分」, 「158家」, 「2.8万平方米」): a value, no column's name;
# a year's label (「2031年计划」) is a column's name
_MEASURED = re.compile(r"^(?!\d{4}\s*年)\d+(?:\.\d+)?\s*[\u4e00-\u9fff]{1,4}$")
_PERIOD = re.compile(r"^(?:\d{4}\s*年(?:度|末|初|底)?(?:\s*\d{1,2}\s*月(?:份)?)?|\d{1,2}\s*月(?:份)?"
                     r"|\d{4}\s*年?\s*第?\s*[一二三四1-4]\s*季度?|[一二三四1-4]\s*季度)$")
"""A column label that names a period (「2023年」「2023年度」「1月」「2023年9月」「一季度」): it looks like a value, but over a column
of figures it heads that column (「指标｜2022年｜2023年」)."""


def _is_figure(cell: str) -> bool:
    """A number, amount or date (「4100」「1200万元」「8.5%」「2023年9月」)."""
    return bool(cell) and any(ch.isdigit() for ch in cell) and bool(_NUMERIC.match(cell))


def _expanded(row: list[Cell]) -> list[str]:
    """The row with each covered column holding the text of the cell that spans it."""
    out: list[str] = []
    for c in row:
        out.append(out[-1] if c is None and out else (c or ""))
    return out


_YEAR = re.compile(r"^(1[89]|2[01])\d\d$")
"""A bare year (1800–2199), as a spreadsheet holds a year typed as a number."""


def _periods(row: list[str]) -> set[int]:
    """The columns whose cell is a period label: one _PERIOD matches, or a bare year in a run of two or more
    consecutive years across the row (「2022｜2023｜2024」; a single bare number is a value, not a label)."""
    found = {j for j, c in enumerate(row) if _PERIOD.match(c)}
    years = [(j, int(c)) for j, c in enumerate(row) if _YEAR.match(c)]
    steps = {b - a for (_, a), (_, b) in zip(years, years[1:], strict=False)}
    if len(years) >= 2 and len(steps) == 1 and steps <= {1, -1}:
        found.update(j for j, _ in years)
    return found


def _figures_below(col: list[str]) -> bool:
    """The filled cells of a column below its first row are all figures, none a period label."""
    filled = [c for c in col if c]
    return bool(filled) and all(_is_figure(c) and not _PERIOD.match(c) for c in filled)


def _is_header(row: list[str], below: list[list[str]], marked: bool = False) -> bool:
    """A header row names its columns: at least two named, every cell filled except perhaps the first (the stub
    head over a column of row names, often left blank), and no cell a figure, except a period label (「2023年」「1月」)
    over a column of figures.

    A table of two columns needs a sign that its first row is of another kind than the rows below: a label over a
    column of figures (「项目｜投资」 over 「道路｜1200万元」). Without it the table is one of label–value pairs (「镇长｜张三」 over
    「副镇长｜李四」), whose first row is data like the others. `marked`: the document marks the row as a header
    (docx w:tblHeader, 「重复标题行」), which is that sign."""
    filled = [c for c in row if c]
    named = len(filled) == len(row) or (not row[0] and len(filled) == len(row) - 1)
    if not (named and len(row) >= 2 and len(filled) >= 2):
        return False
    columns = [[r[j] if j < len(r) else "" for r in below] for j in range(len(row))]
    periods = _periods(row)
    for j, (c, col) in enumerate(zip(row, columns, strict=True)):
        if c and (_NUMERIC.match(c) or _MEASURED.match(c)) and not (j in periods and _figures_below(col)):
            return False
    if len(row) == 2 and not marked:
        return any(c and _figures_below(col) for c, col in zip(row, columns, strict=True))
    return True


def _spanned_columns(row: list[Cell]) -> set[int]:
    """The columns covered by a cell merged across two or more columns (its own column included)."""
    cols: set[int] = set()
    for j, c in enumerate(row):
        if c is None and j > 0:
            cols.update({j - 1, j})
    return cols


def _sub_header(top: list[Cell], sub: list[str]) -> list[str] | None:
    """The one header of a two-row header, or None when `sub` is no sub-header of `top`.

    `sub` is a sub-header when `top` has a cell merged across columns, `sub` names columns under it (labels or
    period labels, no other figures) and is blank (or repeats `top`, a merge down) under every other column; the
    header of a column under the merged cell is the merged text followed by the sub-header's
    (「投资（万元）」 over 「县级」 → 「投资（万元）县级」)."""
    spanned = _spanned_columns(top)
    head = _expanded(top)
    periods = _periods(sub)
    if not spanned or not any(sub[j] for j in spanned if j < len(sub)):
        return None
    for j, c in enumerate(sub):
        if not c:
            continue
        if j not in spanned and c != head[j]:
            return None
        if _is_figure(c) and j not in periods:
            return None
    return [h + s if j in spanned and s and s != h else h for j, (h, s) in enumerate(zip(head, sub, strict=True))]


def _is_caption(row: list[Cell], width: int) -> bool:
    """A title row over a table of several columns: its filled cells hold one text (one cell merged across the
    row, one filled cell beside blank ones, or the same text repeated by a reader that unmerges cells)."""
    return width >= 2 and len({c for c in row if c}) == 1


def _line(cells: list[str]) -> str:
    line = CELL_SEP.join(cells)
    if line and line[-1] not in "。！？；":
        line += ROW_END
    return line


def _named_cells(row: list[Cell], header: list[str]) -> list[str]:
    """「header：value」 for each filled cell of a data row; a cell merged across columns of different headers (a 合计
    over 序号 and 名称) is written bare, and later cells keep their own columns."""
    cells = []
    for j, v in enumerate(row):
        if not v:
            continue
        k = j + 1
        while k < len(row) and row[k] is None:
            k += 1
        names = {header[i] for i in range(j, min(k, len(header)))}
        h = header[j] if j < len(header) and len(names) == 1 else ""
        cells.append(f"{h}：{v}" if h else v)
    return cells


def table_lines(rows: Sequence[Sequence[Cell]], header_marked: bool = False) -> list[str]:
    """Rows of cells (see Cell: text, or None where the cell to the left spans) → one line per row; with a header
    row, each cell is 「header：value」, so that every row reads on its own (a question about one row finds its
    row, never a line of column names).

    Title rows above the table (one text across the row) become lines of their own before it; the header is the
    first row after them (see _is_header), combined with the row under it when that row is a sub-header of its
    merged cells (see _sub_header); a data row identical to the header (a header repeated where a table continues
    on the next page) is dropped. `header_marked`: the document marks the table's first row as its header row
    (docx w:tblHeader), taken as the header when it names its columns."""
    grid = [[None if c is None else re.sub(r"\s+", " ", c).strip() for c in r] for r in rows]
    grid = [r for r in grid if any(r)]
    if not grid:
        return []
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    out = []
    while len(grid) > 1 and _is_caption(grid[0], width):
        out.append(_line([next(c for c in grid[0] if c)]))
        grid = grid[1:]
    header: list[str] | None = None
    body, head_rows = grid, [grid[0]]
    marked = header_marked and not out  # no caption row was taken off above the marked row
    # a two-row header whose top cells are period labels merged over sub-columns (「2031年」 over 「计划｜完成」) is
    # tested as the one header it makes, over the rows below the sub-header: the period label alone heads no figures
    two_row = _sub_header(grid[0], _expanded(grid[1])) if len(grid) > 2 and _spanned_columns(grid[0]) else None
    if two_row is not None and _is_header(two_row, [_expanded(r) for r in grid[2:]], marked):
        header, body, head_rows = two_row, grid[2:], [grid[0], grid[1]]
    elif len(grid) > 1 and _is_header(_expanded(grid[0]), [_expanded(r) for r in grid[1:]], marked):
        header, body = _expanded(grid[0]), grid[1:]
        if len(body) > 1:
            combined = _sub_header(grid[0], _expanded(body[0]))
            if combined is not None:
                header, body, head_rows = combined, body[1:], [grid[0], body[0]]
    for r in body:
        if header:
            if _expanded(r) == header or r in head_rows:
                continue
            cells = _named_cells(r, header)
        else:
            cells = [v for v in r if v]
        line = _line(cells)
        if line:
            out.append(line)
    return out


# --- tables in plain text ----------------------------------------------------------------------------
# a row of a table typed or exported as plain text: cells separated by tabs, or by runs of two or more spaces
# (ASCII or ideographic, as columns are aligned by hand), or a Markdown pipe row 「| 项目 | 投资 |」
_SPACE_SPLIT = re.compile(r"(?: {2,}|\u3000+)(?=\S)")
_PIPE_ROW = re.compile(r"^\|(.+)\|$")
_PIPE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")


def _text_cells(line: str) -> tuple[str, list[str]] | None:
    """(how the line separates its cells, its cells) for a line that reads as a table row of two cells or more;
    None otherwise. Tab-separated cells keep their empty cells (two tabs in a row)."""
    line = line.strip(" \u3000\r")
    if not line:
        return None
    pipe = _PIPE_ROW.match(line)
    if pipe:
        cells = [c.strip() for c in pipe.group(1).split("|")]
        return ("pipe", cells) if len(cells) >= 2 else None
    if "\t" in line:
        cells = [c.strip(" \u3000") for c in line.split("\t")]
        return ("tab", cells) if len(cells) >= 2 and sum(1 for c in cells if c) >= 2 else None
    cells = [c.strip() for c in _SPACE_SPLIT.split(line)]
    return ("space", cells) if len(cells) >= 2 else None


def text_tables(text: str) -> str:
    """`text` with each table typed as plain text rewritten as table_lines writes a document's table (one line per
    row, 「header：value」 cells joined by CELL_SEP, ending in ROW_END), so that its rows are never joined as wrapped
    lines nor its cells run together when spaces are cleaned. A table is two lines or more in a row that split
    the same way (tabs, aligned spaces, Markdown pipes; see _text_cells) into the same number of cells (two or
    more); a Markdown rule row (「|---|---|」) is dropped. Other lines are returned unchanged. Input and output: str;
    no error is raised."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        first = _text_cells(lines[i])
        if first is None:
            out.append(lines[i])
            i += 1
            continue
        kind, width = first[0], len(first[1])
        rows: list[list[Cell]] = [list(first[1])]
        j = i + 1
        while j < len(lines):
            if kind == "pipe" and _PIPE_RULE.match(lines[j].strip()):
                j += 1
                continue
            got = _text_cells(lines[j])
            if got is None or got[0] != kind or len(got[1]) != width:
                break
            rows.append(list(got[1]))
            j += 1
        if len(rows) >= 2:
            out.extend(table_lines(rows))
        else:
            out.extend(lines[i:j])
        i = j
    return "\n".join(out)


# --- docx ------------------------------------------------------------------------------------------
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"


def _hidden(run) -> bool:  # type: ignore[no-untyped-def]
    rpr = run.find(f"{_W}rPr")
    if rpr is None:
        return False
    v = rpr.find(f"{_W}vanish")
    return v is not None and v.get(f"{_W}val", "true") not in {"0", "false", "off"}


def _para_text(p) -> str:  # type: ignore[no-untyped-def]
    """Visible text of a w:p: runs that are hidden (w:vanish), deleted (w:del), field instructions or
    mc:Fallback copies are left out; tabs and breaks become spaces."""
    parts: list[str] = []

    def walk(el) -> None:  # type: ignore[no-untyped-def]
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in {f"{_W}del", f"{_W}moveFrom", f"{_MC}Fallback", f"{_W}instrText",
                                                   f"{_W}delText", f"{_W}pPr", f"{_W}commentReference"}:
                continue
            if tag == f"{_W}r":
                if _hidden(child):
                    continue
                walk(child)
            elif tag == f"{_W}t":
                parts.append(child.text or "")
            elif tag in {f"{_W}tab", f"{_W}br", f"{_W}cr"}:
                parts.append(" ")
            else:
                walk(child)

    walk(p)
    return "".join(parts)


def _block_lines(body) -> list[str]:  # type: ignore[no-untyped-def]
    """Paragraphs and tables of a body (or table cell) in document order."""
    lines: list[str] = []
    for child in body:
        tag = child.tag
        if tag == f"{_W}p":
            lines.append(_para_text(child))
        elif tag == f"{_W}tbl":
            lines.extend(table_lines(_table_rows(child), header_marked=_first_row_marked(child)))
        elif tag in {f"{_W}sdt", f"{_W}customXml"}:
            content = child.find(f"{_W}sdtContent")
            lines.extend(_block_lines(content if content is not None else child))
    return lines


def _grid_count(el, tag: str) -> int:  # type: ignore[no-untyped-def]
    """The integer w:val of child `tag` of `el` (w:gridSpan, w:gridBefore, w:gridAfter), 0 when absent or bad."""
    found = el.find(f"{_W}{tag}") if el is not None else None
    try:
        return max(0, int(found.get(f"{_W}val", "1"))) if found is not None else 0
    except ValueError:
        return 0


def _first_row_marked(tbl) -> bool:  # type: ignore[no-untyped-def]
    """The table's first row is marked as its header row (w:trPr/w:tblHeader, Word's 「重复标题行」)."""
    tr = tbl.find(f"{_W}tr")
    flag = tr.find(f"{_W}trPr/{_W}tblHeader") if tr is not None else None
    return flag is not None and flag.get(f"{_W}val", "true") not in {"0", "false", "off"}


def _table_rows(tbl) -> list[list[Cell]]:  # type: ignore[no-untyped-def]
    """The rows of a w:tbl on its grid of columns: a cell merged across n grid columns (w:gridSpan) fills n
    columns, the first with its text and the others with SPANNED; columns a row skips (w:gridBefore/After) are
    blank; a cell that continues a merge down (w:vMerge) repeats the text of the cell above it."""
    rows: list[list[Cell]] = []
    for tr in tbl.iter(f"{_W}tr"):
        if tr.getparent() is not tbl:
            continue  # a nested table is read inside its cell
        trpr = tr.find(f"{_W}trPr")
        row: list[Cell] = [""] * _grid_count(trpr, "gridBefore")
        for tc in tr.findall(f"{_W}tc"):
            text = " ".join(t for t in _block_lines(tc) if t.strip())
            tcpr = tc.find(f"{_W}tcPr")
            vmerge = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            col = len(row)
            if vmerge is not None and vmerge.get(f"{_W}val", "continue") == "continue" and rows:
                above = rows[-1][col] if col < len(rows[-1]) else None
                text = above if above is not None else text  # a merged cell repeats its value
            row.append(text)
            row.extend([SPANNED] * (max(_grid_count(tcpr, "gridSpan"), 1) - 1))
        row.extend([""] * _grid_count(trpr, "gridAfter"))
        rows.append(row)
    return rows


_REL_OFFICE_DOCUMENT = "/officeDocument"
DOCX_MAIN_PART = "word/document.xml"
"""The main part of a docx when its package relationships (_rels/.rels) do not name another."""


def _main_part(z: zipfile.ZipFile) -> str:
    """Name of the package's main document part: the target of its officeDocument relationship."""
    from lxml import etree

    try:
        rels = etree.fromstring(read_member(z, "_rels/.rels", 1024 * 1024), etree.XMLParser(resolve_entities=False))
    except (KeyError, etree.XMLSyntaxError):
        return DOCX_MAIN_PART
    for rel in rels:
        target = rel.get("Target") or ""
        if (rel.get("Type") or "").endswith(_REL_OFFICE_DOCUMENT) and target and rel.get("TargetMode") != "External":
            return target.lstrip("/")
    return DOCX_MAIN_PART


class _Limited(io.RawIOBase):
    """A zip member read as a stream that raises ArchiveTooLarge past `limit` bytes, whatever its header claims."""

    def __init__(self, f: io.BufferedIOBase, limit: int, name: str) -> None:
        self._f, self._left, self._name, self._limit = f, limit, name, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        chunk = self._f.read(min(len(buf), self._left + 1))
        if len(chunk) > self._left:
            raise ArchiveTooLarge(f"{self._name} unpacks beyond {self._limit // (1024 * 1024)} MB (zip bomb?)")
        self._left -= len(chunk)
        buf[: len(chunk)] = chunk
        return len(chunk)


def docx_pages(data: bytes) -> list[str]:
    """The body of a .docx in reading order (page headers, footers and comments are separate parts and
    not read). The main part is parsed as a stream (lxml iterparse): each paragraph, table or content control
    of the body is read when it ends and then freed, so memory follows the largest of them, not the file.
    Raises ArchiveTooLarge / LoadError."""
    check_zip(data, "docx")
    from lxml import etree

    lines: list[str] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            name = _main_part(z)
            with z.open(name) as member:
                stream = io.BufferedReader(_Limited(member, MAX_UNPACKED, name))
                for _event, el in etree.iterparse(stream, resolve_entities=False, no_network=True):
                    body = el.getparent()
                    if body is None or body.tag != f"{_W}body":
                        continue  # inside a paragraph or table still being read
                    lines.extend(_block_lines([el]))
                    el.clear()
                    while el.getprevious() is not None:
                        del body[0]  # the body children already read
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, EOFError) as e:
        raise LoadError(f"corrupt docx ({type(e).__name__})") from e
    return ["\n".join(lines)]


# --- xlsx ------------------------------------------------------------------------------------------
MAX_SHEET_ROWS = 100_000
"""Rows read per worksheet (a sheet beyond that is cut, bounded memory)."""
_PERCENT_DECIMALS = re.compile(r"\.(0+)%")


def _cell(v: object, number_format: str = "General") -> str:
    """A cell's value as the sheet shows it: whole floats without 「.0」, dates as YYYY-MM-DD, a number in a
    percentage format (「0.0%」) as a percentage with that format's decimals (0.085 → 「8.5%」)."""
    if v is None:
        return ""
    if isinstance(v, int | float) and not isinstance(v, bool) and "%" in number_format:
        m = _PERCENT_DECIMALS.search(number_format)
        places = len(m.group(1)) if m else 0
        # rounded half up, as Excel shows it (Python's format rounds half to even: 0.125 → 「12%」, Excel 「13%」)
        shown = Decimal(repr(v)) * 100
        return f"{shown.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d") if getattr(v, "hour", 0) == 0 and getattr(v, "minute", 0) == 0 else str(v)
    return str(v)


_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _merged_ranges(ws) -> list[tuple[int, int, int, int]]:  # type: ignore[no-untyped-def]
    """The merged cell ranges of a read-only worksheet as (first row, first column, last row, last column),
    1-based. openpyxl's read-only mode does not read them (its ReadOnlyWorksheet has no merged_cells), so the
    sheet part's <mergeCells> is streamed here (lxml iterparse, elements freed as read)."""
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    ranges = []
    with ws._get_source() as src:  # the worksheet part, as openpyxl itself opens it
        stream = io.BufferedReader(_Limited(src, MAX_UNPACKED, ws.title))
        for _event, el in etree.iterparse(stream, resolve_entities=False, no_network=True):
            if el.tag == f"{_S}mergeCell" and el.get("ref"):
                try:
                    c1, r1, c2, r2 = range_boundaries(el.get("ref"))
                except (ValueError, TypeError):
                    continue
                if None not in (c1, r1, c2, r2):
                    ranges.append((r1, c1, r2, c2))
            elif el.tag == f"{_S}row":  # a row read: free it and the rows before it (memory follows one row)
                el.clear()
                parent = el.getparent()
                while el.getprevious() is not None:
                    del parent[0]
    return ranges


def _sheet_rows(ws) -> list[list[Cell]]:  # type: ignore[no-untyped-def]
    """A worksheet's rows on its grid (1-based from A1): a merged range's first row holds its text in its first
    column and SPANNED in the others; its later rows repeat that row (the text merged down, see Cell)."""
    merges = _merged_ranges(ws)
    covered: dict[tuple[int, int], tuple[int, int]] = {}  # cell → first cell of its merged range
    for r1, c1, r2, c2 in merges:
        if (r2 - r1 + 1) * (c2 - c1 + 1) > 10_000:
            continue  # a merge over a whole block of the sheet carries no per-row meaning
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    covered[(r, c)] = (r1, c1)
    rows: list[list[Cell]] = []
    for i, r in enumerate(ws.iter_rows(min_row=1, min_col=1)):
        if i >= MAX_SHEET_ROWS:
            break
        rows.append([_cell(c.value, getattr(c, "number_format", None) or "General") for c in r])
    for (r, c), (r1, _c1) in covered.items():
        if r - 1 >= len(rows):
            continue
        row = rows[r - 1]
        row.extend([""] * (c - len(row)))
        if r == r1:
            row[c - 1] = SPANNED
        else:
            top = rows[r1 - 1] if r1 - 1 < len(rows) else []
            row[c - 1] = top[c - 1] if c - 1 < len(top) else ""
    return rows


def _sheet_tables(rows: list[list[Cell]]) -> list[list[list[Cell]]]:
    """A sheet's rows cut into its tables, blank rows dropped: a new table starts where a blank row is followed by
    a title row (one filled cell: 「表二 粮食产量」), so that its own header names its rows, not the first
    table's. A blank row followed by more of the same table (a spacer before 合计) does not cut it."""
    tables: list[list[list[Cell]]] = [[]]
    blank = False
    for r in rows:
        if not any(r):
            blank = True
            continue
        if blank and tables[-1] and sum(1 for c in r if c and c is not SPANNED) == 1:
            tables.append([])
        tables[-1].append(r)
        blank = False
    return [t for t in tables if t]


def xlsx_pages(data: bytes) -> list[str]:
    """One page per worksheet: the sheet name, then each row with its header cells (table_lines). Raises
    LoadError."""
    check_zip(data, "xlsx")
    import openpyxl
    from lxml import etree

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises KeyError, InvalidFileException, …
        raise LoadError(f"corrupt xlsx ({type(e).__name__})") from e
    pages = []
    try:
        for ws in wb.worksheets:
            try:
                rows = _sheet_rows(ws)
            except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile, EOFError) as e:
                raise LoadError(f"corrupt xlsx ({type(e).__name__})") from e
            width = max((max((j for j, c in enumerate(r) if c), default=-1) for r in rows), default=-1) + 1
            lines = [line for block in _sheet_tables([r[:width] for r in rows]) for line in table_lines(block)]
            if lines:
                pages.append("\n".join([ws.title, *lines]))
    finally:
        wb.close()
    return pages


# --- ofd -------------------------------------------------------------------------------------------
def ofd_pages(data: bytes) -> list[str]:
    """Page texts of an OFD file (GB/T 33190) read with ofdkit. Raises ArchiveTooLarge / LoadError."""
    check_zip(data, "ofd")
    import ofdkit

    try:
        with ofdkit.open(data) as doc:
            return [page.text() for page in doc.pages]
    except ofdkit.OFDLimitError as e:
        raise ArchiveTooLarge(f"ofd too large: {e}") from e
    except ofdkit.OFDError as e:
        raise LoadError(f"corrupt ofd ({e})") from e


# --- doc / wps -------------------------------------------------------------------------------------
DOC_CONVERTER = "catdoc"
"""Debian's catdoc (apt-get install catdoc, 0.3 MB) reads Word 97-2003 binaries and WPS Office .wps files,
which use the same OLE2 Word format, offline in milliseconds, as UTF-8 (`-d utf-8`, `-w`: one line per
paragraph). antiword was tried first and refuses short documents ("text stream too small"); LibreOffice
reads them too but weighs 300 MB and takes seconds per file."""
CONVERT_TIMEOUT = 60.0
"""Seconds before a conversion is abandoned."""


def doc_pages(data: bytes, suffix: str = ".doc") -> list[str]:
    """Text of a .doc/.wps via catdoc. Raises ConverterMissing when catdoc is not installed."""
    exe = shutil.which(DOC_CONVERTER)
    if exe is None:
        raise ConverterMissing(f"{suffix} needs the '{DOC_CONVERTER}' converter (apt-get install {DOC_CONVERTER})")
    if not data.startswith(b"\xd0\xcf\x11\xe0"):
        raise LoadError(f"not a {suffix} file (no OLE2 signature)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"in{suffix}"
        src.write_bytes(data)
        try:
            res = subprocess.run([exe, "-d", "utf-8", "-w", str(src)], capture_output=True,
                                 timeout=CONVERT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as e:
            raise LoadError(f"{suffix} conversion timed out") from e
    if res.returncode != 0:
        reason = res.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LoadError(f"unreadable {suffix} ({reason[-1] if reason else DOC_CONVERTER + ' failed'})")
    return [res.stdout.decode("utf-8", "replace")]


# --- pdf -------------------------------------------------------------------------------------------
PdfSource = bytes | Path
"""A PDF given as its bytes or as the path of its file (a path is read lazily, never held whole)."""


GC_PAGES = 50
"""Pages read between two garbage collections (pypdf's per-page font objects form reference cycles that would
otherwise pile up in the oldest generation; a collection costs milliseconds, a page tens of them)."""


_SHARED_TYPES = {"/Font", "/FontDescriptor", "/Encoding"}


def _shared(obj: Any) -> bool:
    """A parsed object pages usually share (a font, its descriptor or encoding), kept while reading."""
    return isinstance(obj, dict) and obj.get("/Type") in _SHARED_TYPES


class PdfText:
    """The text layer of a PDF, read one page at a time in bounded memory (a context manager).

    ``len()`` is the page count; iterating yields each page's text in order ('' for a page without a text
    layer). pypdf caches every object it parses, so each page's content streams, images and forms would stay
    in memory to the end of the file; here what a page added to that cache is released once its text is read
    (fonts shared by all pages are parsed again per page, a small cost). Raises LoadError (not a pdf,
    encrypted, corrupt)."""

    def __init__(self, source: PdfSource) -> None:
        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)
        self._file = open(source, "rb") if isinstance(source, Path) else io.BytesIO(source)  # noqa: SIM115
        try:
            if not self._file.read(1024).lstrip()[:5].startswith(b"%PDF"):
                raise LoadError("not a pdf (content does not start with %PDF)")
            self._file.seek(0)
            self._reader = self._guard(lambda: PdfReader(self._file))
            if self._reader.is_encrypted:
                raise LoadError("encrypted pdf")
            self._count = self._guard(lambda: len(self._reader.pages))
        except BaseException:
            self._file.close()
            raise

    @staticmethod
    def _guard(step):  # type: ignore[no-untyped-def]
        from pypdf.errors import PdfReadError

        try:
            return step()
        except LoadError:
            raise
        except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError, RecursionError) as e:
            raise LoadError(f"corrupt pdf ({type(e).__name__})") from e

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[str]:
        reader = self._reader
        cache: dict[Any, Any] = getattr(reader, "resolved_objects", {})
        for i in range(self._count):
            before = set(cache)
            page = self._guard(lambda i=i: reader.pages[i])
            text = self._guard(lambda page=page: page.extract_text() or "")
            for key in set(cache) - before:  # what this page alone needed: its content, images, forms
                if not _shared(cache[key]):
                    del cache[key]
            ref = page.indirect_reference
            if ref is not None:  # the page's own dictionary, held since pypdf listed the pages
                cache.pop((ref.generation, ref.idnum), None)
            flat = getattr(reader, "flattened_pages", None)
            if flat is not None and i < len(flat):
                flat[i] = None
            del page
            if i % GC_PAGES == GC_PAGES - 1:
                gc.collect()  # pypdf's font objects hold reference cycles: free them before they pile up
            yield text

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> PdfText:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pdf_pages(source: PdfSource) -> list[str]:
    """Text layer of each page (may be empty for scanned pages). Raises LoadError."""
    with PdfText(source) as pdf:
        return list(pdf)


_DIGITS = re.compile(r"\d+")
EDGE_LINES = 3
"""Lines at the top and at the bottom of a page searched for running headers and footers."""
RUNNING_SHARE = 0.6
"""A line is running (header, footer, page number) when it stands at the page edge on this share of pages."""
RUNNING_CANDIDATES = 64
"""Edge lines followed while pages stream by (Misra–Gries counters): a page adds at most 2 × EDGE_LINES keys,
so any key on RUNNING_SHARE of the pages stays among the candidates whenever this is ≥ 2 × EDGE_LINES /
RUNNING_SHARE (= 10); the memory for finding running lines does not grow with the page count."""


def _key(line: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", "", line))


def _edge_keys(page: str) -> set[str]:
    lines = [ln for ln in page.splitlines() if ln.strip()]
    return set(map(_key, lines[:EDGE_LINES] + lines[-EDGE_LINES:])) - {""}


class RunningLines:
    """Finds the lines that repeat at the top or bottom of most pages (running headers, footers, page
    numbers, compared with digits masked), with pages fed one at a time (`add`) in memory bounded by
    RUNNING_CANDIDATES, then confirmed with exact counts over the kept pages (`running`)."""

    def __init__(self) -> None:
        self._counters: dict[str, int] = {}

    def add(self, page: str) -> None:
        """Count one page's edge lines (Misra–Gries: when the counters are full, all are decremented)."""
        for k in _edge_keys(page):
            if k in self._counters:
                self._counters[k] += 1
            elif len(self._counters) < RUNNING_CANDIDATES:
                self._counters[k] = 1
            else:
                for c in list(self._counters):
                    self._counters[c] -= 1
                    if self._counters[c] == 0:
                        del self._counters[c]

    def running(self, pages: Sequence[str]) -> set[str]:
        """The candidates at the edge of at least RUNNING_SHARE of the non-empty pages (and of 2 or more), or
        of that share of the odd or of the even pages alone: a publication prints its title on one side and
        the issue on the other (verso/recto running heads). Empty with fewer than 2 non-empty pages."""
        counts = {k: [0, 0] for k in self._counters}  # on even, odd pages (0-based)
        figures: dict[str, set[tuple[str, ...]]] = {k: set() for k in self._counters}  # the digits each one shows
        n = [0, 0]
        for i, p in enumerate(pages):
            lines = [ln for ln in p.splitlines() if ln.strip()]
            n[i % 2] += bool(lines)
            for ln in lines[:EDGE_LINES] + lines[-EDGE_LINES:]:
                k = _key(ln)
                if k in counts:
                    figures[k].add(tuple(_DIGITS.findall(ln)))
            for k in _edge_keys(p) & counts.keys():
                counts[k][i % 2] += 1
        if sum(n) < 2:
            return set()
        total = sum(n)
        return {k for k, (even, odd) in counts.items()
                if (even + odd >= max(2, RUNNING_SHARE * total)
                    or any(c >= max(2, RUNNING_SHARE * m) for c, m in ((even, n[0]), (odd, n[1]))))
                and _one_figure_varies(figures[k])}


def _one_figure_varies(seen: set[tuple[str, ...]]) -> bool:
    """Whether the lines of one masked form differ in at most one of their numbers: a running line varies only by
    its page number (「第 3 页 共 10 页」, 「- 3 -」); a body line that recurs with other figures on each page
    (「第3季度全镇新增就业岗位120个，比上季度增加15个。」) is text, not a running line."""
    if len(seen) <= 1:
        return True
    columns = list(zip(*seen, strict=False))
    return sum(len(set(c)) > 1 for c in columns) <= 1


def strip_running(page: str, running: set[str]) -> str:
    """The page's non-blank lines without the running lines at its top and bottom edges."""
    lines = [ln for ln in page.splitlines() if ln.strip()]
    top, bottom = 0, len(lines)
    while top < bottom and top < EDGE_LINES and _key(lines[top]) in running:
        top += 1
    while bottom > top and len(lines) - bottom < EDGE_LINES and _key(lines[bottom - 1]) in running:
        bottom -= 1
    return "\n".join(lines[top:bottom])


def drop_running_lines(pages: list[str]) -> list[str]:
    """Remove lines that repeat at the top or bottom of most pages (running headers, footers, page
    numbers, compared with digits masked). Needs at least 2 pages; returns the pages' remaining text."""
    finder = RunningLines()
    for p in pages:
        finder.add(p)
    running = finder.running(pages)
    return [strip_running(p, running) for p in pages]
