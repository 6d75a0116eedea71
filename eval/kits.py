"""The external evaluation kits (eval/external/<kit>/: corpus/*.txt + questions.jsonl; see its README for
provenance, licences and metric definitions), run through the real ingest and ask pipeline.

Metrics per kit (strings compared after NFKC and whitespace removal, as eval/external/README.md defines):
- hit@1, hit@5, mrr: rank of the first context that contains an answer string and comes from `source_doc`;
- answer_contains: share of questions whose answer text contains an answer string (abstentions count 0);
- mean_answer_chars: mean length of the non-abstained answers without their [n] citation marks;
- false_abstention: share of (answerable) questions answered with the refusal;
- unanswerable variant: the kit ingested without the source documents of a seeded sample of questions, those
  questions asked: `abstained` is the share refused (higher is better).

Built indexes are cached outside the repository (RAGQA_EVAL_CACHE, default ~/.cache/ragqa-eval) under a key of
the document set and the ingest code, and every index of a kit shares one embedding cache, so a corpus is embedded
once."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.settings import PROJECT_ROOT, Settings
from eval.score import norm

KITS_DIR = PROJECT_ROOT / "eval" / "external"
KITS = ("cmrc-dev", "crud-dev")
UNANSWERABLE_SAMPLE = 50  # questions per kit whose source documents are left out of the variant's index
_MARK = re.compile(r"\[\d{1,2}\]")


@dataclass
class KitQuestion:
    id: str
    question: str
    answers: list[str]
    source_doc: str


def cache_root() -> Path:
    return Path(os.environ.get("RAGQA_EVAL_CACHE", Path.home() / ".cache" / "ragqa-eval"))


def load_kit(kit: str) -> tuple[list[KitQuestion], list[Path]]:
    """The kit's questions and its corpus files (sorted). Raises FileNotFoundError for an unknown kit."""
    root = KITS_DIR / kit
    lines = (root / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    qs = [KitQuestion(d["id"], d["question"], d["answers"], d["source_doc"])
          for d in (json.loads(x) for x in lines if x.strip())]
    return qs, sorted((root / "corpus").glob("*.txt"))


def code_key() -> str:
    """Changes when the ingest code or core settings change, so a cached index is rebuilt."""
    h = hashlib.sha1()
    for p in sorted((PROJECT_ROOT / "ingest").rglob("*")) + [PROJECT_ROOT / "core" / "settings.py"]:
        if p.is_file() and p.suffix in (".py", ".txt"):
            h.update(p.read_bytes())
    return h.hexdigest()[:10]


def build_index(kit: str, files: list[Path], base: Settings) -> Settings:
    """An index of exactly `files`, built once (cached by file set and ingest code); returns its settings."""
    from ingest.pipeline import ingest

    names = sorted(f.name for f in files)
    key = hashlib.sha1(("\n".join(names) + code_key()).encode()).hexdigest()[:12]
    kit_dir = cache_root() / kit
    index_dir = kit_dir / key
    settings = base.model_copy(update={"index_dir": index_dir, "chroma_host": None})
    if (index_dir / ".complete").exists():
        return settings
    shared = kit_dir / "embed_cache.sqlite"
    partial = index_dir / "embed_cache.sqlite"
    if partial.exists() and (not shared.exists() or partial.stat().st_size > shared.stat().st_size):
        shutil.copy(partial, shared)  # an interrupted build keeps what it embedded
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    if shared.exists():
        shutil.copy(shared, index_dir / "embed_cache.sqlite")
    cwd = Path.cwd()
    os.chdir(files[0].parent)  # sources are the bare file names, as `source_doc` names them
    try:
        ingest([Path(f.name) for f in files], settings)
    finally:
        os.chdir(cwd)
    shutil.copy(index_dir / "embed_cache.sqlite", shared)
    (index_dir / ".complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%S"))
    return settings


def unanswerable_sample(questions: list[KitQuestion], n: int = UNANSWERABLE_SAMPLE, seed: int = 13) -> list[KitQuestion]:
    return random.Random(seed).sample(questions, min(n, len(questions)))


def rank_of(q: KitQuestion, contexts: list[dict[str, Any]]) -> int | None:
    answers = [norm(a) for a in q.answers]
    for i, c in enumerate(contexts, start=1):
        if Path(c["source"]).name == q.source_doc and any(a in norm(c["text"]) for a in answers):
            return i
    return None


def answer_text(answer: str) -> str:
    return _MARK.sub("", answer)


