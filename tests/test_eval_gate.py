"""The quality gate: the gold set through the real pipeline must stay above eval/thresholds.json."""

from __future__ import annotations

import json
import re
import unicodedata

from eval.gold_set import load_gold
from eval.run import INGEST_CODE_MARKER, evaluate, index_is_current
from eval.score import aggregate, score_one
from tests.conftest import CORPUS_FILE, ROOT

GOLD = ROOT / "eval" / "gold"
HOLDOUT = ROOT / "eval" / "holdout"
FRESH = ROOT / "eval" / "fresh"


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def test_gold_set_coverage_and_every_evidence_quote_is_in_the_corpus():
    items = load_gold(GOLD)
    holdout = load_gold(HOLDOUT)
    fresh = load_gold(FRESH)
    corpus = _norm(CORPUS_FILE.read_text(encoding="utf-8"))
    assert len(items) >= 100 and len(fresh) >= 55
    assert len({i.id for i in items + holdout + fresh}) == len(items) + len(holdout) + len(fresh)
    # the holdout asks about passages the gold set does not use
    used = [_norm(e) for i in items for e in i.evidence]
    assert not any(_norm(e) in u or u in _norm(e) for i in holdout for e in i.evidence for u in used)
    # the fresh set asks no question the gold set or the holdout already asks (punctuation and width aside)
    asked = {re.sub(r"[\W_]", "", _norm(i.question)) for i in items + holdout}
    assert not [i.id for i in fresh if re.sub(r"[\W_]", "", _norm(i.question)) in asked]
    for i in items + holdout + fresh:
        for e in i.evidence:
            assert _norm(e) in corpus, (i.id, e)
        assert i.answerable == bool(i.evidence), i.id
        # a key fact the answer must contain has to be supported by one of the quotes
        for k in i.key_facts:
            assert any(_norm(k) in _norm(e) for e in i.evidence), (i.id, k)
    types = [i.type for i in items]
    assert types.count("multi") >= 10 and types.count("paraphrase") >= 10 and types.count("unanswerable") >= 15


def test_scorer_definitions_on_a_hand_made_case():
    items = load_gold(GOLD)
    item = next(i for i in items if i.id == "a44")
    good = {"answer": "1995年,全国57个小城镇开展小城镇综合试点[1]", "abstained": False,
            "citations": [{"quote": "1995年,全国57个小城镇开展小城镇综合试点"}],
            "contexts": [{"text": "无关"}, {"text": "1995年, 全国57个小城镇开展小城镇综合试点,浙江有6个镇列入试点。"}]}
    s = score_one(item, good)
    assert s["rank"] == 2 and s["key_facts_ok"] and s["good_citations"] == 1 and s["numbers_grounded"] == 2
    m = aggregate([item], {item.id: s})
    assert m["hit@1"] == 0.0 and m["hit@3"] == 1.0 and m["mrr"] == 0.5
    bad = {**good, "answer": "全国有58个[1]"}
    assert score_one(item, bad)["numbers_grounded"] == 0


def test_quality_gate(tmp_path, settings):
    out = tmp_path / "report"
    report = evaluate(GOLD, out, settings, baseline=False)
    assert report["index_built_by_this_ingest_code"]  # a fresh index: the figures measure this code
    for name in ("results.jsonl", "metrics.json", "report.md", "metrics.png"):
        assert (out / name).exists()
    m = report["ragqa"]["overall"]
    limits = json.loads((ROOT / "eval" / "thresholds.json").read_text())
    failures = []
    for k, v in limits.items():
        if isinstance(v, dict):  # the external kits' own gate (test_external_kits_fast_sample_gate)
            continue
        if k.startswith("max_"):
            if m[k[4:]] > v:
                failures.append(f"{k[4:]}={m[k[4:]]} > {v}")
        elif m[k] < v:
            failures.append(f"{k}={m[k]} < {v}")
    assert not failures, failures
    first = json.loads((out / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert {"id", "answer", "abstained", "citations", "contexts", "timings_ms"} <= set(first)
    assert len(first["contexts"]) >= 5


def test_external_kits_fast_sample_gate(tmp_path, settings, monkeypatch):
    """A seeded fast sample of each external kit (eval/external: questions nobody on the project wrote), through
    the real ingest and ask pipeline, stays above its gate in eval/thresholds.json["external_fast"]."""
    from eval.kits import run_fast

    monkeypatch.setenv("RAGQA_EVAL_CACHE", str(tmp_path / "kits"))
    limits = json.loads((ROOT / "eval" / "thresholds.json").read_text())["external_fast"]
    failures = []
    for kit, gate in limits.items():
        m = run_fast(kit, settings)
        for k, v in gate.items():
            if k.startswith("max_") and m[k[4:]] > v:
                failures.append(f"{kit} {k[4:]}={m[k[4:]]} > {v}")
            elif not k.startswith("max_") and m[k] < v:
                failures.append(f"{kit} {k}={m[k]} < {v}")
    assert not failures, failures


def test_an_index_not_built_by_this_ingest_code_is_reported_as_such(settings):
    from eval.kits import code_key

    settings.index_dir.mkdir(parents=True)
    assert not index_is_current(settings)  # built by hand (or by an older eval): no marker
    marker = settings.index_dir / INGEST_CODE_MARKER
    marker.write_text("0123456789", encoding="utf-8")
    assert not index_is_current(settings)  # built by other ingest code
    marker.write_text(code_key(), encoding="utf-8")
    assert index_is_current(settings)
