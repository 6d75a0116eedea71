"""Retrieval, extractive answers, citations and abstention on the small fixture corpus."""

from __future__ import annotations

import pytest

from core.errors import IndexNotReady, NotReady
from core.text import NOT_FOUND
from rag import components
from rag.answer import Evidence
from rag.cite import verify
from rag.engine import FRAGMENT_NOTICE, NOT_CHINESE_NOTICE, AskEngine, Turn, condense, needs_history
from rag.question import question_kind
from rag.retrieve import load_index


@pytest.fixture(scope="module")
def engine(small_index) -> AskEngine:
    return components.engine(small_index)


def test_answer_quotes_the_supporting_sentence_with_a_verified_citation(engine):
    r = engine.ask("龙泉镇下放了多少项行政审批权？")
    assert not r.abstained and "76" in r.answer and "[1]" in r.answer
    assert r.citations and r.citations[0].doc_title == "龙泉镇扩权改革简报"
    for c in r.citations:
        ctx = next(x for x in r.contexts if x.chunk_id == c.chunk_id)
        assert c.quote in ctx.text
        assert c.end - c.start == len(c.quote)


def test_citation_offsets_point_into_the_cleaned_document(engine, small_index):
    from ingest.store import Catalog

    r = engine.ask("绍兴县选择了哪些镇作为扩权试点镇？")
    cat = Catalog(small_index.index_dir)
    c = r.citations[0]
    doc_id = next(ch.doc_id for ch in cat.chunks() if ch.chunk_id == c.chunk_id)
    assert cat.document_text(doc_id)[c.start : c.end] == c.quote
    cat.close()


def test_question_about_another_city_abstains_but_lists_nearest_sources(engine):
    r = engine.ask("广州市下放了多少项行政审批权？")
    assert r.abstained and r.answer == "资料中未找到相关内容"
    assert r.citations == [] and r.contexts


def test_contexts_are_best_first_and_json_shape(engine):
    r = engine.ask("平昌县的改革思路是什么？")
    assert r.contexts[0].doc_title == "平昌县扩权强能改革"
    scores = [c.score for c in r.contexts]
    assert scores == sorted(scores, reverse=True)
    data = r.model_dump()
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total", "bm25", "dense", "embed_query"}
    assert data["mode"] == "extractive" and data["fallback"] is None


def test_search_timings_travel_with_each_result_not_on_the_shared_retriever(engine):
    hits = engine.retriever.search("平昌县的改革思路是什么？")
    assert hits and set(hits.timings_ms) == {"bm25", "dense", "embed_query"}
    other = engine.retriever.search("龙泉镇下放了多少项行政审批权？", mode="bm25")
    assert set(other.timings_ms) == {"bm25", "dense"} and "embed_query" in hits.timings_ms
    assert not any(name.startswith("last_") for name in vars(engine.retriever))


def test_an_english_question_is_refused_with_a_notice_that_the_documents_are_chinese(engine):
    r = engine.ask("How many administrative approval powers were delegated to Longquan town?")
    assert r.abstained and NOT_CHINESE_NOTICE in r.notices
    assert NOT_CHINESE_NOTICE not in engine.ask("广州市下放了多少项行政审批权？").notices


def test_a_follow_up_fragment_asked_first_is_refused_with_a_notice_to_ask_the_whole_question(engine):
    # "2022年呢？" with no earlier question was answered with whatever its few words retrieved
    for question in ("2022年呢？", "那么江苏呢？", "它下放了多少项行政审批权？"):
        r = engine.ask(question)
        assert r.abstained and r.answer == NOT_FOUND and FRAGMENT_NOTICE in r.notices and not r.citations, question
    kinds = [kind for kind, _ in engine.ask_stream("2022年呢？")]
    assert kinds[-2:] == ["citations", "done"] and "token" in kinds
    # after an earlier question the same fragment is a follow-up, answered
    history = [Turn(role="user", content="桦南县下放了多少项行政审批权？"), Turn(role="assistant", content="…")]
    r = engine.ask("那么龙泉镇呢？", history)
    assert not r.abstained and "76" in r.answer and FRAGMENT_NOTICE not in r.notices
    # a whole question ending with 呢 is no fragment
    r = engine.ask("龙泉镇下放了多少项行政审批权呢？")
    assert not r.abstained and "76" in r.answer


