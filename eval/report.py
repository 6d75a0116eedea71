"""report.md and the metrics chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.gold_set import GoldItem

ORDER = ["hit@1", "hit@3", "hit@5", "mrr", "all_evidence@5", "ctx5_chars", "false_abstention", "key_fact_recall",
         "citation_precision", "cited_questions", "numbers_grounded", "abstention_on_unanswerable"]


def _fmt(v: Any) -> str:
    return "—" if v is None else (f"{v:.3f}" if isinstance(v, float) and v <= 1.0 else str(v))


def write_chart(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in ORDER if k != "ctx5_chars" and k in report["ragqa"]["overall"]]
    ours = [report["ragqa"]["overall"][k] for k in keys]
    base = [report.get("baseline", {}).get("overall", {}).get(k, 0.0) for k in keys]
    fig, ax = plt.subplots(figsize=(10, 4))
    xs = range(len(keys))
    ax.bar([x - 0.2 for x in xs], ours, width=0.4, label="ragqa")
    ax.bar([x + 0.2 for x in xs], base, width=0.4, label="llama-index baseline")
    ax.set_xticks(list(xs), keys, rotation=35, ha="right")
    ax.set_ylim(0, 1.05)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(report: dict[str, Any], items: list[GoldItem], results: list[dict[str, Any]],
                 per: dict[str, dict[str, Any]], path: Path, chart: str) -> None:
    ours = report["ragqa"]["overall"]
    base = report.get("baseline", {}).get("overall", {})
    lines = ["# ragqa eval report", "", f"Settings: `{report['settings']}`", "",
             "| metric | ragqa | llama-index baseline |", "|---|---|---|"]
    for k in ORDER:
        if k in ours:
            lines.append(f"| {k} | {_fmt(ours[k])} | {_fmt(base.get(k))} |")
    if "retrievers" in report:
        lines += ["", "## Retrievers alone and fused", "", "| retriever | " + " | ".join(ORDER[:6]) + " |",
                  "|---|" + "---|" * 6]
        for mode, m in report["retrievers"].items():
            lines.append(f"| {mode} | " + " | ".join(_fmt(m.get(k)) for k in ORDER[:6]) + " |")
    lines += ["", f"![metrics]({chart})", "", "## Per type", "",
              "| type | n | hit@1 | mrr | key_fact_recall | citation_precision | abstained |", "|---|---|---|---|---|---|---|"]
    for t, m in report["ragqa"]["by_type"].items():
        n = m["n_answerable"] + m["n_unanswerable"]
        ab = m.get("abstention_on_unanswerable", m.get("false_abstention"))
        lines.append(f"| {t} | {n} | {_fmt(m.get('hit@1'))} | {_fmt(m.get('mrr'))} | {_fmt(m.get('key_fact_recall'))} "
                     f"| {_fmt(m.get('citation_precision'))} | {_fmt(ab)} |")
    by_id = {r["id"]: r for r in results}
    worst = sorted((i for i in items if i.answerable),
                   key=lambda i: (per[i.id]["rank"] or 99, per[i.id]["key_facts_ok"]), reverse=True)[:10]
    lines += ["", "## Worst questions", ""]
    for i in worst:
        r = by_id[i.id]
        lines += [f"### {i.id} ({i.type}) {i.question}", f"- gold: {i.answer}", f"- first hit rank: {per[i.id]['rank']}",
                  f"- answer: {r['answer'][:200]}"]
        for n, c in enumerate(r["contexts"][:3], start=1):
            lines.append(f"  - [{n}] {c.get('doc_title', '')}: {c['text'][:90]}…")
        lines.append("")
    wrong = [i for i in items if not i.answerable and not per[i.id]["abstained"]]
    if wrong:
        lines += ["## Unanswerable questions that were answered", ""]
        lines += [f"- {i.id} {i.question} → {by_id[i.id]['answer'][:80]}" for i in wrong]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
