"""API keys: only a salted hash is stored (in the deployment's database, see rag.database);
compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from core.settings import Settings
from rag.database import engine_for, key_grants, keys

Role = Literal["reader", "admin"]


@dataclass(frozen=True)
class KeyInfo:
    """A stored key, never the key itself. ``key_id`` (hex of the key's random salt) is unique to one created
    key: revoking a name and creating it again gives a new ``key_id`` and ``secret_hash`` (hex of the salted
    SHA-256 stored for it), so a session bound to both ends when its key does."""

    name: str
    role: Role
    created_at: float
    key_id: str = ""
    secret_hash: str = ""
    grants: tuple[tuple[str, str], ...] = ()  # (knowledge base, "read" | "admin"); () = every knowledge base at `role`


def _digest(salt: bytes, key: str) -> bytes:
    return hashlib.sha256(salt + key.encode("utf-8")).digest()


class KeyStore:
    """Keys of a deployment. `where` is the settings or the index directory (then RAGQA_DATABASE_URL
    from the environment applies). Every replica sharing the database sees a key at once."""

    def __init__(self, where: Settings | Path) -> None:
        self._engine = engine_for(where)

    def create(self, name: str, role: Role, grants: dict[str, str] | None = None) -> str:
        """Create a key and return it; it is never shown again. `grants` ({knowledge base: "read" | "admin"})
        limits the key to those knowledge bases (None or {}: every one, at `role`). Raises ValueError for a
        bad name/role/grant or a taken name."""
        grants = dict(grants or {})
        if any(a not in ("read", "admin") for a in grants.values()):
            raise ValueError("a knowledge base grant is read or admin")
        if role not in ("reader", "admin"):
            raise ValueError("role must be reader or admin")
        if not name or len(name) > 64:
            raise ValueError("name must be 1-64 characters")
        key = "rq-" + secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        try:
            with self._engine.begin() as db:
                db.execute(insert(keys).values(name=name, role=role, salt=salt, hash=_digest(salt, key),
                                               created_at=time.time()))
                db.execute(delete(key_grants).where(key_grants.c.name == name))
                for kb, access in sorted(grants.items()):
                    db.execute(insert(key_grants).values(name=name, kb=kb, access=access))
        except IntegrityError as e:
            raise ValueError(f"a key named {name!r} exists; revoke it first") from e
        return key

    def list(self) -> list[KeyInfo]:
        with self._engine.connect() as db:
            rows = db.execute(select(keys.c.name, keys.c.role, keys.c.created_at).order_by(keys.c.name)).all()
        grants = self._grants()
        return [KeyInfo(n, r, c, grants=grants.get(n, ())) for n, r, c in rows]

    def _grants(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """Every key's knowledge-base grants, by key name."""
        out: dict[str, list[tuple[str, str]]] = {}
        with self._engine.connect() as db:
            for n, kb, access in db.execute(select(key_grants.c.name, key_grants.c.kb, key_grants.c.access)):
                out.setdefault(n, []).append((kb, access))
        return {n: tuple(sorted(g)) for n, g in out.items()}

    def revoke(self, name: str) -> bool:
        with self._engine.begin() as db:
            db.execute(delete(key_grants).where(key_grants.c.name == name))
            return db.execute(delete(keys).where(keys.c.name == name)).rowcount > 0

    def _rows(self) -> list[tuple[str, str, bytes, bytes, float]]:
        with self._engine.connect() as db:
            return [tuple(r) for r in db.execute(select(keys.c.name, keys.c.role, keys.c.salt, keys.c.hash,
                                                        keys.c.created_at))]

    def count(self) -> int:
        return len(self._rows())

    def verify(self, key: str) -> KeyInfo | None:
        """The stored key matching ``key`` (with its ``key_id`` and ``secret_hash``), or None."""
        found = None
        for name, role, salt, digest, created in self._rows():  # every row is checked: timing does not depend on the match
            if hmac.compare_digest(_digest(bytes(salt), key), bytes(digest)):
                found = KeyInfo(name, role, created, bytes(salt).hex(), bytes(digest).hex())  # type: ignore[arg-type]
        if found is not None:
            found = replace(found, grants=self._grants().get(found.name, ()))
        return found

    def lookup(self, key_id: str, secret_hash: str) -> KeyInfo | None:
        """The key that is still stored with this ``key_id`` and ``secret_hash`` (from ``verify``), or None
        once it was revoked (or revoked and created again under the same name)."""
        try:
            salt, digest = bytes.fromhex(key_id), bytes.fromhex(secret_hash)
        except ValueError:
            return None
        with self._engine.connect() as db:
            row = db.execute(select(keys.c.name, keys.c.role, keys.c.created_at, keys.c.hash)
                             .where(keys.c.salt == salt)).first()
        if row is None or not hmac.compare_digest(bytes(row[3]), digest):
            return None
        return KeyInfo(row[0], row[1], row[2], key_id, secret_hash, self._grants().get(row[0], ()))
