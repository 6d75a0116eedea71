"""Kinds of questions the answer engine must get right, each on the regression case's own documents
(tests/data/cases, copied from the shared cases 04, 06 and 16) and on small documents of the same kind written
here: a year named in the question scopes the answer, 多少 + measure word + noun, full-width and traditional
questions and documents, Chinese numerals ≡ digits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.text import NOT_FOUND
from ingest.normalize import find_original, normalize
from ingest.pipeline import ingest
from rag.engine import AskEngine
from rag.question import analyse
from rag.retrieve import load_index

CASES = Path(__file__).parent / "cases"


def _engine(docs: Path, settings) -> AskEngine:  # noqa: ANN001
    ingest([docs], settings)
    return AskEngine(load_index(settings), settings)


def _write(tmp_path: Path, files: dict[str, str]) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def _check(engine: AskEngine, expected: dict) -> list[str]:
    r = engine.ask(expected["question"])
    problems = []
    if expected["expect"] == "abstain" and not r.abstained:
        problems.append(f"{expected['question']}: answered {r.answer!r}, expected the refusal")
    if expected["expect"] == "answer" and r.abstained:
        problems.append(f"{expected['question']}: refused, expected an answer")
    if not r.abstained:
        problems += [f"{expected['question']}: {k!r} missing from {r.answer!r}"
                     for k in expected["must_contain"] if k not in r.answer]
        problems += [f"{expected['question']}: {k!r} in {r.answer!r}"
                     for k in expected["must_not_contain"] if k in r.answer]
        for c in r.citations:
            ctx = next(x for x in r.contexts if x.chunk_id == c.chunk_id)
            if c.quote not in ctx.text:
                problems.append(f"{expected['question']}: quote not in its chunk")
    return problems


@pytest.mark.parametrize("case", ["04-annual-reports-year", "06-short-keyword-segmentation", "16-fullwidth-question"])
def test_regression_case_questions_are_answered_as_expected(case, settings, monkeypatch):
    monkeypatch.chdir(CASES / case)
    engine = _engine(Path("input"), settings)
    lines = (CASES / case / "expected.jsonl").read_text(encoding="utf-8").splitlines()
    problems = [p for line in lines if line.strip() for p in _check(engine, json.loads(line))]
    assert not problems, problems


# --- the same kinds on documents written here ---------------------------------------------------------------

_REPORT = "{town}{year}年工作总结\n{year}年，全县实现税收收入{tax}万元，比{prev}年增长{pct}%。全年建成污水管网{km}公里，新增就业岗位{jobs}个。"


def test_the_year_a_question_names_chooses_the_report_of_that_year_not_the_one_comparing_with_it(tmp_path, settings):
    docs = _write(tmp_path, {
        "a.txt": _REPORT.format(town="青石县", year=2021, prev=2020, tax=3300, pct=5, km=8, jobs=410),
        "b.txt": _REPORT.format(town="青石县", year=2022, prev=2021, tax=3600, pct=9, km=15, jobs=520),
    })
    engine = _engine(docs, settings)
    r = engine.ask("青石县2021年税收收入是多少？")
    assert not r.abstained and "3300" in r.answer and "3600" not in r.answer
    r = engine.ask("青石县2022年建成污水管网多少公里？")
    assert not r.abstained and "15公里" in r.answer and "8公里" not in r.answer
    assert engine.ask("青石县2019年税收收入是多少？").answer == NOT_FOUND


def test_a_measure_word_between_how_many_and_the_noun_finds_the_counted_thing(tmp_path, settings):
    docs = _write(tmp_path, {"c.txt": "白沙街道平安建设情况\n街道共配备专职调解员35名，建成调解室12个。"
                                      "全年受理群众来信86件，开展普法宣传活动40场。"})
    engine = _engine(docs, settings)
    r = engine.ask("街道配备了多少名调解员？")
    assert not r.abstained and "35名" in r.answer
    q = analyse("受理了多少件来信？")
    assert (q.what, q.unit, q.noun) == ("number", "件", "来信")


def test_full_width_and_traditional_questions_match_simplified_half_width_documents(tmp_path, settings):
    docs = _write(tmp_path, {"d.txt": "云岭镇数字经济简报\n2024年，全镇5G基站达到46座，电商交易额突破1,250万元。"})
    engine = _engine(docs, settings)
    for question in ("２０２４年全镇５Ｇ基站有多少座？", "2024年全鎮5G基站有多少座？"):
        r = engine.ask(question)
        assert not r.abstained and "46座" in r.answer, question


def test_a_traditional_document_written_in_chinese_numerals_answers_a_simplified_question_quoting_the_original(
        tmp_path, settings):
    docs = _write(tmp_path, {"e.txt": "東湖鄉發展報告\n二〇二三年，東湖鄉新建農村公路十二公里，新增綠地面積三十畝。"})
    engine = _engine(docs, settings)
    r = engine.ask("东湖乡2023年新建农村公路多少公里？")
    assert not r.abstained and "十二公里" in r.answer  # the quote is the stored text, not its normal form
    assert all(c.quote in (docs / "e.txt").read_text(encoding="utf-8") for c in r.citations)


def test_the_normaliser_folds_width_script_numerals_and_separators_and_maps_back_to_the_original():
    assert normalize("２０２３年ＧＤＰ增長") == "2023年gdp增长"
    assert normalize("二〇二三年七月一日") == "2023年7月1日"
    assert normalize("十二名") == "12名" and normalize("百分之三十") == "30%"
    assert normalize("4,250万元") == "4250万元" and normalize("四千二百五十万元") == "4250万元"
    assert normalize("统一规划，一是加强") == "统一规划,一是加强"  # a bare 一 is not a count
    text = "二〇二三年，全縣ＧＤＰ達到4,250萬元。"
    start, end = find_original(text, "gdp达到4250万元")
    assert text[start:end] == "ＧＤＰ達到4,250萬元"


def test_a_figure_in_words_or_with_an_approximation_meets_the_unit_asked(tmp_path, settings):
    docs = _write(tmp_path, {"f.txt": "松风学院概况\n松风学院现有两个校区，在校学生1.2万余人。"
                                      "学院图书馆建于1956年，藏书81.6万册。去年的山洪冲毁农舍二百多座，数千人无家可归。"})
    engine = _engine(docs, settings)
    for question, figure in (("松风学院现有几个校区？", "两个校区"), ("松风学院有多少人在校学习？", "1.2万余人"),
                             ("山洪冲毁了多少座农舍？", "二百多座"), ("山洪造成多少人无家可归？", "数千人")):
        r = engine.ask(question)
        assert not r.abstained and figure in r.answer, (question, r.answer)


def test_a_physical_quantity_asked_without_a_unit_is_answered_only_by_a_figure_of_it_in_its_units(tmp_path, settings):
    docs = _write(tmp_path, {"b.txt": "凫山大桥建成通车\n8月5日，随着最后一节重约64吨的钢箱梁吊装到位，凫山大桥合龙。"
                                      "凫山大桥是凫山至枫坪公路的控制性工程，大桥主塔高约132米，总投资4.6亿元。"
                                      "凫山至枫坪公路全长26.8公里，设互通立交3处。",
                             "h.txt": "县妇幼保健院新院区开工\n县妇幼保健院新院区项目进入主体施工阶段。"
                                      "新院区占地面积64亩，总建筑面积5.8万平方米，设置床位400张。",
                             "t.txt": "枫坪镇概况\n枫坪镇位于县境西部，总面积58.6平方公里，辖9个行政村。"
                                      "2023年全镇完成固定资产投资3.1亿元，新建农村公路12条。"})
    engine = _engine(docs, settings)
    # the figure of the quantity asked, in its units and beside its word (高 for 高度), not the weight or the
    # road's length of the same document
    r = engine.ask("凫山大桥主塔的高度是多少？")
    assert not r.abstained and "132米" in r.answer, r.answer
    r = engine.ask("枫坪镇的总面积是多少？")
    assert not r.abstained and "58.6平方公里" in r.answer, r.answer
    r = engine.ask("凫山至枫坪公路有多长？")  # asked by its adjective: a number question of length
    assert not r.abstained and "26.8公里" in r.answer, r.answer
    r = engine.ask("保健院新院区建筑面积有多大？")  # an area asked by 多大, not the lead sentence before it
    assert not r.abstained and "5.8万平方米" in r.answer, r.answer
    assert analyse("保健院新院区建筑面积有多大？").what == "number" and analyse("新院区有多大面积？").dimension
    assert analyse("他今年多大？").dimension == ""  # 多大 alone asks no area
    # no figure of the quantity in any document: refused, not answered with an amount or a count
    assert engine.ask("枫坪镇水库的库容是多少？").abstained


def test_two_things_compared_or_asked_one_by_one_are_each_answered_with_their_figure(tmp_path, settings):
    # (each thing in a document of its own: no one passage gives both figures)
    docs = _write(tmp_path, {"m.txt": "翠屿区妇幼保健院新建工程进展顺利\n翠屿区妇幼保健院新建工程位于城北新区，"
                                      "总投资3.42亿元，设置床位300张，预计明年6月投用。",
                             "s.txt": "翠屿区实验中学扩建工程开工\n翠屿区实验中学扩建工程总投资1.18亿元，新增学位1500个，"
                                      "今年9月秋季开学时启用。",
                             "t.txt": "地铁4号线三期工程开工\n地铁4号线三期工程全长12.6公里，设车站9座，总投资96.5亿元。",
                             "k.txt": "滨江快速路开工建设\n滨江快速路全长18.2公里，按双向六车道建设，总投资27.3亿元。"})
    engine = _engine(docs, settings)
    for question, figures in (("保健院和中学哪个投资多？", ("3.42亿元", "1.18亿元")),
                              ("4号线三期和滨江快速路分别投资多少？", ("96.5亿元", "27.3亿元"))):
        r = engine.ask(question)
        assert not r.abstained and all(f in r.answer for f in figures), (question, r.answer)


def test_a_body_named_with_its_place_is_not_answered_by_the_same_body_of_another_place(tmp_path, settings):
    docs = _write(tmp_path, {"a.txt": "柳溪镇中心小学新建工程竣工\n柳溪镇中心小学新建工程位于柳溪镇与石桥镇交界处，总投资1.2亿元，规划建设36个教学班。"
                                      "项目于2024年3月开工，2025年9月1日秋季开学时正式招生。"
                                      "同期开工的镇卫生院预计2025年底投用，将缓解柳溪镇、石桥镇群众就医难问题。",
                             "b.txt": "石桥镇2024年工作总结\n石桥镇全年完成地区生产总值32.5亿元，新建农村公路15公里，"
                                      "改造提升镇区道路3条。"})
    engine = _engine(docs, settings)
    r = engine.ask("柳溪镇中心小学什么时候开学？")
    assert not r.abstained and "9月1日" in r.answer, r.answer
    # 柳溪镇's school is another school, though its document names 石桥镇 too
    assert engine.ask("石桥镇中心小学什么时候开学？").abstained


def test_a_heading_naming_a_one_off_item_is_no_figure_and_a_document_number_is_no_day(tmp_path, settings):
    docs = _write(tmp_path, {
        "p.txt": "关于印发鹤鸣县扶持家庭农场发展若干措施的通知\n一、加大扶持力度\n（一）一次性建设补助\n"
                 "1. 新认定的县级示范家庭农场，给予一次性建设补助8,000元。\n"
                 "2. 家庭农场流转土地50亩以上的，每亩补助100元，最高不超过2万元。\n",
        "n.txt": "鹤鸣县林业局\n关于开展2024年度森林乡村评选工作的通知\n鹤林发〔2024〕7号\n各乡（镇）人民政府：\n"
                 "为推进国土绿化，决定开展2024年度森林乡村评选工作。现将有关事项通知如下。\n一、评选范围\n"
                 "全县森林覆盖率达到30%以上的行政村均可参评。\n二、时间安排\n"
                 "（一）申报阶段：2024年5月6日至5月24日，各村向所在乡（镇）提交申报材料。\n"
                 "（二）评审阶段：2024年6月3日至6月14日，县林业局组织评审。\n"})
    engine = _engine(docs, settings)
    # 「（一）一次性建设补助」 states no figure (一次性 is a word, no count): the item under it is quoted with it
    r = engine.ask("家庭农场一次性建设补助多少钱？")
    assert not r.abstained and "8,000元" in r.answer, r.answer
    r = engine.ask("森林乡村申报阶段到几号？")
    assert not r.abstained and "5月24日" in r.answer, r.answer
    # a deadline asks a day: 「…开展2024年度森林乡村评选工作」 names a year, no day the application closes (here 截止
    # is a word no document uses, so a refusal is right too; the wrong sentence is not)
    r = engine.ask("森林乡村申报什么时候截止？")
    assert r.abstained or "5月24日" in r.answer, r.answer
    # 「〔2024〕7号」 is the notice's number, not the 7th of a month, and 9号线 is a line: a question asking the day
    # (几号, 哪天) is not answered by them
    from rag.answer import _DAY_FIGURE

    assert not _DAY_FIGURE.search(normalize("鹤林发〔2024〕7号各乡(镇)人民政府:"))
    assert not _DAY_FIGURE.search(normalize("9号线将于年内开通")) and not _DAY_FIGURE.search("[2024]3号")
    assert _DAY_FIGURE.search(normalize("5月24日前报送")) and _DAY_FIGURE.search("本月8号开学")


def test_a_village_level_thing_is_no_village_whose_figure_is_another_place_s(tmp_path, settings):
    # 村级道路, 村级卫生室: 村 opens a word (village-level), it names no village whose figures the clause would give
    docs = _write(tmp_path, {"z.txt": "黎川镇2024年政府工作报告\n一、2024年工作回顾\n全年新建和改造村级公路18.6公里，"
                                      "改造农村危房32户，新建村级卫生室2个。",
                             "x.txt": "黎川乡2024年政府工作报告\n一、2024年工作回顾\n全年新建村级公路7.4公里，"
                                      "改造农村危房12户，建成文化广场1个。"})
    engine = _engine(docs, settings)
    r = engine.ask("黎川镇改造了多少户农村危房？")
    assert not r.abstained and "32户" in r.answer and "12户" not in r.answer, r.answer


def test_a_place_named_only_in_a_list_is_not_answered_by_another_place_s_report(tmp_path, settings):
    # 和平 is a dictionary word and 山前 a locative (jieba: s), yet 和平镇 and 山前街道 are places the documents name
    # with their units: 岫溪镇's own 「全镇…」 figures answer nothing about them
    docs = _write(tmp_path, {"r.txt": "2024年度乡镇街道综合考核结果通报\n2024年度综合考核中，山前街道、和平镇、岫溪镇获评"
                                      "一等次，和平镇获评进步最快单位。",
                             "x.txt": "岫溪镇2024年政府工作报告\n过去一年，全镇实现地区生产总值21.4亿元，同比增长6.1%；"
                                      "新增就业860人，城镇登记失业率控制在3%以内。"})
    engine = _engine(docs, settings)
    assert engine.ask("和平镇2024年地区生产总值多少？").abstained
    assert engine.ask("山前街道新增就业多少人？").abstained
    r = engine.ask("岫溪镇2024年地区生产总值多少？")
    assert not r.abstained and "21.4亿元" in r.answer, r.answer


def test_a_figure_asked_about_a_compound_or_measured_attribute_is_found_under_its_parts(tmp_path, settings):
    docs = _write(tmp_path, {"g.txt": "运动员柯林小传\n柯林身高2米05，体重109公斤，司职中锋。柯林出生于1990年。"
                                      "2019年，柯林在家乡投资3,200万元兴建球馆。",
                             "h.txt": "东岭镇概况\n东岭镇位于县境南部，辖12个行政村，以茶叶种植为主。"})
    engine = _engine(docs, settings)
    r = engine.ask("柯林的身高体重是多少？")  # 身高体重 is one jieba word: its parts are named apart
    assert not r.abstained and "2米05" in r.answer and "109公斤" in r.answer
    r = engine.ask("柯林在家乡的投资金额是多少？")  # a measure noun (金额): the thing measured (投资) is named
    assert not r.abstained and "3200万元" in normalize(r.answer)
    # the attribute's head is still required: no document gives 东岭镇's 常住人口
    assert engine.ask("东岭镇的常住人口是多少？").abstained


def test_a_name_the_segmenter_glued_to_its_neighbour_is_read_as_the_name_the_documents_use(tmp_path, settings):
    from rag.answer import ExtractiveAnswerer

    docs = _write(tmp_path, {"i.txt": "魏舒传\n魏舒字阳元，任城樊人，官至司徒，史称贤相。旧宅前有白皮松一株，树龄三百年。"})
    engine = _engine(docs, settings)
    ex: ExtractiveAnswerer = engine.extractive
    # what jieba tags in "魏舒史称什么" (its HMM joins the next character to an unknown name)
    assert ex._resegment("魏舒史", "魏舒史称什么") == "魏舒"
    # "…白皮松才可以…" tagged 松才: the name is the documents' 白皮松
    assert ex._resegment("松才", "什么样的白皮松才可以移栽") == "白皮松"
    assert ex._resegment("魏舒", "魏舒是谁") == "魏舒"  # a name the documents use stays
    assert ex._resegment("张三丰", "张三丰是谁") == "张三丰"  # so does one they never use


def test_a_list_item_labelled_with_the_topic_asked_is_not_run_into_its_siblings(tmp_path, settings):
    docs = _write(tmp_path, {"j.txt": "村民自治的探索\n1.自治的成效:村务公开率达到百分之百,村民满意度明显提高。\n"
                                      "2.自治面临的困难:自治面临的困难包括经费不足、人才外流和议事规则不健全。\n"
                                      "3.自治的启示:基层自治要尊重村民意愿,依法有序推进。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("村民自治面临哪些困难？")
    assert not r.abstained and "经费不足" in r.answer
    assert "启示" not in r.answer and "成效" not in r.answer


def test_a_follow_up_about_another_place_is_answered_from_that_place_s_document(tmp_path, settings):
    from rag.engine import Turn

    docs = _write(tmp_path, {"k.txt": "河北省扩权强县改革综述\n2006年，河北开始扩权强县试点工作，首批试点县22个。",
                             "l.txt": "河南省扩权强县改革回顾\n2004年，河南开始扩权强县试点工作，首批试点县35个。"})
    engine = _engine(docs, settings)
    first = engine.ask("河北从哪一年开始扩权强县试点工作？")
    assert not first.abstained and "2006" in first.answer
    history = [Turn(role="user", content=first.question), Turn(role="assistant", content=first.answer)]
    r = engine.ask("那么河南呢？", history)
    assert not r.abstained and "2004" in r.answer and "2006" not in r.answer


def test_a_counted_noun_with_a_modifier_is_not_answered_by_another_kind_of_it(tmp_path, settings):
    docs = _write(tmp_path, {"m.txt": "石门镇水利概况\n全镇现有小型水库十七座，山塘四百二十口，配备水管员52人。"})
    engine = _engine(docs, settings)
    assert engine.ask("全镇有多少座大型水库？").abstained  # 小型水库 are not 大型水库
    r = engine.ask("全镇有多少座小型水库？")
    assert not r.abstained and "十七座" in r.answer
    r = engine.ask("全镇有多少名水管员？")  # people are counted with 名, 人 or 位 alike
    assert not r.abstained and "52人" in r.answer


def test_a_share_that_is_no_change_answers_a_how_much_question(tmp_path, settings):
    docs = _write(tmp_path, {"n.txt": "年度考核办法\n实事办理情况的考核权重为百分之十五。\n去年全镇财政收入增长8%。"})
    engine = _engine(docs, settings)
    r = engine.ask("实事办理情况的考核权重是多少？")
    assert not r.abstained and "十五" in r.answer
    assert engine.ask("去年全镇财政收入是多少？").abstained  # a change is not the amount asked


def test_a_table_header_naming_the_unit_with_its_count_meets_the_unit_asked(tmp_path, settings):
    from rag.question import unit_pattern

    assert unit_pattern("户").search("事项:路灯安装|投资(万元):75|受益户数:900")
    assert not unit_pattern("户").search("事项:路灯安装|投资(万元):75")


def test_a_sentence_announcing_problems_is_followed_by_the_list_its_next_sentence_opens(tmp_path, settings):
    docs = _write(tmp_path, {"o.txt": "乡村旅游发展调研\n乡村旅游在发展中仍然存在着一些问题,既有经营者自身的原因,也有外部条件的限制。\n"
                                      "主要表现在三方面:一、基础设施薄弱。\n多数村道狭窄,停车位不足。\n"
                                      "二、产品同质化严重。\n各村项目大同小异。\n三、专业人才缺乏。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("乡村旅游发展中存在哪些问题？")
    assert not r.abstained
    assert all(item in r.answer for item in ("基础设施薄弱", "产品同质化严重", "专业人才缺乏")), r.answer


def test_a_year_beside_a_change_does_not_make_it_an_amount(tmp_path, settings):
    docs = _write(tmp_path, {"p.txt": "收入情况通报\n第五条 2023年松阳县农村居民人均可支配收入比上年增长8%。"})
    engine = _engine(docs, settings)
    assert engine.ask("松阳县农村居民人均可支配收入是多少？").abstained


def test_ji_before_any_measure_word_asks_for_a_number(tmp_path, settings):
    assert all(analyse(q).what == "number" for q in ("新建泵站几座？", "全县有几所初级中学？", "受益几户？"))
    docs = _write(tmp_path, {"q.txt": "东风灌区改造项目\n东风灌区改造项目情况如下。\n新修渠道38公里，新建泵站4座。"})
    engine = _engine(docs, settings)
    r = engine.ask("东风灌区新建泵站几座？")
    assert not r.abstained and "4座" in r.answer


def test_a_figure_stated_beside_the_word_asked_is_marked_for_the_scorer(tmp_path, settings):
    from rag.features import FEATURES, CandidateBuilder
    from rag.question import figure_beside, figure_words

    q = analyse("信用社为养殖户发放了多少贷款？")  # a bare 多少 before the noun
    assert figure_words(q.norm, q.attribute, q.noun) == ("贷款",)
    h = analyse("新塔楼的高度是多少？")  # a dimension noun: its adjective states the figure
    assert set(figure_words(h.norm, h.attribute, h.noun)) == {"高度", "高"}
    assert figure_beside(normalize("今年共发放养殖贷款312笔、4200万元。"), ("贷款",))
    assert figure_beside(normalize("塔楼主体高约96米。"), ("高",))
    assert not figure_beside(normalize("信用社感谢各方支持贷款工作。全年走访农户两千户。"), ("贷款",))  # another clause
    assert not figure_beside(normalize("贷款审批于2023年完成。"), ("贷款",))  # a year is no figure
    docs = _write(tmp_path, {"r.txt": "信用社支农情况\n信用社为养殖户发放贷款一事受到好评，全县30个村的养殖户都来咨询。\n"
                                      "今年共发放养殖贷款312笔、4200万元。"})
    engine = _engine(docs, settings)
    hits = engine._retrieve(q.text, 5)
    cands = CandidateBuilder(engine.index.idf).build(q, hits)
    i = FEATURES.index("figure_beside_asked")
    marked = {c.text for c in cands if c.features[i] == 1.0}
    assert any("4200万元" in t for t in marked) and not any(t.startswith("信用社为养殖户") and c_single(t) for t in marked)


def c_single(text: str) -> bool:
    return text.count("。") <= 1


@pytest.mark.parametrize("unit,text,met", [
    ("个", "全县共配备护林员三十六名", True), ("个", "新建项目3项", True),  # 个 stands in for any count classifier
    ("个", "工期12月", False), ("个", "投资300万元", False),  # ... not for a measure of time or money
    ("家", "便民服务站达12个", True), ("件", "发明专利9项", True),  # item classifiers stand in for one another
    ("座", "新建泵站3个", True), ("名", "配备河长52个", True),  # a document's 个 meets any count classifier
    ("户", "受益群众2000人", False), ("年", "3个", False),  # households are not people; 个 is no year
    ("项", "是深化改革的一种手段", False), ("项", "共十一种", True),  # a lone 一 is an article, no count
    ("人", "三镇分列前三名", False), ("名", "位列第5名", False), ("人", "新增就业860人", True),  # a rank counts no one
])
def test_a_classifier_asked_is_met_by_the_classifiers_that_stand_in_for_it(unit, text, met):
    from rag.question import unit_pattern

    assert bool(unit_pattern(unit).search(text)) is met


def test_the_general_classifier_ge_is_met_by_the_classifier_the_document_uses(tmp_path, settings):
    docs = _write(tmp_path, {"s.txt": "护林工作简报\n全县共配备护林员三十六名，巡护面积八千亩。"})
    engine = _engine(docs, settings)
    r = engine.ask("全县配备了多少个护林员？")
    assert not r.abstained and "三十六名" in r.answer
    assert engine.ask("全县配备了多少个护林站？").abstained  # the counted noun is still needed


def test_a_two_character_measure_and_particles_are_not_read_as_the_counted_noun():
    assert (analyse("两地结为友好城市多少周年了？").unit, analyse("两地结为友好城市多少周年了？").noun) == ("周年", "")
    assert analyse("新修了多少公里的道路？").noun == "道路"
    assert analyse("全县有多少名河长呢？").noun == "河长"


def test_a_sentence_naming_no_year_has_the_year_its_document_last_stated(tmp_path, settings):
    docs = _write(tmp_path, {"t.txt": "华源科技半年报点评\n华源科技日前发布2024年上半年财报。\n"
                                      "财报显示，储能业务营收18.6亿元，同比增长35%。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("2024年上半年华源科技储能业务的营收是多少？")
    assert not r.abstained and "18.6亿元" in r.answer
    assert engine.ask("2021年上半年华源科技储能业务的营收是多少？").abstained


def test_a_body_named_before_its_kind_must_be_the_subject_of_the_answer(tmp_path, settings):
    docs = _write(tmp_path, {"u.txt": "启航公司季度财报\n启航公司第二季度营收为3.2亿元，同比增长12%。\n",
                             "v.txt": "明远集团简介\n明远集团成立于2010年，主营农机装备。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("启航公司第二季度的营收是多少？")
    assert not r.abstained and "3.2亿元" in r.answer
    assert engine.ask("明远集团第二季度的营收是多少？").abstained  # 启航's figure is not 明远's
    named = engine.extractive._named
    assert named(analyse("明远集团第二季度的营收是多少？")) == ["明远"]  # jieba tags 明远 an adjective
    assert all(named(analyse(q)) == [] for q in ("哪家公司营收最高？", "有多少家公司上榜？", "该公司营收是多少？"))
    assert not engine.ask("哪家公司第二季度营收为3.2亿元？").abstained  # 哪家 names no body


def test_a_place_word_made_of_common_words_is_no_name_the_answer_must_repeat(tmp_path, settings):
    docs = _write(tmp_path, {"w.txt": "临江市降雨预报\n受冷空气影响，预计明天临江市及周边有中到大雨，降雨集中在午后。\n"
                                      "各地区要做好防汛准备。\n"})
    engine = _engine(docs, settings)
    assert engine.extractive._named(analyse("临江市及周边地区明天有什么样的降雨？")) == ["临江"]
    r = engine.ask("临江市及周边地区明天有什么样的降雨？")
    assert not r.abstained and "中到大雨" in r.answer
    # a place of one word and a unit stays a name even when 同义词词林 lists the word (海口 "estuary")
    assert engine.extractive._named(analyse("海口市是哪一年开始试点的？")) == ["海口"]


def test_a_town_named_with_a_common_noun_that_no_document_covers_is_not_answered_with_another_town(
        tmp_path, settings):
    from ingest.tokenize import unit_places

    assert unit_places("太阳镇下放了多少项行政审批权？") == ["太阳镇"]  # jieba: 太阳|镇, a plain noun
    assert unit_places("") == [] and unit_places("太阳") == []
    docs = _write(tmp_path, {"x.txt": "青山镇扩权改革\n县政府向青山镇下放了76项行政审批权。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("青山镇下放了多少项行政审批权？")
    assert not r.abstained and "76项" in r.answer
    assert engine.ask("太阳镇下放了多少项行政审批权？").abstained


def test_a_company_named_by_brand_and_trade_that_no_document_covers_is_not_answered_with_another(tmp_path, settings):
    docs = _write(tmp_path, {"y.txt": "恒达科技2024年年报摘要\n恒达科技有限公司发布2024年年报。\n"
                                      "其中，智能制造业务收入3.2亿元，员工总数1260名。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("恒达科技2024年智能制造业务收入是多少？")
    assert not r.abstained and "3.2亿元" in r.answer
    assert engine.extractive._named(analyse("远航科技有限公司2024年员工总数是多少？")) == ["远航"]
    assert engine.ask("远航科技2024年智能制造业务收入是多少？").abstained
    assert engine.ask("远航科技有限公司2024年员工总数是多少？").abstained


def test_the_surroundings_of_a_place_asked_about_are_not_the_place_itself(tmp_path, settings):
    docs = _write(tmp_path, {"z.txt": "青石镇经济概况\n2023年青石镇财政收入7500万元，吸纳周边劳动力2100人。\n"})
    engine = _engine(docs, settings)
    assert engine.ask("青石镇周边地区的财政收入是多少？").abstained  # the surroundings, not 青石镇
    r = engine.ask("青石镇及周边地区2023年的财政收入是多少？")  # an added scope: 青石镇 is asked
    assert not r.abstained and "7500万元" in r.answer


def test_item_classifiers_meet_one_another_and_a_document_s_ge_meets_any_count(tmp_path, settings):
    docs = _write(tmp_path, {"aa.txt": "石桥镇机构设置\n目前石桥镇便民服务站达12个，覆盖全部行政村。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("石桥镇有几家便民服务站？")
    assert not r.abstained and "12个" in r.answer


def test_a_brand_that_is_a_common_word_and_no_document_uses_is_still_a_name(tmp_path, settings):
    docs = _write(tmp_path, {"ab.txt": "华岳科技年报\n华岳科技有限公司发布2024年年报，全年实现营业收入15.3亿元。\n"})
    engine = _engine(docs, settings)
    named = engine.extractive._named
    # 星辰 "stars" is a common word; with the trade the documents register (华岳科技有限公司) it is the body 星辰科技
    assert named(analyse("星辰科技2024年的营业收入是多少？")) == ["星辰科技"]
    assert named(analyse("其他公司的营业收入是多少？")) == [] and named(analyse("这些公司的营业收入是多少？")) == []
    assert engine.ask("星辰科技2024年的营业收入是多少？").abstained
    r = engine.ask("华岳科技2024年的营业收入是多少？")
    assert not r.abstained and "15.3亿元" in r.answer


def test_last_year_s_figure_in_a_report_answers_for_the_year_before_the_report_s(tmp_path, settings):
    docs = _write(tmp_path, {"r.txt": "青禾农机股份有限公司2023年年度报告\n"
                                      "报告期内，公司实现净利润2150万元，上年为1420万元。\n"
                                      "公司实现营业收入3.6亿元，比上年增长18%。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("青禾农机2022年的净利润是多少？")
    assert not r.abstained and "1420万元" in r.answer
    # a year only compared with ("比上年增长") states no figure of that year
    assert engine.ask("青禾农机2022年的营业收入是多少？").abstained
    assert engine.ask("青禾农机2021年的净利润是多少？").abstained


def test_a_year_named_relative_to_its_text_is_read_against_the_text_s_year():
    from rag.answer import relative_years

    assert relative_years("上年为1420万元", {"2023"}) == {"2022"}
    assert relative_years("去年同期为8亿元，前年为6亿元", {"2023"}) == {"2022", "2021"}
    assert relative_years("比上年增长12%，较去年同期提高3个百分点", {"2023"}) == set()
    assert relative_years("与上年相比，营收持平", {"2023"}) == set()
    assert relative_years("上年为1420万元", set()) == set()


def test_a_company_named_by_brand_and_a_trade_its_registered_name_uses_is_not_answered_with_another(
        tmp_path, settings):
    docs = _write(tmp_path, {"a.txt": "丰禾农业发展有限公司2023年经营情况\n2023年，丰禾农业实现营业收入2.4亿元，同比增长9%。\n",
                             "b.txt": "绿野食品股份有限公司简介\n绿野食品主营速冻食品，2023年营业收入为3.3亿元。\n",
                             "c.txt": "白沙镇2023年工作总结\n2023年，白沙镇实现营业收入5.1亿元，规上企业新增6家。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("丰禾农业2023年营业收入是多少？")
    assert not r.abstained and "2.4亿元" in r.answer
    # a brand no document knows, before a trade the documents' registered names use (农业, 食品)
    assert engine.ask("青山农业2023年营业收入是多少？").abstained
    assert engine.ask("红星食品2023年营业收入是多少？").abstained
    named = engine.extractive._named
    assert named(analyse("绿野食品2023年营业收入是多少？")) == ["绿野食品"]
    # another trade of a brand the documents know (丰禾食品) is another body
    assert engine.ask("丰禾食品2023年营业收入是多少？").abstained
    assert engine.ask("绿野农业2023年营业收入是多少？").abstained
    # a place before a trade word is a place; a trade word inside a longer word (房地产) names nothing
    assert named(analyse("白沙镇农业发展得怎么样？")) == ["白沙"]
    assert named(analyse("利率调整会对房地产市场有什么影响？")) == []


def test_a_brand_the_documents_register_for_two_bodies_is_answered_for_each(tmp_path, settings):
    docs = _write(tmp_path, {
        "a.txt": "鼎盛食品有限公司简介\n鼎盛食品有限公司成立于2009年，主要从事速冻食品的生产。公司现有员工420人，"
                 "2023年实现营业收入3.6亿元。\n",
        "b.txt": "鼎盛科技有限公司简介\n鼎盛科技有限公司成立于2015年，主要从事工业传感器的生产。公司现有员工160人，"
                 "2023年实现营业收入1.2亿元。\n"})
    engine = _engine(docs, settings)
    assert engine.extractive.part_questions("鼎盛公司2023年营业收入是多少？") == [
        "鼎盛食品公司2023年营业收入是多少?", "鼎盛科技公司2023年营业收入是多少?"]
    r = engine.ask("鼎盛公司2023年营业收入是多少？")  # not one of them, picked by the scorer
    assert not r.abstained and "3.6亿元" in r.answer and "1.2亿元" in r.answer
    assert {c.source.split("/")[-1] for c in r.citations} == {"a.txt", "b.txt"}
    r = engine.ask("鼎盛食品公司有多少员工？")  # the body named whole is one question
    assert engine.extractive.part_questions("鼎盛食品公司有多少员工？") == []
    assert engine.extractive.part_questions("鼎盛科技有多少员工？") == []  # 科技: a kind that is its trade
    assert not r.abstained and "420人" in r.answer and "160人" not in r.answer


def test_a_question_naming_a_document_s_title_ranks_that_document_first(tmp_path, settings):
    docs = _write(tmp_path, {"a.txt": "金钱松\n金钱松（学名：），又名金松、水树，是松科金钱松属的落叶乔木。树高可达40米，产于长江中下游各省。\n",
                             "b.txt": "园林树种调查\n调查发现，产于长江中下游的金钱松在北方城市引种后长势一般。\n"})
    ingest([docs], settings)
    assert settings.rerank_title_weight > 0
    titled = AskEngine(load_index(settings), settings).ask("金钱松产于哪里？")
    plain = settings.model_copy(update={"rerank_title_weight": 0.0})
    untitled = AskEngine(load_index(plain), plain).ask("金钱松产于哪里？")
    assert [c.source.split("/")[-1] for c in untitled.contexts][:2] == ["b.txt", "a.txt"]  # more of its words
    assert [c.source.split("/")[-1] for c in titled.contexts][:2] == ["a.txt", "b.txt"]  # what a.txt is about
    # ... and the answer quotes the document the question is about, not the one that mentions its subject
    assert settings.answer_title_weight > 0
    assert {c.source.split("/")[-1] for c in titled.citations} == {"a.txt"} and "长江中下游各省" in titled.answer
    plain = settings.model_copy(update={"rerank_title_weight": 0.0, "answer_title_weight": 0.0})
    assert {c.source.split("/")[-1] for c in AskEngine(load_index(plain), plain).ask("金钱松产于哪里？").citations} == {"b.txt"}


def test_a_title_line_is_named_whole_without_its_qualifier_and_never_as_a_common_word():
    from rag.features import names_title

    assert names_title("林晚舟的代表作是什么?", "林晚舟(作家)")
    assert names_title("金钱松产于哪里?", "a\n金钱松")
    assert not names_title("金钱松产于哪里?", "城市行道树")
    assert not names_title("这份通知要求什么?", "通知")  # a common word names no subject
    assert not names_title("trial_58是谁?", "x" * 21)


def test_which_one_in_order_is_answered_by_the_first_as_well_as_by_a_number(tmp_path, settings):
    docs = _write(tmp_path, {"a.txt": "石门镇扩权试点\n石门镇经过努力争取，有幸成为首批扩权试点镇之一。\n",
                             "b.txt": "青溪镇扩权试点\n2021年，青溪镇被确定为第三批扩权试点镇。\n"})
    engine = _engine(docs, settings)
    assert analyse("石门镇是第几批试点镇？").ordinal and not analyse("共有几批试点镇？").ordinal
    r = engine.ask("石门镇是第几批试点镇？")
    assert not r.abstained and "首批" in r.answer
    r = engine.ask("青溪镇是第几批试点镇？")
    assert not r.abstained and "第三批" in r.answer
    # how many batches is no question about the first one
    from rag.question import unit_pattern
    assert not unit_pattern("批").search("首批扩权试点镇") and unit_pattern("批", True).search("首批扩权试点镇")


def test_what_a_question_sets_aside_with_chu_le_is_no_word_its_answer_must_name():
    from rag.question import analyse

    def content_words(q: str) -> set[str]:
        return set(analyse(q).weights(lambda w: 1.0))

    assert "日常管理" not in content_words("乡镇除了日常管理还要承担哪些繁重任务？")
    assert "繁重" in content_words("乡镇除了日常管理还要承担哪些繁重任务？") or "繁重任务" in content_words(
        "乡镇除了日常管理还要承担哪些繁重任务？")
    assert "财政收入" not in content_words("除财政收入之外还有哪些指标？")
    assert "除夕" in content_words("除夕那天还要做什么？")  # 除 of a word is no 除了


def test_a_heading_naming_only_a_year_is_no_answer_to_a_how_much_question(tmp_path, settings):
    docs = _write(tmp_path, {"y.txt": "云雾镇2023年工作报告\n一、2023年工作回顾\n"
                                      "2023年，全镇实现地区生产总值18.4亿元，同比增长5%。完成一般公共预算收入2700万元。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("云雾镇2023年一般公共预算收入是多少？")
    assert not r.abstained and "2700万元" in r.answer
    r = engine.ask("云雾镇2023年地区生产总值是多少？")
    assert not r.abstained and "18.4亿元" in r.answer


def test_brand_and_trade_are_read_from_registered_names_and_only_after_a_noun_in_questions():
    from ingest.tokenize import brand_and_trades, brand_trade_pairs

    assert brand_and_trades("丰禾农业发展") == ("丰禾", ("农业",))  # 发展 is a verbal noun, no trade
    trades = frozenset({"农业", "能源"})
    assert [p[:2] for p in brand_trade_pairs("鸿途农业2023年营业收入是多少", trades)] == [("鸿途", "农业")]
    assert [p[:2] for p in brand_trade_pairs("湖南省希望国家能源集团加大投资", trades)] == [("国家", "能源")]
    assert brand_trade_pairs("上半年新能源汽车出口增长了多少", trades) == []  # 新能源 is one word


def test_a_figure_asked_with_no_year_is_given_for_each_year_the_reports_state_it(tmp_path, settings):
    docs = _write(tmp_path, {"r22.txt": "云岫镇2022年政府工作报告\n全镇规模以上工业企业总数达到41家，新增市场主体300户。\n",
                             "r23.txt": "云岫镇2023年政府工作报告\n全镇规模以上工业企业总数达到52家，新增市场主体380户。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("云岫镇规模以上工业企业总数有多少家？")
    assert not r.abstained and "41家" in r.answer and "52家" in r.answer
    assert {c.doc_title for c in r.citations} == {"云岫镇2022年政府工作报告", "云岫镇2023年政府工作报告"}
    r = engine.ask("云岫镇2023年规模以上工业企业总数有多少家？")  # a year asked: that year's only
    assert not r.abstained and "52家" in r.answer and "41家" not in r.answer


def test_a_signature_line_with_only_a_date_answers_no_how_much_question(tmp_path, settings):
    docs = _write(tmp_path, {"s.txt": "云岭镇2024年工作总结\n2024年，全镇实现地区生产总值41.3亿元，同比增长6.5%。\n"
                                      "云岭镇人民政府\n2025年1月10日\n"})
    engine = _engine(docs, settings)
    r = engine.ask("云岭镇2024年地区生产总值是多少？")
    assert not r.abstained and "41.3亿元" in r.answer
    assert engine.ask("云岭镇2025年地区生产总值是多少？").abstained  # only the signature date names 2025


def test_a_review_heading_s_year_beats_the_report_title_s_year(tmp_path, settings):
    docs = _write(tmp_path, {"a.txt": "松岗镇2024年政府工作报告\n一、2023年工作回顾\n全镇地区生产总值达到27.4亿元。\n"
                                      "二、2024年工作安排\n全镇地区生产总值力争增长6%左右。\n",
                             "b.txt": "松岗镇2025年政府工作报告\n一、2024年工作回顾\n全镇地区生产总值达到29.1亿元。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("松岗镇2024年地区生产总值是多少？")
    assert not r.abstained and "29.1亿元" in r.answer and "27.4亿元" not in r.answer
    r = engine.ask("松岗镇2023年地区生产总值是多少？")
    assert not r.abstained and "27.4亿元" in r.answer and "29.1亿元" not in r.answer
    # the constraint itself: the sentence under 「一、2023年工作回顾」 of the 2024 report states no 2024 figure
    ex = engine.extractive
    q = analyse("松岗镇2024年地区生产总值是多少？")
    cands = ex.builder.build(q, engine._retrieve(q.text, 5))
    under_2023 = [c for c in cands if "27.4亿元" in c.text and c.sentences == 1]
    assert under_2023 and not any(ex._meets(q, c, ex._named(q)) for c in under_2023)


def test_a_heading_naming_a_span_of_years_is_no_answer_to_a_how_much_question(tmp_path, settings):
    from rag.answer import _states_asked

    docs = _write(tmp_path, {"g.txt": "云台镇2023年政府工作报告\n一、过去一年工作回顾\n"
                                      "2023年，全镇实现地区生产总值21.6亿元，同比增长6%。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("云台镇2023年地区生产总值是多少？")
    assert not r.abstained and "21.6亿元" in r.answer
    assert not _states_asked(analyse("云台镇2023年地区生产总值是多少？"), "一、过去一年工作回顾")
    assert _states_asked(analyse("改革试点持续了多少年？"), "试点持续三年")  # a how-long question is answered by it


def test_towns_and_years_a_question_joins_are_answered_part_by_part(tmp_path, settings):
    docs = _write(tmp_path, {
        "a22.txt": "云台镇2022年政府工作报告\n一、2022年工作回顾\n2022年，全镇实现地区生产总值19.8亿元，同比增长5%。\n",
        "a23.txt": "云台镇2023年政府工作报告\n一、2023年工作回顾\n2023年，全镇实现地区生产总值21.6亿元，同比增长6%。\n",
        "b23.txt": "雾溪镇2023年政府工作报告\n一、过去一年工作回顾\n2023年，全镇实现地区生产总值15.2亿元，同比增长4%。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("云台镇2022年和2023年的地区生产总值分别是多少？")
    assert not r.abstained and "19.8亿元" in r.answer and "21.6亿元" in r.answer and "15.2亿元" not in r.answer
    r = engine.ask("2023年云台镇和雾溪镇的地区生产总值分别是多少？")
    assert not r.abstained and "21.6亿元" in r.answer and "15.2亿元" in r.answer and "19.8亿元" not in r.answer


def test_an_indicator_asked_by_its_abbreviation_is_answered_with_the_name_the_documents_use(tmp_path, settings):
    from rag.question import spell_out

    docs = _write(tmp_path, {"g.txt": "云台镇2023年政府工作报告\n2023年，全镇实现地区生产总值21.6亿元，同比增长6%。"
                                      "规模以上工业企业总数达到33家。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("云台镇2023年GDP是多少？")
    assert not r.abstained and "21.6亿元" in r.answer
    r = engine.ask("云台镇2023年规上工业企业有多少家？")
    assert not r.abstained and "33家" in r.answer
    written = {"地区生产总值", "gdp"}
    assert spell_out("全县GDP是多少？", lambda w: w in written) == "全县GDP是多少？"  # the documents write GDP too
    assert spell_out("全县GDP是多少？", lambda w: w == "生产总值") == "全县生产总值是多少？"
    assert spell_out("全县GDP是多少？", lambda w: False) == "全县GDP是多少？"  # no name to put in its place
    assert spell_out("PMIX指数是多少？", lambda w: w == "采购经理指数") == "PMIX指数是多少？"  # part of another word


def test_a_year_named_as_the_base_of_a_comparison_is_not_the_year_asked(tmp_path, settings):
    docs = _write(tmp_path, {
        "r22.txt": "岚桥矿业集团2022年年度报告\n2022年，集团实现营业收入8.4亿元，去年为7.7亿元；利润总额0.92亿元。\n",
        "r23.txt": "岚桥矿业集团2023年年度报告\n2023年，集团实现营业收入9.5亿元，上年为8.4亿元；利润总额1.03亿元。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("岚桥矿业集团2023年的营业收入比2022年增长了多少？")
    assert not r.abstained and "9.5亿元" in r.answer and "7.7亿元" not in r.answer
    assert {c.doc_title for c in r.citations} == {"岚桥矿业集团2023年年度报告"}
    # the attribute asked is the figure's own name, without the base it is compared with
    assert analyse("岚桥矿业集团2023年的营业收入比2022年增长了多少？").attribute == "营业收入"
    assert analyse("某镇2023年净利润较上年同期增长了多少？").attribute == "净利润"
    assert analyse("某镇财政收入同比增长了多少？").attribute == "财政收入"


def test_a_figure_of_the_year_before_must_be_stated_in_the_sentence_naming_the_attribute(tmp_path, settings):
    docs = _write(tmp_path, {"r.txt": "梨花镇2023年政府工作报告\n一、过去一年工作回顾\n"
                                      "2023年，全镇地区生产总值完成16.2亿元，比上年增长5.1%。财政总收入5830万元，上年为5410万元。"
                                      "全镇共有规上企业14家，比2022年增加3家。\n"})
    engine = _engine(docs, settings)
    # only 财政总收入 is given for 2022 (上年为…): no 2022 地区生产总值, no 2022 count of 规上企业
    assert engine.ask("梨花镇2022年地区生产总值是多少？").abstained
    assert engine.ask("梨花镇2022年有多少家规上企业？").abstained
    r = engine.ask("梨花镇2022年财政总收入是多少？")
    assert not r.abstained and "5410万元" in r.answer


def test_a_place_is_not_answered_with_a_place_of_the_same_name_and_another_unit(tmp_path, settings):
    docs = _write(tmp_path, {
        "a.txt": "柳塘镇2023年政府工作报告\n2023年，柳塘镇全年引进招商项目11个，到位资金6.3亿元。\n",
        "b.txt": "柳塘乡2023年工作总结\n2023年，柳塘乡粮食总产量1.4万吨，新建机耕道12公里。\n",
        "c.txt": "南湖街道2023年工作报告\n2023年，南湖街道新增市场主体430户，新建口袋公园3个。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("柳塘镇2023年引进招商项目多少个？")
    assert not r.abstained and "11个" in r.answer
    assert engine.ask("柳塘乡2023年引进招商项目多少个？").abstained  # only 柳塘镇's report gives one
    assert engine.ask("柳塘县2023年引进招商项目多少个？").abstained
    r = engine.ask("南湖街道2023年新增市场主体多少户？")
    assert not r.abstained and "430户" in r.answer
    assert engine.ask("北湖街道2023年新增市场主体多少户？").abstained  # not 南湖街道's
    assert engine.ask("南湖镇2023年新增市场主体多少户？").abstained


def test_a_place_a_document_title_names_must_be_named_by_the_answer(tmp_path, settings):
    docs = _write(tmp_path, {
        "a.txt": "稻香镇2023年政府工作报告\n2023年，全镇实现地区生产总值12.6亿元。一般公共预算收入3100万元。\n",
        "b.txt": "茶园镇2023年政府工作报告\n2023年，全镇实现地区生产总值9.8亿元。财政总收入4200万元，同比增长6%。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("稻香镇2023年地区生产总值是多少？")
    assert not r.abstained and "12.6亿元" in r.answer
    r = engine.ask("稻香镇2023年财政总收入是多少？")  # only 茶园镇's report states one
    assert r.abstained or "4200万元" not in r.answer


def test_bodies_and_places_of_one_name_that_a_question_joins_are_answered_part_by_part(tmp_path, settings):
    docs = _write(tmp_path, {
        "a.txt": "鸿川科技股份有限公司2023年年度报告摘要\n2023年，公司实现营业收入8.8亿元，同比增长12%。\n",
        "b.txt": "鸿川农业发展有限公司2023年度工作总结\n2023年，鸿川农业发展有限公司实现营业收入2.7亿元，同比增长5%。\n",
        "c.txt": "柳塘镇2023年政府工作报告\n2023年，全镇粮食总产量2.1万吨。\n",
        "d.txt": "柳塘乡2023年工作总结\n2023年，全乡粮食总产量1.3万吨。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("鸿川科技和鸿川农业2023年的营业收入分别是多少？")
    assert not r.abstained and "8.8亿元" in r.answer and "2.7亿元" in r.answer
    r = engine.ask("柳塘镇和柳塘乡的粮食总产量分别是多少？")
    assert not r.abstained and "2.1万吨" in r.answer and "1.3万吨" in r.answer
    q = analyse("柳塘镇和柳塘乡的粮食总产量分别是多少？")
    assert q.parts == ("柳塘镇", "柳塘乡") and q.attribute == "粮食总产量"  # the unit tells the parts apart


def test_a_planned_figure_answers_only_a_question_about_the_plan(tmp_path, settings):
    from rag.answer import _only_planned

    docs = _write(tmp_path, {"r.txt": "枫叶镇2024年政府工作报告\n二、2024年工作安排\n推动工业园区扩区提质，力争新增规上企业5家。\n"})
    engine = _engine(docs, settings)
    assert engine.ask("枫叶镇有多少家规上企业？").abstained  # the report states only a target
    r = engine.ask("枫叶镇2024年计划新增多少家规上企业？")
    assert not r.abstained and "5家" in r.answer
    assert _only_planned("推动工业园区扩区提质,力争新增规上企业5家。")
    assert not _only_planned("全年新增规上企业9家,力争明年再增4家。")  # a fact beside a target
    assert not _only_planned("2024年力争实现突破。")  # a year is no figure
    assert not _only_planned(normalize("项目名称：污水处理厂｜投资额（万元）：1200｜计划完成时间：2023年12月。"))  # a cell: a clause


def test_a_list_is_quoted_whole_across_chunks_and_every_item_with_its_short_body(tmp_path, settings):
    docs = _write(tmp_path, {"r.txt": "枫叶镇2023年政府工作报告\n一、2023年工作回顾\n"
                                      "2023年，全镇实现地区生产总值20.3亿元，同比增长6.1%。规模以上工业企业达到25家，实现规上工业产值31.6亿元。"
                                      "一般公共预算收入1.42亿元。全年新建农村公路16公里，改造农村危房60户。\n"
                                      "二、存在的问题\n一是产业结构偏重；二是财政收支矛盾突出。\n"
                                      "三、2024年主要任务\n（一）做强工业经济。推动工业园区扩区提质，引进项目6个。\n"
                                      "（二）推进乡村振兴。建设高标准农田7000亩，培育家庭农场25家。\n"
                                      "（三）改善人居环境。完成12个村的污水管网建设，实现垃圾分类全覆盖。\n"
                                      "（四）保障改善民生。新建镇卫生院住院楼，新增养老床位90张。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("枫叶镇2024年有哪些主要任务？")
    assert not r.abstained
    for item in ("做强工业经济", "推进乡村振兴", "改善人居环境", "保障改善民生"):
        assert item in r.answer
    assert "建设高标准农田7000亩" in r.answer and "新增养老床位90张" in r.answer


def test_a_figure_of_another_kind_of_the_attribute_asked_is_no_answer(tmp_path, settings):
    from rag.answer import _another_kind_of

    docs = _write(tmp_path, {"r.txt": "梨花镇2023年政府工作报告\n2023年，全镇农村居民人均可支配收入达到21360元，同比增长7%。"
                                      "全镇新建农村公路12公里。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("梨花镇2023年农村居民人均可支配收入是多少？")
    assert not r.abstained and "21360元" in r.answer
    assert engine.ask("梨花镇2023年的城镇居民人均可支配收入是多少？").abstained  # only 农村's is stated
    doc = "收入合计5亿元。其中在线游戏收入为1.2亿元。"
    assert _another_kind_of("在线游戏收入", "收入合计5亿元。", doc)  # the document names it apart
    assert not _another_kind_of("在线游戏收入", "其中在线游戏收入为1.2亿元。", doc)
    assert _another_kind_of("在线游戏收入", "品牌广告收入为2300万元。", "")  # another noun where 在线游戏 stands
    assert not _another_kind_of("地区生产总值", "全镇实现生产总值20亿元。", "")  # a verb before the head


def test_an_attribute_asked_without_de_is_checked_like_one_asked_with_it(tmp_path, settings):
    from rag.answer import _another_kind_of

    # jieba tags 收入, 支出, 预算 and 可支配 verbs: the attribute is still the phrase before 是多少
    for q in ("梨花镇2023年城镇居民人均可支配收入是多少？", "梨花镇2023年的城镇居民人均可支配收入是多少？"):
        assert analyse(q).attribute == "城镇居民人均可支配收入"
    assert analyse("梨花镇2023年一般公共预算支出是多少？").attribute == "一般公共预算支出"
    assert analyse("中老铁路累计发送旅客人次超过多少？").attribute == "旅客人次"  # a bound is part of the form
    docs = _write(tmp_path, {"r.txt": "梨花镇2023年政府工作报告\n2023年，全镇实现地区生产总值41.9亿元，同比增长7.1%。"
                                      "完成一般公共预算收入1.55亿元，同比增长9.2%。全镇农村居民人均可支配收入达到22980元。\n"})
    engine = _engine(docs, settings)
    for q in ("梨花镇2023年城镇居民人均可支配收入是多少？", "梨花镇2023年的城镇居民人均可支配收入是多少？",
              "梨花镇2023年一般公共预算支出是多少？"):
        assert engine.ask(q).abstained, q  # neither the 农村 figure nor the budget revenue answers them
    for q, figure in (("梨花镇2023年农村居民人均可支配收入是多少？", "22980元"),
                      ("梨花镇2023年一般公共预算收入是多少？", "1.55亿元")):
        r = engine.ask(q)
        assert not r.abstained and figure in r.answer, q
    # a verb between an adjective or 区别词 and the head is a compound's middle, not a verb taking it as object
    assert _another_kind_of("城镇居民人均可支配收入", "完成一般公共预算收入1.55亿元。", "")
    assert not _another_kind_of("一般公共预算收入", "完成一般公共预算收入1.55亿元。", "")


def test_a_person_asked_for_by_a_role_is_answered_only_by_a_passage_naming_that_role(tmp_path, settings):
    from rag.question import attribute_words

    assert analyse("梨花镇党委书记是谁？").attribute == "党委书记"
    assert analyse("谁是梨花镇的镇长？").attribute == "镇长"
    assert analyse("谁呼吁各方保持克制？").attribute == ""  # no role: who did something
    assert attribute_words(analyse("该品牌的华东地区代理人是谁？").attribute) == ("代理",)  # "由…代理" names it
    docs = _write(tmp_path, {
        "r.txt": "梨花镇2023年政府工作报告\n——在梨花镇第十八届人民代表大会第四次会议上\n梨花镇人民政府镇长 罗文山\n"
                 "一、2023年工作回顾\n2023年，全镇实现地区生产总值41.9亿元。\n",
        "c.txt": "丰禾食品有限公司简介\n丰禾食品有限公司成立于2009年，位于梨花镇工业园区，主要从事速冻食品的生产与销售。"
                 "公司现有员工420人。\n"})
    engine = _engine(docs, settings)
    assert engine.ask("梨花镇党委书记是谁？").abstained  # no passage names the town's party secretary
    for q in ("梨花镇镇长是谁？", "谁是梨花镇的镇长？"):
        r = engine.ask(q)
        assert not r.abstained and "罗文山" in r.answer, q
    assert engine.ask("梨花镇副镇长是谁？").abstained  # 镇长罗文山 is another role of the head 镇长
    # ... and a place's name inside a registered body's name (梨花食品有限公司) names the body, not the place
    (tmp_path / "more").mkdir()
    docs = _write(tmp_path / "more", {
        "n.txt": "杏林镇开展安全生产大检查\n2023年9月20日，杏林镇党委书记黄志刚带队对梨花食品有限公司等8家企业开展检查。\n",
        "c.txt": "梨花食品有限公司简介\n梨花食品有限公司位于杏林镇工业园区，现有员工420人。\n"})
    engine = _engine(docs, settings)
    assert engine.ask("梨花乡党委书记是谁？").abstained
    r = engine.ask("杏林镇党委书记是谁？")
    assert not r.abstained and "黄志刚" in r.answer


def test_a_numbered_item_is_quoted_without_the_sibling_item_before_it(tmp_path, settings):
    docs = _write(tmp_path, {"p.txt": "梨花镇2024年防汛工作方案\n二、主要措施\n（三）储备物资。\n"
                                      "1.镇防汛仓库储备编织袋20000条、救生衣300件。\n2.组建镇级抢险队伍1支共50人。\n"})
    r = _engine(docs, settings).ask("梨花镇抢险队伍有多少人？")
    # "1.…" is item 2's sibling, not a heading over it: before, it was quoted as item 2's lead and, stating a
    # figure, as the whole answer
    assert not r.abstained and "50人" in r.answer and "编织袋" not in r.answer


def test_a_table_row_about_another_item_of_its_table_is_no_answer(tmp_path, settings):
    docs = _write(tmp_path, {"t.txt": "桃源县2024年乡镇基础设施项目安排\n经县政府常务会议研究，2024年安排以下乡镇基础设施项目：\n"
                                      "乡镇：梨花镇｜项目名称：自来水厂扩建｜投资（万元）：860｜完工时间：2024年10月。\n"
                                      "乡镇：杏林镇｜项目名称：自来水厂扩建｜投资（万元）：540｜完工时间：2024年12月。\n"
                                      "乡镇：梨花镇｜项目名称：集贸市场改造｜投资（万元）：320｜完工时间：2024年8月。\n"
                                      "乡镇：杏林镇｜项目名称：中心小学运动场｜投资（万元）：210｜完工时间：2024年9月。\n"})
    engine = _engine(docs, settings)  # (rows end with 。: a .txt line without one is read as wrapped text)
    # 梨花镇 has no 中心小学运动场 row: neither its other rows nor the lead-in quoted with its first row answer
    assert engine.ask("梨花镇中心小学运动场什么时候完工？").abstained
    for q, figure in (("杏林镇中心小学运动场什么时候完工？", "2024年9月"), ("梨花镇集贸市场改造什么时候完工？", "2024年8月"),
                      ("杏林镇自来水厂扩建投资多少万元？", "540")):
        r = engine.ask(q)
        assert not r.abstained and figure in r.answer, q


def test_a_place_whose_unit_the_segmenter_glued_to_the_next_word_is_still_a_place():
    from ingest.tokenize import unit_places

    assert unit_places("松林镇有多少名专职网格员") == ["松林镇"]  # 松林|镇有
    assert unit_places("镇里有多少名网格员") == []  # 镇里 is a word, no unit


def test_a_change_from_a_base_year_is_answered_with_the_figures_of_both_years(tmp_path, settings):
    from rag.question import year_change_parts

    assert year_change_parts(analyse("梨花镇2023年规模以上工业企业比2022年增加了多少家？").norm) == [
        "梨花镇2023年规模以上工业企业是多少家?", "梨花镇2022年规模以上工业企业是多少家?"]
    assert year_change_parts(analyse("2023年营业收入比2022年增长了百分之几？").norm) == []  # a rate is stated
    assert year_change_parts(analyse("梨花镇规模以上工业企业比2022年增加了多少家？").norm) == []  # no year asked
    docs = _write(tmp_path, {
        "a.txt": "梨花镇2022年政府工作报告\n一、2022年工作回顾\n过去一年，全镇实现地区生产总值38.6亿元。规模以上工业企业达到27家。\n",
        "b.txt": "梨花镇2023年政府工作报告\n一、2023年工作回顾\n2023年，全镇实现地区生产总值41.9亿元。规模以上工业企业达到30家。\n"
                 "二、2024年工作目标\n2024年，力争规模以上工业企业达到35家。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("梨花镇2023年规模以上工业企业比2022年增加了多少家？")  # the difference is stated nowhere
    assert not r.abstained and "27家" in r.answer and "30家" in r.answer
    assert engine.ask("梨花镇2024年规模以上工业企业比2023年增加了多少家？").abstained  # 2024's 35家 is a target


def test_a_plan_word_opening_a_sentence_makes_all_its_figures_planned(tmp_path, settings):
    from rag.answer import _only_planned

    docs = _write(tmp_path, {"r.txt": "枫叶镇2023年政府工作报告\n一、2023年工作回顾\n2023年，全镇规模以上工业企业达到30家。\n"
                                      "二、2024年工作目标\n2024年，力争地区生产总值突破45亿元，规模以上工业企业达到35家。\n"})
    engine = _engine(docs, settings)
    assert engine.ask("枫叶镇2024年规模以上工业企业有多少家？").abstained  # 35家 is a target
    r = engine.ask("枫叶镇2023年规模以上工业企业有多少家？")
    assert not r.abstained and "30家" in r.answer
    assert _only_planned("2024年,力争地区生产总值突破45亿元,规模以上工业企业达到35家。")


def test_a_place_named_alone_in_a_text_about_a_place_of_another_unit_is_that_place(tmp_path, settings):
    docs = _write(tmp_path, {"n.txt": "柳塘乡举办春茶开采节\n4月2日，柳塘乡春茶开采节开幕。当天，柳塘春茶签约金额达860万元。\n",
                             "r.txt": "柳塘镇2023年政府工作报告\n2023年，全镇实现地区生产总值14.2亿元。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("柳塘乡春茶开采节签约金额是多少？")
    assert not r.abstained and "860万元" in r.answer
    assert engine.ask("柳塘镇春茶开采节签约金额是多少？").abstained  # the news is about 柳塘乡


def test_a_question_about_a_plan_is_answered_by_the_planned_figure_not_the_result(tmp_path, settings):
    docs = _write(tmp_path, {
        "r22.txt": "枫叶镇2022年政府工作报告\n二、2023年工作目标\n2023年，力争规模以上工业企业达到32家。\n",
        "r23.txt": "枫叶镇2023年政府工作报告\n一、2023年工作回顾\n2023年，全镇规模以上工业企业达到30家。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("枫叶镇2023年计划规模以上工业企业达到多少家？")
    assert not r.abstained and "32家" in r.answer and "30家" not in r.answer
    r = engine.ask("枫叶镇2023年规模以上工业企业有多少家？")
    assert not r.abstained and "30家" in r.answer and "32家" not in r.answer


def test_a_question_about_an_allocation_is_no_question_about_a_plan(tmp_path, settings):
    docs = _write(tmp_path, {"r.txt": "柏溪县河湖保护工作情况\n县财政每年安排河湖管护专项经费300万元，用于保洁和巡查。"
                                      "力争到2026年河湖管护经费投入达到500万元。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("柏溪县每年安排多少河湖管护专项经费？")
    assert not r.abstained and "300万元" in r.answer, r.answer
    r = engine.ask("柏溪县计划河湖管护经费投入达到多少？")
    assert not r.abstained and "500万元" in r.answer, r.answer


# a company profile with a head count and two towns' reports, one stating visits (人次) and market bodies (户)
_VISITS = {
    "co.txt": "桃源建材有限公司简介\n桃源建材有限公司成立于2009年6月，位于东阳县杏林镇工业园区。公司主要生产商品混凝土和新型墙体材料，"
              "年产商品混凝土60万立方米，现有员工320人。2023年公司实现营业收入2.6亿元，缴纳税收1860万元，是杏林镇规模以上工业企业。\n",
    "r23.txt": "杏林镇2023年政府工作报告\n一、2022年工作回顾\n全镇实现地区生产总值18.2亿元，增长6.1%。全年新增规模以上工业企业3家。\n"
               "二、2023年工作安排\n推进乡村旅游提质，办好杏花文化节。\n",
    "r24.txt": "青峰镇2024年政府工作报告\n一、2023年工作回顾\n产业发展稳步推进。全年新增规模以上工业企业4家，总数达到40家；"
               "市场主体总数达到5630户。青峰茶文化街区一期建成开街，全年接待游客28万人次。\n",
    "r23b.txt": "青峰镇2023年政府工作报告\n一、2022年工作回顾\n全镇实现地区生产总值15.6亿元。市场主体总数达到5210户。\n",
}


def test_visits_asked_in_ren_ci_are_not_answered_by_a_head_count(tmp_path, settings):
    assert analyse("接待游客多少人次？").measure == "人次" and analyse("有多少人？").measure == "人"
    engine = _engine(_write(tmp_path, _VISITS), settings)
    r = engine.ask("杏林镇2023年接待游客多少人次？")
    assert r.abstained, r.answer  # 员工320人 is a head count, not visits
    r = engine.ask("青峰镇2023年接待游客多少人次？")
    assert not r.abstained and "28万人次" in r.answer, r.answer


def test_a_unit_the_segmenter_glued_to_a_stop_word_does_not_make_a_plain_question_unanswerable(tmp_path, settings):
    from ingest.tokenize import glued_units

    assert glued_units("青石镇有多少户市场主体") == {"镇有"} and not glued_units("龙泉镇镇党委拿出几个岗位")
    engine = _engine(_write(tmp_path, _VISITS), settings)
    assert "镇有" not in analyse("青峰镇有多少户市场主体？").weights(engine.extractive.index.idf)
    r = engine.ask("青峰镇有多少户市场主体？")
    assert not r.abstained and "5630户" in r.answer, r.answer


def test_a_change_from_the_year_before_is_answered_by_both_figures_when_only_another_figure_states_a_change(
        tmp_path, settings):
    from rag.answer import _states_change
    from rag.question import year_change_parts

    assert year_change_parts(normalize("竹园镇2023年一般公共预算收入比上年增长多少？")) == [
        "竹园镇2023年一般公共预算收入是多少?", "竹园镇2022年一般公共预算收入是多少?"]
    assert not _states_change("实现地区生产总值27.9亿元,同比增长5.7%。完成一般公共预算收入2.21亿元", "一般公共预算收入")
    assert _states_change("完成一般公共预算收入1.53亿元,增长7.7%;一般公共预算支出2.48亿元", "一般公共预算收入")
    docs = _write(tmp_path, {
        "r23.txt": "竹园镇2023年政府工作报告\n一、2022年工作回顾\n2022年，全镇实现地区生产总值26.4亿元，同比增长5.5%。"
                   "完成一般公共预算收入2.08亿元，一般公共预算支出3.12亿元。\n",
        "r24.txt": "竹园镇2024年政府工作报告\n一、2023年工作回顾\n2023年，全镇实现地区生产总值27.9亿元，同比增长5.7%。"
                   "完成一般公共预算收入2.21亿元，一般公共预算支出3.30亿元。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("竹园镇2023年一般公共预算收入比上年增长多少？")  # the GDP's 同比增长5.7% is no answer alone
    assert not r.abstained and "2.21亿元" in r.answer and "2.08亿元" in r.answer, r.answer


def test_a_plan_word_governs_the_later_semicolon_clauses_of_its_sentence(tmp_path, settings):
    docs = _write(tmp_path, {
        "r23.txt": "竹园镇2023年政府工作报告\n一、2022年工作回顾\n2022年，全镇实现地区生产总值26.4亿元，同比增长5.5%。\n"
                   "二、2023年工作安排\n2023年，力争地区生产总值达到28亿元，增长6%；一般公共预算收入增长5%；新增高新技术企业2家。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("竹园镇2023年计划新增几家高新技术企业？")
    assert not r.abstained and "2家" in r.answer, r.answer
    r = engine.ask("竹园镇2023年新增了几家高新技术企业？")  # the report states only the target
    assert r.abstained or "2家" not in r.answer, r.answer


# two years' reports of a 乡 beside a 镇 of the same name, a company profile naming its officers
_TWO_YEARS = {
    "x22.txt": "桐林乡2022年政府工作报告\n桐林乡人民政府乡长 韩立新\n一、过去一年的工作\n2022年，全乡实现地区生产总值12.4亿元，增长5.1%。"
               "城镇居民人均可支配收入35600元，农村居民人均可支配收入19800元。全乡有规模以上工业企业12家。\n",
    "x23.txt": "桐林乡2023年政府工作报告\n桐林乡人民政府乡长 韩立新\n一、2023年工作回顾\n2023年，全乡实现地区生产总值13.5亿元，增长7.1%。"
               "城镇居民人均可支配收入37400元，农村居民人均可支配收入21200元。全乡规模以上工业企业14家。\n"
               "二、2024年工作安排\n2024年，力争全乡地区生产总值达到14.5亿元，计划新增规模以上工业企业2家。\n",
    "z23.txt": "桐林镇2023年政府工作报告\n一、2023年工作回顾\n2023年，全镇实现地区生产总值41.3亿元，同比增长6.8%。"
               "全镇规模以上工业企业51家。\n二、2024年主要目标\n2024年，力争规模以上工业企业达到55家。\n",
    "z22.txt": "桐林镇2022年政府工作报告\n一、2022年工作回顾\n2022年，全镇实现地区生产总值38.6亿元，同比增长6.2%。\n",
    "co.txt": "恒丰食品有限公司简介\n恒丰食品有限公司成立于2008年，位于临江县白沙镇，主要生产休闲食品。公司董事长张卫东，总经理林晓燕。"
              "公司现有员工420人。\n",
}


def test_a_change_asked_as_an_amount_quotes_both_figures_and_an_unstated_change_is_refused(tmp_path, settings):
    engine = _engine(_write(tmp_path, _TWO_YEARS), settings)
    r = engine.ask("桐林镇2023年地区生产总值比2022年增加了多少？")  # 同比增长6.8% is a rate, not the amount
    assert not r.abstained and "41.3亿元" in r.answer and "38.6亿元" in r.answer, r.answer
    r = engine.ask("桐林镇2023年地区生产总值比上年增长多少？")  # a growth asked: the stated rate answers it
    assert not r.abstained and "6.8%" in r.answer, r.answer
    # the 2023 level alone states no change, and 2022's figure is not in the documents
    assert engine.ask("桐林镇2023年城镇居民人均可支配收入比上年增长多少？").abstained


def test_a_role_asked_without_de_after_a_place_or_a_company_is_the_role(tmp_path, settings):
    assert analyse("桐林乡乡长是谁？").attribute == "乡长"
    assert analyse("恒丰食品有限公司总经理是谁？").attribute == "总经理"
    engine = _engine(_write(tmp_path, _TWO_YEARS), settings)
    r = engine.ask("桐林乡乡长是谁？")
    assert not r.abstained and "韩立新" in r.answer, r.answer
    r = engine.ask("恒丰食品有限公司总经理是谁？")
    assert not r.abstained and "林晓燕" in r.answer, r.answer


def test_which_town_is_answered_by_a_town_name_the_tagger_takes_for_a_person(tmp_path, settings):
    from ingest.tokenize import entities

    assert "白沙镇" in entities("位于临江县白沙镇，主要生产", min_len=3, flags=("nr",))  # jieba: a person's name
    engine = _engine(_write(tmp_path, _TWO_YEARS), settings)
    r = engine.ask("恒丰食品有限公司位于哪个镇？")
    assert not r.abstained and "白沙镇" in r.answer, r.answer


def test_a_table_row_of_a_place_inside_the_one_asked_is_not_about_the_place_asked():
    from rag.answer import _about_another_place

    row = normalize("乡镇：东湖街道｜地区生产总值（亿元）：35.7｜接待游客（万人次）：64。")
    assert _about_another_place("临江县2023年接待游客多少人次?", frozenset({"临江县"}), row)  # the county's street
    assert not _about_another_place("东湖街道接待游客多少万人次?", frozenset({"东湖街道"}), row)
    assert _about_another_place("西村的人均收入是多少", frozenset({"西村"}), normalize("村名：东村｜人均收入：1.2万元。"))


def test_an_indicator_whose_modifiers_jieba_tags_as_verbs_is_another_kind_of_the_one_asked():
    from rag.answer import _another_kind_of

    text = normalize("一般公共预算支出1.42亿元。城镇居民人均可支配收入37400元，农村居民人均可支配收入21200元。")
    assert _another_kind_of("旅游收入", text, text)  # 可支配 is tagged a verb: still a modifier of 收入
    assert not _another_kind_of("旅游收入", normalize("全年接待游客102万人次，旅游收入5.1亿元。"), "")
    assert not _another_kind_of("地区生产总值", normalize("全镇实现生产总值41.3亿元。"), "")


def test_a_grade_named_in_the_question_is_named_by_the_quote(tmp_path, settings):
    docs = _write(tmp_path, {"p.txt": "松原县农村住房改造补贴实施办法\n第三条 申请对象：现住房经鉴定为C级或者D级危房的农户。\n"
                                      "第四条 补贴标准：D级危房拆除重建的，每户补助4.5万元；C级危房维修加固的，每户补助1.8万元。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("C级危房维修加固每户补助多少？")  # the D级 clause heads the article: no answer alone
    assert not r.abstained and "1.8万元" in r.answer, r.answer
    assert engine.ask("B级危房每户补助多少？").abstained  # no B级 grade in the documents


def test_the_whole_place_is_the_scope_of_an_indicator_not_part_of_its_name(tmp_path, settings):
    assert analyse("2023年全县一般公共预算收入比上年增长多少？").attribute == "一般公共预算收入"
    docs = _write(tmp_path, {
        "g23.txt": "松原县2023年国民经济和社会发展统计公报\n三、财政\n全年一般公共预算收入13.5亿元，比上年增长7.1%。"
                   "一般公共预算支出40.2亿元，增长3.3%。\n",
        "g22.txt": "松原县2022年国民经济和社会发展统计公报\n三、财政\n全年一般公共预算收入12.6亿元，比上年增长6.3%。"
                   "一般公共预算支出38.9亿元，增长4.1%。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("2023年全县一般公共预算收入比上年增长多少？")  # the stated 7.1% answers; 2022's figure is not asked
    assert not r.abstained and "7.1%" in r.answer and "12.6亿元" not in r.answer, r.answer


def test_a_place_is_not_answered_by_its_namesake_of_another_unit_in_a_row_or_a_sentence(tmp_path, settings):
    # a county table with 白马镇 and 白马乡: the 镇's row (which names 白马 too) answered for the 乡, and so did a
    # note naming only the 镇's figure of another year
    docs = _write(tmp_path, {"county.md": "临川县2023年统计公报\n\n## 分乡镇主要指标\n\n"
                             "| 乡镇 | 地区生产总值（亿元） | 一般公共预算收入（万元） |\n| --- | --- | --- |\n"
                             "| 青石镇 | 38.6 | 21350 |\n| 白马镇 | 27.5 | 15620 |\n| 白马乡 | 7.8 | 2950 |\n\n"
                             "注：2022年青石镇地区生产总值为35.9亿元，白马镇为25.7亿元。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("白马乡2023年一般公共预算收入是多少？")
    assert not r.abstained and "2950" in r.answer and "15620" not in r.answer, r.answer
    r = engine.ask("白马镇2023年一般公共预算收入是多少？")
    assert not r.abstained and "15620" in r.answer and "2950" not in r.answer, r.answer
    assert engine.ask("白马乡2022年地区生产总值是多少？").abstained
    r = engine.ask("白马镇2022年地区生产总值是多少？")
    assert not r.abstained and "25.7" in r.answer, r.answer


def test_a_town_is_not_answered_by_a_sentence_about_the_whole_county(tmp_path, settings):
    # a county bulletin with a per-town table: 「年末全县规模以上工业企业达到186家」 answered for 青石乡, because the
    # document names 青石乡 in its table
    docs = _write(tmp_path, {
        "county.md": "临川县2023年统计公报\n\n## 工业\n\n年末全县规模以上工业企业达到186家，比上年末新增14家。\n\n"
                     "## 分乡镇主要指标\n\n| 乡镇 | 地区生产总值（亿元） |\n| --- | --- |\n| 青石镇 | 38.6 |\n"
                     "| 青石乡 | 9.2 |\n| 白沙镇 | 35.2 |\n\n## 附注\n\n2022年全县地区生产总值为260.1亿元。\n",
        "town.txt": "青石镇2023年政府工作报告\n2023年，全镇规模以上工业企业达到12家，占全县的6.5%。\n"
                    "建成全县首个智慧农业园区，带动农户800户。\n"})
    engine = _engine(docs, settings)
    assert engine.ask("青石乡2023年规模以上工业企业有多少家？").abstained
    r = engine.ask("青石镇2023年规模以上工业企业有多少家？")
    assert not r.abstained and "12家" in r.answer and "186" not in r.answer, r.answer
    # a town jieba keeps whole (白沙镇, tagged as a name) as well as one it cuts from its unit (青石|乡)
    # (the table is of 2023: no 2022 figure of 白沙镇 is stated)
    r = engine.ask("白沙镇2022年地区生产总值是多少？")
    assert r.abstained, r.answer
    # 全县 as a ranking or a share is no subject: the town's own sentence answers
    r = engine.ask("青石镇建成了什么园区？")
    assert not r.abstained and "智慧农业园区" in r.answer, r.answer


def test_a_term_the_question_quotes_is_not_answered_by_a_similar_term(tmp_path, settings):
    docs = _write(tmp_path, {"r.txt": "柏溪县数字乡村建设情况\n全县建成数字乡村服务站42个，覆盖所有行政村。"
                                      "县里每年组织数字技能培训，累计培训村民3600人次。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("柏溪县建成了多少个“数字乡村驿站”？")
    assert r.abstained, r.answer  # the documents have 服务站, not 驿站
    r = engine.ask("柏溪县建成了多少个“数字乡村服务站”？")
    assert not r.abstained and "42个" in r.answer, r.answer


def test_a_years_figure_is_dated_by_its_own_sentence_not_a_neighbour_or_an_aside(tmp_path, settings):
    docs = _write(tmp_path, {
        "a23.txt": "桐川镇2023年政府工作报告\n一、2023年工作回顾\n2023年，全镇实现地区生产总值15.2亿元，同比增长6.2%；"
                   "一般公共预算收入9350万元，比上年增长8.1%。全年新引进项目14个，其中亿元以上项目3个。"
                   "2022年全镇农村居民人均可支配收入为21500元，2023年达到23180元，增长7.8%。\n",
        "a22.txt": "桐川镇2022年政府工作报告\n一、2022年工作回顾\n2022年，全镇实现地区生产总值14.1亿元，同比增长5.4%；"
                   "一般公共预算收入8650万元。全年新引进项目9个。\n二、2023年工作安排\n2023年，全镇计划新引进项目12个。\n",
        "b23.txt": "梅溪乡2023年工作总结\n一、经济发展\n2023年，全乡实现地区生产总值6.3亿元，同比增长4.9%；"
                   "一般公共预算收入2120万元。全年新引进项目6个（2022年为4个）。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("桐川镇2022年新引进了多少个项目？")
    assert not r.abstained and "9个" in r.answer and "14个" not in r.answer, r.answer
    r = engine.ask("梅溪乡2023年新引进了多少个项目？")  # the aside's 2022 is not the year of 6个
    assert not r.abstained and "6个" in r.answer, r.answer
    r = engine.ask("梅溪乡2022年新引进了多少个项目？")  # ... but it states 2022's figure
    assert not r.abstained and "4个" in r.answer, r.answer


def test_a_plan_word_in_a_documents_title_or_before_the_asked_change_plans_nothing(tmp_path, settings):
    docs = _write(tmp_path, {"r.txt": "桐川镇2023年政府工作报告\n一、2023年工作回顾\n"
                                      "根据《桐川镇乡村振兴三年行动计划》，镇财政每年安排乡村振兴专项资金600万元，力争到2025年累计投入2000万元。\n"
                                      "二、2024年工作安排\n2024年，全镇计划新引进项目18个，力争地区生产总值增长7%。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("桐川镇每年安排多少乡村振兴专项资金？")
    assert not r.abstained and "600万元" in r.answer, r.answer
    assert analyse("桐川镇2024年地区生产总值预计增长多少？").attribute == "地区生产总值"
    r = engine.ask("桐川镇2024年地区生产总值预计增长多少？")
    assert not r.abstained and "7%" in r.answer, r.answer


def test_a_measure_character_opening_a_word_is_no_measure_and_ren_ci_keeps_its_noun(tmp_path, settings):
    q = analyse("梅溪乡每年安排多少人居环境整治资金？")
    assert q.unit == "" and q.noun == ""  # 人居 is a word, not 人 + 居…
    q = analyse("茶文化节吸引了多少人次游客？")
    assert q.measure == "人次" and q.noun == "游客"
    assert analyse("全镇有多少个村？").unit == "个" and analyse("多少名河长？").noun == "河长"
    docs = _write(tmp_path, {
        "b.txt": "梅溪乡2023年工作总结\n按照《梅溪乡乡村振兴行动计划》，乡财政每年安排产业发展资金320万元。"
                 "乡财政每年安排人居环境整治资金180万元，力争到2025年累计投入800万元。\n",
        "n.txt": "梅溪乡举办首届茶文化节\n2023年9月16日，梅溪乡首届茶文化节在茶溪村开幕。活动为期3天，吸引游客约2.6万人次，"
                 "实现茶叶销售额1380万元。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("梅溪乡每年安排多少人居环境整治资金？")
    assert not r.abstained and "180万元" in r.answer, r.answer
    r = engine.ask("茶文化节吸引了多少人次游客？")
    assert not r.abstained and "2.6万人次" in r.answer, r.answer


def test_a_question_about_a_plan_is_answered_by_a_sentence_stating_the_plan_beside_a_fact(tmp_path, settings):
    docs = _write(tmp_path, {"p.txt": "柏溪县关于深化政务服务改革的实施意见\n三、保障措施\n"
                                      "县财政每年安排专项经费450万元用于政务服务改革，计划三年累计投入1500万元；"
                                      "力争2025年“一窗通办”比例达到98%。\n"})
    engine = _engine(docs, settings)
    r = engine.ask("柏溪县计划三年累计投入多少政务服务改革经费？")
    assert not r.abstained and "1500万元" in r.answer, r.answer
    r = engine.ask("柏溪县每年安排多少政务服务改革经费？")
    assert not r.abstained and "450万元" in r.answer, r.answer


def test_a_quarter_or_half_the_question_names_must_be_that_of_the_quoted_figure(tmp_path, settings):
    # the part of a year is stated in the sentence, or only in the sentence before it ("…第一季度财报。该季度…")
    docs = _write(tmp_path, {
        "stats.txt": "凌川县经济运行情况\n前三季度，全县地区生产总值完成86.4亿元，同比增长5.6%。"
                     "其中，第三季度地区生产总值完成31.2亿元，同比增长6.1%。\n"
                     "回顾上半年，全县地区生产总值完成55.2亿元。其中，第二季度完成29.8亿元，较一季度增长8%。\n",
        "firm.txt": "龙腾公司季度财报\n龙腾公司日前公布2024年第一季度财报。该季度营业收入为3.2亿元，净利润4100万元。\n"
                    "龙腾公司随后公布2024年第二季度财报。该季度营业收入为3.6亿元，净利润4700万元。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("凌川县第二季度地区生产总值是多少？")
    assert not r.abstained and "29.8亿元" in r.answer and "31.2亿元" not in r.answer
    r = engine.ask("凌川县上半年地区生产总值是多少？")
    assert not r.abstained and "55.2亿元" in r.answer
    r = engine.ask("龙腾公司2024年第二季度的营业收入是多少？")
    assert not r.abstained and "3.6亿元" in r.answer and "3.2亿元" not in r.answer
    r = engine.ask("龙腾公司2024年一季度的净利润是多少？")
    assert not r.abstained and "4100万元" in r.answer and "4700万元" not in r.answer
    assert engine.ask("龙腾公司2024年第四季度的营业收入是多少？").abstained


def test_periods_reads_quarters_halves_and_month_spans_but_not_a_compared_base():
    from rag.question import periods

    assert periods("2023年第二季度财务报告") == {"Q2"}
    assert periods("今年上半年收入较一季度增长5%") == {"H1"}
    assert periods("前三季度") == {"Q1-3"} and periods("1—6月") == {"H1"} and periods("一至9月") == {"Q1-3"}
    assert periods("较上季度下降9%") == set() and periods("上年同期") == set() and periods("下一季度预计") == set()


def test_a_question_naming_a_plan_document_is_answered_from_its_figures(tmp_path, settings):
    # 计划 names the document here, not a planned figure: its targets answer, a plan elsewhere does not
    docs = _write(tmp_path, {
        "plan.txt": "县商务局印发乡村物流行动计划\n近日，县商务局印发《乡村物流三年行动计划（2024-2026年）》。"
                    "到2026年，85%的行政村实现快递进村，具备条件的乡镇基本实现冷链物流覆盖。\n",
        "firm.txt": "青川农机公司发布新品\n青川农机公司计划明年推出3款智能农机，并在12个乡镇设立服务网点。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("计划中要求多少的行政村实现快递进村？")
    assert not r.abstained and "85%" in r.answer and "3款" not in r.answer


def test_a_thing_named_by_its_number_is_not_answered_from_another_number(tmp_path, settings):
    docs = _write(tmp_path, {
        "metro.txt": "滨江地铁建设进展\n滨江地铁7号线首个盾构区间日前贯通，7号线预计2026年底开通运营。\n",
        "bridge.txt": "滨江大桥合龙\n滨江大桥主桥日前合龙，大桥预计年内通车。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("滨江地铁7号线预计何时开通运营？")
    assert not r.abstained and "2026年底" in r.answer
    assert engine.ask("滨江地铁9号线预计何时开通运营？").abstained


def test_numbered_names_are_identifiers_not_the_day_of_a_date():
    from rag.question import numbered_names

    assert numbered_names("江州地铁7号线何时通车?") == ["7号"]
    assert numbered_names("8月2号开幕的展会在哪里?") == []


def test_when_a_notice_was_issued_is_answered_by_the_date_under_its_signature(tmp_path, settings):
    # a 公文 ends with its issuing body and 成文日期 (GB/T 9704-2012); the dates in its body are other dates
    docs = _write(tmp_path, {
        "notice.txt": "白溪县水利局关于开展2025年度汛前安全检查的通知\n\n各乡镇人民政府：\n"
                      "为做好汛前准备，县水利局决定开展安全检查。现将有关事项通知如下：\n"
                      "一、检查时间\n2025年4月1日至5月15日。各乡镇于2025年3月25日前完成自查。\n"
                      "二、检查内容\n重点检查水库大坝、堤防和山塘的安全状况。\n\n白溪县水利局\n二〇二五年三月十日\n",
        "other.txt": "白溪县教育局关于做好春季开学工作的通知\n\n各中小学：\n春季学期于2025年2月17日开学。\n"
                     "请各校做好开学准备。\n",
    })
    engine = _engine(docs, settings)
    for question in ("白溪县水利局的通知是什么时候印发的？", "安全检查通知的发文日期是哪天？"):
        r = engine.ask(question)
        assert not r.abstained and "二〇二五年三月十日" in r.answer and "4月1日" not in r.answer, question
        assert r.citations and r.citations[0].quote in next(
            x.text for x in r.contexts if x.chunk_id == r.citations[0].chunk_id)
    r = engine.ask("白溪县教育局的通知是什么时候印发的？")  # it ends with no date: none is made up for it
    assert "二〇二五年三月十日" not in r.answer


def test_issue_date_is_the_last_line_when_it_is_a_whole_date_with_its_signature_above():
    from ingest.headings import issue_date

    text = "正文。\n\n青石镇人民政府\n2024年2月26日\n"
    start, end = issue_date(text)
    assert text[start:end] == "青石镇人民政府\n2024年2月26日"
    assert issue_date("正文里有2024年2月26日。\n") is None
    assert issue_date("正文。\n2024年2月\n") is None


def test_a_figure_about_a_modified_attribute_comes_from_a_document_naming_the_modifier(tmp_path, settings):
    # 专项检查经费 is not another document's 专项经费: the words before the attribute's head name what it is of
    docs = _write(tmp_path, {
        "reform.txt": "白溪县关于深化政务服务改革的实施意见\n县财政每年安排专项经费380万元用于政务服务改革。\n",
        "notice.txt": "白溪县水利局关于开展汛前专项检查的通知\n县水利局决定开展专项检查，重点检查水库大坝和堤防。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("白溪县每年安排多少政务服务改革专项经费？")
    assert not r.abstained and "380万元" in r.answer
    assert engine.ask("专项检查经费是多少？").abstained


def test_attribute_modifiers_are_the_words_before_the_head_less_measure_nouns():
    from rag.question import attribute_modifiers

    assert attribute_modifiers("专项检查经费") == ("专项", "检查")
    assert attribute_modifiers("投资金额") == ("投资",) and attribute_modifiers("常住人口") == ()


def test_a_quarter_asked_is_not_answered_by_a_figure_of_no_named_part_of_the_year(tmp_path, settings):
    # a bulletin's year figure is no answer about a quarter; the quarterly report's own sentence is
    docs = _write(tmp_path, {
        "bulletin.txt": "松溪县各镇主要指标\n2024年地区生产总值：青岗镇26.8亿元，白桥镇19.2亿元。\n",
        "report.txt": "青岗镇2024年经济运行情况\n一季度，全镇实现地区生产总值6.1亿元。二季度，全镇实现地区生产总值6.9亿元。\n"
                      "前三季度，全镇完成一般公共预算收入1.12亿元，完成年度目标的76%。全年完成一般公共预算收入1.51亿元。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("青岗镇2024年二季度地区生产总值是多少？")
    assert not r.abstained and "6.9亿元" in r.answer and "26.8亿元" not in r.answer
    r = engine.ask("青岗镇前三季度一般公共预算收入完成多少？")  # 完成 before 多少 is no part of what is asked
    assert not r.abstained and "1.12亿元" in r.answer and "1.51亿元" not in r.answer
    assert engine.ask("白桥镇2024年二季度地区生产总值是多少？").abstained


def test_a_numbered_thing_a_passage_does_not_name_is_not_answered_by_its_document_s_other_numbered_things(
        tmp_path, settings):
    docs = _write(tmp_path, {
        "metro.txt": "江州地铁建设\n目前，江州已开通运营地铁1号线、2号线，运营总里程58公里。\n"
                     "在建的5号线江州段全长16.2公里，设车站12座。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("5号线江州段全长多少公里？")
    assert not r.abstained and "16.2公里" in r.answer
    r = engine.ask("2号线全长多少公里？")
    assert "16.2公里" not in r.answer


def test_a_plan_document_the_question_names_is_the_document_quoted(tmp_path, settings):
    docs = _write(tmp_path, {
        "eco.txt": "松溪县“十四五”生态环境保护规划\n到2025年，全县森林覆盖率达到68%，PM2.5年均浓度降至28微克/立方米以下。\n",
        "digital.txt": "松溪县数字乡村三年行动计划\n到2025年，全县行政村5G网络覆盖率达到90%，农村电商网络零售额达到12亿元。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("十四五规划中PM2.5浓度目标是多少？")
    assert not r.abstained and "28微克" in r.answer
    r = engine.ask("十四五生态环境保护规划提出农村电商网络零售额达到多少？")  # only the other plan states it
    assert "12亿元" not in r.answer


def test_plan_documents_are_read_from_the_words_before_the_plan_noun():
    from rag.question import plan_documents

    assert plan_documents("十四五规划中pm2.5浓度目标是多少?") == ["十四五"]
    assert plan_documents("方案中要求多少的乡镇达到标准?") == [""]
    assert plan_documents("2024年计划新增多少家企业?") == []


def test_the_year_of_a_figure_in_the_second_of_two_quoted_sentences_is_the_first_sentence_s(tmp_path, settings):
    docs = _write(tmp_path, {
        "firm.txt": "龙腾公司年报\n龙腾公司日前公布2023年年报。该年营业收入为3.2亿元，净利润4100万元。\n"
                    "龙腾公司随后公布2024年年报。该年营业收入为3.6亿元，净利润4700万元。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("龙腾公司2023年的净利润是多少？")
    assert not r.abstained and "4100万元" in r.answer and "4700万元" not in r.answer
    r = engine.ask("龙腾公司2024年的净利润是多少？")
    assert not r.abstained and "4700万元" in r.answer and "4100万元" not in r.answer


def test_a_bracketed_aside_is_not_counted_as_the_items_a_sentence_enumerates():
    """「哪两个单位…」 asks a count of items; a news byline's (记者甲、通讯员乙) lists none of them."""
    from rag.features import _items

    assert _items("新华网讯（记者林小远、通讯员王大山）某县文化馆近日开放。") == 1
    assert _items("文化馆由县文旅局、镇政府共同出资建设。") == 2
    assert _items("主办单位包括县文旅局（牵头）、镇政府和县图书馆。") == 3


