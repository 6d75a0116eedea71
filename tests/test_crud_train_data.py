"""The CRUD-RAG training data (eval/build_crud_train.py) learns nothing of the crud-dev evaluation kit, and every
training answer is a verbatim span of its source document in the training corpus."""

import json
from pathlib import Path

from eval.build_crud_train import CORPUS_DIR, KIT, MAX_ANSWER_CHARS, OUT_FILE, norm_body


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_no_kit_question_item_or_document_is_in_the_training_data() -> None:
    train = _jsonl(OUT_FILE)
    kit = _jsonl(KIT / "questions.jsonl")
    assert {norm_body(q["question"]) for q in train}.isdisjoint({norm_body(q["question"]) for q in kit})
    assert {q["crud_item"] for q in train}.isdisjoint({q["crud_item"] for q in kit})
    kit_docs = [norm_body(p.read_text(encoding="utf-8")) for p in sorted((KIT / "corpus").glob("*.txt"))]
    for p in sorted(CORPUS_DIR.glob("*.txt")):
        body = norm_body(p.read_text(encoding="utf-8"))
        assert not any(body in k or k in body for k in kit_docs), p.name
    assert all("QuestAnswer1Doc" not in q["crud_file"] for q in train)


def test_training_answers_are_short_verbatim_spans_of_their_source() -> None:
    train = _jsonl(OUT_FILE)
    assert 250 <= len(train) <= 400
    assert len({q["id"] for q in train}) == len(train)
    for q in train:
        assert q["id"].startswith("CRUD")
        text = (CORPUS_DIR / q["source_doc"]).read_text(encoding="utf-8")
        assert q["answers"] and all(a in text and 2 <= len(a) <= MAX_ANSWER_CHARS for a in q["answers"]), q["id"]
    sources = {q["source_doc"] for q in train}
    assert len(list(CORPUS_DIR.glob("*.txt"))) >= 1.5 * len(sources)  # distractors beside the sources
