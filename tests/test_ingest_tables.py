"""Tables as they really come (issue 15): a row must read on its own, and no line may hold only the column
names, which a question about one row would otherwise quote (「投资｜完成时间。」 for 「…投资多少？」)."""

from __future__ import annotations

from pathlib import Path

from ingest.formats import table_lines
from ingest.load import read_text
from rag.service import RagService
from tests.conftest import FIXTURES

HEADER = ["项目", "投资", "完成时间"]
ROWS = [["污水处理厂", "1200万元", "2023年12月"], ["垃圾中转站", "450万元", "2023年9月"]]


def test_a_header_with_a_blank_stub_head_still_names_the_cells_of_each_row():
    assert table_lines([["", "投资", "完成时间"], *ROWS]) == ["污水处理厂｜投资：1200万元｜完成时间：2023年12月。",
                                                          "垃圾中转站｜投资：450万元｜完成时间：2023年9月。"]


def test_a_title_row_over_the_table_is_a_line_of_its_own_and_the_header_is_the_row_after_it():
    for title_row in (["重点项目表"], ["重点项目表", "", ""], ["重点项目表"] * 3):  # merged, blank, unmerged copies
        assert table_lines([title_row, HEADER, *ROWS]) == [
            "重点项目表。", "项目：污水处理厂｜投资：1200万元｜完成时间：2023年12月。",
            "项目：垃圾中转站｜投资：450万元｜完成时间：2023年9月。"]


def test_a_header_repeated_inside_the_table_is_not_a_row():
    lines = table_lines([HEADER, ROWS[0], HEADER, ROWS[1]])
    assert lines == ["项目：污水处理厂｜投资：1200万元｜完成时间：2023年12月。", "项目：垃圾中转站｜投资：450万元｜完成时间：2023年9月。"]


def test_a_first_row_of_values_is_no_header():
    assert table_lines(ROWS) == ["污水处理厂｜1200万元｜2023年12月。", "垃圾中转站｜450万元｜2023年9月。"]


def test_no_docx_table_layout_leaves_a_line_of_bare_column_names():
    lines = read_text(FIXTURES / "table_layouts.docx").splitlines()
    assert "示例县重点项目表。" in lines
    rows = [ln for ln in lines if "｜" in ln]
    assert rows == ["污水处理厂｜投资：1200万元｜完成时间：2023年12月。", "垃圾中转站｜投资：450万元｜完成时间：2023年9月。",
                    "乡村道路｜投资：800万元｜完成时间：2023年10月。"]


def test_a_question_about_one_table_row_is_answered_with_that_row_not_the_column_names(tmp_path: Path):
    from tests.conftest import index_of

    r = RagService(index_of(tmp_path, {"项目.docx": FIXTURES / "table_layouts.docx"})).ask("污水处理厂投资多少？")
    assert not r.abstained and "1200万元" in r.answer, r.answer
    quotes = [c.quote for c in r.citations]
    assert any("污水处理厂｜投资：1200万元" in q for q in quotes)
    assert not any(line.strip("。") in {"投资｜完成时间", "项目｜投资｜完成时间"} for q in quotes for line in q.split("\n"))


def test_a_short_table_row_is_not_quoted_as_the_heading_of_the_row_after_it(tmp_path):
    from tests.conftest import index_of

    text = ("镇重点项目安排\n"
            "垃圾中转站｜投资：450万元｜完成时间：2023年9月。\n"
            "乡村道路｜投资：800万元｜完成时间：2024年3月。\n"
            "污水管网｜投资：600万元｜完成时间：2024年6月。\n")
    r = RagService(index_of(tmp_path, {"项目.txt": text})).ask("乡村道路投资多少？")
    assert not r.abstained and "800万元" in r.answer
    assert "垃圾中转站" not in r.answer


def test_a_question_naming_one_village_is_not_answered_with_another_villages_table_row(tmp_path):
    from tests.conftest import index_of

    text = ("青石镇重点项目建设情况\n为推进乡村振兴，青石镇安排以下重点项目。\n"
            "项目名称：青石河堤加固｜投资（万元）镇级：260｜投资（万元）县级：440｜完成时间：2031年6月。\n"
            "项目名称：中心小学扩建｜投资（万元）镇级：180｜投资（万元）县级：95｜完成时间：2031年9月。\n"
            "合计｜投资（万元）县级：975。\n各村年度人均收入情况如下。\n"
            "村名：石桥村｜2029年：18500｜2030年：19800｜2031年：21200。\n"
            "村名：杏林村｜2029年：16200｜2030年：17100｜2031年：18900。\n"
            "项目领导小组成员如下。\n组长｜赵铁柱。\n副组长｜钱秀兰。\n联络员｜孙小明。\n"
            "月度客流统计如下。\n景点：青石古镇｜1月：3200｜2月：4100｜3月：5600。\n"
            "景点：杏花谷｜1月：1500｜2月：1800｜3月：2600。\n")
    others = {f"{n}.txt": f"{n}工作简报\n{n}今年推进人居环境整治，完成改厕120户。\n" for n in ("白沙镇", "柳河镇", "云岭镇")}
    service = RagService(index_of(tmp_path, {"青石镇.txt": text, **others}))
    for question in ("杏林村2031年人均收入多少？", "杏林村的人均收入是多少？"):
        r = service.ask(question)
        assert not r.abstained and "杏林村" in r.answer and "18900" in r.answer, r.answer
        assert "石桥村" not in r.answer, r.answer


# a table typed or exported as plain text: tabs, columns aligned with spaces, a Markdown table
_TAB_TABLE = ("镇重点项目表\n项目名称\t建设内容\t投资额（万元）\t完工时间\n"
              "中心运动场\t新建塑胶跑道\t320\t2024年8月\n集贸市场改造\t改造摊位120个\t450\t2024年10月\n")


def test_a_tab_separated_table_in_a_text_file_reads_row_by_row_with_its_column_names(tmp_path: Path):
    for name, table in (("tab.txt", _TAB_TABLE),
                        ("spaces.txt", _TAB_TABLE.replace("\t", "    ")),
                        ("ideographic.txt", _TAB_TABLE.replace("\t", "\u3000\u3000")),
                        ("pipes.md", "镇重点项目表\n" + "\n".join(
                            "| " + " | ".join(r.split("\t")) + " |" + ("\n|---|---|---|---|" if i == 0 else "")
                            for i, r in enumerate(_TAB_TABLE.splitlines()[1:])) + "\n")):
        path = tmp_path / name
        path.write_text(table, encoding="utf-8")
        lines = read_text(path).splitlines()
        assert lines[1:] == ["项目名称：中心运动场｜建设内容：新建塑胶跑道｜投资额（万元）：320｜完工时间：2024年8月。",
                             "项目名称：集贸市场改造｜建设内容：改造摊位120个｜投资额（万元）：450｜完工时间：2024年10月。"], name


def test_text_lines_that_only_look_aligned_once_are_left_as_text(tmp_path: Path):
    text = "一、总体要求  坚持问题导向。\n全面推进乡村振兴，加快建设农业强镇，\n持续改善人居环境。\n"
    path = tmp_path / "a.txt"
    path.write_text(text, encoding="utf-8")
    assert read_text(path) == text


def test_a_question_about_one_row_of_a_text_table_is_answered_from_that_row(tmp_path: Path):
    from tests.conftest import index_of

    r = RagService(index_of(tmp_path, {"项目.txt": _TAB_TABLE})).ask("集贸市场改造投资额是多少？")
    assert not r.abstained and "450" in r.answer and "320" not in r.answer, r.answer
