"""Text of the binary document formats: docx, xlsx, ofd, doc/wps and PDF (text layer).

Each reader takes the file's bytes and returns its pages of text (a list of strings; formats without pages
give one). Tables become one line per row in which every cell is named by its column header
(「列名：值｜列名：值」), so a row reads on its own and two numbers of adjacent cells never touch.
Every failure raises a `LoadError` subclass with the reason.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

from core.errors import ArchiveTooLarge, ConverterMissing, LoadError

MAX_UNPACKED = 100 * 1024 * 1024
"""Largest total uncompressed size (bytes) of a zip-based file (docx, xlsx, ofd)."""
MAX_RATIO = 100
"""Largest ratio uncompressed / compressed size of a zip-based file; real office files stay below ~20."""
CELL_SEP = "｜"
"""Separator between the cells of a table row (full-width vertical line)."""
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
_NUMERIC = re.compile(r"^[\d\s.,，%％+\-−—~～/年月日万亿元个项]*$")


def _is_header(row: list[str]) -> bool:
    """A header row names its columns: every cell filled, none a bare number or date."""
    filled = [c for c in row if c.strip()]
    return len(filled) == len(row) and len(row) >= 2 and not any(_NUMERIC.match(c) for c in filled)


def table_lines(rows: list[list[str]]) -> list[str]:
    """Rows of cell texts → one line per row; with a header row, each cell is 「header：value」."""
    rows = [[re.sub(r"\s+", " ", c).strip() for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    header = rows[0] if len(rows) > 1 and _is_header(rows[0]) else None
    out = []
    for r in rows[1:] if header else rows:
        if header:
            cells = [f"{h}：{v}" if h else v for h, v in zip(header, r, strict=False) if v]
            cells += [v for v in r[len(header):] if v]
        else:
            cells = [v for v in r if v]
        line = CELL_SEP.join(cells)
        if line and line[-1] not in "。！？；":
            line += ROW_END
        out.append(line)
    return out


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
            lines.extend(table_lines(_table_rows(child)))
        elif tag in {f"{_W}sdt", f"{_W}customXml"}:
            content = child.find(f"{_W}sdtContent")
            lines.extend(_block_lines(content if content is not None else child))
    return lines


def _table_rows(tbl) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows: list[list[str]] = []
    for tr in tbl.iter(f"{_W}tr"):
        if tr.getparent() is not tbl:
            continue  # a nested table is read inside its cell
        row: list[str] = []
        for tc in tr.findall(f"{_W}tc"):
            text = " ".join(t for t in _block_lines(tc) if t.strip())
            tcpr = tc.find(f"{_W}tcPr")
            vmerge = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            if vmerge is not None and vmerge.get(f"{_W}val", "continue") == "continue" and rows:
                col = len(row)
                text = rows[-1][col] if col < len(rows[-1]) else text  # a merged cell repeats its value
            row.append(text)
        rows.append(row)
    return rows


def docx_pages(data: bytes) -> list[str]:
    """The body of a .docx in reading order (page headers, footers and comments are separate parts and
    not read). Raises ArchiveTooLarge / LoadError."""
    check_zip(data, "docx")
    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises a variety of errors on broken packages
        raise LoadError(f"corrupt docx ({type(e).__name__})") from e
    return ["\n".join(_block_lines(d.element.body))]


# --- xlsx ------------------------------------------------------------------------------------------
MAX_SHEET_ROWS = 100_000
"""Rows read per worksheet (a sheet beyond that is cut, bounded memory)."""


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "strftime"):
        return v.strftime("%Y-%m-%d") if getattr(v, "hour", 0) == 0 and getattr(v, "minute", 0) == 0 else str(v)
    return str(v)


def xlsx_pages(data: bytes) -> list[str]:
    """One page per worksheet: the sheet name, then each row with its header cells. Raises LoadError."""
    check_zip(data, "xlsx")
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises KeyError, InvalidFileException, …
        raise LoadError(f"corrupt xlsx ({type(e).__name__})") from e
    pages = []
    try:
        for ws in wb.worksheets:
            rows = []
            for i, r in enumerate(ws.iter_rows(values_only=True)):
                if i >= MAX_SHEET_ROWS:
                    break
                rows.append([_cell(v) for v in r])
            width = max((max((j for j, c in enumerate(r) if c), default=-1) for r in rows), default=-1) + 1
            rows = [r[:width] for r in rows if any(r)]
            if rows:
                pages.append("\n".join([ws.title, *table_lines(rows)]))
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
def pdf_pages(data: bytes) -> list[str]:
    """Text layer of each page (may be empty for scanned pages). Raises LoadError."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise LoadError("not a pdf (content does not start with %PDF)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("encrypted pdf")
        return [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError) as e:
        raise LoadError(f"corrupt pdf ({type(e).__name__})") from e


_DIGITS = re.compile(r"\d+")
EDGE_LINES = 3
"""Lines at the top and at the bottom of a page searched for running headers and footers."""
RUNNING_SHARE = 0.6
"""A line is running (header, footer, page number) when it stands at the page edge on this share of pages."""


def _key(line: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", "", line))


def drop_running_lines(pages: list[str]) -> list[str]:
    """Remove lines that repeat at the top or bottom of most pages (running headers, footers, page
    numbers, compared with digits masked). Needs at least 2 pages; returns the pages' remaining text."""
    split = [[ln for ln in p.splitlines() if ln.strip()] for p in pages]
    if len([s for s in split if s]) < 2:
        return ["\n".join(s) for s in split]
    counts: Counter[str] = Counter()
    for lines in split:
        edge = set(map(_key, lines[:EDGE_LINES] + lines[-EDGE_LINES:]))
        counts.update(edge)
    n = len([s for s in split if s])
    running = {k for k, c in counts.items() if c >= max(2, RUNNING_SHARE * n) and k}
    out = []
    for lines in split:
        top, bottom = 0, len(lines)
        while top < bottom and top < EDGE_LINES and _key(lines[top]) in running:
            top += 1
        while bottom > top and len(lines) - bottom < EDGE_LINES and _key(lines[bottom - 1]) in running:
            bottom -= 1
        out.append("\n".join(lines[top:bottom]))
    return out
