"""Build the CRUD-RAG news training set of the answer scorer: eval/train_data/crud-train.jsonl and its corpus
eval/train_data/crud-train-corpus/*.txt (read by eval/train.py, `make train`).

Provenance: the CRUD-RAG repository (github.com/IAAR-Shanghai/CRUD_RAG, licence Apache-2.0, as its README states):
- questions: src/quest_eval/QuestAnswer2Docs_quest_gt_save.json and QuestAnswer3Docs_quest_gt_save.json, the
  QuestEval question/answer pairs of each item ({item id: {"question": [...], "answers": [...], ...}}; an answer
  「无法推断」 means none);
- news text: data/80000_docs/documents_dup_part_*_part_* (one news record a line; the files the repository snapshot
  lacks are skipped). A record is written unchanged to `dup<p>-<q>_L<line>.txt` (line 1-based), the naming of the
  crud-dev kit.

Never read: QuestAnswer1Doc (reserved for the project's independent evaluation, eval/external/README.md), nor any
other file of the repository. Excluded:
- every item that has a question in the crud-dev kit (its `crud_item`), and every question whose normalised text is
  a kit question;
- every item whose located news record is a kit corpus document (eval/external/crud-dev/corpus/*.txt), compared on
  the normalised body (NFKC, no whitespace, the text after the first 「正文：」), equal or one containing the other;
- distractor records likewise.

Locating an item's news record (the items' news texts themselves are in data/crud_split/split_merged.json, which
the snapshot lacks): the records that hold one of the item's longest answers verbatim are candidates; each scores
the number of the item's distinct answers (2–40 characters) it holds verbatim; the item is kept when one record
(by normalised body) scores best alone and holds at least MIN_ANSWERS_FOUND answers. Its questions whose answer
(2–MAX_ANSWER_CHARS characters) occurs verbatim in that record are kept, at most PER_ITEM per item, in their order.

Items are taken in a seeded order (SEED) until TARGET_QUESTIONS questions; distractors are as many other news
records, drawn with the same seed from the files read. Deterministic for a given repository snapshot.

Usage: python -m eval.build_crud_train [--mirror PATH]  (PATH: a checkout or a bare git directory of the repository;
default $CRUD_RAG_REPO or /work/.mirror/IAAR-Shanghai+CRUD_RAG/repo).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import re
import subprocess
import unicodedata
from pathlib import Path

from core.settings import PROJECT_ROOT

QUESTION_FILES = ("QuestAnswer2Docs", "QuestAnswer3Docs")  # never QuestAnswer1Doc (reserved)
DOCS_DIR = "data/80000_docs"
_DOC_FILE = re.compile(r"documents_dup_part_(\d+)_part_(\d+)$")
KIT = PROJECT_ROOT / "eval" / "external" / "crud-dev"
OUT_DIR = PROJECT_ROOT / "eval" / "train_data"
OUT_FILE = OUT_DIR / "crud-train.jsonl"
CORPUS_DIR = OUT_DIR / "crud-train-corpus"
META_FILE = OUT_DIR / "crud-train.meta.json"
SEED = 2024
TARGET_QUESTIONS = 320  # the brief asked for ~250–400 questions
PER_ITEM = 4  # questions kept per item (the kit has 2.3 a item on average)
MIN_ANSWER_CHARS = 2
MAX_ANSWER_CHARS = 40  # a short answer span, as the kit's answers
MIN_ANSWERS_FOUND = 2  # an item's record must hold this many of its answers to be located
LOCATE_BY = 2  # the item's longest answers whose occurrences give the candidate records
NO_ANSWER = "无法推断"


def norm_body(text: str) -> str:
    """The text compared between news records: NFKC, whitespace removed, the part after the first 「正文：」."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    i = t.find("正文:")
    return t[i + 3:] if i >= 0 else t


class Mirror:
    """Reads files of the repository from a checkout or a bare git directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bare = not (path / "README.md").exists()

    def commit(self) -> str:
        r = subprocess.run(["git", "-C", str(self.path), "rev-parse", "HEAD"], capture_output=True, text=True,
                           check=False)
        return r.stdout.strip()

    def list(self, folder: str) -> list[str]:
        if not self.bare:
            return sorted(p.name for p in (self.path / folder).iterdir())
        r = subprocess.run(["git", "-C", str(self.path), "ls-tree", "--name-only", f"HEAD:{folder}"],
                           capture_output=True, text=True, check=True)
        return sorted(r.stdout.split())

    def read(self, path: str) -> str | None:
        """The file's text, or None when the snapshot lacks it."""
        if not self.bare:
            p = self.path / path
            return p.read_text(encoding="utf-8") if p.exists() else None
        r = subprocess.run(["git", "-C", str(self.path), "show", f"HEAD:{path}"], capture_output=True, check=False)
        return r.stdout.decode("utf-8") if r.returncode == 0 else None


def _doc_files(m: Mirror) -> list[tuple[str, str]]:
    """(file name, short name dup<p>-<q>) of the news files, in numeric order."""
    out = []
    for name in m.list(DOCS_DIR):
        hit = _DOC_FILE.match(name)
        if hit:
            out.append((int(hit[1]), int(hit[2]), name))
    return [(name, f"dup{p}-{q}") for p, q, name in sorted(out)]


