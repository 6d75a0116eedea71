"""Hybrid retrieval: BM25 over jieba tokens + dense vectors from Chroma, fused by weighted,
normalised scores (weights chosen on the eval set; see eval/report)."""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery

from core.errors import IndexNotReady, StorageError
from core.settings import Settings
from ingest.chunk import Chunk
from ingest.clean import compact
from ingest.dedup import first_copies, repeated_in, same_passage
from ingest.embed import make_embedding
from ingest.lexicon import EMPTY, Lexicon
from ingest.store import BM25Index, Catalog, lexicon_texts
from ingest.tokenize import learn_lexicon, lexicon_scope, tokenize, use_lexicon
from rag.question import figure_pattern

log = logging.getLogger("ragqa.retrieve")
Mode = Literal["hybrid", "bm25", "dense"]
# a chunk holding the figure a question asks for ("13个乡镇" for "在多少个乡镇…") rises this much
# (chosen on the eval set: 0.05 and 0.1 changed nothing, 0.2 lifted hit@3 by one question)
FIGURE_BONUS = 0.2


@dataclass
class Hit:
    chunk: Chunk
    score: float
    bm25: float = 0.0  # BM25 score / the best BM25 score of the query (0..1)
    dense: float = 0.0  # cosine similarity min-max scaled over the dense candidates (0..1)
    dense_raw: float = 0.0  # the cosine similarity itself


class Hits(list[Hit]):
    """The hits of one search, best first, with that search's own ``timings_ms``
    (``bm25``, ``dense``, ``embed_query``: milliseconds) and ``top_similarity`` (best raw cosine)."""

    def __init__(self, hits: list[Hit], timings_ms: dict[str, float], top_similarity: float = 0.0) -> None:
        super().__init__(hits)
        self.timings_ms = timings_ms
        self.top_similarity = top_similarity


