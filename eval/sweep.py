"""Chunk-size sweep: re-ingest the bundled corpus at several sizes and score each on the gold set.

    uv run python -m eval.sweep  [--out eval/reports/sweep.md]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from eval.gold_set import load_gold
from eval.run import run_ragqa
from eval.score import aggregate, score_one
from ingest.pipeline import default_paths, ingest
from rag.settings import load_settings

SIZES = [(150, 250), (220, 360), (300, 480), (400, 600)]
KEYS = ["hit@1", "hit@3", "mrr", "all_evidence@5", "ctx5_chars", "key_fact_recall", "citation_precision",
        "false_abstention", "abstention_on_unanswerable"]


def main(out: Path) -> None:
    items = load_gold(Path("eval/gold"))
    rows = []
    for target, mx in SIZES:
        with tempfile.TemporaryDirectory() as d:
            s = load_settings(index_dir=Path(d), chunk_target=target, chunk_max=mx)
            ingest(default_paths(s), s)
            res = run_ragqa(items, s)
            per = {r["id"]: score_one(i, r) for i, r in zip(items, res, strict=True)}
            m = aggregate(items, per)
            rows.append(f"| {target}/{mx} | " + " | ".join(str(m[k]) for k in KEYS) + " |")
            print(rows[-1], flush=True)
    table = ["| target/max | " + " | ".join(KEYS) + " |", "|" + "---|" * (len(KEYS) + 1), *rows]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Chunk-size sweep\n\n" + "\n".join(table) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "--out" else Path("eval/reports/sweep.md"))
