import io
import zipfile
from pathlib import Path

import pytest

from ingest.load import LoadError, decode_text, iter_files, read_text
from tests.conftest import FIXTURES


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


def test_docx_zip_bomb_is_rejected(tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(buf.getvalue())
    with pytest.raises(LoadError, match="zip bomb"):
        read_text(bomb)


def test_binary_in_a_txt_is_refused():
    with pytest.raises(LoadError):
        decode_text(b"\x00\x01\x02\x03binary\x00\x00")


def test_directories_are_walked_recursively_and_hidden_files_skipped(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "x.txt").write_text("文本。", encoding="utf-8")
    (tmp_path / "a" / ".hidden.txt").write_text("隐藏。", encoding="utf-8")
    files, skipped = iter_files([tmp_path / "a", tmp_path / "missing"])
    assert [f.name for f in files] == ["x.txt"]
    assert skipped[0].reason == "no such file or directory"