class Index:
    """Everything a query needs, loaded once from Chroma (the source of truth): the committed chunks,
    the BM25 index derived from them (a cache under the index directory, rebuilt when it does not
    match), the Chroma store and the embedding.

    `version` is the change marker the index was loaded at; `incomplete` lists documents left out
    because some of their chunks are missing from Chroma. Raises IndexNotReady on an empty index and
    StorageError when Chroma cannot be read."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        catalog = Catalog(settings)
        self.version = catalog.state()
        self.incomplete: list[str] = []
        chunks = catalog.chunks(missing=self.incomplete)
        if not chunks:
            raise IndexNotReady(f"索引为空：请先运行 `ragqa ingest`（index: {settings.index_dir}）")
        self.chunks = {c.chunk_id: c for c in chunks}
        self.by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            self.by_doc.setdefault(c.doc_id, []).append(c)
        # BM25 counts a passage repeated across documents once (its first copy), as storage did before
        self.bm25 = BM25Index.derive(settings.index_dir, chunks, lambda cs: first_copies(cs, settings.dedup_threshold),
                                     learn=settings.learn_lexicon)
        self.lexicon: Lexicon = self.bm25.lexicon or EMPTY  # the words learned from these chunks (ingest.lexicon)
        use_lexicon(self.lexicon)
        self._compact: dict[str, str] = {}
        self.store = ChromaVectorStore(chroma_collection=catalog.chunk_collection)
        self.collection = catalog.chunk_collection
        self.embedding = make_embedding(settings)
        self.n_docs = max(len(self.bm25.chunk_ids), 1)
        self._df = self.bm25.df
        # each document's title and text, to check whether it (or any document) names a place or body
        self.doc_text = {doc: "\n".join([cs[0].doc_title] + [c.text for c in cs]).lower() for doc, cs in self.by_doc.items()}
        # knowledge bases: those with chunks; a view over some of them (`scoped`) filters dense queries by this
        self.kb_names: frozenset[str] = frozenset(c.kb for c in chunks)
        self.dense_where: dict[str, Any] | None = None
        # (chunk ids, unit vectors) ranked exactly in memory when the index is small enough: Chroma's HNSW
        # search is approximate and was seen to omit the nearest chunk in one process of three for the same
        # query vector and collection, so answers changed between runs; exact ranking is repeatable
        self.dense_vectors: tuple[list[str], np.ndarray] | None = self._exact(list(self.chunks))
        self._views: dict[frozenset[str], Index] = {}
        self._views_lock = threading.Lock()  # one build per view (BM25 caches are saved under one name)

    def scoped(self, kbs: Iterable[str]) -> Index:
        """This index seen through the knowledge bases `kbs` only: their chunks, their own BM25 statistics
        (one derived BM25 per knowledge base, cached under ``<index_dir>/bm25_kb/<name>``; a union of several
        is built in memory), document frequencies and texts, and dense ranking over their chunks only: exact
        over their vectors held in memory (up to ``settings.exact_dense_max`` chunks: measured on 10 KBs ×
        1,000 synthetic chunks, bench/scale.py --kbs 10, a Chroma query filtered by ``where`` took ~10 ms against
        ~2-4 ms unfiltered, putting the 10-KB retrieval at 1.8-4.0× the 1-KB one; exact ranking ~0.7 ms), else a Chroma query filtered by a
        ``where`` on the chunk metadata ``kb``. So what a question in knowledge base A retrieves, cites or
        abstains on never depends on another knowledge base (a view is built even when `kbs` covers every
        knowledge base, so the path is the same with or without the others). Views are cached per set of
        names until the index is reloaded. A view of knowledge bases without chunks is empty. When the vectors
        cannot be read from Chroma the view queries Chroma instead (`_exact`)."""
        wanted = frozenset(kbs)
        with self._views_lock:
            view = self._views.get(wanted)
            if view is None:
                view = self._views[wanted] = self._view(wanted)
            return view

    def _view(self, wanted: frozenset[str]) -> Index:
        from ingest.store import fingerprint

        view = copy.copy(self)
        chunks = [c for c in self.chunks.values() if c.kb in wanted]
        view.chunks = {c.chunk_id: c for c in chunks}
        view.by_doc = {doc: cs for doc, cs in self.by_doc.items() if cs[0].kb in wanted}
        select = lambda cs: first_copies(cs, self.settings.dedup_threshold)  # noqa: E731
        if len(wanted) == 1:
            view.bm25 = BM25Index.derive(self.settings.index_dir / "bm25_kb" / next(iter(wanted)), chunks, select,
                                         learn=self.settings.learn_lexicon)
        else:
            lexicon = learn_lexicon(lexicon_texts(chunks)) if self.settings.learn_lexicon else EMPTY
            with lexicon_scope(lexicon):
                view.bm25 = BM25Index.build(select(chunks), fingerprint(c.chunk_id for c in chunks), lexicon)
        view.lexicon = view.bm25.lexicon or EMPTY
        view._compact = {}
        view.n_docs = max(len(view.bm25.chunk_ids), 1)
        view._df = view.bm25.df
        view.doc_text = {doc: text for doc, text in self.doc_text.items() if doc in view.by_doc}
        view.kb_names = frozenset(c.kb for c in chunks)
        names = sorted(wanted)
        view.dense_where = {"kb": names[0]} if len(names) == 1 else {"kb": {"$in": names}}
        if self.dense_vectors is not None:  # a subset of the vectors already in memory (the index is small enough)
            ids, matrix = self.dense_vectors
            keep = [i for i, cid in enumerate(ids) if cid in view.chunks]
            view.dense_vectors = ([ids[i] for i in keep], matrix[keep])
        else:
            view.dense_vectors = self._exact(list(view.chunks))
        view._views = {}
        view._views_lock = threading.Lock()
        return view

    def _exact(self, ids: list[str]) -> tuple[list[str], np.ndarray] | None:
        """The vectors of these chunks for exact ranking, or None (Chroma is queried instead) when there are more
        than ``settings.exact_dense_max`` or Chroma cannot return them all: a writer killed mid-commit can leave
        chunk records whose vectors are not readable yet ("Error finding id"), and the index must still load."""
        if len(ids) > self.settings.exact_dense_max:
            return None
        try:
            got = self._vectors(ids)
        except StorageError as e:
            log.warning("exact dense ranking unavailable, Chroma is queried instead: %s", e)
            return None
        if len(got[0]) != len(ids):
            log.warning("exact dense ranking unavailable: %d of %d chunk vectors read", len(got[0]), len(ids))
            return None
        return got

    def _vectors(self, ids: list[str]) -> tuple[list[str], np.ndarray]:
        """(ids, unit vectors as a float32 matrix) of these chunks, read from Chroma."""
        from ingest.store import CHROMA_BATCH, batched

        got_ids: list[str] = []
        rows: list[Any] = []
        for batch in batched(ids, CHROMA_BATCH):
            try:
                got = self.collection.get(ids=batch, include=["embeddings"])
            except Exception as e:
                raise StorageError(f"Chroma unavailable: {e}") from e
            got_ids.extend(got["ids"])
            rows.extend(got["embeddings"])
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(got_ids), -1)
        if len(got_ids):
            matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        return got_ids, matrix

    def last_chunk(self, doc_id: str) -> Chunk | None:
        """The document's last chunk (highest seq), or None for an unknown document."""
        chunks = self.by_doc.get(doc_id)
        return max(chunks, key=lambda c: c.seq) if chunks else None

    def compact_text(self, doc_id: str) -> str:
        """A document's chunk texts joined without whitespace (cached; for finding repeats)."""
        text = self._compact.get(doc_id)
        if text is None:
            text = self._compact[doc_id] = "".join(compact(c.text) for c in self.by_doc.get(doc_id, []))
        return text

    def idf(self, token: str) -> float:
        """Inverse document frequency; a word the corpus never uses weighs the most."""
        return math.log(1 + (self.n_docs + 1) / (self._df.get(token, 0) + 0.5))

    def mentions(self, name: str, doc_id: str | None = None) -> bool:
        """Whether the documents (or one document) name this place, person or body."""
        name = name.lower()
        if doc_id is None:
            return name in self._df or any(name in text for text in self.doc_text.values())
        return name in self.doc_text.get(doc_id, "")


