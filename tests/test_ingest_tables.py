"""Tables as they really come (issue 15): a row must read on its own, and no line may hold only the column
names, which a question about one row would otherwise quote (「投资｜完成时间。」 for 「…投资多少？」)."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.settings import load_settings
from ingest.formats import table_lines
from ingest.load import read_text
from ingest.pipeline import ingest
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
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(FIXTURES / "table_layouts.docx", docs / "项目.docx")
    settings = load_settings(index_dir=tmp_path / "index")
    ingest([docs], settings)
    r = RagService(settings).ask("污水处理厂投资多少？")
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
