"""The external evaluation kits shipped in eval/external are well formed: every question's answer strings occur
in its source document (as the kit README promises), and the scorer counts a context hit only from that source."""

from __future__ import annotations

from eval.kits import KITS, KitQuestion, load_kit, rank_of
from eval.score import norm


def test_every_kit_question_has_its_answer_in_its_source_document():
    for kit in KITS:
        questions, files = load_kit(kit)
        assert len(questions) >= 100 and files
        texts = {f.name: norm(f.read_text(encoding="utf-8")) for f in files}
        for q in questions:
            assert q.source_doc in texts, (kit, q.id)
            assert any(norm(a) in texts[q.source_doc] for a in q.answers), (kit, q.id)


def test_a_context_counts_as_a_hit_only_from_the_source_document():
    q = KitQuestion(id="x", question="?", answers=["1998年"], source_doc="a.txt")
    contexts = [{"source": "b.txt", "text": "成立于1998年", "score": 1.0},
                {"source": "a.txt", "text": "成立于1998年", "score": 0.5}]
    assert rank_of(q, contexts) == 2
    assert rank_of(q, contexts[:1]) is None
