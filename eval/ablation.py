"""Ablation table (`python -m eval.ablation`): each feature group of the answer scorer (set to its training mean,
i.e. its learned contribution removed, no retraining) and each answering constraint switched off, with its effect
on cmrc-dev, crud-dev and the gold set. Retrieval runs once per question; only the answerer is re-run.
Writes eval/ablation.md."""

from __future__ import annotations

import json
import statistics
import sys
from typing import Any

from core.settings import BUNDLED_CORPUS, PROJECT_ROOT, Settings
from eval.gold_set import load_gold
from eval.kits import build_index, load_kit
from eval.score import norm

GROUPS: dict[str, tuple[str, ...]] = {
    "lexical match (words, bigrams, chunk)": ("cov", "cov_local", "cov_rel", "bigram", "bigram_rel", "chunk_cov"),
    "retrieval scores": ("fused", "bm25", "dense", "inv_rank"),
    "answer type (number/unit/date/list/reason/definition/year/rate)": (
        "num_asked_has_num", "num_asked_no_num", "unit_match", "date_asked_has_date", "date_asked_no_date",
        "list_asked_has_list", "why_asked_has_cause", "definition", "year_match", "rate_asked_has_rate",
        "amount_asked_only_rate", "focus_copula", "count_match", "figure_beside_asked"),
    "shape and position (length, heading, question, new words, pair)": (
        "new_words", "restates", "is_question", "heading_like", "log_len", "over_120", "prev_cov", "doc_first", "pair",
        "doc_cov", "heading_cov"),
    "constraint: year": ("year",),
    "constraint: part of a year (quarter, half)": ("period",),
    "constraint: named entity": ("entity",),
    "constraint: unit": ("unit",),
    "constraint: figure/rate/date/noun asked": ("figure",),
    "constraint: attribute of a figure, role of a person (谁)": ("attribute",),
    "constraint: place asked (哪个镇)": ("place",),
    "comparison answered part by part": ("parts",),
    "another year's figure for a question naming no year": ("years",),
    "title named by the question (answer_title_weight)": ("title",),
    "planned figures: no answer about what is, the answer about a plan": ("plan",),
    "a document's 成文日期 for when it was issued": ("issued",),
    "superlatives computed over a document's items (哪个…最多)": ("extreme",),
    "a which-ones question's table rows with the value it names (哪些…是合格)": ("rows",),
    "an event's time or place under the notice's heading for it (一、培训时间)": ("slot",),
    "the names listed under a caption the question names (焊工项目一等奖是谁)": ("caption",),
}


def _sets(base: Settings) -> dict[str, tuple[Settings, list[tuple[str, list[str], bool]]]]:
    out = {}
    for kit in ("cmrc-dev", "crud-dev"):
        qs, files = load_kit(kit)
        out[kit] = (build_index(kit, files, base), [(q.question, q.answers, True) for q in qs])
    gold = load_gold(PROJECT_ROOT / "eval" / "gold")
    out["gold"] = (build_index("bundled", sorted(BUNDLED_CORPUS.glob("*.txt")), base),
                   [(g.question, g.key_facts, g.answerable) for g in gold])
    return out


def _measure(answerer: Any, threshold: float, rows: list[tuple[str, list[str], bool, list[Any]]],
             all_facts: bool) -> dict[str, float]:
    contains, abst, lengths, una = [], [], [], []
    for question, answers, answerable, hits in rows:
        d = answerer.answer(question, hits)
        refused = d.support < threshold or not d.evidence
        if not answerable:
            una.append(refused)
            continue
        text = norm("".join(e.quote for e in d.evidence))
        ok = (all if all_facts else any)(norm(a) in text for a in answers)
        contains.append(not refused and ok)
        abst.append(refused)
        if not refused:
            lengths.append(len(text))
    m = {"answer_contains": round(sum(contains) / len(contains), 4),
         "false_abstention": round(sum(abst) / len(abst), 4),
         "mean_chars": round(statistics.mean(lengths), 1) if lengths else 0.0}
    if una:
        m["unanswerable_abstained"] = round(sum(una) / len(una), 4)
    return m


def ablate() -> dict[str, dict[str, dict[str, float]]]:
    from rag.answer import ExtractiveAnswerer
    from rag.retrieve import HybridRetriever, load_index

    base = Settings()
    table: dict[str, dict[str, dict[str, float]]] = {}
    for name, (settings, questions) in _sets(base).items():
        index = load_index(settings)
        retriever = HybridRetriever(index, settings)
        rows = [(q, a, ok, retriever.search(q, top_k=max(settings.top_k, 5))) for q, a, ok in questions]
        full = ExtractiveAnswerer(index, model_path=settings.answer_model, title_weight=settings.answer_title_weight)
        threshold = full.threshold
        table.setdefault("full model", {})[name] = _measure(full, threshold, rows, name == "gold")
        for group, names in GROUPS.items():
            a = ExtractiveAnswerer(index, model_path=settings.answer_model, ablate=frozenset(names),
                                   title_weight=settings.answer_title_weight)
            table.setdefault(group, {})[name] = _measure(a, threshold, rows, name == "gold")
            print(name, group, table[group][name], file=sys.stderr)
    return table


def main() -> None:
    table = ablate()
    sets = list(table["full model"])
    lines = ["| switched off | " + " | ".join(f"{s} contains / false abst. / mean chars" for s in sets)
             + " | gold unanswerable abstained |", "|---|" + "---|" * (len(sets) + 1)]
    for row, per in table.items():
        cells = [f"{per[s]['answer_contains']:.3f} / {per[s]['false_abstention']:.3f} / {per[s]['mean_chars']:.0f}"
                 for s in sets]
        lines.append(f"| {row} | " + " | ".join(cells) + f" | {per['gold'].get('unanswerable_abstained', '—')} |")
    text = ("# Ablation (answerer only; same retrieved contexts; gold: all key facts in the quotes)\n\n"
            + "\n".join(lines) + "\n")
    (PROJECT_ROOT / "eval" / "ablation.md").write_text(text, encoding="utf-8")
    print(text)
    print(json.dumps(table))


if __name__ == "__main__":
    main()
