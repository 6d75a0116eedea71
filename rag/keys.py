"""API keys: only a salted hash is stored (SQLite in the index directory); compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rag.sqlite_store import SqliteStore

Role = Literal["reader", "admin"]


@dataclass(frozen=True)
class KeyInfo:
    name: str
    role: Role
    created_at: float


def _digest(salt: bytes, key: str) -> bytes:
    return hashlib.sha256(salt + key.encode("utf-8")).digest()


class KeyStore(SqliteStore):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(index_dir / "keys.sqlite",
                         "CREATE TABLE IF NOT EXISTS keys (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
                         "salt BLOB NOT NULL, hash BLOB NOT NULL, created_at REAL NOT NULL)")
        self._cache: tuple[float, list[tuple[str, str, bytes, bytes]]] | None = None

    def create(self, name: str, role: Role) -> str:
        """Create a key and return it; it is never shown again."""
        if role not in ("reader", "admin"):
            raise ValueError("role must be reader or admin")
        if not name or len(name) > 64:
            raise ValueError("name must be 1-64 characters")
        key = "rq-" + secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        with self._db() as db:
            try:
                db.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?)", (name, role, salt, _digest(salt, key), time.time()))
            except sqlite3.IntegrityError as e:
                raise ValueError(f"a key named {name!r} exists; revoke it first") from e
        return key

    def list(self) -> list[KeyInfo]:
        with self._db() as db:
            return [KeyInfo(n, r, c) for n, r, c in db.execute("SELECT name, role, created_at FROM keys ORDER BY name")]

    def revoke(self, name: str) -> bool:
        with self._db() as db:
            return db.execute("DELETE FROM keys WHERE name = ?", (name,)).rowcount > 0

    def _rows(self) -> list[tuple[str, str, bytes, bytes]]:
        mtime = self.path.stat().st_mtime if self.path.exists() else 0.0
        if self._cache is None or self._cache[0] != mtime:
            with self._db() as db:
                rows = list(db.execute("SELECT name, role, salt, hash FROM keys"))
            self._cache = (mtime, rows)
        return self._cache[1]

    def count(self) -> int:
        return len(self._rows())

    def verify(self, key: str) -> KeyInfo | None:
        found = None
        for name, role, salt, digest in self._rows():  # every row is checked: timing does not depend on the match
            if hmac.compare_digest(_digest(salt, key), digest):
                found = KeyInfo(name, role, 0.0)  # type: ignore[arg-type]
        return found
