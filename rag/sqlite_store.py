"""A small SQLite file in the index directory (API keys, feedback), shared by the stores that keep one."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SqliteStore:
    """Creates its table on first use; every operation opens a connection, commits (or rolls back on an
    error) and closes it, so several processes can share the file."""

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._db() as db:
            db.execute(schema)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        try:
            with db:  # commit, or roll back on an error
                yield db
        finally:
            db.close()
