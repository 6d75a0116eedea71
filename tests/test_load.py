import io
import shutil
import zipfile
from pathlib import Path

import pytest

from core.errors import ArchiveTooLarge, UndecodableText
from ingest.articles import documents_from_text
from ingest.formats import drop_running_lines, table_lines
from ingest.load import LoadError, decode_text, iter_files, load_file, read_text
from tests.conftest import FIXTURES

ENC_TEXT = "城关镇人口五万人，面积一百二十平方公里。"


def test_gb18030_text_is_detected_not_assumed():
    assert "龙泉镇是首批经济发达镇" in read_text(FIXTURES / "gb18030.txt")


def test_utf8_with_bom_has_no_bom_left():
    text = read_text(FIXTURES / "utf8_bom.md")
    assert not text.startswith("\ufeff") and "乐清现有柳市" in text


def test_html_keeps_main_text_only():
    text = read_text(FIXTURES / "page.html")
    assert "杨汛桥" in text
    assert "广告脚本" not in text and "登录" not in text and "版权所有" not in text


def test_pdf_text_layer_and_docx_paragraphs():
    assert "1281项" in read_text(FIXTURES / "two_pages.pdf")
    assert "下放5项人事管理权" in read_text(FIXTURES / "report.docx")


@pytest.mark.parametrize(
    "name,reason",
    [("empty.txt", "empty"), ("corrupt.pdf", "corrupt pdf"), ("fake.pdf", "not a pdf"), ("make_fixtures.py", "unsupported")],
)
def test_bad_files_fail_with_a_reason(name, reason):
    with pytest.raises(LoadError, match=reason):
        read_text(FIXTURES / name)


@pytest.mark.parametrize("ext,member", [(".docx", "word/document.xml"), (".xlsx", "xl/worksheets/sheet1.xml"),
                                        (".ofd", "Doc_0/Pages/Page_0/Content.xml")])
def test_zip_bombs_are_rejected_by_uncompressed_size_before_unpacking(tmp_path: Path, ext: str, member: str):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(member, b"\0" * (50 * 1024 * 1024))
    bomb = tmp_path / f"bomb{ext}"
    bomb.write_bytes(buf.getvalue())
    with pytest.raises(ArchiveTooLarge, match="zip bomb"):
        read_text(bomb)


# --- encodings ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,encoding", [
    ("enc_utf8.txt", "utf-8"), ("enc_utf16le_bom.txt", "utf-16-le"), ("enc_utf16be_bom.txt", "utf-16-be"),
    ("enc_utf16le.txt", "utf-16"), ("enc_gb2312.txt", "gb18030"), ("enc_gbk_short.txt", "gb18030"),
])
def test_text_encodings_are_decided_with_confidence(name: str, encoding: str):
    loaded = load_file(FIXTURES / name)
    assert loaded.encoding == encoding
    assert loaded.text.replace("2024年", "").startswith(ENC_TEXT[:12]) and "\ufeff" not in loaded.text


def test_big5_text_is_read_as_traditional_chinese():
    loaded = load_file(FIXTURES / "enc_big5.txt")
    assert loaded.encoding == "big5" and loaded.text == "城關鎮人口五萬人，面積一百二十平方公里。"


def test_a_short_gbk_file_that_other_code_pages_also_accept_is_read_as_gb():
    data = "桂花镇人口三万人，面积八十平方公里。".encode("gbk")  # also valid cp949 / big5 bytes in part
    assert decode_text(data) == "桂花镇人口三万人，面积八十平方公里。"


def test_text_without_a_plausible_encoding_is_skipped_with_its_reason_never_mojibake():
    with pytest.raises(UndecodableText, match="cannot decode with confidence"):
        read_text(FIXTURES / "enc_undecidable.txt")


# --- docx --------------------------------------------------------------------------------------------
def test_docx_table_stays_in_reading_order_with_each_row_named_by_its_header():
    lines = read_text(FIXTURES / "table_hidden.docx").splitlines()
    intro = next(i for i, ln in enumerate(lines) if ln.endswith("详见下表："))
    assert lines[intro + 1] == "项目名称：自来水厂｜投资额（万元）：860｜计划完成时间：2024年3月。"
    assert lines[intro + 2].startswith("项目名称：文化广场｜")
    assert lines[intro + 3].startswith("以上项目由镇建设办负责实施")


def test_docx_hidden_text_deleted_changes_comments_headers_and_footers_are_not_body_text():
    text = read_text(FIXTURES / "table_hidden.docx")
    for absent in ("添加微信号", "九百万元", "请核实金额", "办公室文件", "第 1 页"):
        assert absent not in text


def test_table_rows_without_a_header_keep_their_cells_apart():
    assert table_lines([["污水处理厂", "1200", "2023年12月"]]) == ["污水处理厂｜1200｜2023年12月。"]


# --- pdf -----------------------------------------------------------------------------------------------
def test_pdf_running_header_footer_and_page_numbers_are_dropped_and_the_broken_sentence_rejoined():
    loaded = load_file(FIXTURES / "running_header.pdf")
    assert loaded.pages == 3
    for running in ("人民政府文件", "城政发", "党政办公室", "- 2 -"):
        assert running not in loaded.text
    doc = documents_from_text(loaded.text, "x.pdf")[0]
    assert doc.title == "城关镇综合改革实施意见"
    assert "镇财政每年安排改革专项经费三百万元，县财政按照一比一的比例予以配套补助，用于平台建设。" in doc.text


