"""Knowledge bases (知识库): the shared constants every layer names them by.

A knowledge base is a named set of documents; every document belongs to exactly one. Its id (the
name used in APIs, keys and model names ``ragqa/<name>``) matches `KB_NAME_PATTERN`."""

from __future__ import annotations

import re

from core.errors import Invalid

DEFAULT_KB = "default"
"""The knowledge base of the bundled corpus and of every ingest or upload that names none."""

DEFAULT_KB_DISPLAY = "默认知识库"
"""The display name of `DEFAULT_KB` until an admin names it."""

KB_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
"""A knowledge base id: 1-40 ASCII letters, digits, '_' or '-', starting with a letter or digit (it appears in
URLs, model names and Chroma metadata)."""


def check_kb_name(name: str) -> str:
    """`name` if it is a valid knowledge-base id; raises `Invalid` otherwise."""
    if not isinstance(name, str) or not KB_NAME_PATTERN.match(name):
        raise Invalid(f"invalid knowledge base name {name!r}: 1-40 letters, digits, '_' or '-'")
    return name


def kb_doc_id(kb: str, doc_id: str) -> str:
    """A document's id within its knowledge base: unchanged in `DEFAULT_KB` (ids of existing indexes stay
    valid), ``<kb>.<doc_id>`` elsewhere, so the same file in two knowledge bases is two documents."""
    return doc_id if kb == DEFAULT_KB else f"{kb}.{doc_id}"
