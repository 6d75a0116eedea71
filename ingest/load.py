"""Read files of the supported kinds into text; every failure is a `LoadError` (core.errors) with a reason.

Text files are decoded with confidence or refused (ingest.encoding); docx/xlsx/ofd/doc/wps and PDF text
layers are read by ingest.formats; scanned PDF pages and images are OCR'd offline (ingest.ocr).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from core.errors import LoadError
from core.settings import DOCUMENT_EXTENSIONS as SUPPORTED
from core.settings import HTML_EXTENSIONS as HTML_TYPES
from core.settings import IMAGE_EXTENSIONS as IMAGE_TYPES
from core.settings import TEXT_EXTENSIONS as TEXT_TYPES
from ingest.encoding import decode_bytes
from ingest.formats import (
    PdfText,
    RunningLines,
    doc_pages,
    docx_pages,
    drop_running_lines,
    ofd_pages,
    strip_running,
    text_tables,
    xlsx_pages,
)

MIN_PAGE_CHARS = 10
"""A PDF page whose text layer has fewer non-space characters than this is scanned: it is OCR'd."""
MAX_OCR_PAGES = 100
"""Most pages OCR'd for one file (about 7 CPU-seconds a page, bench/ocr.py): a longer scan is refused."""

__all__ = ["LoadError", "Loaded", "Skipped", "SUPPORTED", "decode_text", "iter_files", "load_file", "read_text"]


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


@dataclass(frozen=True)
class Loaded:
    """What a file holds: its text (pages joined by line breaks), how many pages it had, which pages
    (1-based) were OCR'd, and the text encoding of a text file ('' otherwise)."""

    text: str
    pages: int = 1
    ocr_pages: tuple[int, ...] = ()
    encoding: str = ""
    kind: str = "text"
    page_texts: tuple[str, ...] = ()
    """Each page's text as joined into ``text`` (paginated formats: pdf, images, ofd); empty otherwise."""

    def meta(self) -> dict[str, str]:
        """Document metadata of the file (for `documents_from_text(..., meta=)`): kind, pages, and when they
        apply ocr_pages ("1,2": which pages' text is OCR output, for citations to say so) and encoding."""
        out = {"kind": self.kind, "pages": str(self.pages)}
        if self.ocr_pages:
            out["ocr_pages"] = ",".join(map(str, self.ocr_pages))
        if self.encoding:
            out["encoding"] = self.encoding
        return out


def iter_files(paths: Iterable[Path]) -> tuple[list[Path], list[Skipped]]:
    """Expand paths (directories recursively, hidden entries skipped) into files, sorted."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
        elif p.is_file():
            files.append(p)
        else:
            skipped.append(Skipped(str(p), "no such file or directory"))
    return sorted(set(files)), skipped


def decode_text(data: bytes) -> str:
    """Decode a text file's bytes (see ingest.encoding.decode_bytes). Raises LoadError with the reason."""
    if not data.strip():
        raise LoadError("empty file")
    return decode_bytes(data)[0]


def html_main_text(html: str) -> str:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for tag in ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg"):
        for node in tree.css(tag):
            node.decompose()
    root = tree.css_first("article") or tree.css_first("main") or tree.body or tree.root
    if root is None:
        return ""
    blocks = []
    for node in root.css("h1,h2,h3,h4,h5,h6,p,li,td,th,pre,blockquote,div"):
        if node.tag == "div" and node.css_first("p,div,li,h1,h2,h3,table"):
            continue  # only leaf divs carry text of their own
        t = node.text(separator="", strip=True)
        if t:
            blocks.append(t)
    return "\n".join(blocks) if blocks else root.text(separator="\n", strip=True)


PageProgress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while a paginated file is read: stage "pages" (a PDF's pages
read, done rising by one up to the file's page count) then "ocr" (its scanned pages OCR'd, up to their count)."""
PROGRESS_LOG_PAGES = 50
"""A PDF's reading is logged (INFO, logger ``ingest.load``) every this many pages, and at its last page."""
_log = logging.getLogger(__name__)


