"""Sweeps on the gold set: chunk sizes (re-ingesting the bundled corpus at each), then the abstention
threshold on the default index (false abstention on answerable vs abstention on unanswerable questions).

    uv run python -m eval.sweep  [--out eval/reports/sweep.md]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from core.settings import Settings, load_settings
from eval.gold_set import GoldItem, load_gold
from eval.run import run_ragqa
from eval.score import aggregate, score_one
from ingest.pipeline import default_paths, ingest

SIZES = [(150, 250), (220, 360), (300, 480), (400, 600)]
THRESHOLDS = [0.3, 0.35, 0.4, 0.44, 0.48, 0.52, 0.56, 0.6]
KEYS = ["hit@1", "hit@3", "mrr", "all_evidence@5", "ctx5_chars", "key_fact_recall", "citation_precision",
        "false_abstention", "abstention_on_unanswerable"]
ABSTAIN_KEYS = ["false_abstention", "abstention_on_unanswerable", "key_fact_recall", "citation_precision"]


def _table(head: str, keys: list[str], rows: list[str]) -> str:
    return "\n".join([f"| {head} | " + " | ".join(keys) + " |", "|" + "---|" * (len(keys) + 1), *rows])


def main(out: Path) -> None:
    items = load_gold(Path("eval/gold"))
    base = load_settings()
    rows, abstain_rows = [], []
    for target, mx in SIZES:
        with tempfile.TemporaryDirectory() as d:
            s = load_settings(index_dir=Path(d), chunk_target=target, chunk_max=mx)
            ingest(default_paths(s), s)
            m = _score(items, s)
            rows.append(f"| {target}/{mx} | " + " | ".join(str(m[k]) for k in KEYS) + " |")
            print(rows[-1], flush=True)
            if (target, mx) == (base.chunk_target, base.chunk_max):
                for t in THRESHOLDS:
                    m = _score(items, load_settings(index_dir=Path(d), chunk_target=target, chunk_max=mx,
                                                    abstain_threshold=t))
                    abstain_rows.append(f"| {t} | " + " | ".join(str(m[k]) for k in ABSTAIN_KEYS) + " |")
                    print(abstain_rows[-1], flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Chunk-size sweep\n\n" + _table("target/max", KEYS, rows)
                   + "\n\n# Abstention threshold (default chunk sizes)\n\n"
                   + _table("threshold", ABSTAIN_KEYS, abstain_rows) + "\n", encoding="utf-8")


def _score(items: list[GoldItem], s: Settings) -> dict[str, float]:
    res = run_ragqa(items, s)
    per = {r["id"]: score_one(i, r) for i, r in zip(items, res, strict=True)}
    return aggregate(items, per)


if __name__ == "__main__":
    main(Path(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "--out" else Path("eval/reports/sweep.md"))
