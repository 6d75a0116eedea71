"""Read files of the supported kinds into text; every failure is a `LoadError` with a reason."""

from __future__ import annotations

import io
import logging
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from core.errors import LoadError
from core.settings import DOCUMENT_EXTENSIONS as SUPPORTED

MAX_DOCX_UNPACKED = 200 * 1024 * 1024  # a docx that unpacks to more than this is a zip bomb
MAX_DOCX_RATIO = 200


@dataclass(frozen=True)
class Skipped:
    source: str
    reason: str


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
    """Decode bytes as UTF-8 (with or without BOM) or a detected legacy encoding (GB18030/GBK, …)."""
    if not data.strip():
        raise LoadError("empty file")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError("binary content, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise LoadError("unknown text encoding")
    enc = best.encoding.lower()
    if enc in {"gb2312", "gbk", "hz", "big5", "cp936"} or enc.startswith("gb"):
        enc = "gb18030" if enc != "big5" else enc  # GB18030 is the superset; decode with it
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError) as e:
        raise LoadError(f"undecodable text ({enc})") from e


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


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise LoadError("not a pdf (content does not start with %PDF)")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("encrypted pdf")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise LoadError(f"corrupt pdf ({type(e).__name__})") from e
    text = "\n".join(pages)
    if not text.strip():
        raise LoadError("pdf has no text layer (scanned?)")
    return text


def docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
            if unpacked > MAX_DOCX_UNPACKED or unpacked > MAX_DOCX_RATIO * max(len(data), 1):
                raise LoadError("docx unpacks to an absurd size (zip bomb?)")
    except zipfile.BadZipFile as e:
        raise LoadError("corrupt docx (not a zip archive)") from e
    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises a variety of errors on broken packages
        raise LoadError(f"corrupt docx ({type(e).__name__})") from e
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.append(" ".join(c.text for c in row.cells))
    return "\n".join(parts)


def read_text(path: Path) -> str:
    """The text of one file, or LoadError with the reason it cannot be ingested."""
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise LoadError(f"unsupported file type '{ext or path.name}'")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(f"unreadable ({e.strerror or type(e).__name__})") from e
    if not data.strip():
        raise LoadError("empty file")
    if ext == ".pdf":
        text = pdf_text(data)
    elif ext == ".docx":
        text = docx_text(data)
    elif ext in {".html", ".htm"}:
        text = html_main_text(decode_text(data))
    else:
        text = decode_text(data)
    if not text.strip():
        raise LoadError("no text")
    return text
