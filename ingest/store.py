"""Where an index lives. Chroma is the one source of truth; everything else is derived from it.

Two Chroma collections hold an index (embedded `PersistentClient` under the index directory, or
the server named by CHROMA_HOST that several replicas share):

* the chunk collection (``settings.collection``): one record per chunk, id
  ``<doc_id>-<text_hash[:8]>-<seq:04d>``, its text as the Chroma document, its vector, and
  metadata ``doc_id, doc_title, section, source, start, end, seq``;
* the record collection (``settings.collection + "_records"``): one *source record* per file
  or upload (the commit point of everything read from it: its documents, their text hashes and
  chunk counts, the upload name, the sha256 of the bytes) and one *state record* whose version
  changes at every write (the change marker replicas poll).

A chunk is answerable only when the source record names its document and text hash: chunks are
written first and verified, then the source record is written in one upsert, then the old
chunks are deleted. A reader therefore sees each source's old version or its new one, never a
mix, and chunks a crash left behind are orphans nobody reads (``ragqa check --repair`` removes
them). The BM25 index under the index directory is a cache derived from these chunks.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import StorageError
from core.kb import DEFAULT_KB
from core.settings import Settings, load_settings
from ingest.chunk import Chunk
from ingest.lexicon import EMPTY, METHOD, Lexicon

log = logging.getLogger("ragqa.store")

CHROMA_BATCH = 1000
RECORDS_SUFFIX = "_records"
STATE_ID = "__state__"
_RECORD_VECTOR = [1.0]  # records are looked up by id and metadata only; Chroma still wants a vector


def chroma_client(settings: Settings) -> Any:
    """`HttpClient` when CHROMA_HOST is set (several workers or machines), else an embedded `PersistentClient`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def chroma_collection(settings: Settings, client: Any | None = None) -> Any:
    """The chunk collection (cosine space)."""
    client = client or chroma_client(settings)
    return client.get_or_create_collection(settings.collection, metadata={"hnsw:space": "cosine"})


def records_collection(settings: Settings, client: Any | None = None) -> Any:
    """The collection of source records and the state record."""
    client = client or chroma_client(settings)
    return client.get_or_create_collection(settings.collection + RECORDS_SUFFIX)


def all_ids(collection: Any) -> set[str]:
    ids: set[str] = set()
    offset = 0
    while True:
        got = collection.get(include=[], limit=CHROMA_BATCH * 10, offset=offset)
        ids.update(got["ids"])
        if len(got["ids"]) < CHROMA_BATCH * 10:
            return ids
        offset += len(got["ids"])


