"""Text of the binary document formats: docx, xlsx, ofd, doc/wps and PDF (text layer).

Each reader takes the file's bytes and returns its pages of text (a list of strings; formats without pages
give one). Tables become one line per row in which every cell is named by its column header
(「列名：值｜列名：值」), so a row reads on its own and two numbers of adjacent cells never touch.
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
_NUMERIC = re.compile(r"^[\d\s.,，%％+\-−—~～/年月日万亿元个项]*$")


def _is_header(row: list[str]) -> bool:
    """A header row names its columns: at least two named, none a bare number or date, every cell filled except
    perhaps the first (the stub head over a column of row names, often left blank)."""
    filled = [c for c in row if c.strip()]
    named = len(filled) == len(row) or (not row[0].strip() and len(filled) == len(row) - 1)
    return named and len(row) >= 2 and len(filled) >= 2 and not any(_NUMERIC.match(c) for c in filled)


def _is_caption(row: list[str], width: int) -> bool:
    """A title row over a table of several columns: its filled cells hold one text (one cell merged across the
    row, one filled cell beside blank ones, or the same text repeated by a reader that unmerges cells)."""
    return width >= 2 and len({c for c in row if c.strip()}) == 1


def _line(cells: list[str]) -> str:
    line = CELL_SEP.join(cells)
    if line and line[-1] not in "。！？；":
        line += ROW_END
    return line


def table_lines(rows: list[list[str]]) -> list[str]:
    """Rows of cell texts → one line per row; with a header row, each cell is 「header：value」, so that every
    row reads on its own (a question about one row finds its row, never a line of column names).

    Title rows above the table (one text across the row) become lines of their own before it; the header is the
    first row after them (see _is_header); a data row identical to the header (a header repeated where a table
    continues on the next page) is dropped."""
    rows = [[re.sub(r"\s+", " ", c).strip() for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    out = []
    while len(rows) > 1 and _is_caption(rows[0], width):
        out.append(_line([next(c for c in rows[0] if c)]))
        rows = rows[1:]
    header = rows[0] if len(rows) > 1 and _is_header(rows[0]) else None
    for r in rows[1:] if header else rows:
        if header:
            if r == header:
                continue
            cells = [f"{h}：{v}" if h else v for h, v in zip(header, r, strict=False) if v]
            cells += [v for v in r[len(header):] if v]
        else:
            cells = [v for v in r if v]
        line = _line(cells)
        if line:
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
        n = [0, 0]
        for i, p in enumerate(pages):
            keys = _edge_keys(p)
            n[i % 2] += bool(p.strip())
            for k in keys & counts.keys():
                counts[k][i % 2] += 1
        if sum(n) < 2:
            return set()
        total = sum(n)
        return {k for k, (even, odd) in counts.items()
                if even + odd >= max(2, RUNNING_SHARE * total)
                or any(c >= max(2, RUNNING_SHARE * m) for c, m in ((even, n[0]), (odd, n[1])))}


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
