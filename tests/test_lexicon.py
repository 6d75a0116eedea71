"""The lexicon each index learns from its own corpus (ingest.lexicon): new words jieba's dictionary lacks, kept
whole by the tokenizer while that index is in use, and word-order variants folded."""

from __future__ import annotations

import pytest

from core.settings import PROJECT_ROOT
from ingest.lexicon import EMPTY, Lexicon
from ingest.tokenize import active_lexicon, learn_lexicon, lexicon_scope, tokenize, use_lexicon, words

# an invented coined term in varied contexts, and its swapped order less often; "月至" always after a digit
_TEXTS = [
    f"{lead}推行“蓝鹊联办”{tail}。全年受理{n}件，{n}月至{n + 1}月最多。"
    for n, (lead, tail) in enumerate([
        ("今年", "以来"), ("各地", "成效明显"), ("通过", "，群众少跑腿"), ("我县", "经验"),
        ("去年", "试点"), ("全面", "之后"), ("他说", "很好"), ("为此", "方案出台"),
    ], start=1)
] + ["各地推行“联办蓝鹊”。", "又称“联办蓝鹊”，即联合办理。", "简称联办蓝鹊。"]
# ordinary text around it, as a corpus has: the bundled corpus (none of its words is asserted on)
_BACKGROUND = [p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt"))]
_REPEATED = ["公路养护队伍冒雨清理塌方，澄湾路段畅通。"] * 5  # a clause repeated word for word, always before 。
_TEXTS = _TEXTS + _BACKGROUND


@pytest.fixture(autouse=True)
def _restore_lexicon():
    before = active_lexicon()
    yield
    use_lexicon(before)


def test_a_coined_term_used_in_varied_contexts_is_learned_and_kept_whole():
    lex = learn_lexicon(_TEXTS)
    learned = dict(lex.words)
    assert learned.get("蓝鹊联办") == 8
    use_lexicon(EMPTY)
    assert "蓝鹊联办" not in words("蓝鹊联办有什么成效？")
    use_lexicon(lex)
    assert "蓝鹊联办" in words("蓝鹊联办有什么成效？")
    assert "蓝鹊联办" in tokenize("蓝鹊联办有什么成效？")


def test_a_piece_always_next_to_digits_or_a_function_character_is_no_word():
    learned = dict(learn_lexicon(_TEXTS).words)
    assert "月至" not in learned  # its left neighbour is always a digit: not free
    assert "澄湾路段畅通" not in dict(learn_lexicon(_TEXTS + _REPEATED).words)
    assert not any(w[0] in "的了是在" or w[-1] in "的了是在" for w in learned)


def test_the_rarer_order_of_a_swapped_term_is_folded_to_the_more_frequent_one():
    texts = _TEXTS + [f"{lead}“联办蓝鹊”{tail}。" for lead, tail in [("推行", "以来"), ("所谓", "很好"), ("开展", "经验")]]
    lex = learn_lexicon(texts)
    assert ("联办蓝鹊", "蓝鹊联办") in lex.variants
    use_lexicon(lex)
    assert "蓝鹊联办" in words("联办蓝鹊是什么？")
    use_lexicon(EMPTY)
    assert "蓝鹊联办" not in words("联办蓝鹊是什么？")


def test_a_lexicon_survives_its_file_and_the_same_texts_give_the_same_lexicon():
    lex = learn_lexicon(_TEXTS)
    again = Lexicon.from_json(lex.to_json())
    assert again == lex and again.key == lex.key
    assert learn_lexicon(_TEXTS).key == lex.key


def test_an_index_tokenises_with_the_lexicon_of_its_own_chunks(tmp_path):
    from ingest.chunk import Chunk
    from ingest.store import BM25Index

    chunks = [Chunk(chunk_id=f"c{i}", doc_id="d", doc_title="办事指南", section="", source="d.txt", start=0,
                    end=len(t), text=t, seq=i)
              for i, t in enumerate(_TEXTS)]
    use_lexicon(EMPTY)
    built = BM25Index.derive(tmp_path, chunks)
    assert "蓝鹊联办" in dict(built.lexicon.words)
    assert "蓝鹊联办" in built.vocab  # BM25 was built under the index's lexicon
    assert active_lexicon() == EMPTY  # ... in a scope: the process's lexicon is the loaded index's, set apart
    loaded = BM25Index.derive(tmp_path, chunks)  # the saved one, with its lexicon
    assert loaded.lexicon == built.lexicon and loaded.vocab == built.vocab


def test_a_lexicon_scope_applies_to_its_thread_only_and_restores_the_one_before():
    import threading

    lex = learn_lexicon(_TEXTS)
    use_lexicon(EMPTY)
    seen: list[bool] = []
    with lexicon_scope(lex):
        assert "蓝鹊联办" in words("蓝鹊联办有什么成效？")
        other = threading.Thread(target=lambda: seen.append("蓝鹊联办" in words("蓝鹊联办有什么成效？")))
        other.start()
        other.join()
        with lexicon_scope(EMPTY):
            assert "蓝鹊联办" not in words("蓝鹊联办有什么成效？")
        assert "蓝鹊联办" in words("蓝鹊联办有什么成效？")
    assert seen == [False]
    assert "蓝鹊联办" not in words("蓝鹊联办有什么成效？")


def test_learning_switched_off_tokenises_with_jiebas_dictionary_alone_and_on_again_learns(tmp_path):
    from ingest.chunk import Chunk
    from ingest.store import BM25Index

    chunks = [Chunk(chunk_id=f"c{i}", doc_id="d", doc_title="办事指南", section="", source="d.txt", start=0,
                    end=len(t), text=t, seq=i)
              for i, t in enumerate(_TEXTS)]
    off = BM25Index.derive(tmp_path, chunks, learn=False)  # settings.learn_lexicon = False
    assert off.lexicon == EMPTY and "蓝鹊联办" not in off.vocab
    on = BM25Index.derive(tmp_path, chunks)  # the saved index had none: learned now, not kept as it was
    assert "蓝鹊联办" in dict(on.lexicon.words) and "蓝鹊联办" in on.vocab


def test_a_phrase_of_one_documents_title_is_no_word_however_many_chunks_repeat_the_title(tmp_path):
    from ingest.chunk import Chunk
    from ingest.store import BM25Index

    title = "澄湾联审办法"
    chunks = [Chunk(chunk_id=f"c{i}", doc_id="d", doc_title=title, section="", source="d.txt", start=0,
                    end=len(t), text=t, seq=i)
              for i, t in enumerate(_TEXTS)]
    learned = dict(BM25Index.derive(tmp_path, chunks).lexicon.words)
    assert "蓝鹊联办" in learned and "澄湾联审办法" not in learned
    from ingest.store import lexical_text  # counted once per chunk, as BM25 indexes it, it would pass

    assert "澄湾联审办法" in dict(learn_lexicon(lexical_text(c) for c in chunks).words)


def test_a_large_corpus_is_learned_from_a_stable_sample_of_whole_documents():
    from ingest.chunk import Chunk
    from ingest.store import lexicon_texts

    def doc(d: int) -> list[Chunk]:
        return [Chunk(chunk_id=f"{d}-{i}", doc_id=f"doc{d}", doc_title=f"标题{d}", section="", source=f"{d}.txt",
                      start=0, end=100, text="字" * 100, seq=i) for i in range(3)]

    chunks = [c for d in range(20) for c in doc(d)]  # 6,000 characters of chunk text
    assert len(lexicon_texts(chunks)) == 20 + 60  # under the cap: every title and chunk
    sample = lexicon_texts(chunks, max_chars=1_000)
    titles = [t for t in sample if t.startswith("标题")]
    assert 3 <= len(titles) <= 5 and len(sample) == len(titles) * 4  # whole documents, until 1,000 characters
    assert lexicon_texts(list(reversed(chunks)), max_chars=1_000)[: len(titles)] == titles  # whatever the order
    # a document added outside the sample leaves it as it was; one inside it takes its place in it
    grown = [lexicon_texts(chunks + doc(d), max_chars=1_000) for d in range(20, 40)]
    assert any(g == sample for g in grown) and any(g != sample for g in grown)