def test_which_questions_are_follow_up_fragments():
    assert needs_history("2022年呢？") and needs_history("那编制呢？") and needs_history("该镇的人口是多少？")
    assert not needs_history("强镇扩权的意义是什么呢？")  # a question word of its own
    assert not needs_history("其中工业占多少？") and not needs_history("它们是什么关系？")
    assert not needs_history("龙泉镇下放了多少项行政审批权？")


@pytest.mark.parametrize("step,fallback", [({"status": 500}, "llm_unavailable"),
                                           ({"reply": "龙泉镇下放了许多权力。"}, "citation_check_failed")])
def test_an_extractive_fallback_is_a_typed_field_not_a_notice_to_match(small_index, step, fallback):
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI() as fake:
        s = small_index.model_copy(update={"openai_base_url": fake.base_url, "llm_model": "fake-llm",
                                           "llm_timeout": 5.0, "llm_max_retries": 0})
        engine = components.engine(s)
        assert engine.uses_llm
        fake.script.append(step)
        r = engine.ask("龙泉镇下放了多少项行政审批权？")
    assert r.fallback == fallback and r.mode == "extractive" and "76" in r.answer
    assert engine.ask("广州市下放了多少项行政审批权？").fallback is None  # abstained: no LLM call, no fallback


def test_every_caller_gets_the_same_question_validation(small_index):
    from rag.service import RagService

    service = RagService(small_index)
    with pytest.raises(Exception, match="问题不能为空"):
        service.ask("   ")
    with pytest.raises(Exception, match="问题过长"):
        service.ask("问" * (small_index.max_question_chars + 1))
    assert service.probe()["documents"] == 3


def test_an_empty_index_makes_the_service_not_ready(settings):
    from rag.service import RagService

    with pytest.raises(NotReady):
        RagService(settings).probe()


def test_follow_up_carries_the_previous_subject():
    history = [Turn(role="user", content="平昌县下放了几项人事管理权？"), Turn(role="assistant", content="5项")]
    assert condense("那编制呢？", history) == "平昌县 那编制呢？"
    assert condense("绍兴县选择了哪些镇？", history) == "绍兴县选择了哪些镇？"


def test_a_follow_up_naming_another_place_asks_the_previous_question_about_it():
    history = [Turn(role="user", content="江苏从哪一年开始强县扩权试点工作？"), Turn(role="assistant", content="2005年")]
    assert condense("那么浙江呢？", history) == "浙江从哪一年开始强县扩权试点工作?"  # in the normal form
    assert condense("绍兴县呢？", history) == "绍兴县从哪一年开始强县扩权试点工作?"
    # asked in traditional characters: the names are read in the normal form
    history = [Turn(role="user", content="江蘇從哪一年開始強縣擴權試點工作？")]
    assert condense("那麼浙江呢？", history) == "浙江从哪一年开始强县扩权试点工作?"
    # a place the segmenter cuts before its unit (大坪|乡); the name of the same unit is replaced (松阳县青溪镇)
    history = [Turn(role="user", content="金鸡岭乡全年受理群众事项多少件？")]
    assert condense("大坪乡呢？", history) == "大坪乡全年受理群众事项多少件?"
    history = [Turn(role="user", content="松阳县青溪镇承接了多少项行政审批事项？")]
    assert condense("那么白沙镇呢？", history) == "松阳县白沙镇承接了多少项行政审批事项?"
    # a follow-up of a follow-up is completed from the question the previous one was understood as
    history = [Turn(role="user", content="青溪镇2023年地区生产总值是多少？"), Turn(role="assistant", content="18.6亿元"),
               Turn(role="user", content="白沙镇呢？"), Turn(role="assistant", content="9.4亿元")]
    assert condense("那么青溪镇呢？", history) == "青溪镇2023年地区生产总值是多少?"
    # a previous question naming no place: the place asked about goes before it
    history = [Turn(role="user", content="强镇扩权和扩权强县有什么区别？")]
    assert condense("那江苏呢？", history) == "江苏强镇扩权和扩权强县有什么区别?"



