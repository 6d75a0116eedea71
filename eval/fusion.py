"""Choosing the BM25/dense fusion weight on the external kits and the gold set together
(`python -m eval.fusion`): retrieval metrics for each weight; the chosen weight maximises the mean MRR over the
three sets (each set weighs the same, so no single set decides). Reserved sets are not used."""

from __future__ import annotations

import json
import sys

from core.settings import BUNDLED_CORPUS, PROJECT_ROOT, Settings
from eval.gold_set import load_gold
from eval.kits import build_index, load_kit, rank_of
from eval.score import norm

WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)


def _ranks(settings: Settings, questions: list[tuple[str, object]], weight: float, retriever) -> list[int | None]:  # noqa: ANN001
    out = []
    for text, judge in questions:
        hits = retriever.search(text, top_k=5, mode="hybrid" if 0 < weight < 1 else ("bm25" if weight == 1 else "dense"))
        ctx = [{"source": h.chunk.source, "text": h.chunk.text} for h in hits]
        out.append(judge(ctx))
    return out


def sweep() -> dict[str, dict[str, dict[str, float]]]:
    from rag.retrieve import HybridRetriever, load_index

    base = Settings()
    sets = {}
    for kit in ("cmrc-dev", "crud-dev"):
        qs, files = load_kit(kit)
        sets[kit] = (build_index(kit, files, base), [(q.question, (lambda c, q=q: rank_of(q, c))) for q in qs])
    gold = [g for g in load_gold(PROJECT_ROOT / "eval" / "gold") if g.answerable]

    def gold_rank(ctx, g):  # noqa: ANN001, ANN202
        ev = [norm(e) for e in g.evidence]
        return next((i + 1 for i, c in enumerate(ctx) if any(e in norm(c["text"]) for e in ev)), None)

    sets["gold"] = (build_index("bundled", sorted(BUNDLED_CORPUS.glob("*.txt")), base),
                    [(g.question, (lambda c, g=g: gold_rank(c, g))) for g in gold])
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, (settings, questions) in sets.items():
        index = load_index(settings)
        for w in WEIGHTS:
            retriever = HybridRetriever(index, settings.model_copy(update={"bm25_weight": w}))
            ranks = _ranks(settings, questions, w, retriever)
            n = len(ranks)
            table.setdefault(str(w), {})[name] = {
                "hit@1": round(sum(r == 1 for r in ranks) / n, 4),
                "hit@5": round(sum(bool(r) for r in ranks) / n, 4),
                "mrr": round(sum(1 / r for r in ranks if r) / n, 4)}
            print(name, w, table[str(w)][name], file=sys.stderr)
    return table


def main() -> None:
    table = sweep()
    best = max(table, key=lambda w: sum(m["mrr"] for m in table[w].values()))
    lines = ["| bm25 weight | " + " | ".join(f"{s} hit@1 / MRR" for s in table[best]) + " | mean MRR |",
             "|---|" + "---|" * (len(table[best]) + 1)]
    for w, row in table.items():
        mean = sum(m["mrr"] for m in row.values()) / len(row)
        lines.append(f"| {w}{' (chosen)' if w == best else ''} | "
                     + " | ".join(f"{m['hit@1']:.3f} / {m['mrr']:.3f}" for m in row.values()) + f" | {mean:.4f} |")
    out = PROJECT_ROOT / "eval" / "fusion.md"
    out.write_text("# Fusion weight on cmrc-dev, crud-dev and the gold set (retrieval only, top 5)\n\n"
                   + "\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    print(json.dumps({"chosen": best}))


if __name__ == "__main__":
    main()
