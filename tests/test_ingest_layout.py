"""Documents as they really come (issue 15): chapter/section headings of a PDF and full-width figures inside it,
read from a generated fixture (tests/fixtures/make_fixtures.py `_pdf_chapters`, invented text)."""

from __future__ import annotations

from pathlib import Path

from ingest.articles import documents_from_text
from ingest.chunk import chunk_document
from ingest.headings import heading_level
from ingest.load import load_file
from rag.cite import numbers_in
from rag.service import RagService
from tests.conftest import CHAPTER_SECTIONS, FIXTURES, index_of


def _chunks():
    loaded = load_file(FIXTURES / "chapters.pdf")
    (doc,) = documents_from_text(loaded.text, "chapters.pdf")
    return doc, chunk_document(doc, 200, 400)


def test_pdf_chapter_and_section_headings_become_the_section_path_and_start_their_chunks():
    doc, chunks = _chunks()
    assert doc.title == "示例单位工作规程"
    assert [c.section for c in chunks] == CHAPTER_SECTIONS
    for c in chunks:
        lines = c.text.split("\n")
        assert heading_level(lines[0]) is not None, c.text  # every chunk opens with its heading
        body = next(i for i, ln in enumerate(lines) if heading_level(ln) is None)
        assert not any(ln.startswith("第") for ln in lines[body:]), f"a heading closes a chunk: {c.text!r}"


def test_full_width_figures_are_stored_folded_and_the_sentence_across_the_page_break_rejoined():
    doc, chunks = _chunks()
    assert "工作专班负责日常事务，按月报送工作进展，全年经费3,200万元，比上年增长12.5%。" in doc.text
    assert not any(ch in doc.text for ch in "１２３５．％")


def test_a_question_about_a_full_width_figure_is_answered_quoting_the_folded_figure(tmp_path: Path):
    service = RagService(index_of(tmp_path, {"规程.pdf": FIXTURES / "chapters.pdf"}))
    for question in ("示例单位全年经费比上年增长了多少？", "示例单位全年经费比上年增长了多少？".replace("上年", "上年度")):
        r = service.ask(question)
        assert not r.abstained, r.answer
        assert "12.5%" in r.answer, r.answer
        quotes = "".join(c.quote for c in r.citations)
        assert "12.5%" in quotes
        assert all(n in quotes for n in numbers_in(r.answer))  # rag.cite: every number grounded in a quote
        assert r.citations[0].page == 1  # the quoted sentence starts on page 1 and runs on to page 2


def test_a_body_line_that_recurs_on_every_page_with_other_figures_is_text_not_a_running_line():
    from ingest.formats import drop_running_lines

    pages = [f"示例镇年度工作总结\n第{q}季度全镇新增就业岗位{100 + 7 * q}个，比上季度增加{3 * q}个。\n"
             f"本季度重点推进第{q}批项目建设。\n其他工作按计划推进。\n第 {q} 页 共 6 页" for q in range(1, 7)]
    kept = drop_running_lines(pages)
    for q, page in enumerate(kept, start=1):
        assert f"第{q}季度全镇新增就业岗位{100 + 7 * q}个" in page  # text, though its masked form repeats
        assert "页" not in page and "示例镇年度工作总结" not in page  # the page number and the running head go
