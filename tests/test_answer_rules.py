"""How the extractive answerer picks its sentences and when it abstains, on documents made of corpus lines."""

from __future__ import annotations

import pytest

from core.settings import load_settings
from ingest.normalize import normalize
from ingest.pipeline import ingest
from ingest.tokenize import nouns
from rag.engine import AskEngine
from rag.question import (
    analyse,
    answer_kind,
    compared_places,
    figure_pattern,
    name_stem,
    next_item,
    part_question,
    question_kind,
)
from rag.retrieve import load_index
from tests.conftest import index_of

DOCS = {
    "困境.txt": """强镇扩权的实践困境与突围策略
强镇扩权是江苏在基层政府行政体制改革领域的一次重大探索。
然而,调研发现,其遭遇的实践困境也不容忽视,亟需探寻突围之策。
——两头热中间冷。
省市政府和乡镇政府都对强镇扩权持积极乐观的支持态度,但相比之下,县(市、区)政府的态度却较为冷漠。
实际上,改革举措能不能落地生根,不仅需要省级层面的精心设计,更离不开县级政府的具体落实。
而一旦出现两头热中间冷的尴尬局面,最终受影响的必将是扩权乡镇。
""",
    "浙江.txt": """浙江省强镇扩权改革的主要经验
(一)初试阶段:2005年一2007年
事权财权限制了其公共服务职能的履行效果,亟需改革。浙江省经济总量的三分之一是由小城镇创造
1994年11月,浙江省提出推进小城镇综合改革试点,建设100个现代化的小城镇,带动农村经济社会发展的要求。
1995年,全国57个小城镇开展小城镇综合试点,浙江有6个镇列入试点。
""",
    "桦南.txt": """桦南县强乡扩权改革试点
桦南县以综合执法大队为载体,归并9个委托及派驻机构承担行政执法权限205项,实行乡级统一综合执法。
接受“后台”的指挥与监管,形成了纵向联动、横向互展办公室、农业农村服务中心、综合执法大队,并细化了部门职责分工。实行党政领导交叉任职。对7个县直部门的站”和“后台”之间既相互联系又相互制约、既相促进又相互补充,切实提升了农业农村综合管理效能。
""",
    "绍兴.txt": """浙江省强镇扩权的实践与启示
绍兴县还下放了部分人事管理权限,镇党委有权任命副镇长及以下人员,主要领导在行政职级上实行高配一级。(二)权责一致,提高效能明确职责权限,提高行政效能。
各部门下放到镇的职责权限,明确由镇级行使,不打折扣。
""",
    "基层反映.txt": """基层反映:扩权强县试点推进工作存在的问题
但是,我省的扩权强县工作在推进中仍然存在着一些问题,这其中有试点自身的问题,也有政策体制机制等客观因素。
主要表现在三方面:一、实质权力下放不够。
虽然目前省政府已经下放一些管理权限,但是这些下放权限有不少是虚设,大多是审批次数较少,甚至“零审批”的权限。
二、财政支出压力较大。
在目前国家财政分税管理体制下,县级政府承担着财力与事权不对称的管理职能。
三、业务能力有待提高。
县级职能部门受人员编制、业务水平、工作经验所限,在接受权限后还存在业务操作和政策层面应用上不足。
""",
    "龙泉.txt": """推进乡镇强镇扩权的思考--以龙泉镇改革为例
在推进改革中,区委、区政府大胆尝试,勇于创新,向龙泉镇下放了部分干部管理权限、26个部门承担的16类行政执法权和76项行政审批权等行政管理权限。
""",
    "改革路上.txt": """改革路上关于强乡扩权改革试点工作的实践与思考
管理上出了问题,乡镇是责任主体,遇到违规的事情,乡镇却无执法权、处置权。
比如,乡村违建行为须县直3个单位到乡镇处理,乡镇只承担责任,却无权裁量。
""",
    "实践与思考.txt": """关于强乡扩权改革试点工作的实践与思考
允许乡镇政府在一定范围内进行政策创新和试验,为上级政府提供有益的改革经验。
解决问题的经验和教训
经验一
加强培训和指导。对乡镇干部进行系统的培训和教育,提高其履职能力和业务水平,使其更好地适应改革带来的变化。
教训一
注重实际需求。在扩权过程中,要充分考虑乡镇的实际需求和情况,避免一刀切的做法,确保改革措施的针对性和有效性。
""",
    "乡镇症结.txt": """强乡扩权有利于疏通乡镇管理症结
近年来,随着农村经济社会的快速发展和农村改革的不断深入,现行乡镇行政管理职能、经济调控职能和社会管理职能明显滞后,“小马拉大车”现象凸显,乡镇出现了很多不适应的地方,比如责任重、职能弱,执行力差;比如债务大、财力弱,服务功能差;比如矛盾多、管理弱,治理能力差。
""",
    "潍坊.txt": """近年来推进扩权强镇改革试点的实践探索
近年来推进扩权强镇改革试点的实践探索摘要:潍坊市扩权强镇改革试点取得的成效政府信息公开的主要实践做法:下放管理权限,强化基层政府职能;创新体制机制,机构编制资源配置不断优化;建立新型财税分配机制,镇级可用财力明显增强;强化政策扶持,镇域综合实力不断增强。
存在的问题有:放权不够“解渴”;县镇关系不够理顺;体制机制创新力度不大,在调整试点镇组织架构、健全内部运行机制等方面少有突破;用地、户籍、干部人事、社会保障等方面的配套改革不能适时跟进等。
下一步力争实现的突破:坚持科学合理地放权,在扩大镇级管理权限方面求突破;以提升行政效能为目标,在创新体制机制方面求突破;着眼增强乡镇发展活力,在理顺县镇着关系方面求突破;配套推进各项相关改革,在强化制度支撑方面求突破。
关键词:扩权强镇;改革潍坊市自2010年以来开始推进扩权强镇改革试点,至2015年已经走过五个年前头,在改革试点过程中大胆创新,积极探索,取得了一些成效,当然也暴露出一些问题,在下一步的改革中要想实现大的突破,还应不断积极探索新思路新途径。
一、潍坊市扩权强镇改革试点取得的成效承担试点任务的8个县市党委、政府和编委,坚持解放思想,先行先试,在实施扩权放权、创新管理体制、优化运行机制、增强财力保障、统筹配套改革等方面,取得明显成效。
一是下放管理权限,强化基层政府职能。
县级政府下放试点镇具体管理权限共计1281项,试点镇管理权限进一步扩大,政府功能进一步完善,一定程度解决了试点镇政府“权小”、“责大”、“力微”等问题。
二是创新体制机制,机构编制资源配置不断优化。
试点镇普遍搭建综合服务管理平台,对行政事业机构进行综合设置,工作运行机制更加顺畅。
加大编制资源倾斜力度,共为试点镇核增编制102名。
扩大镇级干部管理权限,破解先人用人体制障碍,调动了干部工作积极性。
三是建立新型财税分配机制,镇级可用财力明显增强。
""",
    "海口.txt": """关于实行“强镇扩权”深化乡镇体制改革的思考
一、实行“强镇扩权”的动因(一)经济社会发展的必然要求。
近年来,随着改革开放的不断深化,我区镇经济社会得到了快速发展。
但相应的社会管理,却仍停留在一个农村小集镇的层面,如怎样使环境保护、社会保障、集镇规划等与经济同步发展,作为一个镇都无法统筹解决,这点在被规划为海口市中心镇的镇体现尤为突出。
同时,随着经济的发展,民营企业越来越多落户我区各镇,如西海岸一带,入驻的大型企业就有13 家,这更需要当地政府灵活多变、提供地方特色的服务,这也是我们要进行强镇扩权的一个重要因素。
此外,强镇由农村转变为卫星城是工业化的必然趋势,是实现城,深化乡一体化的有效途径。
因此,我们实行“强镇扩权”镇体制改革已是大势所趋。
""",
    "调查.txt": """关于对扩权强镇的调查与思考
扩权强镇指的是地方城镇行政管理权力的扩大与加强,这一现象主要源于地方政府寻求发展和生存的需要,但又引发了许多问题和思考。
然而,扩权强镇也带来了一些问题和风险。
首先,地方政府扩权强镇可能导致行政权力过于集中,增加了腐败和权力寻租的风险。
""",
    "乐清.txt": """对强镇扩权的调查及思考
据统计,乐清5个强镇占全市乡镇数的16.13%,常住人口占全市的41.8%,但工业总产值却占全市的76.1%。
""",
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> AskEngine:
    root = tmp_path_factory.mktemp("rules")
    docs = root / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    settings = load_settings(index_dir=root / "index")
    ingest([docs], settings)
    return AskEngine(load_index(settings), settings)


def test_a_short_lead_sentence_is_quoted_with_the_sentence_it_introduces(engine):
    # OCR broke this passage: the figure sits in the sentence after the one the question paraphrases
    r = engine.ask("桦南县对几个县直部门实行党政领导交叉任职？")
    assert not r.abstained and "7个" in r.answer
    quote = r.citations[0].quote
    assert quote.startswith("实行党政领导交叉任职。对7个县直部门")


def test_a_fraction_answers_a_question_about_a_share(engine):
    r = engine.ask("浙江省经济总量有多大比例是由小城镇创造的？")
    assert not r.abstained and "三分之一" in r.answer


def test_a_heading_that_states_the_figure_is_the_whole_answer(engine):
    r = engine.ask("浙江省强镇扩权改革的初试阶段是哪几年？")
    assert not r.abstained and "2005" in r.answer and "2007" in r.answer
    assert [c.quote for c in r.citations] == ["(一)初试阶段:2005年一2007年"]


def test_a_list_answer_does_not_run_into_the_next_section(engine):
    r = engine.ask("绍兴县下放人事管理权限后，镇党委有权任命哪些人员？")
    assert "副镇长" in r.answer
    assert len(r.citations) == 1 and "权责一致" not in r.answer


def test_a_figure_from_a_document_about_another_place_is_not_an_answer(engine):
    # 乐清's document gives a 常住人口 share; no document about 桦南县 gives its population
    r = engine.ask("桦南县试点乡镇的常住人口是多少？")
    assert r.abstained and r.citations == [] and r.contexts


def test_a_figure_needs_a_sentence_about_what_was_asked(engine):
    # the 浙江 document has years and counts, but none about 专项资金
    r = engine.ask("浙江省中心镇培育工程的省级财政专项资金每年是多少？")
    assert r.abstained


def test_the_same_place_with_a_stated_figure_is_answered(engine):
    r = engine.ask("桦南县归并了几个委托及派驻机构？")
    assert not r.abstained and "9个" in r.answer
    assert r.citations[0].doc_title == "桦南县强乡扩权改革试点"


def test_a_question_across_documents_keeps_what_each_answer_must_hold():
    q = "绍兴县的扩权试点分别在哪年几月开始？"
    assert question_kind(q) == "compare" and answer_kind(q) == "date"
    assert answer_kind("强乡扩权改革试点分别在多少个乡镇开展？") == "number"


def test_the_figure_a_question_asks_for():
    p = figure_pattern("强乡扩权改革试点分别在多少个乡镇开展？")
    assert p is not None and p.search("**市先后在13个乡镇进行了“强乡扩权”改革试点工作")
    assert not p.search("有62个设立了“一站式”行政服务大厅")  # a number, but not of 乡镇
    assert figure_pattern("平昌县向乡镇下放了几项人事管理权？").search("一是下放5项人事管理权。")
    assert figure_pattern("乡镇在农村工作中处于什么位置？") is None


def test_place_names_are_matched_without_their_administrative_suffix():
    assert name_stem("浙江省") == "浙江" and name_stem("浙江省政府") == "浙江" and name_stem("桦南县") == "桦南"
    assert name_stem("龙泉") == "龙泉"


def test_the_next_item_of_a_list_in_corpus_sentences():
    assert next_item("主要表现在三方面:一、实质权力下放不够。").match("二、财政支出压力较大。")
    assert next_item("首先,地方政府扩权强镇可能导致行政权力过于集中。").match("最后,扩权强镇也可能加剧城乡差距和区域差异。")
    assert next_item("一是下放5项人事管理权。").match("二是下放行政审批和服务事项。")
    assert not next_item("一是下放5项人事管理权。").match("三是下放人事管理权限。")
    assert next_item("比如责任重、职能弱,执行力差;").match("比如债务大、财力弱,服务功能差;")
    assert next_item("2005年,江苏开始强县扩权试点工作。") is None  # a year is not an item number


def test_a_list_answer_gathers_its_items_from_the_document(engine):
    r = engine.ask("扩权强县工作推进中存在的问题主要表现在哪三方面？")
    for item in ("实质权力下放不够", "财政支出压力较大", "业务能力有待提高"):
        assert item in r.answer
    assert len(r.citations) == 3


def test_places_joined_in_a_question_are_compared():
    assert compared_places("浙江和江苏的扩权强县改革分别从什么时候开始？") == ["浙江", "江苏"]
    assert compared_places("综合执法在桦南县和龙泉镇是怎样推进的？") == ["桦南县", "龙泉镇"]
    assert compared_places("龙泉镇下放了哪两类许可？") == []
    assert question_kind("综合执法在桦南县和龙泉镇是怎样推进的？") == "compare"


@pytest.mark.xfail(strict=False, reason=(
    "issue 13, open: the learned answerer answers a comparison part by part under the calibrated threshold; the "
    "龙泉镇 part's only passage (行政执法权, not 综合执法) scores 0.22, so only 桦南县 is quoted"))
def test_a_question_joining_two_places_is_answered_for_each(engine):
    r = engine.ask("综合执法在桦南县和龙泉镇是怎样推进的？")
    assert not r.abstained
    titles = {c.doc_title for c in r.citations}
    assert titles == {"桦南县强乡扩权改革试点", "推进乡镇强镇扩权的思考--以龙泉镇改革为例"}


def test_a_title_line_is_not_an_answer(engine):
    # "解决问题的经验和教训" names the topic; the sentence under "教训一" states the lesson
    r = engine.ask("强乡扩权在扩权过程中总结出的教训是什么？")
    assert not r.abstained and "一刀切" in r.answer


def test_sentences_that_follow_each_other_are_one_citation(engine):
    r = engine.ask("乡镇的“小马拉大车”现象有哪些表现？")
    assert not r.abstained and len(r.citations) == 1
    quote = r.citations[0].quote
    for item in ("责任重", "债务大", "矛盾多"):
        assert item in quote
    assert r.answer.count("[1]") == 1


def test_a_why_question_answered_by_a_conclusion_quotes_its_reason(engine):
    # "因此,…已是大势所趋。" restates the question; the sentence before it gives the reason
    r = engine.ask("为什么强镇扩权镇体制改革已是大势所趋？")
    assert not r.abstained and "卫星城" in r.answer
    assert len(r.citations) == 1 and "因此" in r.citations[0].quote


def test_the_term_a_definition_question_asks_about():
    assert analyse("扩权强镇指的是什么？").term == "扩权强镇"
    assert analyse("江苏强镇扩权中“两头热中间冷”是什么意思？").term == "两头热中间冷"
    assert analyse("浙江省政府在2007年5月出台了什么文件？").term == ""


def test_a_term_is_answered_by_its_definition(engine):
    r = engine.ask("什么是扩权强镇？")
    assert not r.abstained and "行政管理权力的扩大与加强" in r.citations[0].quote


def test_a_sentence_stating_no_figure_does_not_answer_how_many(engine):
    # the document says the 乡镇干部 are trained, never how often: a figure question about it is not answered
    r = engine.ask("强乡扩权试点对乡镇干部进行了多少次培训？")
    assert r.abstained and r.contexts


def test_the_nouns_a_question_is_about():
    assert "旅游" in nouns("扩权强镇对乡村旅游发展有什么影响？")
    assert "总结" not in nouns("强乡扩权在扩权过程中总结出的教训是什么？")  # 总结出: used as a verb


@pytest.mark.xfail(strict=False, reason=(
    "issue 13, open: the learned answerability score does not refuse it; a hard 'topic no document uses' "
    "constraint was measured and dropped (cmrc-dev false abstention 0.035 -> 0.07, crud-dev 0.06 -> 0.08)"))
def test_a_topic_no_document_uses_needs_stronger_evidence(engine):
    # the documents speak of 扩权强镇, 乡镇 and 影响, never of 养老: that overlap alone is not an answer
    assert engine.ask("扩权强镇对乡镇养老有什么影响？").abstained
    assert not engine.ask("强乡扩权对乡镇干部培训有什么影响？").abstained


def test_a_which_town_question_needs_a_sentence_naming_a_place(engine):
    # the 海口 document says a town was planned as 海口市's 中心镇, never which one
    r = engine.ask("海口市哪个镇被规划为中心镇？")
    assert r.abstained and r.contexts
    r = engine.ask("1995年哪个省有6个镇列入小城镇综合试点？")
    assert not r.abstained and "浙江" in r.citations[0].quote


def test_quoted_list_items_read_in_document_order_whatever_their_retrieval_rank():
    from ingest.chunk import Chunk
    from rag.answer import Evidence, reading_order
    from rag.retrieve import Hit

    def ev(n: int, doc: str, seq: int, text: str) -> Evidence:
        chunk = Chunk(f"{doc}-{seq}", doc, doc, "", f"{doc}.txt", 0, len(text), text, seq=seq)
        return Evidence(n, Hit(chunk, 1.0 / n), 0, len(text), 1.0)

    # the retriever ranked the chunk of item （三） above those of （一） and （二）; a second document came second
    chosen = [ev(1, "a", 3, "（三）加强乡村治理。"), ev(2, "b", 0, "另一份文件。"),
              ev(3, "a", 1, "（一）发展特色产业。"), ev(4, "a", 2, "（二）改善人居环境。")]
    assert [e.quote for e in reading_order(chosen)] == [
        "（一）发展特色产业。", "（二）改善人居环境。", "（三）加强乡村治理。", "另一份文件。"]


def test_each_compared_place_is_answered_by_a_sentence_that_says_what_was_asked(tmp_path):
    from rag.service import RagService

    service = RagService(index_of(tmp_path, {
        "义乌.txt": "义乌市城市管理\n义乌市推进垃圾分类,设立了120个回收站点。\n全市道路保洁实行网格化管理。\n",
        "慈溪.txt": "慈溪市城市管理情况\n慈溪市是全省第二批文明城市创建试点之一。\n在推进垃圾分类过程中,全市建成了35个回收站点。\n",
        "其他.txt": "城市绿化工作简报\n本年度新增绿地面积12公顷。\n"}))
    r = service.ask("垃圾分类在义乌市和慈溪市是怎样推进的？")
    assert not r.abstained
    assert "120个" in r.answer and "35个" in r.answer
    assert "第二批文明城市创建试点" not in r.answer


def test_a_question_typed_in_full_width_digits_and_letters_is_answered_like_its_half_width_form(tmp_path):
    from rag.service import RagService

    service = RagService(index_of(tmp_path, {
        "青溪镇.txt": "青溪镇经济运行情况\n2024年,青溪镇地区生产总值达到21.6亿元。\n全镇建成5G基站48个,实现行政村全覆盖。\n"}))
    for full, half, fact in (("青溪镇２０２４年地区生产总值是多少？", "青溪镇2024年地区生产总值是多少？", "21.6亿元"),
                             ("青溪镇建成了多少个５Ｇ基站？", "青溪镇建成了多少个5G基站？", "48个")):
        a, b = service.ask(full), service.ask(half)
        assert not b.abstained and fact in b.answer
        assert not a.abstained and a.answer == b.answer


@pytest.mark.parametrize("marks", [("①", "②", "③"), ("（1）", "（2）", "（3）")])
def test_a_list_numbered_with_circled_or_bracketed_digits_is_quoted_item_by_item(tmp_path, marks):
    items = ["财政专项资金按年度预算安排。", "社会资本通过合作项目引入。", "村集体经济组织自筹部分资金。"]
    body = "\n".join(f"{m}{t}" for m, t in zip(marks, items, strict=True))
    settings = index_of(tmp_path, {
        "资金.txt": f"白杨镇项目资金管理办法\n一、资金来源\n项目资金来源分为三类：\n{body}\n二、使用范围\n资金用于道路和水利设施。\n"})
    r = AskEngine(load_index(settings), settings).ask("白杨镇项目资金来源分为哪几类？")
    assert not r.abstained
    assert all(t in r.answer for t in items), r.answer
    assert [r.answer.index(t) for t in items] == sorted(r.answer.index(t) for t in items)


def test_places_named_with_their_unit_and_years_joined_by_and_are_the_parts_compared():
    from rag.question import compared_years

    # jieba tags unknown town names as person names: the unit says they are places
    assert compared_places("2023年石岭镇和青田镇的地区生产总值分别是多少？") == ["石岭镇", "青田镇"]
    assert compared_years("青田镇2022年和2023年的地区生产总值分别是多少？") == ("2022", "2023")
    assert compared_years("2020年至2023年累计投入多少？") == ()  # a range is one period
    q = analyse("青田镇2022年和2023年的地区生产总值分别是多少？")
    assert q.parts == ("2022", "2023")
    assert part_question(q.text, "2022", q.parts) == "青田镇2022年的地区生产总值是多少?"


def test_things_joined_by_and_asked_one_by_one_are_the_parts_and_the_unit_stays_when_it_tells_them_apart():
    from rag.question import compared_things

    assert compared_things("鸿川科技和鸿川农业2023年的营业收入分别是多少？") == ("鸿川科技", "鸿川农业")
    assert compared_things("两镇的常住人口和户籍人口分别是多少？") == ("常住人口", "户籍人口")
    assert compared_things("鸿川科技和鸿川农业2023年的营业收入是多少？") == ()  # not asked one by one
    assert compared_things("乡镇和村的职责分别是什么？") == ()  # 村 alone is no thing of two characters
    assert analyse("柳塘镇和柳塘乡的粮食总产量分别是多少？").parts == ("柳塘镇", "柳塘乡")
    assert analyse("2023年云台镇和雾溪镇的地区生产总值分别是多少？").parts == ("云台", "雾溪")
    # a thing named with its number (二期 is written 2期 by the normaliser) is one thing; a year before it is not
    assert compared_things(normalize("4号线三期和滨江快速路分别投资多少？")) == ("4号线3期", "滨江快速路")
    assert compared_things("2023年鸿川科技和鸿川农业分别有多少员工？") == ("鸿川科技", "鸿川农业")
    # two things compared by a quantity (哪个…多) are asked their figures one by one, each the subject of it
    q = analyse("保健院和中学哪个投资多？")
    assert q.parts == ("保健院", "中学")
    assert part_question(q.text, "中学", q.parts) == "中学的投资是多少?"
    assert compared_things("甲方案和乙方案哪个更好？") == ()  # a judgement, no quantity: not split


def test_a_term_the_asker_quotes_is_one_word_however_the_segmenter_cuts_it():
    q = analyse("改革中出现的“左热右冷上下堵”是什么意思？")
    weights = q.weights(lambda w: 1.0)
    assert "左热右冷上下堵" in weights
    assert not {"左热", "右冷", "上下"} & set(weights)
    plain = analyse("改革中出现的左热右冷上下堵是什么意思？").weights(lambda w: 1.0)
    assert "左热右冷上下堵" not in plain  # unquoted, the segmenter's words stand


def test_things_compared_in_quotation_marks_are_still_the_comparisons_parts():
    for question in ("“青禾镇”和“青禾乡”2023年地区生产总值分别是多少？", "“华盛科技”和“华盛农业”的营业收入分别是多少？"):
        q = analyse(question)
        plain = analyse(question.replace("“", "").replace("”", ""))
        assert q.parts == plain.parts and len(q.parts) == 2
        assert [part_question(question, p, q.parts) for p in q.parts] == [
            part_question(question.replace("“", "").replace("”", ""), p, plain.parts) for p in plain.parts]
