"""Retrieval at scale, one scale per process (so RSS is that scale's own).

Chunks are corpus-like: sentences of the bundled corpus recombined into new chunks, so BM25 sees
realistic Chinese. Embedding 100k chunks with the CPU model would take hours, so each synthetic
chunk's vector is a real chunk embedding plus Gaussian noise, re-normalised.

    python -m bench.scale --n 10000 --index DIR --out result.json [--reuse]
    python -m bench.scale --n 1000 --kbs 10 --index DIR ...   # K knowledge bases of n chunks vs 1 of n
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

from core.settings import BUNDLED_CORPUS, load_settings
from ingest.articles import documents_from_text
from ingest.chunk import Chunk, sentence_spans
from ingest.store import BM25Index, Catalog, DocEntry, SourceRecord, chroma_collection, chunk_id, dense_text


def rss_mb() -> tuple[float, float]:
    status = Path("/proc/self/status").read_text()
    get = lambda k: int(next(line.split()[1] for line in status.splitlines() if line.startswith(k))) / 1024  # noqa: E731
    return round(get("VmRSS:"), 1), round(get("VmHWM:"), 1)


def corpus_sentences() -> tuple[list[str], list[str]]:
    docs = [d for f in sorted(BUNDLED_CORPUS.glob("*.txt"))
            for d in documents_from_text(f.read_text(encoding="utf-8"), f.name)]
    sents = [d.text[s.start : s.end] for d in docs for s in sentence_spans(d.text) if s.end - s.start >= 8]
    return sents, [d.title for d in docs]


def synthetic(n: int, seed: int = 7) -> list[Chunk]:
    rng = random.Random(seed)
    sents, titles = corpus_sentences()
    chunks = []
    for i in range(n):
        doc = i // 10
        text = "".join(rng.sample(sents, rng.randint(2, 5)))[:360]
        doc_id = f"syn{doc:06d}"
        title = f"{rng.choice(titles)}（合成{doc}）"
        chunks.append(Chunk(chunk_id(doc_id, "synthetic", i % 10), doc_id, title, "", f"synthetic/{doc}.txt",
                            0, len(text), text, i % 10))
    return chunks


def vectors_for(chunks: list[Chunk], real: np.ndarray, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = real[rng.integers(0, len(real), len(chunks))]
    v = base + rng.normal(0, 0.03, base.shape).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def build(settings, chunks: list[Chunk], vecs: np.ndarray) -> dict[str, float]:  # noqa: ANN001
    from ingest.pipeline import _store

    t0 = time.perf_counter()
    col = chroma_collection(settings)
    _store(col, chunks, {dense_text(c): v.tolist() for c, v in zip(chunks, vecs, strict=True)})
    t1 = time.perf_counter()
    cat = Catalog(settings)
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    # one record per synthetic file: what makes its chunks answerable; committed in batches, as ingest commits a run
    cat.commit_many([SourceRecord(cs[0].source, cs[0].source, "", [DocEntry(doc_id, cs[0].doc_title, "synthetic",
                                                                            len(cs), 0.0)],
                                  {doc_id: "".join(c.text for c in cs)}) for doc_id, cs in by_doc.items()])
    cat.bump()
    t2 = time.perf_counter()
    from ingest.dedup import first_copies

    BM25Index.derive(settings.index_dir, chunks, lambda cs: first_copies(cs, settings.dedup_threshold))
    t3 = time.perf_counter()
    return {"chroma_add_s": round(t1 - t0, 2), "catalog_s": round(t2 - t1, 2), "bm25_build_s": round(t3 - t2, 2)}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))], 2)


def measure(settings, questions: list[str], qvecs: list[list[float]]) -> dict[str, float]:  # noqa: ANN001
    from llama_index.core import VectorStoreIndex
    from llama_index.core.schema import QueryBundle
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from rag import components

    t0 = time.perf_counter()
    index = components.index(settings)
    load_s = time.perf_counter() - t0
    retriever = components.retriever(settings, index)
    for q, v in zip(questions[:5], qvecs[:5], strict=True):
        retriever.search(q, query_vector=v)
    lat, bm25_ms = [], []
    for _ in range(2):
        for q, v in zip(questions, qvecs, strict=True):
            t = time.perf_counter()
            hits = retriever.search(q, query_vector=v)
            lat.append((time.perf_counter() - t) * 1000)
            bm25_ms.append(hits.timings_ms["bm25"])
    base = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=chroma_collection(settings)),
                                              embed_model=index.embedding).as_retriever()
    blat = []
    for q, v in zip(questions, qvecs, strict=True):
        t = time.perf_counter()
        base.retrieve(QueryBundle(query_str=q, embedding=v))
        blat.append((time.perf_counter() - t) * 1000)
    rss, hwm = rss_mb()
    return {"load_s": round(load_s, 2), "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95),
            "bm25_p50_ms": pct(bm25_ms, 50), "baseline_p50_ms": pct(blat, 50), "baseline_p95_ms": pct(blat, 95),
            "latency_ratio_vs_baseline": round(pct(lat, 50) / max(pct(blat, 50), 1e-6), 2),
            "rss_mb": rss, "peak_rss_mb": hwm}


def kb_chunks(n: int, kb: str, seed: int) -> list[Chunk]:
    """`synthetic(n, seed)` as the chunks of knowledge base `kb` (document ids scoped by `core.kb.kb_doc_id`)."""
    from dataclasses import replace

    from core.kb import kb_doc_id

    out = []
    for c in synthetic(n, seed):
        doc_id = kb_doc_id(kb, c.doc_id)
        out.append(replace(c, doc_id=doc_id, chunk_id=chunk_id(doc_id, "synthetic", c.seq), kb=kb))
    return out


def kb_case(n: int, kbs: int, root: Path, real: np.ndarray, questions: list[str],
            qvecs: list[list[float]]) -> dict[str, object]:
    """Retrieval latency in one knowledge base of `n` chunks when the index holds `kbs` knowledge bases of `n`
    chunks each, against an index holding that knowledge base alone (issue 18: within 1.5×). The first
    knowledge base (`DEFAULT_KB`) has the same chunks and vectors in both; the others use other seeds.
    Returns both measurements and ``ratio_p50`` / ``ratio_p95`` (many / one)."""
    from core.kb import DEFAULT_KB
    from ingest.kb import create_kb
    from ingest.pipeline import _store
    from rag import components

    rows = {}
    for k in (1, kbs):
        settings = load_settings(index_dir=root / f"kb{k}")
        names = [DEFAULT_KB] + [f"kb{i:02d}" for i in range(1, k)]
        for name in names[1:]:
            create_kb(settings, name)
        col = chroma_collection(settings)
        cat = Catalog(settings)
        every: list[Chunk] = []
        for i, name in enumerate(names):
            chunks = kb_chunks(n, name, seed=7 + i)
            vecs = vectors_for(chunks, real, seed=7 + i)
            _store(col, chunks, {dense_text(c): v.tolist() for c, v in zip(chunks, vecs, strict=True)})
            by_doc: dict[str, list[Chunk]] = {}
            for c in chunks:
                by_doc.setdefault(c.doc_id, []).append(c)
            cat.commit_many([SourceRecord(cs[0].source, cs[0].source, "", [DocEntry(d, cs[0].doc_title, "synthetic", len(cs), 0.0)],
                                          {d: "".join(c.text for c in cs)}, name) for d, cs in by_doc.items()])
            every.extend(chunks)
        cat.bump()
        t0 = time.perf_counter()
        index = components.index(settings)
        view = index.scoped([DEFAULT_KB])
        load_s = time.perf_counter() - t0
        retriever = components.retriever(settings, view)
        for q, v in zip(questions[:5], qvecs[:5], strict=True):
            retriever.search(q, query_vector=v)
        lat = []
        for _ in range(3):
            for q, v in zip(questions, qvecs, strict=True):
                t = time.perf_counter()
                hits = retriever.search(q, query_vector=v)
                lat.append((time.perf_counter() - t) * 1000)
                assert all(h.chunk.kb == DEFAULT_KB for h in hits)
        rows[k] = {"kbs": k, "chunks_total": len(every), "load_s": round(load_s, 2), "p50_ms": pct(lat, 50),
                   "p95_ms": pct(lat, 95)}
    one, many = rows[1], rows[kbs]
    return {"case": f"{kbs} KBs x {n} chunks vs 1 KB x {n} chunks", "one": one, "many": many,
            "ratio_p50": round(many["p50_ms"] / max(one["p50_ms"], 1e-6), 2),
            "ratio_p95": round(many["p95_ms"] / max(one["p95_ms"], 1e-6), 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--real", type=Path, required=True, help="npy of real chunk embeddings")
    ap.add_argument("--queries", type=Path, required=True, help="json of [question, vector] pairs")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--kbs", type=int, default=0, help="run the knowledge-base case: this many KBs of --n chunks vs one")
    args = ap.parse_args()
    settings = load_settings(index_dir=args.index)
    pairs = json.loads(args.queries.read_text(encoding="utf-8"))
    questions, qvecs = [p[0] for p in pairs], [p[1] for p in pairs]
    if args.kbs:
        kb_result = kb_case(args.n, args.kbs, args.index, np.load(args.real), questions, qvecs)
        args.out.write_text(json.dumps(kb_result), encoding="utf-8")
        print(json.dumps(kb_result))
        return
    t0 = time.perf_counter()
    chunks = synthetic(args.n)
    vecs = vectors_for(chunks, np.load(args.real))
    gen_s = time.perf_counter() - t0
    result = {"n": args.n, "generate_s": round(gen_s, 2), **build(settings, chunks, vecs),
              **measure(settings, questions, qvecs)}
    args.out.write_text(json.dumps(result), encoding="utf-8")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