def test_a_sentence_stating_its_own_years_gives_whole_year_figures_not_its_report_s_quarter(tmp_path, settings):
    # a history sentence in a quarterly report states annual figures; the quarter asked is in last year's report
    docs = _write(tmp_path, {
        "2024q3.txt": "青岚镇2024年前三季度经济运行情况\n前三季度，全镇完成一般公共预算收入1.2亿元。\n"
                      "从历年情况看，全镇地区生产总值2022年为30.1亿元，2023年为32.5亿元。\n",
        "2023.txt": "青岚镇2023年经济运行情况\n2023年一季度，全镇实现地区生产总值7.9亿元；前三季度实现24.2亿元；"
                    "全年实现地区生产总值32.5亿元。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("青岚镇2023年前三季度地区生产总值是多少？")
    assert not r.abstained and "24.2亿元" in r.answer and "30.1亿元" not in r.answer
    r = engine.ask("青岚镇2023年全年地区生产总值是多少？")
    assert not r.abstained and "32.5亿元" in r.answer


def test_a_figure_of_a_whole_county_is_not_answered_by_its_towns_figures(tmp_path, settings):
    # a bulletin lists each town's figure; none is the county's, so the county question is refused
    docs = _write(tmp_path, {
        "bulletin.txt": "关于2023年度各镇重点工作考核情况的通报\n二、主要指标。2023年地区生产总值：青岚镇32.5亿元，"
                        "白鹭镇21.7亿元，金沙镇14.2亿元。\n",
        "town.txt": "青岚镇2023年经济运行情况\n全年实现地区生产总值32.5亿元，同比增长6.1%。\n",
    })
    engine = _engine(docs, settings)
    assert engine.ask("柏溪县2023年全县地区生产总值是多少？").abstained
    assert engine.ask("柏溪县2023年地区生产总值是多少？").abstained
    r = engine.ask("白鹭镇2023年地区生产总值是多少？")  # a town's own figure in the list still answers the town
    assert not r.abstained and "21.7亿元" in r.answer


def test_a_sentence_under_a_heading_naming_the_attribute_whole_states_that_attribute(tmp_path, settings):
    # 「一、考核得分。」 heads the scores: 「白鹭镇得分92.0分」 is the 考核得分 asked, not another kind of 得分
    docs = _write(tmp_path, {
        "notice.txt": "关于2023年度各镇重点工作考核情况的通报\n一、考核得分。青岚镇得分95.5分，排名第一；"
                      "白鹭镇得分92.0分，排名第二；金沙镇得分88.0分，排名第三。\n二、存在问题。部分镇台账不全。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("白鹭镇考核得分是多少？")
    assert not r.abstained and "92.0分" in r.answer


def test_everyday_wording_gdp_and_how_much_money_find_the_report_s_figure(tmp_path, settings):
    # "GDP" is the statistical abbreviation of 地区生产总值; "多少钱" asks an amount, 钱 is no word of the report
    docs = _write(tmp_path, {
        "report.txt": "青岚镇2024年前三季度经济运行情况\n一、地区生产总值。一季度，全镇实现地区生产总值7.2亿元；"
                      "前三季度实现地区生产总值24.6亿元，同比增长5.9%。\n二、财政收入。前三季度完成一般公共预算收入1.1亿元。\n",
    })
    engine = _engine(docs, settings)
    for question in ("青岚镇今年前三个季度GDP一共多少钱？", "青岚镇前三季度地区生产总值一共多少钱？"):
        r = engine.ask(question)
        assert not r.abstained and "24.6亿元" in r.answer, question
    assert analyse("项目总投资多少钱？").content.strip(" ?") == "项目总投资"


def test_a_message_of_two_questions_is_answered_question_by_question_and_whom_to_ask_is_the_contact(
        tmp_path, settings):
    from rag.question import split_questions

    assert split_questions("消防检查有问题找谁？电话多少？") == ["消防检查有问题找谁?", "消防检查电话多少?"]
    assert split_questions("消防检查什么时候开始？") == []
    assert split_questions("请看通知。消防检查什么时候开始？") == []  # one sentence asks nothing: no split
    docs = _write(tmp_path, {
        "fire.txt": "柏溪县消防安全检查工作的通知\n一、检查时间。2024年4月1日至4月30日。\n二、检查内容。重点检查人员密集场所。\n"
                    "联系人：县消防救援大队 林晓东，电话：0571-6655321。\n",
        "flood.txt": "柏溪县防汛值班工作的通知\n一、值班时间。汛期实行24小时值班。\n二、值班要求。值班人员不得脱岗。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("消防检查有问题找谁？电话多少？")
    assert not r.abstained and "林晓东" in r.answer and "0571-6655321" in r.answer
    # not answerable as a whole (its first question is refused alone): answered question by question
    r = engine.ask("消防检查什么时候开始？有问题找谁？")
    assert not r.abstained and "林晓东" in r.answer
    r = engine.ask("消防检查有问题找谁？")
    assert not r.abstained and "林晓东" in r.answer
    assert engine.ask("防汛值班有问题找谁？").abstained  # the other notice's contact is not this one's


def test_a_county_figure_is_not_answered_by_town_clauses_nor_by_a_town_bulletin_naming_no_place(tmp_path, settings):
    # towns' clauses with a verb between the town and its figure, and a town bulletin's sentence naming no place,
    # state no county figure; the county's own sentence is quoted alone, without the towns' beside it
    docs = _write(tmp_path, {
        "q1.txt": "柏溪县2023年一季度经济运行情况\n一、地区生产总值。一季度，全县实现地区生产总值40.2亿元，同比增长5.1%。"
                  "分乡镇看，青岚镇实现地区生产总值12.6亿元，同比增长6.0%。\n"
                  "二、固定资产投资。一季度，青岚镇完成固定资产投资5.2亿元，白鹭镇完成固定资产投资3.3亿元。\n",
        "town.txt": "青岚镇2023年国民经济和社会发展统计公报\n全年粮食播种面积3.1万亩，粮食总产量1.42万吨。\n",
    })
    engine = _engine(docs, settings)
    assert engine.ask("2023年一季度全县固定资产投资是多少？").abstained
    assert engine.ask("全县2023年粮食总产量是多少？").abstained
    r = engine.ask("青岚镇2023年粮食总产量是多少？")
    assert not r.abstained and "1.42万吨" in r.answer
    r = engine.ask("一季度全县地区生产总值是多少？")
    assert not r.abstained and "40.2亿元" in r.answer and "12.6亿元" not in r.answer


def test_a_whole_year_asked_is_not_answered_by_a_figure_of_a_part_of_it(tmp_path, settings):
    # 全年 asks the year: the half-year report's figure is no answer; the town's annual sentence is
    docs = _write(tmp_path, {
        "h1.txt": "柏溪县2023年上半年经济运行情况\n一、地区生产总值。上半年，全县实现地区生产总值88.4亿元，同比增长5.3%。"
                  "其中，第二季度实现地区生产总值46.1亿元。\n二、固定资产投资。上半年，青岚镇完成固定资产投资9.6亿元。\n",
        "town.txt": "青岚镇2023年工作总结\n全年实现地区生产总值35.2亿元，同比增长5.0%；完成固定资产投资21.3亿元。\n",
    })
    engine = _engine(docs, settings)
    assert engine.ask("柏溪县2023年全年地区生产总值是多少？").abstained
    r = engine.ask("青岚镇2023年全年固定资产投资完成多少？")
    assert not r.abstained and "21.3亿元" in r.answer and "9.6亿元" not in r.answer


def test_a_year_asked_alone_or_a_town_s_part_is_not_answered_by_a_part_s_or_another_unit_s_figure(tmp_path, settings):
    # a year asked without a part is the year's figure, not the half year's; a sentence opening with 其中 states a
    # part of its sentence before's subject (全县), no town's; 全镇 of a town's report is no township's (乡) whole
    docs = _write(tmp_path, {
        "h1.txt": "柏溪县2023年上半年经济运行情况\n一、地区生产总值。上半年，全县实现地区生产总值88.4亿元，同比增长5.3%。"
                  "其中，第二季度实现地区生产总值46.1亿元。\n二、固定资产投资。上半年，青岚镇完成固定资产投资9.6亿元，"
                  "桐坞乡完成固定资产投资2.2亿元。\n",
        "town.txt": "青岚镇2023年工作总结\n镇党委团结带领全镇干部群众，与桐坞乡共建农产品加工园。\n"
                    "全年实现地区生产总值35.2亿元，同比增长5.0%；完成固定资产投资21.3亿元。"
                    "年末全镇户籍人口6.41万人，常住人口7.02万人。\n",
        "y24.txt": "柏溪县2024年经济运行情况\n2024年一季度，全县实现地区生产总值42.0亿元，同比增长5.0%；上半年实现"
                   "90.1亿元，同比增长5.2%；前三季度实现137.5亿元，同比增长5.4%。年末全县常住人口31.6万人。\n",
    })
    engine = _engine(docs, settings)
    assert engine.ask("柏溪县2023年地区生产总值是多少？").abstained
    r = engine.ask("青岚镇2023年固定资产投资完成多少？")
    assert not r.abstained and "21.3亿元" in r.answer and "9.6亿元" not in r.answer
    assert engine.ask("青岚镇2023年第二季度地区生产总值是多少？").abstained
    assert engine.ask("桐坞乡2023年常住人口是多少？").abstained
    r = engine.ask("青岚镇2023年常住人口是多少？")
    assert not r.abstained and "7.02万人" in r.answer
    # ... but a ；-clause goes on from its sentence's first clause, which names the attribute
    r = engine.ask("柏溪县2024年前三季度地区生产总值是多少？")
    assert not r.abstained and "137.5亿元" in r.answer


def test_everyday_wordings_of_a_day_a_role_s_name_a_plan_and_a_counted_noun_are_read_as_their_forms(tmp_path, settings):
    # 几号 asks a day (a sentence with a year alone is no answer), 叫什么名字 after a role asks the person, 要新增
    # asks the planned figure, and a noun before 有多少家 is what is counted (a sentence counting other things in
    # the same chunk is no answer)
    docs = _write(tmp_path, {
        "notice.txt": "关于开展2025年度全县消防安全排查的通知\n经研究，决定在全县开展2025年度消防安全排查。\n"
                      "排查于5月12日开始，6月20日结束。\n联系人：县消防救援大队林朔，电话：0599-6612345。\n",
        "town.txt": "岫溪镇2024年工作总结\n2024年，在镇党委书记钟衡、镇长白晓岑带领下，全镇干部群众攻坚克难。"
                    "新增规模以上工业企业2家。\n2025年主要目标：地区生产总值增长6%左右；力争新增规模以上工业企业4家。\n"
                    "到2027年，全镇森林覆盖率达到71.5%。\n",
        "county.txt": "柏溪县2024年国民经济和社会发展统计公报\n全年规模以上工业增加值增长7.1%。\n"
                      "全年新建标准化厂房5.2万平方米；改造老旧小区6个，惠及居民1420户。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("消防安全排查几号开始？")
    assert not r.abstained and "5月12日" in r.answer
    r = engine.ask("岫溪镇的镇长叫什么名字？")
    assert not r.abstained and "白晓岑" in r.answer
    # two questions asking different things (a day, a person) are answered each
    r = engine.ask("消防安全排查几号开始？有问题找谁？")
    assert not r.abstained and "5月12日" in r.answer and "林朔" in r.answer, r.answer
    r = engine.ask("2025年岫溪镇要新增几家规上企业？")
    assert not r.abstained and "4家" in r.answer
    # (a target stated without a plan word is what is to be done too)
    r = engine.ask("到2027年岫溪镇森林覆盖率要达到多少？")
    assert not r.abstained and "71.5%" in r.answer
    assert engine.ask("全县2024年规模以上工业企业有多少家？").abstained
    assert analyse("岫溪镇的镇长叫什么名字？").attribute == "镇长"
    assert analyse("这个项目叫什么名字？").attribute == ""  # a thing's name is asked as written
    assert analyse("坐几号线能到？").what == "number"  # 几号线 is a numbered line, no day
    assert analyse("全县规模以上工业企业有多少家？").noun == "工业企业"
    assert analyse("青石镇有多少人？").noun == ""  # the place that has them is not what is counted
    assert analyse("南湖街道有多少人？").noun == ""  # ... nor is a sub-district (街道, a unit of two characters)


def test_a_town_s_figure_is_not_answered_by_other_towns_clauses_of_a_list_and_abbreviations_are_read(tmp_path, settings):
    # a sentence listing every town's figure is cut into clauses: a clause of other towns, not naming the one asked,
    # states none of its figures; 规上 is the bureau's shortening of 规模以上; 哪几天 asks days
    docs = _write(tmp_path, {
        "year.txt": "柏溪县2024年经济运行情况\n全年全县实现地区生产总值301.4亿元，增长5.8%。\n"
                    "分乡镇看，岚川镇全年实现地区生产总值40.12亿元，增长6.2%；岚川乡10.85亿元，增长4.4%；"
                    "柳塘镇30.06亿元，增长5.9%；苇湾乡8.77亿元，增长3.9%；石埠镇25.31亿元；东渚街道36.48亿元，增长7.3%。\n"
                    "年末全县规模以上工业企业达到126家。\n",
        "train.txt": "关于举办乡镇统计人员业务培训的通知\n一、培训时间\n集中培训：2025年3月10日至3月12日，共3天。\n"
                     "二、培训地点\n县委党校二楼报告厅。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("苇湾乡2024年全年地区生产总值多少？")
    assert not r.abstained and "8.77亿元" in r.answer, r.answer
    r = engine.ask("2024年末全县规上工业企业有多少家？")
    assert not r.abstained and "126家" in r.answer, r.answer
    r = engine.ask("集中培训是哪几天？")
    assert not r.abstained and "3月10日" in r.answer, r.answer
    from ingest.tokenize import synonyms

    assert analyse("集中培训是哪几天？").what == "date"
    assert "规模以上" in synonyms("规上")


def test_a_sub_district_is_a_place_written_with_its_unit_and_a_district_s_whole_is_no_answer_for_it(tmp_path, settings):
    # 街道 is an administrative unit like 镇: 「桐坊街道…」 names the place 桐坊, and 全区 states the district's figure
    from ingest.tokenize import unit_places
    from rag.question import name_stem

    assert unit_places("2023年桐坊街道地区生产总值是多少？") == ["桐坊街道"]
    assert name_stem("桐坊街道") == "桐坊"
    docs = _write(tmp_path, {
        "district.txt": "柏溪区2024年国民经济和社会发展统计公报\n分街道看，2024年桐坊街道实现地区生产总值61.2亿元。\n"
                        "经初步核算，2024年全区实现地区生产总值512.6亿元，比上年增长6.0%。2023年全区地区生产总值为483.9亿元。\n",
    })
    engine = _engine(docs, settings)
    assert engine.ask("2023年桐坊街道地区生产总值是多少？").abstained


def test_a_base_year_statement_does_not_date_the_sentences_after_it(tmp_path, settings):
    # 「2023年全区…为483.9亿元」 after the 2024 figure gives the base of the change; the town sentence after it is of
    # 2024 (its bulletin's year), not of 2023; a heading of an earlier year still dates what follows
    docs = _write(tmp_path, {
        "district.txt": "柏溪区2024年国民经济和社会发展统计公报\n经初步核算，2024年全区实现地区生产总值512.6亿元，比上年增长"
                        "6.0%。2023年全区地区生产总值为483.9亿元。分街道看，桐坊街道实现地区生产总值61.2亿元。\n",
        "town.txt": "岚川镇2024年工作总结\n一、2023年工作回顾\n全镇实现地区生产总值40.1亿元。\n",
    })
    engine = _engine(docs, settings)
    assert engine.ask("2023年桐坊街道地区生产总值是多少？").abstained
    r = engine.ask("2024年桐坊街道地区生产总值是多少？")
    assert not r.abstained and "61.2亿元" in r.answer, r.answer
    r = engine.ask("岚川镇2023年地区生产总值是多少？")
    assert not r.abstained and "40.1亿元" in r.answer, r.answer


def test_a_count_whose_noun_the_document_leaves_out_after_the_question_s_verb_is_answered(tmp_path, settings):
    # 「推荐5名」 counts the 学员 of 「推荐几名学员」 in a notice about 学员: the verb, the figure and the unit, no other
    # noun after it; 「推荐5名保洁员」 counts another thing, and a document never naming 网格员 counts none
    docs = _write(tmp_path, {
        "train.txt": "关于举办凫山县农村实用人才培训班的通知\n一、参训对象\n每个乡镇（街道）推荐5名，全县共40名。\n"
                     "二、培训时间\n2025年3月24日至3月28日，学员食宿统一安排。\n",
        "clean.txt": "关于加强集镇环境卫生管理的通知\n每个社区推荐5名保洁员参加集中培训。\n",
    })
    engine = _engine(docs, settings)
    r = engine.ask("每个乡镇推荐几名学员？")
    assert not r.abstained and "推荐5名，" in r.answer and "保洁员" not in r.answer, r.answer
    assert engine.ask("每个社区推荐几名网格员？").abstained