def score_kit(questions: list[KitQuestion], results: list[dict[str, Any]]) -> dict[str, float]:
    """hit@1, hit@5, mrr, answer_contains, mean_answer_chars, false_abstention over answerable questions."""
    ranks, contains, lengths, abst = [], [], [], []
    for q, r in zip(questions, results, strict=True):
        rk = rank_of(q, r["contexts"])
        ranks.append(rk)
        text = norm(answer_text(r["answer"]))
        abst.append(r["abstained"])
        contains.append(not r["abstained"] and any(norm(a) in text for a in q.answers))
        if not r["abstained"]:
            lengths.append(len(answer_text(r["answer"])))
    n = len(questions) or 1
    return {
        "n": len(questions),
        "hit@1": round(sum(1 for x in ranks if x == 1) / n, 4),
        "hit@5": round(sum(1 for x in ranks if x and x <= 5) / n, 4),
        "mrr": round(sum(1 / x for x in ranks if x) / n, 4),
        "answer_contains": round(sum(contains) / n, 4),
        "mean_answer_chars": round(statistics.mean(lengths), 1) if lengths else 0.0,
        "false_abstention": round(sum(abst) / n, 4),
        "answer_ms_p50": round(statistics.median(r["timings_ms"]["answer"] for r in results), 2) if results else 0.0,
    }


def ask_all(settings: Settings, questions: list[KitQuestion], service: Any = None) -> list[dict[str, Any]]:
    """Ask every question through the service (the same validation and engine as the API)."""
    from rag.service import RagService

    service = service or RagService(settings)
    out = []
    for q in questions:
        r = service.ask(q.question)
        out.append({"id": q.id, "question": q.question, "answer": r.answer, "abstained": r.abstained,
                    "gold": q.answers, "source_doc": q.source_doc,
                    "contexts": [{"source": c.source, "text": c.text, "score": c.score} for c in r.contexts],
                    "timings_ms": r.timings_ms})
    return out


def run_kit(kit: str, base: Settings, *, limit: int | None = None, unanswerable: bool = True,
            out_dir: Path | None = None) -> dict[str, Any]:
    """Answerable metrics (and the unanswerable variant's abstained share) of one kit."""
    questions, files = load_kit(kit)
    if limit:
        questions = questions[:limit]
    settings = build_index(kit, files, base)
    results = ask_all(settings, questions)
    report: dict[str, Any] = {"answerable": score_kit(questions, results)}
    if unanswerable:
        sample = unanswerable_sample(questions)
        gone = {q.source_doc for q in sample}
        variant = build_index(kit, [f for f in files if f.name not in gone], base)
        un = ask_all(variant, sample)
        report["unanswerable"] = {"n": len(un), "abstained": round(sum(r["abstained"] for r in un) / len(un), 4)}
    else:
        un = []
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        with (out_dir / f"{kit}.results.jsonl").open("w", encoding="utf-8") as f:
            for r in results + [{**r, "variant": "unanswerable"} for r in un]:
                f.write(json.dumps({k: v for k, v in r.items() if k != "contexts"} |
                                   {"contexts": [{**c, "text": c["text"][:80]} for c in r["contexts"]]},
                                   ensure_ascii=False) + "\n")
    return report


FAST_SAMPLE = {"cmrc-dev": 30, "crud-dev": 20}  # questions per kit in the CI gate's fast sample


def fast_sample(kit: str, n: int | None = None, distractors: int | None = None,
                seed: int = 5) -> tuple[list[KitQuestion], list[Path]]:
    """A small seeded sample of a kit for the CI gate: n questions, their source documents and as many
    distractor documents, so that the corpus embeds in seconds."""
    questions, files = load_kit(kit)
    n = n or FAST_SAMPLE[kit]
    rng = random.Random(seed)
    picked = rng.sample(questions, n)
    sources = {q.source_doc for q in picked}
    others = [f for f in files if f.name not in sources]
    chosen = [f for f in files if f.name in sources] + rng.sample(others, min(distractors or n, len(others)))
    return picked, sorted(chosen)


def run_fast(kit: str, base: Settings) -> dict[str, float]:
    """Answerable metrics of the kit's fast sample (score_kit)."""
    questions, files = fast_sample(kit)
    return score_kit(questions, ask_all(build_index(f"{kit}-fast", files, base), questions))


def run_external(base: Settings, kits: tuple[str, ...] = KITS, out_dir: Path | None = None,
                 limit: int | None = None) -> dict[str, Any]:
    return {kit: run_kit(kit, base, limit=limit, out_dir=out_dir) for kit in kits}


def format_table(report: dict[str, Any]) -> str:
    keys = ("hit@1", "hit@5", "mrr", "answer_contains", "mean_answer_chars", "false_abstention", "answer_ms_p50")
    lines = ["| kit | n | " + " | ".join(keys) + " | unanswerable abstained |",
             "|---|---|" + "---|" * len(keys) + "---|"]
    for kit, r in report.items():
        a = r["answerable"]
        u = r.get("unanswerable", {})
        lines.append(f"| {kit} | {a['n']} | " + " | ".join(str(a[k]) for k in keys)
                     + f" | {u.get('abstained', '—')} (n={u.get('n', 0)}) |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse

    p = argparse.ArgumentParser(description="Run the external evaluation kits through ragqa.")
    p.add_argument("--kit", action="append", choices=KITS)
    p.add_argument("--limit", type=int)
    p.add_argument("--out", type=Path, default=PROJECT_ROOT / "eval" / "reports" / "external")
    args = p.parse_args(argv)
    report = run_external(Settings(), tuple(args.kit or KITS), args.out, args.limit)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(format_table(report))


if __name__ == "__main__":
    main()
