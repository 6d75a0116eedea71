"""The scorer, with the exact metric definitions of the eval issue so figures compare across tools.

Text is compared after NFKC and removal of all whitespace."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from typing import Any

from eval.gold_set import GoldItem

_NUM = re.compile(r"\d+(?:\.\d+)?")
_MARK = re.compile(r"\[\d{1,2}\]")


def norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _mean(xs: list[float]) -> float:
    return round(sum(xs) / len(xs), 4) if xs else 0.0


def score_one(item: GoldItem, result: dict[str, Any]) -> dict[str, Any]:
    """Per-question figures; `result` has answer, abstained, citations[{quote}], contexts[{text}]."""
    ctx = [norm(c["text"]) for c in result["contexts"]]
    ev = [norm(e) for e in item.evidence]
    rank = next((i + 1 for i, c in enumerate(ctx) if any(e in c for e in ev)), None)
    answer = norm(result["answer"])
    quotes = [norm(c["quote"]) for c in result["citations"]]
    good = [q for q in quotes if any(q in e or e in q for e in ev)]
    nums = _NUM.findall(_MARK.sub("", answer))
    joined = "".join(quotes)
    return {
        "rank": rank,
        "all_evidence@5": all(any(e in c for c in ctx[:5]) for e in ev) if ev else False,
        "ctx5_chars": sum(len(c["text"]) for c in result["contexts"][:5]),
        "abstained": bool(result["abstained"]),
        "key_facts_ok": all(norm(k) in answer for k in item.key_facts),
        "citations": len(quotes),
        "good_citations": len(good),
        "numbers": len(nums),
        "numbers_grounded": sum(1 for x in nums if x in joined),
    }


def aggregate(items: list[GoldItem], per: dict[str, dict[str, Any]]) -> dict[str, float]:
    ans = [i for i in items if i.answerable]
    una = [i for i in items if not i.answerable]
    m: dict[str, float] = {"n_answerable": len(ans), "n_unanswerable": len(una)}
    if ans:
        s = [per[i.id] for i in ans]
        for k in (1, 3, 5):
            m[f"hit@{k}"] = _mean([1.0 if x["rank"] and x["rank"] <= k else 0.0 for x in s])
        m["mrr"] = _mean([1.0 / x["rank"] if x["rank"] else 0.0 for x in s])
        m["all_evidence@5"] = _mean([1.0 if x["all_evidence@5"] else 0.0 for x in s])
        m["ctx5_chars"] = round(_mean([x["ctx5_chars"] for x in s]), 1)
        m["false_abstention"] = _mean([1.0 if x["abstained"] else 0.0 for x in s])
        answered = [x for x in s if not x["abstained"]]
        m["key_fact_recall"] = _mean([1.0 if x["key_facts_ok"] else 0.0 for x in answered])
        cites = sum(x["citations"] for x in answered)
        m["citation_precision"] = round(sum(x["good_citations"] for x in answered) / cites, 4) if cites else 0.0
        m["cited_questions"] = _mean([1.0 if x["good_citations"] else 0.0 for x in s])
        nums = sum(x["numbers"] for x in answered)
        m["numbers_grounded"] = round(sum(x["numbers_grounded"] for x in answered) / nums, 4) if nums else 1.0
    if una:
        m["abstention_on_unanswerable"] = _mean([1.0 if per[i.id]["abstained"] else 0.0 for i in una])
    return m


def metrics(items: list[GoldItem], per: dict[str, dict[str, Any]]) -> dict[str, Any]:
    by_type: dict[str, list[GoldItem]] = defaultdict(list)
    for i in items:
        by_type[i.type].append(i)
    return {"overall": aggregate(items, per), "by_type": {t: aggregate(v, per) for t, v in sorted(by_type.items())}}