def test_running_lines_are_found_with_page_numbers_masked_but_body_lines_kept():
    pages = ["局文件\n正文第一页内容\n— 1 —", "局文件\n正文第二页内容\n— 2 —", "局文件\n正文第三页\n— 3 —"]
    assert drop_running_lines(pages) == ["正文第一页内容", "正文第二页内容", "正文第三页"]
    assert drop_running_lines(["只有一页\n— 1 —"]) == ["只有一页\n— 1 —"]  # one page: nothing is running


def test_running_heads_that_alternate_between_odd_and_even_pages_are_dropped():
    heads = ["县政府公报 2024年第3期", "改革专刊"]  # one on odd pages, the other on even pages
    bodies = ["全镇新增市场主体一千二百户。", "下放审批事项三十八项。", "建成便民服务中心一处。",
              "培训乡镇干部四百人次。", "整治农村道路十二公里。", "新建污水处理站两座。"]
    pages = [f"{heads[i % 2]}\n{body}\n{i + 1}" for i, body in enumerate(bodies)]
    assert drop_running_lines(pages) == bodies
    # a line at the edge of one page only stays
    pages[2] = pages[2].replace(bodies[2], "附件一\n" + bodies[2])
    assert drop_running_lines(pages)[2] == "附件一\n" + bodies[2]


# --- new formats -----------------------------------------------------------------------------------------
def test_xlsx_rows_are_read_per_sheet_with_their_headers():
    loaded = load_file(FIXTURES / "projects.xlsx")
    lines = loaded.text.splitlines()
    assert loaded.pages == 2 and lines[0] == "民生项目"
    assert "项目名称：自来水厂｜投资额（万元）：860｜计划完成时间：2024年3月。" in lines
    assert lines[-2:] == ["人员", "岗位：网格员｜人数：56。"]


def test_ofd_pages_are_read_and_their_running_lines_dropped():
    loaded = load_file(FIXTURES / "notice.ofd")
    assert loaded.pages == 2
    assert "开放便民服务大厅" in loaded.text and "每周六上午照常办公" in loaded.text
    assert "城关镇人民政府" not in loaded.text  # the signature repeated on both pages


@pytest.mark.parametrize("name", ["legacy.doc", "legacy.wps"])
def test_legacy_word_and_wps_files_are_converted_offline(name: str):
    if shutil.which("catdoc") is None:
        pytest.skip("catdoc is not installed (apt-get install catdoc; `make install-converters`)")
    assert "镇政府每年安排养护资金八十万元" in read_text(FIXTURES / name)


def test_a_doc_that_is_not_an_ole2_file_is_refused(tmp_path: Path):
    if shutil.which("catdoc") is None:
        pytest.skip("catdoc is not installed")
    bad = tmp_path / "x.doc"
    bad.write_bytes(b"plain text pretending to be a doc")
    with pytest.raises(LoadError, match="OLE2"):
        read_text(bad)


def test_scanned_image_is_ocrd_offline_and_marked_as_ocr():
    loaded = load_file(FIXTURES / "scan_page.png")
    assert loaded.ocr_pages == (1,) and loaded.kind == "image"
    assert "服务大厅每周六上午照常办公" in loaded.text


def test_pdf_without_a_text_layer_is_ocrd_page_by_page():
    loaded = load_file(FIXTURES / "scanned.pdf")
    assert loaded.ocr_pages == (1, 2)
    assert "城关镇人口五万人" in loaded.text and "面积一百二十平方公里" in loaded.text


def test_an_image_too_large_to_decode_safely_is_refused(tmp_path: Path):
    from PIL import Image

    big = tmp_path / "big.png"
    Image.new("1", (9000, 9000)).save(big)  # 81 megapixels, a few KB on disk
    with pytest.raises(ArchiveTooLarge, match="pixels"):
        read_text(big)


def test_binary_in_a_txt_is_refused():
    with pytest.raises(LoadError, match="binary"):
        decode_text(b"\x00\x01\x02\x03binary\x00\x00")


def test_directories_are_walked_recursively_and_hidden_files_skipped(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.txt").write_text("文本。", encoding="utf-8")
    (tmp_path / "a" / ".hidden.txt").write_text("隐藏。", encoding="utf-8")
    files, skipped = iter_files([tmp_path / "a", tmp_path / "missing"])
    assert [f.name for f in files] == ["x.txt"]
    assert skipped[0].reason == "no such file or directory"


def test_a_scan_longer_than_the_ocr_page_limit_is_refused_before_any_ocr(tmp_path: Path):
    from pypdf import PdfWriter

    from ingest.load import MAX_OCR_PAGES

    w = PdfWriter()
    for _ in range(MAX_OCR_PAGES + 1):
        w.add_blank_page(width=595, height=842)
    pdf = tmp_path / "long_scan.pdf"
    with pdf.open("wb") as f:
        w.write(f)
    with pytest.raises(LoadError, match="over the limit"):
        read_text(pdf)