def batched(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def chunk_id(doc_id: str, text_hash: str, seq: int) -> str:
    """A chunk's id: its document, the version of the document's text, its position. Unique within a
    document even when a paragraph repeats, never shared between documents."""
    return f"{doc_id}-{text_hash[:8]}-{seq:04d}"


def source_record_id(source: str, kb: str = DEFAULT_KB) -> str:
    """The record id of a source in a knowledge base (unchanged for `DEFAULT_KB`, so existing indexes stay valid)."""
    key = source if kb == DEFAULT_KB else f"{kb}\n{source}"
    return "src-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class DocRow:
    """A listed document. `ingested_at` is a Unix time (seconds)."""

    doc_id: str
    title: str
    source: str
    text_hash: str
    n_chunks: int
    ingested_at: float
    meta: dict[str, str] = field(default_factory=dict)
    kb: str = DEFAULT_KB


@dataclass
class DocEntry:
    doc_id: str
    title: str
    text_hash: str
    n_chunks: int
    ingested_at: float
    meta: dict[str, str] = field(default_factory=dict)
    """Document metadata from the loader and cleaning (kind, pages, ocr_pages, journal, authors, date…)."""

    def chunk_ids(self) -> list[str]:
        return [chunk_id(self.doc_id, self.text_hash, i) for i in range(self.n_chunks)]


@dataclass
class SourceRecord:
    """Everything read from one file or upload; the unit a write commits atomically.

    `content_sha` is the sha256 of the bytes as read ("" once one of its documents was deleted, so a
    re-upload of the same bytes restores it); `texts` maps doc_id to the cleaned document text."""

    source: str
    name: str
    content_sha: str
    docs: list[DocEntry]
    texts: dict[str, str] = field(default_factory=dict)
    kb: str = DEFAULT_KB  # the knowledge base its documents belong to

    @property
    def record_id(self) -> str:
        return source_record_id(self.source, self.kb)

    def chunk_ids(self) -> list[str]:
        return [cid for d in self.docs for cid in d.chunk_ids()]

    def metadata(self) -> dict[str, Any]:
        return {"kind": "source", "source": self.source, "name": self.name, "content_sha": self.content_sha,
                "docs": json.dumps([d.__dict__ for d in self.docs], ensure_ascii=False), "kb": self.kb}

    @classmethod
    def from_chroma(cls, meta: dict[str, Any], document: str | None) -> SourceRecord:
        docs = [DocEntry(**d) for d in json.loads(meta["docs"])]
        texts = json.loads(document) if document else {}
        return cls(meta["source"], meta.get("name", meta["source"]), meta.get("content_sha", ""), docs, texts,
                   meta.get("kb", DEFAULT_KB))


class Catalog:
    """Read and commit the records of an index (documents and chunks) in Chroma.

    Accepts the settings, or an index directory (then the settings come from the environment, so
    CHROMA_HOST is honoured). Every method may raise `StorageError` when Chroma cannot be reached."""

    def __init__(self, where: Settings | Path, client: Any | None = None) -> None:
        self.settings = where if isinstance(where, Settings) else load_settings(index_dir=where)
        try:
            self.client = client or chroma_client(self.settings)
            self.chunk_collection = chroma_collection(self.settings, self.client)
            self.record_collection = records_collection(self.settings, self.client)
        except Exception as e:  # chromadb raises several kinds (connection, sqlite, value)
            raise StorageError(f"Chroma unavailable: {e}") from e

    def close(self) -> None:
        """Nothing to release (kept for callers written for the former SQLite catalog)."""

    # --- reading ---------------------------------------------------------------------------
    def records(self, with_texts: bool = False, kb: str | None = None) -> list[SourceRecord]:
        """Every source record (of knowledge base `kb`; None: of all), sorted by source."""
        include = ["metadatas", "documents"] if with_texts else ["metadatas"]
        try:
            got = self.record_collection.get(where={"kind": "source"}, include=include)
        except Exception as e:
            raise StorageError(f"Chroma unavailable: {e}") from e
        docs = got.get("documents") or [None] * len(got["ids"])
        out = [SourceRecord.from_chroma(m, d) for m, d in zip(got["metadatas"], docs, strict=True)]
        if kb is not None:
            out = [r for r in out if r.kb == kb]
        return sorted(out, key=lambda r: r.source)

    def record(self, source: str, with_texts: bool = False, kb: str = DEFAULT_KB) -> SourceRecord | None:
        include = ["metadatas", "documents"] if with_texts else ["metadatas"]
        got = self._get(self.record_collection, ids=[source_record_id(source, kb)], include=include)
        if not got["ids"]:
            return None
        return SourceRecord.from_chroma(got["metadatas"][0], (got.get("documents") or [None])[0])

    def state(self) -> str:
        """The change marker: a new value after every committed write ("" on a new index)."""
        got = self._get(self.record_collection, ids=[STATE_ID], include=["metadatas"])
        return str(got["metadatas"][0]["version"]) if got["ids"] else ""

    def documents(self, kb: str | None = None) -> list[DocRow]:
        """Every document (of knowledge base `kb`; None: of all)."""
        return [DocRow(d.doc_id, d.title, r.source, d.text_hash, d.n_chunks, d.ingested_at, meta=dict(d.meta), kb=r.kb)
                for r in self.records(kb=kb) for d in r.docs]

    def document_text(self, doc_id: str) -> str | None:
        for r in self.records(with_texts=True):
            if doc_id in r.texts:
                return r.texts[doc_id]
        return None

    def chunk_ids_by_doc(self) -> dict[str, set[str]]:
        return {d.doc_id: set(d.chunk_ids()) for r in self.records() for d in r.docs}

    def chunks(self, doc_ids: Iterable[str] | None = None, missing: list[str] | None = None) -> list[Chunk]:
        """The committed chunks (of these documents), in source, document and position order.

        A document some of whose chunks are absent from Chroma is left out whole (never half
        answerable); its id is appended to `missing` when a list is given."""
        wanted = set(doc_ids) if doc_ids is not None else None
        entries = [(r, d) for r in self.records() for d in r.docs if wanted is None or d.doc_id in wanted]
        ids = [cid for _, d in entries for cid in d.chunk_ids()]
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for batch in batched(ids, CHROMA_BATCH):
            got = self._get(self.chunk_collection, ids=batch, include=["documents", "metadatas"])
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                found[cid] = (text, meta)
        out: list[Chunk] = []
        for r, d in entries:
            cids = d.chunk_ids()
            if not all(c in found for c in cids):
                if missing is not None:
                    missing.append(d.doc_id)
                continue
            for seq, cid in enumerate(cids):
                text, m = found[cid]
                out.append(Chunk(cid, d.doc_id, d.title, str(m.get("section", "")), r.source,
                                 int(m["start"]), int(m["end"]), text, seq, doc_meta=d.meta,
                                 page=int(m.get("page", 0) or 0), kb=r.kb,
                                 page_breaks=decode_page_breaks(str(m.get("page_breaks", "") or ""))))
        return out

    def _get(self, collection: Any, **kw: Any) -> Any:
        try:
            return collection.get(**kw)
        except Exception as e:
            raise StorageError(f"Chroma unavailable: {e}") from e

    # --- writing ---------------------------------------------------------------------------
    def commit(self, record: SourceRecord) -> None:
        """Make this record current (one upsert: readers see the old version or this one)."""
        try:
            self.record_collection.upsert(ids=[record.record_id], embeddings=[_RECORD_VECTOR],
                                          metadatas=[record.metadata()],
                                          documents=[json.dumps(record.texts, ensure_ascii=False)])
        except Exception as e:
            raise StorageError(f"could not write the document record of {record.name}: {e}") from e

    def commit_many(self, records: list[SourceRecord]) -> None:
        """`commit` for many records, in batches (each record is still written whole)."""
        try:
            for batch in batched(records, 100):
                self.record_collection.upsert(ids=[r.record_id for r in batch], embeddings=[_RECORD_VECTOR] * len(batch),
                                              metadatas=[r.metadata() for r in batch],
                                              documents=[json.dumps(r.texts, ensure_ascii=False) for r in batch])
        except Exception as e:
            raise StorageError(f"could not write document records: {e}") from e

    def missing_chunks(self, ids: list[str]) -> int:
        """How many of these chunk ids Chroma does not hold."""
        found = 0
        for batch in batched(ids, CHROMA_BATCH):
            found += len(self._get(self.chunk_collection, ids=batch, include=[])["ids"])
        return len(ids) - found

    def drop(self, source: str, kb: str = DEFAULT_KB) -> None:
        """Remove a source's record (its documents leave the index at once; chunks are deleted after)."""
        try:
            self.record_collection.delete(ids=[source_record_id(source, kb)])
        except Exception as e:
            raise StorageError(f"could not delete the document record of {source}: {e}") from e

    def bump(self) -> str:
        """Write a new change marker; replicas reload when they see it."""
        version = uuid.uuid4().hex
        try:
            self.record_collection.upsert(ids=[STATE_ID], embeddings=[_RECORD_VECTOR],
                                          metadatas=[{"kind": "state", "version": version, "at": time.time()}])
        except Exception as e:
            raise StorageError(f"could not write the change marker: {e}") from e
        return version

    def source_chunk_ids(self, *sources: str, kb: str | None = None) -> set[str]:
        """Every chunk id stored for these sources (in knowledge base `kb`; None: in any), committed or not.
        A chunk written before knowledge bases existed (no ``kb`` metadata) is in `DEFAULT_KB`."""
        ids: set[str] = set()
        for batch in batched(list(sources), 100):
            where = {"source": batch[0]} if len(batch) == 1 else {"source": {"$in": batch}}
            if kb is None:
                ids.update(self._get(self.chunk_collection, where=where, include=[])["ids"])
                continue
            got = self._get(self.chunk_collection, where=where, include=["metadatas"])
            ids.update(cid for cid, m in zip(got["ids"], got["metadatas"], strict=True)
                       if (m or {}).get("kb", DEFAULT_KB) == kb)
        return ids

    def delete_chunks(self, ids: Iterable[str]) -> int:
        ids = sorted(ids)
        try:
            for batch in batched(ids, CHROMA_BATCH):
                self.chunk_collection.delete(ids=batch)
        except Exception as e:
            raise StorageError(f"could not delete chunks: {e}") from e
        return len(ids)

    def orphan_chunk_ids(self) -> set[str]:
        """Chunks no source record names (left by an interrupted write or an older index format)."""
        try:
            stored = all_ids(self.chunk_collection)
        except Exception as e:
            raise StorageError(f"Chroma unavailable: {e}") from e
        return stored - {cid for r in self.records() for cid in r.chunk_ids()}


def dense_text(chunk: Chunk) -> str:
    """What is embedded for a chunk: its text alone. (Measured on the gold set: adding the title
    makes the small e5 model's vectors of one document's chunks alike; dense hit@1 0.57 → 0.66 without.)"""
    return chunk.text


def lexical_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: its document title, section and text."""
    head = chunk.doc_title if not chunk.section else f"{chunk.doc_title} {chunk.section}"
    return f"{head}\n{chunk.text}"


# characters of chunk text a lexicon is learned from at most: learning costs ~1.5 s per 100,000 characters
# (ingest.lexicon.learn), so an index of 100,000 chunks (~30 M characters) would spend ~8 min relearning at every
# ingest. A term frequent enough to be learned (ingest.lexicon.MIN_COUNT) in the whole corpus is, in proportion,
# frequent in a sample of this size; every corpus measured here is smaller (crud-dev 0.42 M, cmrc-dev 0.14 M)
LEXICON_SAMPLE_CHARS = 1_000_000


def lexicon_texts(chunks: list[Chunk], max_chars: int = LEXICON_SAMPLE_CHARS) -> list[str]:
    """The text a lexicon is learned from (ingest.lexicon): every chunk's text, and each document's title and each
    section heading once (BM25 indexes them with every chunk, lexical_text; counted per chunk, a phrase of one
    title would pass as a word of the corpus). Over `max_chars` characters of chunk text, whole documents are taken
    in the order of a hash of their ids until `max_chars` is reached: a deterministic sample that an added
    document changes only if it falls inside it."""
    if sum(len(c.text) for c in chunks) > max_chars:
        by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            by_doc.setdefault(c.doc_id, []).append(c)
        kept: list[Chunk] = []
        size = 0
        for doc_id in sorted(by_doc, key=lambda d: hashlib.sha1(d.encode("utf-8")).hexdigest()):
            if size >= max_chars:
                break
            kept += by_doc[doc_id]
            size += sum(len(c.text) for c in by_doc[doc_id])
        chunks = kept
    heads = dict.fromkeys(x for c in chunks for x in ((c.doc_id, c.doc_title), (c.doc_id, c.section)) if x[1])
    return [text for _doc, text in heads] + [c.text for c in chunks]


class BM25Index:
    """bm25s over jieba tokens: a cache derived from the committed chunks, saved under the index
    directory and rebuilt whenever its fingerprint (of the chunk ids) differs from theirs. It holds the
    lexicon learned from those chunks (ingest.lexicon), which the tokenizer uses while the index is in use
    (rag.retrieve.Index makes it the process's; a knowledge base's view answers under its own)."""

    def __init__(self, retriever: Any, chunk_ids: list[str], fingerprint: str, df: dict[str, int],
                 lexicon: Lexicon | None = None) -> None:
        self.retriever = retriever
        self.chunk_ids = chunk_ids
        self.fingerprint = fingerprint
        self.df = df  # in how many chunks each token occurs (for answer scoring)
        self.lexicon = lexicon  # None: saved before lexicons were learned (rebuilt by derive)
        self.vocab: dict[str, int] = retriever.vocab_dict if retriever is not None else {}

    @staticmethod
    def directory(index_dir: Path) -> Path:
        return index_dir / "bm25"

    @classmethod
    def build(cls, chunks: list[Chunk], fingerprint: str, lexicon: Lexicon) -> BM25Index:
        """The index of `chunks`, tokenised with `lexicon`."""
        import bm25s

        from ingest.tokenize import lexicon_scope, tokenize_many

        if not chunks:
            return cls(None, [], fingerprint, {}, lexicon)
        with lexicon_scope(lexicon):
            corpus = [toks or ["∅"] for toks in tokenize_many([lexical_text(c) for c in chunks])]
        df: dict[str, int] = {}
        for toks in corpus:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(corpus, show_progress=False)
        return cls(retriever, [c.chunk_id for c in chunks], fingerprint, df, lexicon)

    @classmethod
    def derive(cls, index_dir: Path, chunks: list[Chunk],
               select: Callable[[list[Chunk]], list[Chunk]] | None = None,
               lexicon: Lexicon | None = None, learn: bool = True) -> BM25Index:
        """The BM25 index of `select(chunks)` (default: all of them): the saved one when its fingerprint
        (of every chunk id in `chunks`) and its lexicon match, else rebuilt and saved. `lexicon`: the one to
        tokenise with; None learns it from `chunks` (a whole store or one knowledge base; a saved one learned by
        another method, ingest.lexicon.METHOD, is learned again), or, with `learn` False
        (settings.learn_lexicon), takes none (ingest.lexicon.EMPTY: jieba's dictionary alone). `select` runs
        under the index's lexicon (ingest.tokenize.lexicon_scope). A failure to save (read-only or full disk)
        is logged; the index is still returned."""
        from ingest.tokenize import learn_lexicon, lexicon_scope

        if lexicon is None and not learn:
            lexicon = EMPTY

        fp = fingerprint(c.chunk_id for c in chunks)
        try:
            current = cls.load(index_dir)
        except Exception as e:  # a damaged cache is rebuilt
            log.warning("BM25 cache unreadable, rebuilding: %s", e)
            current = None
        if (current is not None and current.fingerprint == fp and (current.df or not chunks)
                and current.lexicon is not None
                # (a saved lexicon not learned by this learning method, or none at all (EMPTY), is learned again when
                # learning is on)
                and (current.lexicon.key == lexicon.key if lexicon is not None else current.lexicon.method == METHOD)):
            return current
        if lexicon is None:
            lexicon = learn_lexicon(lexicon_texts(chunks)) if learn else EMPTY
        with lexicon_scope(lexicon):
            built = cls.build(select(chunks) if select else chunks, fp, lexicon)
        try:
            built.save(index_dir)
        except OSError as e:
            log.warning("BM25 cache not saved (%s); it is rebuilt at the next start", e)
        return built

    def save(self, index_dir: Path) -> None:
        """Write to a temporary folder and swap it in, so a reader never sees half an index."""
        final = self.directory(index_dir)
        tmp = index_dir / f"bm25.tmp{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir(parents=True)
            if self.retriever is not None:
                self.retriever.save(str(tmp / "model"))
            (tmp / "meta.json").write_text(json.dumps({"fingerprint": self.fingerprint, "chunk_ids": self.chunk_ids}))
            (tmp / "df.json").write_text(json.dumps(self.df, ensure_ascii=False), encoding="utf-8")
            if self.lexicon is not None:
                (tmp / "lexicon.json").write_text(self.lexicon.to_json(), encoding="utf-8")
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        old = index_dir / f"bm25.old{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, index_dir: Path) -> BM25Index | None:
        import bm25s

        d = cls.directory(index_dir)
        meta_path = d / "meta.json"
        if not meta_path.exists():
            return None
        meta = json.loads(meta_path.read_text())
        retriever = bm25s.BM25.load(str(d / "model")) if (d / "model").exists() else None
        df = json.loads((d / "df.json").read_text(encoding="utf-8")) if (d / "df.json").exists() else {}
        lex_path = d / "lexicon.json"
        lexicon = Lexicon.from_json(lex_path.read_text(encoding="utf-8")) if lex_path.exists() else None
        return cls(retriever, meta["chunk_ids"], meta["fingerprint"], df, lexicon)

    def scores(self, tokens: list[str]) -> Any:
        """BM25 score of every chunk for these query tokens (numpy array, aligned with chunk_ids)."""
        import numpy as np

        known = [t for t in tokens if t in self.vocab]
        if self.retriever is None or not known:
            return np.zeros(len(self.chunk_ids), dtype=np.float32)
        return self.retriever.get_scores(known)


def fingerprint(chunk_ids: Iterable[str]) -> str:
    h = hashlib.sha1()
    for cid in sorted(chunk_ids):
        h.update(cid.encode())
    return h.hexdigest()


def encode_page_breaks(breaks: tuple[tuple[int, int], ...]) -> str:
    """((120, 3), (410, 4)) (``Chunk.page_breaks``) → "120:3,410:4", a chunk record's metadata value (Chroma
    metadata holds scalars only)."""
    return ",".join(f"{o}:{p}" for o, p in breaks)


def decode_page_breaks(stored: str) -> tuple[tuple[int, int], ...]:
    """The inverse of ``encode_page_breaks``; "" → ()."""
    return tuple((int(o), int(p)) for o, p in (x.split(":") for x in stored.split(",") if x))
