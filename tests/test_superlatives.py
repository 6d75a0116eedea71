"""Superlatives asked of a document's enumerations (rag.extreme): 「哪个街道…最多」, 「支出里哪一项最多」,
「排名第一的是哪个乡镇」 are answered by the item whose figure is the extreme, computed over the document's rows,
lines or clauses when the document does not say which it is; a document saying it is quoted instead."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.normalize import normalize
from rag.engine import AskEngine
from rag.extreme import Statement, document_statements, extreme_statements, superlative
from rag.retrieve import load_index
from tests.conftest import index_of

HALF_YEAR = (
    "鹤鸣区2024年上半年经济运行情况分析\n一、总体情况\n上半年，全区实现地区生产总值210.5亿元，同比增长5.1%；"
    "完成固定资产投资61.9亿元。\n二、各街道（镇）情况\n"
    "枫坪街道上半年实现地区生产总值52.3亿元，同比增长6.1%；完成固定资产投资11.2亿元。\n"
    "翠屿镇上半年实现地区生产总值28.4亿元，同比增长4.2%；完成固定资产投资9.8亿元。\n"
    "凫山街道上半年实现地区生产总值61.7亿元，同比增长5.0%；完成固定资产投资8.1亿元。\n"
    "黎川镇上半年实现地区生产总值19.6亿元，同比增长3.3%；完成固定资产投资10.4亿元。\n"
    "三、存在问题\n部分镇工业用地供应偏紧，消费恢复仍不均衡。\n"
)
BUDGET = (
    "柳溪县2024年财政预算执行情况的报告\n（一）一般公共预算\n2024年全县一般公共预算收入12.4亿元。\n"
    "全县一般公共预算支出36.2亿元，完成调整预算的98.1%。主要支出项目：教育支出7.35亿元；社会保障和就业支出8.12亿元；"
    "卫生健康支出3.64亿元；农林水支出5.08亿元。\n（二）政府性基金预算\n2024年全县政府性基金预算收入6.1亿元。"
    "政府性基金预算支出9.7亿元。\n"
)
RANKING = (
    "# 岫溪县2024年度乡镇综合考核结果\n\n| 排名 | 乡镇（街道） | 得分 | 等次 |\n|---|---|---|---|\n"
    "| 2 | 山前乡 | 91.0 | 优秀 |\n| 3 | 和平镇 | 88.4 | 良好 |\n| 1 | 石桥镇 | 95.2 | 优秀 |\n"
)


def _engine(tmp_path: Path, files: dict[str, str]) -> AskEngine:
    settings = index_of(tmp_path, files)
    return AskEngine(load_index(settings), settings)


def _expect(engine: AskEngine, question: str, has: tuple[str, ...], lacks: tuple[str, ...] = ()) -> None:
    """The engine answers `question` (no refusal) with every text of `has` and none of `lacks`."""
    r = engine.ask(question)
    assert not r.abstained and all(x in r.answer for x in has) and not any(x in r.answer for x in lacks), r.answer


def test_a_which_question_with_a_superlative_is_read_with_its_attribute_and_the_kind_of_item_asked():
    sup = superlative(normalize("上半年哪个街道或者镇的地区生产总值最多？"))
    assert sup is not None and sup.most and sup.place == ("街道", "镇")
    assert sup.words == ("地区", "生产总值")
    sup = superlative(normalize("2024年财政支出里哪一项最多？"))  # the items of a set name its head
    assert sup is not None and sup.words == ("支出",) and sup.place == ()
    sup = superlative(normalize("哪个乡镇排名第一？"))
    assert sup is not None and sup.rank and not sup.most and sup.place == ("乡", "镇", "街道")
    sup = superlative(normalize("哪个部门的支出最少？"))  # the kind asked (部门) is no attribute
    assert sup is not None and sup.words == ("支出",) and not sup.most
    # a figure of a superlative attribute is asked, not an item: the document states it
    assert superlative(normalize("台风的最大风力有几级？")) is None
    assert superlative(normalize("最低气压是多少？")) is None


@dataclass
class _Chunk:
    chunk_id: str
    text: str


def test_the_extreme_is_taken_over_one_enumeration_a_tie_gives_every_tied_item_and_a_single_item_none():
    sup = superlative(normalize("2024年财政支出里哪一项最多？"))
    assert sup is not None
    statements = document_statements(sup, [_Chunk("c0", BUDGET)], ("2024",))
    picks = extreme_statements(sup, statements)
    assert len(picks) == 1 and BUDGET[picks[0].start : picks[0].end].startswith("社会保障和就业支出8.12亿元")
    # the whole's figure (全县…36.2亿元) and another enumeration's (政府性基金预算支出9.7亿元) are no items of it
    assert not any(s.value > 9e8 and s.item and s.sentence == statements[-1].sentence for s in statements[:-1])
    tie = [Statement("c", 0, 1, 5.0, "元", 1), Statement("c", 2, 3, 5.0, "元", 2), Statement("c", 4, 5, 4.0, "元", 3)]
    assert extreme_statements(sup, tie) == tie[:2]
    assert extreme_statements(sup, tie[:1]) == []


def test_which_place_has_the_most_or_least_is_computed_over_the_places_of_the_unit_asked(tmp_path):
    engine = _engine(tmp_path, {"half.txt": HALF_YEAR, "budget.txt": BUDGET})
    _expect(engine, "上半年哪个街道或者镇的地区生产总值最多？", has=("凫山街道", "61.7亿元"), lacks=("枫坪",))
    _expect(engine, "上半年哪个街道的地区生产总值最少？", has=("枫坪街道",), lacks=("黎川",))
    # a clause naming no place is of the place its sentence named (…；完成固定资产投资10.4亿元); a 街道 is no 镇
    _expect(engine, "上半年哪个镇的固定资产投资最多？", has=("黎川镇", "10.4亿元"), lacks=("枫坪",))
    _expect(engine, "2024年财政支出里哪一项最多？", has=("社会保障和就业支出8.12亿元",), lacks=("9.7亿元",))


def test_a_rank_asked_is_the_row_of_that_rank_and_a_stated_superlative_is_quoted(tmp_path):
    engine = _engine(tmp_path, {
        "rank.md": RANKING,
        "growth.txt": "岫溪县2024年上半年各乡镇经济指标\n上半年，上述乡镇中地区生产总值增速最快的是和平镇，增速最慢的是山前乡。\n"
                      "全县实现地区生产总值88.6亿元，同比增长5.2%。\n",
    })
    _expect(engine, "2024年综合考核排名第一的是哪个乡镇？", has=("石桥镇",), lacks=("山前乡",))
    _expect(engine, "综合考核得分最低的是哪个乡镇？", has=("和平镇",), lacks=("石桥镇",))
    _expect(engine, "综合考核排名第三的是哪个乡镇？", has=("和平镇",), lacks=("石桥镇",))  # a rank asked by its number: the row of that rank
    # 哪个乡镇 is answered by a 乡 as well as a 镇: the document's own 「增速最慢的是山前乡」
    _expect(engine, "上半年哪个乡镇地区生产总值增速最慢？", has=("增速最慢的是山前乡",))


def test_the_last_of_a_ranked_group_is_read_in_the_group_the_question_names(tmp_path):
    # two ranked lists under headings of their class: 「二类乡镇排最后」 is the last of the second list, whose rows
    # name no class themselves; 「倒数第一」 of a sentence ranking every town is its last place
    engine = _engine(tmp_path, {
        "notice.txt": "关于2024年度乡镇综合考核结果的通报\n各乡镇人民政府：\n现将考核结果通报如下。\n\n"
                      "一、一类乡镇（4个）\n第一名　石桥镇　96.1分\n第二名　和平镇　94.0分\n第三名　鹤鸣镇　92.5分\n"
                      "第四名　枫坪镇　90.2分\n\n二、二类乡镇（4个）\n第一名　山前乡　91.3分\n第二名　翠屿乡　89.6分\n"
                      "第三名　凫山乡　87.2分\n第四名　黎川乡　85.8分\n\n三、表彰奖励\n石桥镇、山前乡各奖励工作经费20万元。\n",
        "year.txt": "柳溪县2023年度乡镇考核情况\n柳溪县2023年度乡镇考核中，岫溪镇95.0分，排名第一；和平乡90.5分，排名第二；"
                    "石桥乡86.7分，排名第三。\n",
    })
    _expect(engine, "二类乡镇排最后的是哪个乡？", has=("黎川乡",), lacks=("枫坪",))
    _expect(engine, "一类乡镇考核排最后的是谁？", has=("枫坪镇",), lacks=("黎川",))
    _expect(engine, "2023年度乡镇考核倒数第一是哪个乡？", has=("石桥乡",), lacks=("岫溪镇",))


def test_which_ones_with_a_named_value_quotes_every_row_of_the_table_with_it(tmp_path):
    # 「哪些乡镇考核等次是合格」: every row whose 等次 is 合格, not only the best-scored row; rows of another grade are not
    table = ("# 岫溪县2024年度乡镇综合考核结果\n\n| 排名 | 乡镇（街道） | 得分 | 等次 |\n|---|---|---|---|\n"
             "| 1 | 石桥镇 | 95.2 | 优秀 |\n| 2 | 山前乡 | 91.0 | 优秀 |\n| 3 | 和平镇 | 88.4 | 良好 |\n"
             "| 4 | 鹤鸣镇 | 84.1 | 合格 |\n| 5 | 翠屿乡 | 82.7 | 合格 |\n")
    engine = _engine(tmp_path, {"rank.md": table})
    _expect(engine, "哪些乡镇考核等次是合格？", has=("鹤鸣镇", "翠屿乡"), lacks=("和平镇", "石桥镇"))
    _expect(engine, "哪些乡镇考核等次是优秀？", has=("石桥镇", "山前乡"), lacks=("鹤鸣镇",))


def test_which_items_hold_a_named_value_are_the_tables_rows_not_a_sentence_about_that_value(tmp_path):
    table = ("# 岫溪县2024年度乡镇综合考核结果通报\n\n| 排名 | 乡镇 | 总分 | 等次 |\n|---|---|---|---|\n"
             "| 1 | 石桥镇 | 95.2 | 优秀 |\n| 2 | 山前乡 | 91.0 | 优秀 |\n| 3 | 和平镇 | 88.4 | 良好 |\n"
             "| 4 | 鹤鸣镇 | 84.1 | 合格 |\n\n对考核等次为“优秀”的乡镇，县委、县政府给予通报表扬，并按每个乡镇20万元的标准"
             "安排工作经费奖励。\n")
    engine = _engine(tmp_path, {"rank.md": table})
    _expect(engine, "综合考核被评为优秀的乡镇有哪些？", has=("石桥镇", "山前乡"), lacks=("和平镇",))


BULLETIN = (
    "凫山县2023年国民经济和社会发展统计公报\n一、综合\n全年全县实现地区生产总值120.6亿元，增长5.6%。"
    "分乡镇看，石桥镇地区生产总值30.2亿元，增长6.8%；和平乡12.5亿元，增长4.1%；鹤鸣镇25.7亿元，增长5.2%；"
    "枫坪街道28.3亿元，增长7.4%。\n二、工业\n年末全县规模以上工业企业96家。其中石桥镇31家，鹤鸣镇22家，"
    "枫坪街道19家，和平乡7家。\n三、农业\n全年全县粮食总产量8.6万吨。分乡镇看，石桥镇粮食产量1.85万吨；"
    "和平乡1.85万吨；鹤鸣镇1.20万吨。\n四、投资\n石桥镇：完成固定资产投资9.1亿元，同比增长3.2%。\n"
    "鹤鸣镇：完成固定资产投资5.6亿元，同比下降2.4%。\n和平乡：完成固定资产投资3.3亿元，同比增长1.1%。\n"
    "枫坪街道：完成固定资产投资4.2亿元，同比下降6.3%。\n五、气象\n全年最大风力出现在鹤鸣镇，为10级。"
    "全县森林覆盖率为61.2%。\n"
)


def test_items_listed_by_commas_rates_ties_and_figures_asked_are_computed_and_unlisted_items_refused(tmp_path):
    engine = _engine(tmp_path, {"bulletin.txt": BULLETIN})
    # a growth rate (增速) is stated by its verb (增长); the place kind may follow the superlative
    _expect(engine, "2023年地区生产总值增速最慢的是哪个乡镇？", has=("和平乡",), lacks=("枫坪",))
    _expect(engine, "2023年地区生产总值最少的镇是哪个？", has=("鹤鸣镇",), lacks=("和平乡",))
    # the parts of a total listed after 其中, separated by commas
    _expect(engine, "2023年哪个镇规模以上工业企业最多？", has=("石桥镇31家",), lacks=("96家",))
    # a tie gives every tied item
    _expect(engine, "2023年哪个乡镇粮食产量最高？", has=("石桥镇", "和平乡"), lacks=("鹤鸣",))
    # lines of places that grew do not end the lines of places that declined
    _expect(engine, "固定资产投资下降最多的是哪个乡镇？", has=("枫坪街道",), lacks=("石桥",))
    # the extreme figure of the places' is asked
    _expect(engine, "2023年乡镇规模以上工业企业最多的是多少家？", has=("31家",))
    # no place's figure is given: which place has the most is not answered by the county's figure
    assert engine.ask("哪个乡镇森林覆盖率最高？").abstained


def test_a_list_announced_by_a_lead_in_or_after_a_total_and_a_bullet_list_beside_totals_are_compared(tmp_path):
    engine = _engine(tmp_path, {
        "bulletin.txt": "鹤鸣县2023年国民经济和社会发展统计公报\n一、综合\n初步核算，2023年全县地区生产总值96.4亿元。"
                        "全年社会消费品零售总额41.5亿元。\n分乡镇看，2023年各乡镇地区生产总值如下：\n石桥镇：21.6亿元\n"
                        "和平乡：9.1亿元\n枫坪镇：24.3亿元\n二、人口\n年末全县常住人口21.6万人。分乡镇看，石桥镇5.9万人；"
                        "和平乡2.7万人；枫坪镇6.4万人。\n",
        "budget.md": "# 关于鹤鸣县2024年县级一般公共预算支出安排情况的报告\n\n## 一、总体安排\n\n2024年县级一般公共预算支出"
                     "安排31.6亿元。其中民生支出24.5亿元。\n\n## 二、主要支出项目\n\n- 教育支出8.4亿元；\n"
                     "- 社会保障和就业支出5.9亿元；\n- 农林水支出4.1亿元；\n- 科学技术支出0.4亿元。\n",
    })
    _expect(engine, "2023年哪个乡镇的地区生产总值最高？", has=("枫坪镇",), lacks=("96.4",))
    _expect(engine, "常住人口最少的乡镇是哪个？", has=("和平乡",), lacks=("石桥",))
    _expect(engine, "2024年县级预算支出中哪一项最多？", has=("教育支出8.4亿元",), lacks=("31.6",))


def test_a_follow_up_naming_only_another_superlative_asks_the_previous_question_with_it(tmp_path):
    from rag.engine import Turn, condense

    history = [Turn(role="user", content="常住人口最多的是哪个乡镇？"), Turn(role="assistant", content="…")]
    assert condense("最少的呢？", history) == normalize("常住人口最少的是哪个乡镇？")
    engine = _engine(tmp_path, {"bulletin.txt": "鹤鸣县2023年统计公报\n五、人口\n年末全县常住人口21.6万人。"
                                                          "分乡镇看，石桥镇5.9万人；和平乡2.7万人；枫坪镇6.4万人。\n"})
    first = engine.ask("常住人口最多的是哪个乡镇？")
    assert "枫坪镇" in first.answer, first.answer
    r = engine.ask("最少的呢？", history=[Turn(role="user", content="常住人口最多的是哪个乡镇？"),
                                        Turn(role="assistant", content=first.answer)])
    assert not r.abstained and "和平乡" in r.answer and "枫坪" not in r.answer, r.answer


def test_rates_listed_after_a_lead_in_list_are_of_its_attribute_across_a_chunk_cut_inside_their_sentence():
    # 「…各乡镇地区生产总值如下：」 + a line per town, then 「从增速看，甲镇增长8.4%；…」: the rates are of 地区生产总值,
    # which the lead-in named; the chunker cut the rates' sentence at ；, so its rest opens the next chunk
    lead = ("黎川县2023年统计公报\n一、综合\n全年全县社会消费品零售总额73.5亿元，增长6.8%。\n"
            "分乡镇看，2023年各乡镇地区生产总值如下：\n石桥镇：42.6亿元\n和平乡：7.2亿元\n鹤鸣镇：24.3亿元\n"
            "从增速看，鹤鸣镇增长8.4%；和平乡增长7.9%；")
    rest = "石桥镇增长5.2%；翠屿乡增长3.6%。\n二、农业\n全年粮食总产量9.86万吨，增长1.2%。"
    chunks = [_Chunk("c0", lead), _Chunk("c1", rest)]
    sup = superlative(normalize("哪个乡镇地区生产总值增速最快？"))
    assert sup is not None
    picks = extreme_statements(sup, document_statements(sup, chunks))
    assert [(p.chunk_id, lead[p.start : p.end]) for p in picks] == [("c0", "鹤鸣镇增长8.4%；")]
    sup = superlative(normalize("地区生产总值增长最慢的是哪个乡镇？"))
    assert sup is not None
    picks = extreme_statements(sup, document_statements(sup, chunks))
    assert [(p.chunk_id, rest[p.start : p.end]) for p in picks] == [("c1", "翠屿乡增长3.6%。")]
    # without the lead-in's attribute the rates are of nothing asked: 社会消费品零售总额 is not listed per town
    sup = superlative(normalize("哪个乡镇社会消费品零售总额增速最快？"))
    assert sup is not None and extreme_statements(sup, document_statements(sup, chunks)) == []


def test_the_chunk_holding_the_rest_of_a_cut_sentence_is_read_for_a_superlative(tmp_path):
    towns = ["石桥镇", "和平乡", "鹤鸣镇", "翠屿乡", "凫山镇", "枫坪乡", "山前镇", "柳溪乡", "岫溪镇", "黎川乡"]
    lines = "".join(f"{t}：{40 - 3 * i}.5亿元\n" for i, t in enumerate(towns))
    rates = "；".join(f"{t}增长{9 - 0.5 * i:.1f}%" for i, t in enumerate(towns)) + "。"
    text = (f"凫山县2023年统计公报\n一、综合\n全年全县地区生产总值238.6亿元，增长5.9%。\n"
            f"分乡镇看，2023年各乡镇地区生产总值如下：\n{lines}从增速看，{rates}\n二、人口\n年末全县常住人口38.6万人。\n")
    # other reports on the growth of 地区生产总值 outrank the chunk holding the sentence's rest
    others = {f"report{i}.txt": f"{name}2023年经济运行情况\n2023年，{name}地区生产总值增长{5 + i}.1%，增速最慢的季度是一季度。\n"
              for i, name in enumerate(["枫坪区", "翠屿区", "岫溪区", "柳溪区", "山前区"])}
    engine = _engine(tmp_path, {"bulletin.txt": text, **others})
    question = "地区生产总值增长最慢的是哪个乡镇？"
    rest = next(c for c in engine.index.chunks.values() if "黎川乡增长" in c.text)
    assert not rest.text.startswith("凫山县")  # the rates' sentence is cut into two chunks
    assert rest.chunk_id not in {h.chunk.chunk_id for h in engine._ranked(question, 5)}
    _expect(engine, question, has=("黎川乡增长4.5%",), lacks=("石桥镇增长",))


def test_ranked_lists_under_grade_captions_are_read_by_the_grade_asked_and_their_items_numbers(tmp_path):
    # 「按得分从高到低排列」 lists two grades under captions (一类村庄 / 二类村庄): a rank asked is the item's number in
    # its grade's list, a score asked the score in brackets, and a village of the other grade is never the answer
    first = [("石桥镇", "东岭村", 97), ("和平乡", "桃坞村", 95), ("鹤鸣镇", "望江村", 94), ("枫坪镇", "茶山村", 92),
             ("凫山街道", "古井社区", 90)]
    second = [("翠屿乡", "芦荡村", 88), ("山前乡", "板桥村", 87), ("石桥镇", "石潭村", 85), ("和平乡", "小溪村", 84),
              ("鹤鸣镇", "马岭村", 82), ("凫山街道", "沙洲社区", 81), ("枫坪镇", "垭口村", 80)]

    def lines(rows: list[tuple[str, str, int]]) -> str:
        return "".join(f"{i}.{town}{village}（{score}分）\n" for i, (town, village, score) in enumerate(rows, 1))

    text = ("黎川县农业农村局\n关于公布2024年度美丽乡村评定结果的通知\n各乡镇人民政府、街道办事处：\n"
            "根据《黎川县美丽乡村评定办法》，经乡镇推荐、县级复核和公示，共评定美丽乡村12个，其中一类村庄5个、二类村庄7个。"
            f"现将结果（按得分从高到低排列）公布如下：\n一类村庄\n{lines(first)}二类村庄\n{lines(second)}"
            "一类村庄每个给予奖补资金30万元，二类村庄每个给予奖补资金20万元。\n黎川县农业农村局\n2025年1月15日\n")
    engine = _engine(tmp_path, {"villages.txt": text})
    _expect(engine, "二类村庄中得分最高的是哪个？", has=("翠屿乡芦荡村",), lacks=("东岭村",))
    _expect(engine, "一类村庄中排名第一的是哪个村？", has=("石桥镇东岭村",), lacks=("芦荡村",))
    _expect(engine, "二类村庄最后一名是哪个村？", has=("枫坪镇垭口村",), lacks=("古井社区",))
    _expect(engine, "一类村庄中得分最低的是哪个？", has=("凫山街道古井社区",), lacks=("垭口村",))  # a community listed among the villages is one of them


def test_an_items_change_is_quoted_with_its_name_the_opposite_change_is_not_compared_and_a_rank_reads_values(tmp_path):
    spending = (
        "翠屿县2024年财政决算报告\n一、一般公共预算\n全县一般公共预算支出28.4亿元，比上年增长3.1%。主要支出项目情况如下：\n"
        "教育支出6.12亿元，增长5.1%，主要用于学校扩容；\n社会保障和就业支出5.08亿元，增长7.3%；\n"
        "农林水支出4.36亿元，下降3.2%，主要用于高标准农田建设；\n城乡社区支出2.75亿元，下降12.6%；\n"
        "交通运输支出1.64亿元，增长18.9%，主要用于农村公路提质改造；\n节能环保支出0.78亿元，增长21.4%。\n"
        "二、政府性基金预算\n全县政府性基金预算收入9.36亿元。\n"
    )
    engine = _engine(tmp_path, {"accounts.txt": spending})
    # the rate's clause names no item: quoted from the clause naming it
    _expect(engine, "财政支出里哪一项增长最快？", has=("节能环保支出0.78亿元，增长21.4%",), lacks=("交通运输",))
    # an increase is no decline
    _expect(engine, "财政支出里哪一项下降最多？", has=("城乡社区支出2.75亿元，下降12.6%",), lacks=("增长",))
    # no ranks stated: the third is the third greatest figure
    _expect(engine, "支出排第三的是哪一项？", has=("农林水支出4.36亿元",), lacks=("教育",))


def test_a_superlative_over_a_table_column_reads_the_cell_of_that_column_not_its_headers_full_marks(tmp_path):
    table = ("# 凫山县2024年度乡镇综合考核结果通报\n\n| 排名 | 乡镇 | 经济发展（40分） | 生态环境（20分） | 总分 | 等次 |\n"
             "|---|---|---|---|---|---|\n| 1 | 石桥镇 | 36.8 | 16.9 | 93.4 | 优秀 |\n| 2 | 和平乡 | 38.2 | 17.6 | 91.8 | 优秀 |\n"
             "| 3 | 鹤鸣镇 | 34.9 | 18.4 | 89.8 | 良好 |\n| 4 | 枫坪镇 | 30.5 | 15.1 | 81.1 | 合格 |\n")
    engine = _engine(tmp_path, {"rank.md": table})
    _expect(engine, "生态环境得分最高的是哪个乡镇？", has=("鹤鸣镇",), lacks=("石桥镇",))
    _expect(engine, "经济发展得分最高的乡镇是哪个？", has=("和平乡",), lacks=("鹤鸣镇",))
    _expect(engine, "总分最低的是哪个乡镇？", has=("枫坪镇",), lacks=("和平乡",))


def test_a_list_with_an_item_per_chunk_is_read_whole_and_a_one_character_change_verb_is_compared(tmp_path):
    # items numbered （一）…（十） each open a chunk of their own: the chunks holding the computed answer are added
    # to the contexts; 「减得最多」 compares declines
    names = ["教育", "社会保障和就业", "农林水", "卫生健康", "城乡社区", "一般公共服务", "交通运输", "公共安全", "节能环保",
             "科学技术"]
    rates = ["增长5.2%", "增长6.8%", "下降2.3%", "增长4.1%", "下降8.6%", "下降1.2%", "增长9.7%", "增长3.3%", "增长12.4%",
             "增长15.6%"]
    numerals = "一二三四五六七八九十"
    lines = "".join(f"（{numerals[i]}）{n}支出{14 - i}.{i}亿元，{r}，主要用于保障{n}领域重点项目和基本运转需要；\n"
                    for i, (n, r) in enumerate(zip(names, rates, strict=True)))
    text = ("关于岫溪县2024年预算草案的报告\n一、2023年预算执行情况\n2023年，全县一般公共预算支出完成66.1亿元，增长2.7%。\n"
            "二、2024年预算草案\n2024年，全县一般公共预算支出安排68.2亿元，增长3.2%。主要支出项目安排如下：\n" + lines)
    engine = _engine(tmp_path, {"budget.txt": text})
    assert len(engine.index.by_doc[next(iter(engine.index.by_doc))]) >= 8  # (an item per chunk)
    _expect(engine, "2024年哪一项支出增长最快？", has=("科学技术支出", "15.6%"))
    _expect(engine, "2024年哪项支出减得最多？", has=("城乡社区支出", "8.6%"), lacks=("教育",))