def test_question_kinds():
    assert question_kind("1995年全国有多少个小城镇开展了综合试点？") == "number"
    assert question_kind("江苏从哪一年开始强县扩权试点工作？") == "date"
    assert question_kind("传统乡政府的职能有哪些？") == "list"
    assert question_kind("为什么会出现权力下放断链？") == "explain"
    assert question_kind("各地在下放人事管理权方面有哪些做法？") == "compare"


def test_verify_catches_fabricated_numbers_and_bad_markers(engine):
    hits = engine.retriever.search("龙泉镇下放了多少项行政审批权？")
    chunk_text = hits[0].chunk.text
    i = chunk_text.index("区委")
    ev = [Evidence(1, hits[0], i, len(chunk_text), 1.0)]
    assert verify(f"{ev[0].quote}[1]", ev, len(hits)).ok
    fabricated = verify("下放了99项行政审批权[1]", ev, len(hits))
    assert not fabricated.ok and "99" in fabricated.problems[0]
    assert not verify("见资料[9]", ev, len(hits)).ok


def test_empty_index_is_a_clear_error(settings):
    with pytest.raises(IndexNotReady, match="ragqa ingest"):
        load_index(settings)



@pytest.mark.xfail(strict=False, reason=(
    "issue 13, open: another document is quoted only when its best candidate's calibrated probability reaches 0.5; "
    "here none does. Quoting every document whose answerability reaches the threshold was measured and dropped "
    "(gold citation precision 0.911 -> 0.903)"))
def test_a_question_across_documents_cites_several_documents(engine):
    r = engine.ask("各地分别下放了哪些人事管理权和行政审批权？")
    assert not r.abstained
    assert len({c.doc_title for c in r.citations}) >= 2


def test_the_cli_asks_through_the_service_and_its_question_validation(small_index):
    import json

    from typer.testing import CliRunner

    from rag.cli import app

    where = ["--index-dir", str(small_index.index_dir)]
    r = CliRunner().invoke(app, ["ask", "龙泉镇下放了多少项行政审批权？", "--json", *where])
    assert r.exit_code == 0 and "76" in json.loads(r.stdout)["answer"]
    empty = CliRunner().invoke(app, ["ask", "   ", *where])
    assert empty.exit_code == 2 and "问题不能为空" in empty.output
    # a follow-up asked in one shot, its earlier question given with --after (as the API's history)
    alone = CliRunner().invoke(app, ["ask", "那么龙泉镇呢？", "--json", *where])
    follow = CliRunner().invoke(app, ["ask", "那么龙泉镇呢？", "--after", "桦南县下放了多少项行政审批权？", "--json", *where])
    assert follow.exit_code == 0 and "76项" in json.loads(follow.stdout)["answer"], follow.output
    assert alone.exit_code == 0 and json.loads(alone.stdout)["abstained"]


