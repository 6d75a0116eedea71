"""A county's statistics bulletin asked about its towns: a town's figure is the line of a list under a lead-in
(「各乡镇地区生产总值如下：」 + 「甲镇：24.3亿元」); a figure the bulletin gives only for the county (a passage naming no
place, in a document titled with the county) or only as a count of another thing is no answer about a town, and a
change asked (增长多少) is not answered by a level (rag.answer constraints: attribute, entity, figure)."""

from __future__ import annotations

import pytest

from rag.engine import AskEngine
from rag.retrieve import load_index
from tests.conftest import index_of

BULLETIN = (
    "岫溪县2023年国民经济和社会发展统计公报\n岫溪县统计局\n\n一、综合\n"
    "初步核算，2023年全县地区生产总值152.8亿元，比上年增长5.7%。全年社会消费品零售总额61.2亿元，增长6.4%。\n"
    "分乡镇看，2023年各乡镇地区生产总值如下：\n石桥镇：38.6亿元\n和平乡：9.4亿元\n鹤鸣镇：27.1亿元\n枫坪镇：21.5亿元\n\n"
    "二、农业\n全年全县粮食总产量8.42万吨，比上年增长1.6%。分乡镇看，鹤鸣镇粮食产量2.15万吨；和平乡1.73万吨；"
    "枫坪镇1.21万吨。\n\n"
    "三、工业\n全年全县规模以上工业增加值增长7.2%。年末全县规模以上工业企业96家，其中，石桥镇35家，鹤鸣镇24家，"
    "枫坪镇19家，和平乡6家。\n"
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> AskEngine:
    settings = index_of(tmp_path_factory.mktemp("bulletin"), {"bulletin.txt": BULLETIN})
    return AskEngine(load_index(settings), settings)


def test_a_towns_figure_is_the_line_of_the_list_its_lead_in_names_the_attribute_of(engine: AskEngine):
    r = engine.ask("鹤鸣镇2023年地区生产总值是多少？")
    assert not r.abstained and "鹤鸣镇：27.1亿元" in r.answer and "152.8" not in r.answer, r.answer


def test_an_attribute_listed_per_town_is_answered_for_a_listed_town_and_refused_for_another(engine: AskEngine):
    r = engine.ask("枫坪镇粮食产量是多少？")
    assert not r.abstained and "1.21万吨" in r.answer, r.answer
    r = engine.ask("石桥镇粮食产量是多少？")  # the bulletin lists no grain output of 石桥镇
    assert r.abstained, r.answer


def test_a_figure_given_only_for_the_county_is_no_answer_about_a_town(engine: AskEngine):
    r = engine.ask("石桥镇社会消费品零售总额是多少？")
    assert r.abstained, r.answer
    # the county's rate beside a count of enterprises per town: neither is how much the town's output grew
    r = engine.ask("鹤鸣镇规模以上工业增加值增长多少？")
    assert r.abstained, r.answer
    r = engine.ask("鹤鸣镇有多少家规模以上工业企业？")
    assert not r.abstained and "鹤鸣镇24家" in r.answer, r.answer


def test_the_countys_own_figures_are_still_answered(engine: AskEngine):
    r = engine.ask("岫溪县社会消费品零售总额是多少？")
    assert not r.abstained and "61.2亿元" in r.answer, r.answer
    r = engine.ask("全县规模以上工业增加值增长多少？")
    assert not r.abstained and "7.2%" in r.answer, r.answer


def test_the_whole_named_before_which_is_where_the_items_are_not_what_is_compared(engine: AskEngine):
    r = engine.ask("全县哪个乡镇粮食产量最高？")
    assert not r.abstained and "鹤鸣镇粮食产量2.15万吨" in r.answer and "8.42" not in r.answer, r.answer


def test_a_towns_line_of_a_list_is_quoted_not_the_line_of_the_town_above_it(tmp_path):
    # each line of the list is short and has no punctuation, like a heading: the line above is no heading of it
    text = ("翠屿县2023年国民经济和社会发展统计公报\n一、综合\n初步核算，全县地区生产总值186.4亿元，比上年增长6.2%。\n"
            "各乡镇地区生产总值如下：\n柳溪镇 42.6亿元\n岫泉镇 35.8亿元\n和平乡 18.2亿元\n")
    settings = index_of(tmp_path, {"bulletin.txt": text})
    engine = AskEngine(load_index(settings), settings)
    r = engine.ask("岫泉镇的地区生产总值是多少？")  # (jieba cuts 岫泉|镇: the line above names a 镇 too)
    assert not r.abstained and "35.8亿元" in r.answer and "42.6" not in r.answer, r.answer
