"""`python -m eval` (or `make eval`): run a gold set through the product's own service and write
results.jsonl, metrics.json, report.md and metrics.png.

    python -m eval [--gold eval/gold] [--out eval/reports/latest] [--index-dir DIR] [--no-baseline] [--kb NAME …]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.settings import Settings, load_settings
from eval.run import evaluate


def run(gold: Path, out: Path, settings: Settings, *, baseline: bool = True, kbs: list[str] | None = None) -> dict:
    """Evaluate (asking in the knowledge bases ``kbs``; None: all) and print the overall figures (JSON) to
    stdout; returns the whole report."""
    report = evaluate(gold, out, settings, baseline=baseline, kbs=kbs)
    print(json.dumps(report["ragqa"]["overall"], ensure_ascii=False, indent=1))
    if "baseline" in report:
        print("baseline: " + json.dumps(report["baseline"]["overall"]))
    return report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m eval", description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=Path("eval/gold"), help="Gold file or directory of *.jsonl.")
    parser.add_argument("--out", type=Path, default=Path("eval/reports/latest"), help="Output directory.")
    parser.add_argument("--index-dir", type=Path, default=None, help="Index directory (default: RAGQA_INDEX_DIR or ./.ragqa).")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false", help="Skip the plain llama-index baseline.")
    parser.add_argument("--kb", action="append", default=None, help="Ask only in this knowledge base (repeatable).")
    args = parser.parse_args(argv)
    run(args.gold, args.out, load_settings(index_dir=args.index_dir), baseline=args.baseline, kbs=args.kb)


if __name__ == "__main__":
    main()
