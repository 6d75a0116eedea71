"""Decode a text file's bytes with confidence, or refuse: never store mojibake.

Order of evidence: a byte-order mark (UTF-8/UTF-16/UTF-32), strict UTF-8, UTF-16 recognised by its
zero bytes, then the Chinese legacy code pages GB18030 (superset of GB2312/GBK) and Big5. A short file
often decodes "validly" in several East-Asian code pages, so a candidate is accepted only when its text is
plausible: its Han characters are common ones of that code page (GB2312's 6,763 characters for the GB
family, Big5's level-1 frequent characters for Big5) and it holds no control characters. When both GB and
Big5 are plausible the GB family wins (the documents are mainland government documents).
"""

from __future__ import annotations

import unicodedata

from core.errors import UndecodableText

_BOMS: list[tuple[bytes, str]] = [
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
]
PLAUSIBLE = 0.9
"""Share of a decoded text's Han characters that must be common characters of the code page."""


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _big5_level1(ch: str) -> bool:
    """Big5 level-1 (frequent) Han characters occupy lead bytes 0xA4-0xC6."""
    try:
        b = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return len(b) == 2 and 0xA4 <= b[0] <= 0xC6


def _controls(text: str) -> int:
    return sum(1 for ch in text if unicodedata.category(ch) in {"Cc", "Co", "Cs", "Cn"} and ch not in "\n\r\t\f")


def plausibility(text: str, common: object) -> float:
    """Share (0-1) of the Han characters of `text` for which `common(ch)` holds; 0 with control characters,
    1.0 for a text without Han characters only if it is printable ASCII-range text."""
    if _controls(text):
        return 0.0
    han = [ch for ch in text if _is_han(ch)]
    others = [ch for ch in text if not _is_han(ch) and not ch.isspace()]
    weird = sum(1 for ch in others if unicodedata.category(ch).startswith(("L", "S")) and ord(ch) > 0x2FFF
                and not ("\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"))
    if not han:
        return 0.0 if weird else 1.0
    good = sum(1 for ch in han if common(ch))  # type: ignore[operator]
    return good / (len(han) + weird)


def _strict(data: bytes, enc: str) -> str | None:
    try:
        return data.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf16_by_zeros(data: bytes) -> str | None:
    """UTF-16 without a BOM: its ASCII characters put zero bytes at every other position (odd ones for
    little-endian); the decoded text must then be plausible (no controls, common Han characters)."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, other, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) > other.count(0):
            text = _strict(data, enc)
            if text is not None and "\x00" not in text and plausibility(text, _in_gb2312) >= PLAUSIBLE:
                return text
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of a text file's bytes.

    Raises UndecodableText (a LoadError) with the reason when no encoding is plausible."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = _strict(data, enc)
            if text is None:
                raise UndecodableText(f"invalid {enc.upper()} after its byte-order mark")
            return text.removeprefix("\ufeff"), enc.removesuffix("-sig")
    text = _strict(data, "utf-8")
    if text is not None and not _controls(text):
        return text, "utf-8"
    text = _utf16_by_zeros(data)
    if text is not None:
        return text, "utf-16"
    if b"\x00" in data:
        raise UndecodableText("binary content, not text")
    gb = _strict(data, "gb18030")
    big5 = _strict(data, "big5")
    gb_score = plausibility(gb, _in_gb2312) if gb is not None else 0.0
    big5_score = plausibility(big5, _big5_level1) if big5 is not None else 0.0
    if gb is not None and gb_score >= PLAUSIBLE:
        return gb, "gb18030"
    if big5 is not None and big5_score >= PLAUSIBLE:
        return big5, "big5"
    # UTF-16 of pure Chinese text has no zero bytes: accept it only as plausible common Chinese
    if len(data) % 2 == 0:
        for enc in ("utf-16-le", "utf-16-be"):
            t = _strict(data, enc)
            if t is not None and plausibility(t, _in_gb2312) >= PLAUSIBLE and sum(map(_is_han, t)) >= len(t) // 2:
                return t, "utf-16"
    best = max(gb_score, big5_score)
    raise UndecodableText(
        "cannot decode with confidence: not UTF-8/UTF-16, and neither GB18030 nor Big5 gives plausible Chinese"
        f" (best {best:.0%} common characters)"
    )
