"""Knowledge bases in the shared stores: one *kb record* per knowledge base in the record collection of
`ingest.store` (id ``kb-<name>``; metadata ``kind="kb", name, display, description, created``), beside
the source records whose ``kb`` field names it. So every replica sharing Chroma sees the same knowledge
bases. `DEFAULT_KB` always exists (its record is written the first time it is listed or touched).

Deleting a knowledge base drops its source records first (its documents leave the index in one step),
then its chunks, then its record, and bumps the change marker; other knowledge bases are not read or
written."""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.errors import KnowledgeBaseExists, NotFound, StorageError
from core.kb import DEFAULT_KB, DEFAULT_KB_DISPLAY, check_kb_name
from core.settings import Settings
from ingest.store import _RECORD_VECTOR, CHROMA_BATCH, Catalog, batched

KB_RECORD_PREFIX = "kb-"


@dataclass(frozen=True)
class KnowledgeBase:
    """A knowledge base: `name` (its id), `display` name, `description`, `created` (Unix seconds; 0 for the
    implicit default of an index written before knowledge bases existed)."""

    name: str
    display: str
    description: str
    created: float

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "display": self.display, "description": self.description, "created": self.created}


def _kb_record_id(name: str) -> str:
    return KB_RECORD_PREFIX + name


def list_kbs(catalog: Catalog) -> list[KnowledgeBase]:
    """Every knowledge base, `DEFAULT_KB` first, the others by name. Raises StorageError."""
    got = catalog._get(catalog.record_collection, where={"kind": "kb"}, include=["metadatas"])
    found = {m["name"]: KnowledgeBase(m["name"], m.get("display") or m["name"], m.get("description", ""),
                                      float(m.get("created", 0.0))) for m in got["metadatas"]}
    found.setdefault(DEFAULT_KB, KnowledgeBase(DEFAULT_KB, DEFAULT_KB_DISPLAY, "", 0.0))
    return sorted(found.values(), key=lambda k: (k.name != DEFAULT_KB, k.name))


def get_kb(catalog: Catalog, name: str) -> KnowledgeBase:
    """The knowledge base `name`; raises NotFound when there is none, StorageError."""
    kb = next((k for k in list_kbs(catalog) if k.name == name), None)
    if kb is None:
        raise NotFound(f"no knowledge base {name}")
    return kb


def create_kb(settings: Settings, name: str, display: str = "", description: str = "") -> KnowledgeBase:
    """Create an empty knowledge base. Raises Invalid (bad name), KnowledgeBaseExists, StorageError.

    Chunks written before knowledge bases existed get their ``kb`` metadata first (`label_chunks`), so a
    query filtered on `DEFAULT_KB` still finds them."""
    from ingest.pipeline import _locked

    check_kb_name(name)
    with _locked(settings, 30):
        catalog = Catalog(settings)
        if any(k.name == name for k in list_kbs(catalog)):
            raise KnowledgeBaseExists(f"knowledge base {name} exists")
        label_chunks(catalog)
        kb = KnowledgeBase(name, display.strip() or name, description.strip(), time.time())
        _write(catalog, kb)
        if not any(k.name == DEFAULT_KB and k.created for k in list_kbs(catalog)):
            _write(catalog, KnowledgeBase(DEFAULT_KB, DEFAULT_KB_DISPLAY, "", time.time()))
        catalog.bump()
        return kb


def update_kb(settings: Settings, name: str, display: str | None = None, description: str | None = None) -> KnowledgeBase:
    """Rename a knowledge base (its display name; the id stays, so keys, model names and document ids stay
    valid) and/or change its description; None leaves a field as it is. Raises NotFound, IndexBusy, StorageError."""
    from ingest.pipeline import _locked

    with _locked(settings, 30):
        catalog = Catalog(settings)
        old = get_kb(catalog, name)
        kb = KnowledgeBase(name, (display or "").strip() or old.display if display is not None else old.display,
                           description.strip() if description is not None else old.description,
                           old.created or time.time())
        _write(catalog, kb)
        catalog.bump()
        return kb


def _write(catalog: Catalog, kb: KnowledgeBase) -> None:
    try:
        catalog.record_collection.upsert(ids=[_kb_record_id(kb.name)], embeddings=[_RECORD_VECTOR],
                                         metadatas=[{"kind": "kb", **kb.to_dict()}])
    except Exception as e:
        raise StorageError(f"could not write knowledge base {kb.name}: {e}") from e


def delete_kb(settings: Settings, name: str) -> int:
    """Delete knowledge base `name` and its documents; returns how many documents it held. `DEFAULT_KB` is
    emptied but stays. Raises NotFound, IndexBusy, StorageError."""
    from ingest.pipeline import _locked, derive_bm25

    with _locked(settings, 30):
        catalog = Catalog(settings)
        get_kb(catalog, name)
        records = catalog.records(kb=name)
        for r in records:
            catalog.drop(r.source, name)
        ids = {cid for r in records for cid in r.chunk_ids()}
        ids |= catalog.source_chunk_ids(*(r.source for r in records), kb=name) if records else set()
        ids |= set(catalog._get(catalog.chunk_collection, where={"kb": name}, include=[])["ids"])
        catalog.delete_chunks(ids)
        if name != DEFAULT_KB:
            try:
                catalog.record_collection.delete(ids=[_kb_record_id(name)])
            except Exception as e:
                raise StorageError(f"could not delete knowledge base {name}: {e}") from e
        catalog.bump()
        derive_bm25(settings, catalog)
        return sum(len(r.docs) for r in records)


def label_chunks(catalog: Catalog) -> int:
    """Give every committed chunk without ``kb`` metadata (written before knowledge bases existed) the
    knowledge base of its record. Returns how many were labelled. Raises StorageError."""
    owner = {cid: r.kb for r in catalog.records() for cid in r.chunk_ids()}
    labelled = 0
    for batch in batched(sorted(owner), CHROMA_BATCH):
        got = catalog._get(catalog.chunk_collection, ids=batch, include=["metadatas"])
        todo = [(cid, {**m, "kb": owner[cid]}) for cid, m in zip(got["ids"], got["metadatas"], strict=True)
                if "kb" not in (m or {})]
        if todo:
            try:
                catalog.chunk_collection.update(ids=[c for c, _ in todo], metadatas=[m for _, m in todo])
            except Exception as e:
                raise StorageError(f"could not label chunks with their knowledge base: {e}") from e
            labelled += len(todo)
    return labelled


__all__ = ["KnowledgeBase", "create_kb", "delete_kb", "get_kb", "label_chunks", "list_kbs", "update_kb"]
