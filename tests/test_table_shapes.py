"""Table shapes as documents really bring them (issue 15): cells merged across columns and down rows, two-row
headers, period labels (years, months) as column headers, tables of label–value pairs without a header row, and
percentages in spreadsheets. Each fixture is generated here with python-docx / openpyxl from invented text."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from ingest.formats import SPANNED, table_lines
from ingest.load import read_text


def _docx(path: Path, rows: list[list[str]], merges: list[tuple[int, int, int, int]] = ()) -> Path:
    """A docx with one table of `rows`; each merge (row, col, row2, col2) is made with python-docx (gridSpan across
    columns, vMerge down rows), keeping the text of the first cell."""
    d = docx.Document()
    d.add_paragraph("示例表")
    t = d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            t.cell(i, j).text = v
    for r1, c1, r2, c2 in merges:
        text = t.cell(r1, c1).text
        t.cell(r1, c1).merge(t.cell(r2, c2)).text = text
    d.save(path)
    return path


def _rows(path: Path) -> list[str]:
    return [ln for ln in read_text(path).splitlines() if "｜" in ln or "：" in ln]


# --- 1. cells merged across columns (docx w:gridSpan) ----------------------------------------------------
def test_a_docx_header_merged_over_two_columns_is_combined_with_its_sub_header(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["工程", "经费（万元）", "", "竣工日期"],
                                       ["", "省级", "市级", ""],
                                       ["河堤加固", "310", "90", "2025年5月"],
                                       ["校舍改造", "75", "25", "2025年8月"]], merges=[(0, 1, 0, 2)])
    assert _rows(path) == ["工程：河堤加固｜经费（万元）省级：310｜经费（万元）市级：90｜竣工日期：2025年5月。",
                           "工程：校舍改造｜经费（万元）省级：75｜经费（万元）市级：25｜竣工日期：2025年8月。"]


def test_a_total_merged_over_two_docx_columns_does_not_shift_the_cells_after_it(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["编号", "工程", "经费（万元）", "竣工日期"],
                                       ["1", "河堤加固", "310", "2025年5月"],
                                       ["2", "校舍改造", "75", "2025年8月"],
                                       ["合计", "", "385", ""]], merges=[(3, 0, 3, 1)])
    assert _rows(path)[-1] == "合计｜经费（万元）：385。"


def test_a_docx_cell_merged_down_rows_repeats_its_value_on_each_row(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["片区", "工程", "经费（万元）"],
                                       ["东片", "河堤加固", "310"],
                                       ["", "校舍改造", "75"]], merges=[(1, 0, 2, 0)])
    assert _rows(path) == ["片区：东片｜工程：河堤加固｜经费（万元）：310。", "片区：东片｜工程：校舍改造｜经费（万元）：75。"]


# --- 2. two-row headers: no line of bare column names -------------------------------------------------
def test_a_two_row_header_leaves_no_line_of_bare_column_names():
    lines = table_lines([["工程", "经费", SPANNED, "竣工日期"], ["", "省级", "市级", ""], ["河堤加固", "310", "90", "2025年5月"]])
    assert lines == ["工程：河堤加固｜经费省级：310｜经费市级：90｜竣工日期：2025年5月。"]


def test_a_two_row_header_repeated_on_the_next_page_is_dropped():
    head = [["工程", "经费", SPANNED], ["", "省级", "市级"]]
    lines = table_lines([*head, ["河堤加固", "310", "90"], *head, ["校舍改造", "75", "25"]])
    assert lines == ["工程：河堤加固｜经费省级：310｜经费市级：90。", "工程：校舍改造｜经费省级：75｜经费市级：25。"]


# --- 3. years and months as column headers -------------------------------------------------------------
def test_years_as_column_headers_name_the_figures_of_each_row(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["指标", "2031年", "2032年"], ["税收（万元）", "710", "860"], ["支出（万元）", "530", "640"]])
    assert _rows(path) == ["指标：税收（万元）｜2031年：710｜2032年：860。", "指标：支出（万元）｜2031年：530｜2032年：640。"]


def test_months_as_column_headers_name_the_figures_of_each_row():
    assert table_lines([["", "1月", "2月"], ["来访人次", "35", "41"]]) == ["来访人次｜1月：35｜2月：41。"]


def test_a_first_row_of_dates_over_dates_is_no_header():
    assert table_lines([["甲", "2031年", "2032年"], ["乙", "2033年", "2034年"]]) == ["甲｜2031年｜2032年。", "乙｜2033年｜2034年。"]


def test_xlsx_merged_header_cells_and_values_merged_down_rows(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工程", "经费（万元）", None, "竣工日期"])
    ws.append([None, "省级", "市级", None])
    ws.append(["河堤加固", 310, 90, "2025年5月"])
    ws.append([None, 40, 10, "2025年6月"])
    ws.merge_cells("B1:C1")
    ws.merge_cells("A1:A2")
    ws.merge_cells("D1:D2")
    ws.merge_cells("A3:A4")
    wb.save(tmp_path / "t.xlsx")
    assert _rows(tmp_path / "t.xlsx") == [
        "工程：河堤加固｜经费（万元）省级：310｜经费（万元）市级：90｜竣工日期：2025年5月。",
        "工程：河堤加固｜经费（万元）省级：40｜经费（万元）市级：10｜竣工日期：2025年6月。"]


def test_an_xlsx_percentage_cell_is_stored_as_shown(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["指标", "数值"])
    ws.append(["增速", 0.085])
    ws.append(["占比", 0.5])
    ws.append(["达标率", 0.125])  # a half is rounded up, as Excel shows it (13%, not Python's 12%)
    ws["B2"].number_format = "0.0%"
    ws["B3"].number_format = "0%"
    ws["B4"].number_format = "0%"
    wb.save(tmp_path / "t.xlsx")
    assert _rows(tmp_path / "t.xlsx") == ["指标：增速｜数值：8.5%。", "指标：占比｜数值：50%。", "指标：达标率｜数值：13%。"]


# --- 4. tables without a header row -------------------------------------------------------------------
def test_a_two_column_table_of_label_value_pairs_has_no_header(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["组长", "王五"], ["副组长", "赵六"], ["联络员", "钱七"]])
    assert _rows(path) == ["组长｜王五。", "副组长｜赵六。", "联络员｜钱七。"]


def test_a_two_column_table_whose_first_row_heads_a_column_of_figures_keeps_its_header():
    assert table_lines([["工程", "经费"], ["河堤加固", "310万元"], ["校舍改造", "75万元"]]) == [
        "工程：河堤加固｜经费：310万元。", "工程：校舍改造｜经费：75万元。"]


def test_a_docx_row_that_skips_grid_columns_keeps_its_cells_in_their_columns(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["工程", "经费（万元）", "竣工日期"], ["河堤加固", "310", "2025年5月"]])
    d = docx.Document(path)
    tr = d.tables[0].rows[1]._tr
    tr.remove(tr.tc_lst[0])  # the row starts one grid column in (w:gridBefore)
    trpr = tr.get_or_add_trPr()
    before = OxmlElement("w:gridBefore")
    before.set(qn("w:val"), "1")
    trpr.append(before)
    d.save(path)
    assert _rows(path) == ["经费（万元）：310｜竣工日期：2025年5月。"]


def test_bare_consecutive_years_typed_as_numbers_in_xlsx_head_their_columns(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["指标", 2031, 2032])
    ws.append(["税收（万元）", 710, 860])
    wb.save(tmp_path / "t.xlsx")
    assert _rows(tmp_path / "t.xlsx") == ["指标：税收（万元）｜2031：710｜2032：860。"]


def test_a_lone_number_in_the_first_row_is_still_a_value():
    assert table_lines([["甲", "2031", "乙"], ["丙", "55", "丁"]]) == ["甲｜2031｜乙。", "丙｜55｜丁。"]


def test_a_two_column_docx_table_whose_first_row_is_marked_as_header_keeps_it(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["姓名", "职务"], ["王五", "组长"], ["赵六", "副组长"]])
    d = docx.Document(path)
    flag = OxmlElement("w:tblHeader")
    d.tables[0].rows[0]._tr.get_or_add_trPr().append(flag)
    d.save(path)
    assert _rows(path) == ["姓名：王五｜职务：组长。", "姓名：赵六｜职务：副组长。"]


def test_a_second_table_on_an_xlsx_sheet_is_not_named_by_the_first_tables_header(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["表一 工程进度"], ["工程", "计划投资", "完成投资"], ["水厂", 500, 300], ["桥梁", 200, 150], [],
                ["表二 粮食产量"], ["年份", "粮食产量（吨）"], [2030, 1100], [2031, 1250]):
        ws.append(row)
    wb.save(tmp_path / "t.xlsx")
    rows = _rows(tmp_path / "t.xlsx")
    assert "工程：水厂｜计划投资：500｜完成投资：300。" in rows
    assert not any("工程：" in r and ("2031" in r or "表二" in r or "粮食" in r) for r in rows), rows
    assert any("2031" in r and "1250" in r for r in rows), rows


def test_a_year_merged_over_two_sub_columns_heads_them_both(tmp_path: Path):
    path = _docx(tmp_path / "t.docx", [["工程", "2031年", ""],
                                       ["", "计划", "完成"],
                                       ["乡村道路", "10", "8"],
                                       ["机耕道", "6", "5"]], merges=[(0, 1, 0, 2), (0, 0, 1, 0)])
    assert _rows(path) == ["工程：乡村道路｜2031年计划：10｜2031年完成：8。", "工程：机耕道｜2031年计划：6｜2031年完成：5。"]


def test_a_plain_text_ranking_whose_first_line_holds_a_figure_has_no_header_row():
    # 「第一名　甲镇　94.3分」 lines: the first line is a row like the others (its score is a value, no column's
    # name), so no row is read as the header of the rest
    from ingest.formats import text_tables

    got = text_tables("第一名\u3000甲镇\u300094.3分\n第二名\u3000乙乡\u300092.8分\n第三名\u3000丙镇\u300090.5分\n")
    assert got.splitlines()[:3] == ["第一名｜甲镇｜94.3分。", "第二名｜乙乡｜92.8分。", "第三名｜丙镇｜90.5分。"]