class HybridRetriever(BaseRetriever):
    """A llama-index retriever over the ragqa index."""

    def __init__(self, index: Index, settings: Settings, mode: Mode = "hybrid") -> None:
        super().__init__()
        self.index = index
        self.settings = settings
        self.top_k = settings.top_k
        self.mode = mode

    def search(
        self, query: str, top_k: int | None = None, mode: Mode | None = None, query_vector: list[float] | None = None
    ) -> Hits:
        """The ``top_k`` best hits; nothing is kept on the retriever (safe under concurrent calls). The query is
        tokenised with the index's own lexicon (ingest.lexicon)."""
        with lexicon_scope(self.index.lexicon):
            return self._search(query, top_k, mode, query_vector)

    def _search(self, query: str, top_k: int | None, mode: Mode | None, query_vector: list[float] | None) -> Hits:
        top_k = top_k or self.top_k
        mode = mode or self.mode
        s = self.settings
        n = max(s.candidates, top_k)
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        top_similarity = 0.0
        bm25: dict[str, float] = {}
        if mode in ("hybrid", "bm25"):
            scores = self.index.bm25.scores(tokenize(query))
            if len(scores):
                k = min(n, len(scores))
                top = np.argpartition(-scores, k - 1)[:k]
                top = top[np.argsort(-scores[top])]
                best = float(scores[top[0]]) or 1.0
                bm25 = {self.index.bm25.chunk_ids[i]: float(scores[i]) / best for i in top if scores[i] > 0}
        t1 = time.perf_counter()
        dense: dict[str, float] = {}
        raw: dict[str, float] = {}
        if mode in ("hybrid", "dense"):
            qvec = query_vector if query_vector is not None else self.index.embedding.get_query_embedding(query)
            t_embed = time.perf_counter()
            try:
                if self.index.dense_vectors is not None:  # a small index or view: exact, over its own chunks
                    sims = exact_dense(self.index.dense_vectors, qvec, n)
                else:
                    where = {"where": self.index.dense_where} if self.index.dense_where else {}
                    res = self.index.store.query(VectorStoreQuery(query_embedding=qvec, similarity_top_k=n), **where)
                    sims = list(zip(res.ids or [], res.similarities or [], strict=False))
            except Exception as e:  # Chroma unreachable: BM25 alone answers; readiness reports the outage
                log.warning("dense retrieval unavailable, BM25 only: %s", e)
                sims = []
            top_similarity = max((v for _, v in sims), default=0.0)
            raw = dict(sims)
            if sims:
                hi, lo = max(v for _, v in sims), min(v for _, v in sims)
                span = (hi - lo) or 1.0
                dense = {cid: (v - lo) / span for cid, v in sims}
            timings["embed_query"] = (t_embed - t1) * 1000
        t2 = time.perf_counter()
        w = {"hybrid": s.bm25_weight, "bm25": 1.0, "dense": 0.0}[mode]
        fused: list[Hit] = []
        pattern = figure_pattern(query)
        for cid in set(bm25) | set(dense):
            chunk = self.index.chunks.get(cid)
            if chunk is None:
                continue
            b, d = bm25.get(cid, 0.0), dense.get(cid, 0.0)
            score = w * b + (1 - w) * d
            if pattern is not None and pattern.search(chunk.text):
                score += FIGURE_BONUS
            fused.append(Hit(chunk, score, b, d, raw.get(cid, 0.0)))
        fused.sort(key=lambda h: (-h.score, h.chunk.chunk_id))
        timings.update(bm25=(t1 - t0) * 1000, dense=(t2 - t1) * 1000)
        return Hits(collapse_repeats(fused, top_k, s.dedup_threshold, self.index.compact_text), timings, top_similarity)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [
            NodeWithScore(node=to_node(h.chunk), score=h.score) for h in self.search(query_bundle.query_str)
        ]