def _report(progress: PageProgress | None, name: str, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
    if done == total or done % PROGRESS_LOG_PAGES == 0:
        _log.info("%s: %s %d/%d", name, stage, done, total)


def pdf_loaded(source: bytes | Path, progress: PageProgress | None = None, name: str = "pdf") -> Loaded:
    """A PDF's text (its bytes, or its path: then it is read lazily): the text layer of each page, scanned pages
    OCR'd, running headers/footers dropped. Streams page by page (ingest.formats.PdfText, ingest.ocr), so that
    beyond the pages' text, memory does not grow with the page count; `progress` is told of each page
    (PageProgress). Raises LoadError, before any OCR when more than MAX_OCR_PAGES pages are scanned."""
    pages: list[str] = []
    scanned: list[int] = []
    running = RunningLines()
    with PdfText(source) as pdf:
        total = len(pdf)
        for i, text in enumerate(pdf):
            if len("".join(text.split())) < MIN_PAGE_CHARS:
                scanned.append(i)
                if len(scanned) > MAX_OCR_PAGES:
                    raise LoadError(f"more than {MAX_OCR_PAGES} scanned pages to OCR, over the limit per file")
            else:
                running.add(text)
            pages.append(text)
            _report(progress, name, "pages", i + 1, total)
    if scanned:
        from ingest.ocr import iter_pdf_page_ocr

        for k, (i, text) in enumerate(iter_pdf_page_ocr(source, scanned), start=1):
            pages[i] = text
            running.add(text)
            _report(progress, name, "ocr", k, len(scanned))
    found = running.running(pages)
    for i, p in enumerate(pages):  # in place: no second copy of the pages
        pages[i] = strip_running(p, found)
    text = "\n".join(pages)
    if not text.strip():
        raise LoadError("pdf has neither a text layer nor text that OCR can read")
    return Loaded(text, total, tuple(i + 1 for i in scanned if pages[i].strip()), kind="pdf",
                  page_texts=tuple(pages))


_RECENT: OrderedDict[tuple[str, int, int], Loaded] = OrderedDict()
_RECENT_LOCK = threading.Lock()
RECENT_FILES = 8
"""OCR'd files remembered by (path, size, mtime): an upload is read to validate it, then again to ingest it."""


def load_file(path: Path, progress: PageProgress | None = None) -> Loaded:
    """Read one file of a SUPPORTED type; `progress` is told of each page of a PDF (PageProgress). Raises
    LoadError (or a subclass) with the reason it cannot be ingested."""
    try:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    except OSError:
        key = None
    with _RECENT_LOCK:
        if key is not None and key in _RECENT:
            return _RECENT[key]
    loaded = _load(path, progress)
    if key is not None and loaded.ocr_pages:
        with _RECENT_LOCK:
            _RECENT[key] = loaded
            while len(_RECENT) > RECENT_FILES:
                _RECENT.popitem(last=False)
    return loaded


def _load(path: Path, progress: PageProgress | None = None) -> Loaded:
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise LoadError(f"unsupported file type '{ext or path.name}'")
    if ext == ".pdf":  # read lazily from the file, page by page: a long PDF is never held whole
        try:
            with path.open("rb") as f:
                head = f.read(1024)
        except OSError as e:
            raise LoadError(f"unreadable ({e.strerror or type(e).__name__})") from e
        if not head.strip():
            raise LoadError("empty file")
        return pdf_loaded(path, progress, path.name)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(f"unreadable ({e.strerror or type(e).__name__})") from e
    if not data.strip():
        raise LoadError("empty file")
    if ext in IMAGE_TYPES:
        from ingest.ocr import image_pages

        pages = drop_running_lines(image_pages(data))
        loaded = Loaded("\n".join(pages), len(pages), tuple(range(1, len(pages) + 1)), kind="image",
                        page_texts=tuple(pages))
    elif ext in HTML_TYPES:
        text, enc = decode_bytes(data)
        loaded = Loaded(html_main_text(text), encoding=enc, kind="html")
    elif ext in TEXT_TYPES:
        text, enc = decode_bytes(data)
        loaded = Loaded(text_tables(text), encoding=enc)  # a table typed as text reads row by row, as a docx table
    else:
        reader = {".docx": docx_pages, ".xlsx": xlsx_pages, ".ofd": ofd_pages}.get(ext)
        pages = reader(data) if reader else doc_pages(data, ext)
        if ext == ".ofd":
            pages = drop_running_lines(pages)
        loaded = Loaded("\n".join(pages), len(pages), kind=ext[1:],
                        page_texts=tuple(pages) if ext == ".ofd" else ())
    if not loaded.text.strip():
        raise LoadError("no text")
    return loaded


def read_text(path: Path) -> str:
    """The text of one file, or LoadError with the reason it cannot be ingested."""
    return load_file(path).text
