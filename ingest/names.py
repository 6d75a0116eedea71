"""Upload file names: any name that is not a path is accepted.

A client's file name is metadata only (the server stores uploads under its own names), so dots, spaces,
brackets and 「...」 inside a name are fine; what is refused is what would make it a path or unprintable."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from core.errors import Invalid, UnsupportedMedia

MAX_NAME_BYTES = 255
"""Longest file name in UTF-8 bytes (the limit of ext4, NTFS and most file systems)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEPARATOR = re.compile(r"[/\\]")


def check_upload_name(name: str, allowed: set[str]) -> str:
    """Return `name` when it is an acceptable upload file name with an extension in `allowed` (lower case,
    with the dot). Raises Invalid (empty, over MAX_NAME_BYTES, a path separator, '.' or '..' as the whole
    name, a control character such as NUL, nothing but an extension) or UnsupportedMedia (extension)."""
    if not name or len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise Invalid(f"文件名为空或过长（上限 {MAX_NAME_BYTES} 字节）。")
    if _CONTROL.search(name) or _SEPARATOR.search(name) or name.strip(" .") == "":
        raise Invalid(f"文件名不可用（含路径分隔符或控制字符）：{name!r}")
    p = PurePosixPath(name)
    if not p.stem.strip() or p.stem.startswith("."):
        raise Invalid(f"文件名不可用（扩展名前没有名称，或以点开头）：{name!r}")
    ext = p.suffix.lower()
    if ext not in allowed:
        raise UnsupportedMedia(f"不支持的文件类型 {ext or '（无扩展名）'}；可导入：{'、'.join(sorted(allowed))}")
    return name
