"""The one SQL database of a deployment (API keys, feedback, the audit log), through SQLAlchemy.

By default a SQLite file in the index directory (``<index_dir>/ragqa.sqlite``); with
``RAGQA_DATABASE_URL`` (e.g. ``postgresql+psycopg://user@host/ragqa``) a server that several
replicas share, which is the supported multi-replica setup. Tables are created on first use.
Rows of the former per-store files (``keys.sqlite``, ``feedback.sqlite``) are copied in once."""

from __future__ import annotations

import logging
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine

from core.errors import StorageError
from core.settings import Settings, load_settings

log = logging.getLogger("ragqa.database")

metadata = MetaData()
keys = Table(
    "keys", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("salt", LargeBinary, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    Column("created_at", Float, nullable=False),
)
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("who", String(64)),
    Column("useful", Boolean, nullable=False),
    Column("comment", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("citations", Text, nullable=False),
)
key_grants = Table(
    "key_grants", metadata,
    Column("name", String(64), primary_key=True),  # the key's name (keys.name)
    Column("kb", String(64), primary_key=True),  # a knowledge base (core.kb.KB_NAME_PATTERN)
    Column("access", String(16), nullable=False),  # "read" | "admin"
)
"""Per-knowledge-base grants of a key; a key without rows here has its role over every knowledge base."""
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("entry", Text, nullable=False),
)


def database_url(settings: Settings) -> str:
    """RAGQA_DATABASE_URL, or the SQLite file in the index directory."""
    if settings.database_url:
        return settings.database_url
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(settings.index_dir / 'ragqa.sqlite').resolve()}"


def engine_for(where: Settings | Path) -> Engine:
    """The (cached, pooled) engine of a deployment's database, its tables created.
    Raises StorageError when the database cannot be reached."""
    settings = where if isinstance(where, Settings) else load_settings(index_dir=where)
    url = database_url(settings)
    legacy = settings.index_dir if url.startswith("sqlite") else None
    return _engine(url, legacy)


@lru_cache(maxsize=16)
def _engine(url: str, legacy_dir: Path | None) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _wal(conn: Any, _: Any) -> None:  # readers never wait for a writer
            conn.execute("PRAGMA journal_mode=WAL")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    try:
        metadata.create_all(engine)
        if legacy_dir is not None:
            _import_legacy(engine, legacy_dir)
    except Exception as e:
        _engine.cache_clear()
        raise StorageError(f"database unavailable: {e}") from e
    return engine


def _import_legacy(engine: Engine, index_dir: Path) -> None:
    """Copy rows of the former keys.sqlite / feedback.sqlite once (when the new table is empty)."""
    for table, file, cols in ((keys, "keys.sqlite", "name, role, salt, hash, created_at"),
                              (feedback, "feedback.sqlite", "at, who, useful, comment, question, answer, citations")):
        path = index_dir / file
        if not path.exists():
            continue
        with engine.begin() as conn:
            if conn.execute(select(func.count()).select_from(table)).scalar():
                continue
            old = sqlite3.connect(path)
            try:
                rows = old.execute(f"SELECT {cols} FROM {table.name}").fetchall()
            except sqlite3.Error:
                rows = []
            finally:
                old.close()
            names = [c.strip() for c in cols.split(",")]
            if rows:
                conn.execute(insert(table), [dict(zip(names, r, strict=True)) for r in rows])
                log.info("imported %d rows from %s", len(rows), path)
