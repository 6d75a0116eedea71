"""Hybrid retrieval: BM25 over jieba tokens + dense vectors from Chroma, fused by weighted,
normalised scores (weights chosen on the eval set; see eval/report)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import VectorStoreQuery

from core.settings import Settings
from ingest.chunk import Chunk
from ingest.embed import make_embedding
from ingest.store import BM25Index, Catalog, chroma_collection
from ingest.tokenize import tokenize
from rag.question import figure_pattern

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


class IndexNotReady(Exception):
    """The index is empty or missing: run `ragqa ingest` first."""


class Index:
    """Everything a query needs, loaded once: chunks, BM25, the Chroma store and the embedding."""

    def __init__(self, settings: Settings) -> None:
        from llama_index.vector_stores.chroma import ChromaVectorStore

        self.settings = settings
        catalog = Catalog(settings.index_dir)
        try:
            chunks = catalog.chunks()
        finally:
            catalog.close()
        if not chunks:
            raise IndexNotReady(f"索引为空：请先运行 `ragqa ingest`（index: {settings.index_dir}）")
        self.chunks = {c.chunk_id: c for c in chunks}
        self.by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            self.by_doc.setdefault(c.doc_id, []).append(c)
        bm25 = BM25Index.load(settings.index_dir)
        if bm25 is None:
            raise IndexNotReady("BM25 index missing: run `ragqa ingest` again")
        self.bm25 = bm25
        self.store = ChromaVectorStore(chroma_collection=chroma_collection(settings))
        self.embedding = make_embedding(settings)
        self.n_docs = max(len(bm25.chunk_ids), 1)
        self._df = bm25.df
        # each document's title and text, to check whether it (or any document) names a place or body
        self.doc_text = {doc: "\n".join([cs[0].doc_title] + [c.text for c in cs]).lower() for doc, cs in self.by_doc.items()}

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
        self.last_timings: dict[str, float] = {}
        self.last_top_similarity = 0.0

    def search(
        self, query: str, top_k: int | None = None, mode: Mode | None = None, query_vector: list[float] | None = None
    ) -> list[Hit]:
        top_k = top_k or self.top_k
        mode = mode or self.mode
        s = self.settings
        n = max(s.candidates, top_k)
        t0 = time.perf_counter()
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
            res = self.index.store.query(VectorStoreQuery(query_embedding=qvec, similarity_top_k=n))
            sims = list(zip(res.ids or [], res.similarities or [], strict=False))
            self.last_top_similarity = max((v for _, v in sims), default=0.0)
            raw = dict(sims)
            if sims:
                hi, lo = max(v for _, v in sims), min(v for _, v in sims)
                span = (hi - lo) or 1.0
                dense = {cid: (v - lo) / span for cid, v in sims}
            self.last_timings["embed_query"] = (t_embed - t1) * 1000
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
        self.last_timings.update(bm25=(t1 - t0) * 1000, dense=(t2 - t1) * 1000)
        return fused[:top_k]

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [
            NodeWithScore(node=to_node(h.chunk), score=h.score) for h in self.search(query_bundle.query_str)
        ]


def to_node(c: Chunk) -> TextNode:
    return TextNode(
        id_=c.chunk_id,
        text=c.text,
        metadata={"doc_id": c.doc_id, "doc_title": c.doc_title, "section": c.section, "source": c.source,
                  "start": c.start, "end": c.end},
    )


def load_index(settings: Settings) -> Index:
    return Index(settings)


__all__ = ["Hit", "HybridRetriever", "Index", "IndexNotReady", "load_index"]
