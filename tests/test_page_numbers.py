"""Citations of a paginated file (PDF) name the page where the quoted passage starts."""

from __future__ import annotations

from pathlib import Path

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.service import RagService

TOWNS = ["东岭镇", "西坪镇", "南溪镇", "北塘镇"]


def _pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for page, town in enumerate(TOWNS, start=1):
        c.setFont("STSong-Light", 11)
        y = 800
        lines = ([f"{page}、{town}情况"] + [f"{town}第{k}批下放事项共{page * 10 + k}项，已全部承接到位。" for k in range(1, 9)])
        for line in lines:
            c.drawString(60, y, line)
            y -= 22
        c.showPage()
    c.save()


def test_a_pdf_citation_names_the_page_its_quote_starts_on(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    _pdf(docs / "report.pdf")
    s = load_settings(index_dir=tmp_path / "index")
    ingest([docs], s)
    service = RagService(s)
    chunks = list(service.engine.index.chunks.values())
    assert {c.page for c in chunks} >= {1, 2, 3, 4}
    for c in chunks:  # each town's lines are on its own page
        town = next(t for t in TOWNS if t in c.text[:12])
        assert c.page == TOWNS.index(town) + 1, (c.page, c.text[:20])
    for town in TOWNS:
        r = service.ask(f"{town}的下放事项有多少项？")
        assert r.citations, r.answer
        for cit in r.citations:
            quoted = next(t for t in TOWNS if t in cit.quote)
            assert cit.page == TOWNS.index(quoted) + 1, (cit.page, cit.quote)


def test_a_text_file_has_no_page_numbers(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("东岭镇情况\n东岭镇第3批下放事项共13项。", encoding="utf-8")
    s = load_settings(index_dir=tmp_path / "index")
    ingest([docs], s)
    assert {c.page for c in RagService(s).engine.index.chunks.values()} == {0}


def test_a_quote_inside_a_chunk_that_spans_pages_names_its_own_page(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    facts = ["东岭镇新建农村公路12公里。", "西坪镇改造危房35户。", "南溪镇新增就业岗位240个。", "北塘镇建成污水处理站6座。"]
    docs = tmp_path / "docs"
    docs.mkdir()
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(docs / "short.pdf"), pagesize=A4)
    for page, fact in enumerate(facts, start=1):  # one short page each: the pages share a chunk
        c.setFont("STSong-Light", 11)
        c.drawString(60, 800, "乡镇民生工程进展" if page == 1 else fact)
        if page == 1:
            c.drawString(60, 778, fact)
        c.showPage()
    c.save()
    s = load_settings(index_dir=tmp_path / "index")
    ingest([docs], s)
    service = RagService(s)
    assert any(c.page_breaks for c in service.engine.index.chunks.values())
    pages = set()
    for question in ("西坪镇改造了多少户危房？", "南溪镇新增了多少个就业岗位？", "北塘镇建成了几座污水处理站？"):
        r = service.ask(question)
        assert r.citations, r.answer
        for cit in r.citations:  # the page of the quote's first line, not of the chunk's opening
            first = next(i for i, f in enumerate(facts, start=1) if cit.quote.startswith(f[:3]))
            assert cit.page == first, (cit.page, cit.quote)
            pages.add(cit.page)
    assert max(pages) > 2