def test_a_small_index_ranks_dense_exactly_so_the_nearest_chunk_is_always_first(small_index):
    """Chroma's HNSW search is approximate: it was seen to omit the nearest chunk in one process of three.
    An index under ``exact_dense_max`` chunks ranks every stored vector by cosine instead, which this checks
    against a brute-force ranking read straight from Chroma; above the limit, Chroma is queried."""
    import math

    import numpy as np

    from rag.retrieve import HybridRetriever

    index = load_index(small_index)
    got = index.collection.get(include=["embeddings"])
    matrix = np.asarray(got["embeddings"], dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    retriever = HybridRetriever(index, small_index, mode="dense")
    for q in ["乡镇下放了多少项行政审批事项？", "综合执法改革的做法", "干部考核"]:
        qvec = index.embedding.get_query_embedding(q)
        cos = matrix @ (np.asarray(qvec, dtype=np.float32) / np.linalg.norm(qvec))
        order = [got["ids"][i] for i in np.argsort(-cos)]
        hits = retriever.search(q, top_k=3, query_vector=qvec)
        assert hits[0].chunk.chunk_id == order[0]
        assert math.isclose(hits.top_similarity, math.exp(float(cos.max()) - 1.0), rel_tol=1e-5)
    assert index._exact([*index.chunks, "no-such-chunk"]) is None  # a vector Chroma cannot return: Chroma is queried
    big = load_index(small_index.model_copy(update={"exact_dense_max": 0}))
    assert index.dense_vectors is not None and big.dense_vectors is None
    assert HybridRetriever(big, small_index, mode="dense").search("干部考核", top_k=3)  # the Chroma path still runs


def test_a_question_without_a_subject_goes_on_with_the_previous_one_s_and_falls_back_to_itself(tmp_path, settings):
    from ingest.pipeline import ingest

    history = [Turn(role="user", content="星辰科技2023年营业收入是多少？"), Turn(role="assistant", content="12.6亿元")]
    assert condense("员工总数是多少？", history) == "星辰科技 员工总数是多少？"  # the subject it opens with
    assert condense("丰禾农业有多少名员工？", history) == "星辰科技 丰禾农业有多少名员工？"  # no name jieba knows
    assert condense("梨花镇有多少名员工？", history) == "梨花镇有多少名员工？"  # a subject of its own
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in {"a.txt": "星辰科技股份有限公司2023年年度报告摘要\n2023年，公司实现营业收入12.6亿元。截至2023年末，"
                                "公司员工总数1860名。\n",
                       "b.txt": "丰禾农业发展有限公司2023年度工作总结\n2023年，公司实现营业收入3.4亿元。截至2023年末，"
                                "公司员工总数380名。\n",
                       "c.txt": "梨花镇2023年政府工作报告\n2023年，全镇新建农村公路21公里。\n"}.items():
        (docs / name).write_text(text, encoding="utf-8")
    ingest([docs], settings)
    engine = AskEngine(load_index(settings), settings)
    r = engine.ask("员工总数是多少？", history=history)
    assert not r.abstained and "1860名" in r.answer and "380名" not in r.answer
    r = engine.ask("丰禾农业有多少名员工？", history=history)
    assert not r.abstained and "380名" in r.answer and "1860名" not in r.answer
    # a new topic: completed with 星辰科技 it finds nothing, so it is asked as it stands
    r = engine.ask("全镇新建农村公路多少公里？", history=history)
    assert not r.abstained and "21公里" in r.answer


def test_a_follow_up_naming_a_year_an_attribute_or_a_town_jieba_does_not_know_changes_that_part():
    def after(question: str) -> list[Turn]:
        return [Turn(role="user", content=question), Turn(role="assistant", content="…")]

    # a town the segmenter cuts from its unit (青石|乡), on both sides
    assert condense("那青石乡呢？", after("青石镇2022年地区生产总值是多少？")) == "青石乡2022年地区生产总值是多少?"
    assert condense("那柳溪镇呢？", after("青石镇2023年地区生产总值是多少？")) == "柳溪镇2023年地区生产总值是多少?"
    assert condense("2023年呢？", after("柳溪镇2022年城镇居民人均可支配收入是多少？")) == \
        "柳溪镇2023年城镇居民人均可支配收入是多少?"
    # another attribute of the same subject, also one jieba tags partly as a name (农村居民 nr)
    assert condense("农村居民人均可支配收入呢？", after("柳溪镇2023年地区生产总值是多少？")) == \
        "柳溪镇2023年农村居民人均可支配收入是多少?"
    assert condense("党委书记呢？", after("柳溪镇镇长是谁？")) == "柳溪镇党委书记是谁?"


def test_a_follow_up_opening_with_a_pronoun_asks_about_the_previous_question_s_subject():
    history = [Turn(role="user", content="禾田食品的董事长是谁？"), Turn(role="assistant", content="韦某")]
    assert condense("它的营业收入是多少？", history) == "禾田食品的营业收入是多少?"
    assert condense("该公司有多少名员工？", history) == "禾田食品有多少名员工?"
    history = [Turn(role="user", content="青岚镇2024年地区生产总值是多少？")]
    assert condense("该镇的一般公共预算收入是多少？", history) == "青岚镇的一般公共预算收入是多少?"
    # 其中 ("among them") and 它们 (several things) are no pronoun for one subject
    assert not condense("其中工业占多少？", history).startswith("青岚镇中")
    assert not condense("它们是什么关系？", history).startswith("青岚镇是")