def exact_dense(vectors: tuple[list[str], np.ndarray], qvec: list[float], n: int) -> list[tuple[str, float]]:
    """The `n` chunks nearest `qvec` by cosine, best first, as (chunk id, similarity) with the similarity
    llama-index's Chroma store reports (``exp(-cosine distance)``), so thresholds on it keep their meaning."""
    ids, matrix = vectors
    if not ids:
        return []
    q = np.asarray(qvec, dtype=np.float32)
    q /= max(float(np.linalg.norm(q)), 1e-12)
    cos = matrix @ q
    k = min(n, len(ids))
    top = np.argpartition(-cos, k - 1)[:k]
    top = top[np.lexsort((top, -cos[top]))]
    return [(ids[i], math.exp(float(cos[i]) - 1.0)) for i in top]


def collapse_repeats(hits: list[Hit], top_k: int, threshold: float,
                     doc_text: Callable[[str], str] | None = None) -> list[Hit]:
    """The best `top_k` hits, a passage repeated in several documents shown once.

    `hits` are sorted best first. A hit that repeats a better one from another document
    (`ingest.dedup.same_passage`: alike wording, same figures, same names; or, given `doc_text` (doc_id
    -> compacted text), `ingest.dedup.repeated_in` that document: the same sentences cut at other
    chunk boundaries, every sentence with a figure among them) is dropped, and its
    document is added to the kept hit's `chunk.also_in` ({doc_id, doc_title, source}); the index's
    chunks themselves are never changed. Scores and order are otherwise untouched."""
    kept: list[Hit] = []
    for h in hits:
        twin = next((k for k in kept if k.chunk.doc_id != h.chunk.doc_id
                     and (same_passage(k.chunk.text, h.chunk.text, threshold)
                          or (doc_text is not None and repeated_in(h.chunk.text, doc_text(k.chunk.doc_id), threshold)))),
                    None)
        if twin is None:
            kept.append(h)
            if len(kept) == top_k:
                break
            continue
        ref = {"doc_id": h.chunk.doc_id, "doc_title": h.chunk.doc_title, "source": h.chunk.source}
        if ref not in twin.chunk.also_in:
            twin.chunk = replace(twin.chunk, also_in=[*twin.chunk.also_in, ref])
    return kept


def to_node(c: Chunk) -> TextNode:
    return TextNode(
        id_=c.chunk_id,
        text=c.text,
        metadata={"doc_id": c.doc_id, "doc_title": c.doc_title, "section": c.section, "source": c.source,
                  "start": c.start, "end": c.end},
    )


def load_index(settings: Settings) -> Index:
    return Index(settings)


__all__ = ["Hit", "Hits", "HybridRetriever", "Index", "IndexNotReady", "load_index"]
