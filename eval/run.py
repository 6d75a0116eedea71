"""The evaluation harness (`python -m eval`, `make eval`): answer every gold question, score, and write results, metrics, report and chart."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from core.settings import Settings
from eval.gold_set import GoldItem, load_gold
from eval.report import write_chart, write_report
from eval.score import aggregate, metrics, score_one

RETRIEVAL_KEYS = ("hit@1", "hit@3", "hit@5", "mrr", "all_evidence@5", "ctx5_chars")


def run_ragqa(items: list[GoldItem], settings: Settings, kbs: list[str] | None = None) -> list[dict[str, Any]]:
    """Every gold question through the product's service (the same validation and engine as the API), asked in
    the knowledge bases ``kbs`` (None: all)."""
    from rag.service import RagService

    service = RagService(settings)
    out = []
    for item in items:
        r = service.ask(item.question, kbs=kbs)
        out.append({"id": item.id, "answer": r.answer, "abstained": r.abstained,
                    "citations": [c.model_dump() for c in r.citations],
                    "contexts": [c.model_dump() for c in r.contexts], "timings_ms": r.timings_ms})
    return out


def run_retrievers(items: list[GoldItem], settings: Settings) -> dict[str, dict[str, float]]:
    """Each retriever alone and fused, side by side (retrieval metrics only)."""
    from rag import components

    retriever = components.retriever(settings)
    answerable = [i for i in items if i.answerable]
    out: dict[str, dict[str, float]] = {}
    for mode in ("bm25", "dense", "hybrid"):
        per = {}
        for item in answerable:
            hits = retriever.search(item.question, top_k=max(settings.top_k, 5), mode=mode)
            res = {"answer": "", "abstained": False, "citations": [], "contexts": [{"text": h.chunk.text} for h in hits]}
            per[item.id] = score_one(item, res)
        m = aggregate(answerable, per)
        out[mode] = {k: m[k] for k in RETRIEVAL_KEYS}
    return out


def run_baseline(items: list[GoldItem], settings: Settings) -> list[dict[str, Any]]:
    """What a newcomer gets in ten lines of llama-index: one Document per file,
    SentenceSplitter(1024), dense retrieval only, same embedding model, top 5."""
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.node_parser import SentenceSplitter

    from ingest.embed import make_embedding

    docs = [Document(text=p.read_text(encoding="utf-8")) for p in sorted(settings.corpus_dir.rglob("*.txt"))]
    index = VectorStoreIndex.from_documents(
        docs, embed_model=make_embedding(settings), transformations=[SentenceSplitter(chunk_size=1024)]
    )
    retriever = index.as_retriever(similarity_top_k=5)
    out = []
    for item in items:
        t0 = time.perf_counter()
        nodes = retriever.retrieve(item.question)
        out.append({"id": item.id, "answer": "", "abstained": False, "citations": [],
                    "contexts": [{"text": n.node.get_content()} for n in nodes],
                    "timings_ms": {"total": round((time.perf_counter() - t0) * 1000, 2)}})
    return out


INGEST_CODE_MARKER = "eval_ingest_code"
"""File in an index directory that eval built: the ingest code's key (eval.kits.code_key) at that time."""


def index_is_current(settings: Settings) -> bool:
    """Whether eval built the index at settings.index_dir with the current ingest code (eval.kits.code_key, which
    changes with ingest/ and core/settings.py): an index built by older code, or by hand, measures that code."""
    from eval.kits import code_key

    marker = settings.index_dir / INGEST_CODE_MARKER
    return marker.exists() and marker.read_text(encoding="utf-8").strip() == code_key()


def evaluate(gold: Path, out_dir: Path, settings: Settings, *, baseline: bool = True,
             kbs: list[str] | None = None) -> dict[str, Any]:
    from eval.kits import code_key
    from ingest.pipeline import default_paths, index_is_empty, ingest

    if index_is_empty(settings):
        ingest(default_paths(settings), settings)
        (settings.index_dir / INGEST_CODE_MARKER).write_text(code_key(), encoding="utf-8")
    stale = not index_is_current(settings)
    if stale:
        print(f"WARNING: the index at {settings.index_dir} was not built by this ingest code (or not by eval); "
              "its figures measure the code that built it. Pass a fresh --index-dir to measure this code.",
              file=sys.stderr)
    items = load_gold(gold)
    results = run_ragqa(items, settings, kbs)
    per = {r["id"]: score_one(i, r) for i, r in zip(items, results, strict=True)}
    report: dict[str, Any] = {"ragqa": metrics(items, per),
                              "settings": {k: getattr(settings, k) for k in
                                           ("chunk_target", "chunk_max", "bm25_weight", "top_k", "abstain_threshold")}}
    report["index_built_by_this_ingest_code"] = not stale
    report["retrievers"] = run_retrievers(items, settings)
    if baseline:
        base = run_baseline(items, settings)
        bper = {r["id"]: score_one(i, r) for i, r in zip(items, base, strict=True)}
        b = aggregate([i for i in items if i.answerable], bper)
        report["baseline"] = {"overall": {k: b[k] for k in RETRIEVAL_KEYS}}
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out_dir / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    write_chart(report, out_dir / "metrics.png")
    write_report(report, items, results, per, out_dir / "report.md", chart="metrics.png")
    return report