def build(mirror: Path) -> dict:
    m = Mirror(mirror)
    # the kit: its items, questions and documents are excluded
    kit_qs = [json.loads(x) for x in (KIT / "questions.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    kit_items = {q["crud_item"] for q in kit_qs}
    kit_questions = {norm_body(q["question"]) for q in kit_qs}
    kit_bodies = [norm_body(p.read_text(encoding="utf-8")) for p in sorted((KIT / "corpus").glob("*.txt"))]
    kit_body_set = set(kit_bodies)

    def is_kit_doc(body: str) -> bool:
        return body in kit_body_set or any(body in k or k in body for k in kit_bodies)

    # news records
    names: list[str] = []
    texts: list[str] = []
    skipped_files = []
    for fname, short in _doc_files(m):
        text = m.read(f"{DOCS_DIR}/{fname}")
        if text is None:
            skipped_files.append(fname)
            continue
        for i, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                names.append(f"{short}_L{i:04d}.txt")
                texts.append(line)
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    big = "\n".join(texts)

    def records_with(s: str) -> set[int]:
        out, i = set(), big.find(s)
        while i >= 0:
            out.add(bisect.bisect_right(starts, i) - 1)
            i = big.find(s, i + 1)
        return out

    # items, in a seeded order
    items = []
    for f in QUESTION_FILES:
        data = json.loads(m.read(f"src/quest_eval/{f}_quest_gt_save.json") or "{}")
        items += [(f, k, v) for k, v in sorted(data.items())]
    random.Random(SEED).shuffle(items)

    counts = {"items_seen": 0, "kit_item": 0, "not_located": 0, "ambiguous": 0, "kit_document": 0,
              "kit_question": 0, "too_few_questions": 0, "same_document_as_earlier_item": 0}
    rows: list[dict] = []
    used_docs: dict[str, int] = {}
    for f, item, v in items:
        if len(rows) >= TARGET_QUESTIONS:
            break
        counts["items_seen"] += 1
        if item in kit_items:
            counts["kit_item"] += 1
            continue
        pairs = [(q, a.strip()) for q, a in zip(v.get("question", []), v.get("answers", []), strict=False)
                 if isinstance(a, str) and a.strip() != NO_ANSWER
                 and MIN_ANSWER_CHARS <= len(a.strip()) <= MAX_ANSWER_CHARS]
        answers = sorted({a for _, a in pairs}, key=lambda a: (-len(a), a))
        cands: set[int] = set()
        for a in answers[:LOCATE_BY]:
            cands |= records_with(a)
        if not cands:
            counts["not_located"] += 1
            continue
        scored: dict[str, tuple[int, int]] = {}  # body → (answers held, first record)
        for r in sorted(cands):
            body = norm_body(texts[r])
            if body not in scored:
                scored[body] = (sum(a in texts[r] for a in answers), r)
        ranked = sorted(scored.values(), key=lambda x: (-x[0], x[1]))
        best, rec = ranked[0]
        if best < MIN_ANSWERS_FOUND:
            counts["not_located"] += 1
            continue
        if len(ranked) > 1 and ranked[1][0] == best:
            counts["ambiguous"] += 1
            continue
        body = norm_body(texts[rec])
        if is_kit_doc(body):
            counts["kit_document"] += 1
            continue
        if body in used_docs:
            counts["same_document_as_earlier_item"] += 1
            continue
        kept = []
        for j, (q, a) in enumerate(zip(v.get("question", []), v.get("answers", []), strict=False)):
            a = a.strip() if isinstance(a, str) else ""
            if not (MIN_ANSWER_CHARS <= len(a) <= MAX_ANSWER_CHARS) or a == NO_ANSWER or a not in texts[rec]:
                continue
            if norm_body(q) in kit_questions:
                counts["kit_question"] += 1
                continue
            kept.append({"id": f"CRUD{f.removeprefix('QuestAnswer')}_{item}_q{j}", "question": q.strip(), "answers": [a],
                         "source_doc": names[rec], "crud_item": item, "crud_file": f})
            if len(kept) >= PER_ITEM:
                break
        if not kept:
            counts["too_few_questions"] += 1
            continue
        used_docs[body] = rec
        rows += kept

    # distractors: as many other records, not kit documents, not sources, not duplicates of either
    rng = random.Random(SEED + 1)
    order = list(range(len(texts)))
    rng.shuffle(order)
    distractors: list[int] = []
    seen = set(used_docs)
    for r in order:
        if len(distractors) >= len(used_docs):
            break
        body = norm_body(texts[r])
        if len(body) < 100 or body in seen or is_kit_doc(body) or any(body in s or s in body for s in used_docs):
            continue
        seen.add(body)
        distractors.append(r)

    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    for p in CORPUS_DIR.glob("*.txt"):
        p.unlink()
    for r in sorted(set(used_docs.values()) | set(distractors)):
        (CORPUS_DIR / names[r]).write_text(texts[r] + "\n", encoding="utf-8")
    OUT_FILE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    meta = {
        "source": "github.com/IAAR-Shanghai/CRUD_RAG (Apache-2.0)", "commit": m.commit(),
        "question_files": [f"src/quest_eval/{f}_quest_gt_save.json" for f in QUESTION_FILES],
        "news_files_missing_from_snapshot": skipped_files, "news_records_read": len(texts),
        "seed": SEED, "questions": len(rows), "items": len(used_docs), "source_docs": len(used_docs),
        "distractor_docs": len(distractors), "corpus_chars": sum(len(texts[r]) for r in set(used_docs.values()) | set(distractors)),
        "excluded": counts,
        "never_read": "QuestAnswer1Doc (reserved)",
    }
    META_FILE.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return meta


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mirror", type=Path,
                   default=Path(os.environ.get("CRUD_RAG_REPO", "/work/.mirror/IAAR-Shanghai+CRUD_RAG/repo")))
    meta = build(p.parse_args().mirror)
    print(json.dumps(meta, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
