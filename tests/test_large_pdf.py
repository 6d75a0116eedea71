"""Large PDFs: read page by page with progress, in memory that does not grow with the page count beyond the
text kept. The PDFs are generated at run time with reportlab (nothing big is committed)."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from pathlib import Path

import pytest

from ingest.formats import PdfText
from ingest.load import load_file, pdf_loaded

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = 200  # (a decoded content stream kept per page, several KB, would exceed the 256 KB bound in 150 pages)
WORDS = "建设规划管理服务发展改革项目资金保障措施组织领导工作任务目标"


def make_pdf(path: Path, pages: int) -> Path:
    """A text PDF of `pages` pages: a running header, 30 distinct lines of body text, a page number footer."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    for p in range(1, pages + 1):
        c.setFont("STSong-Light", 9)
        c.drawString(72, 800, "某县人民政府办公室文件")
        c.setFont("STSong-Light", 11)
        for ln in range(30):
            body = "".join(WORDS[(p * 7 + ln * 3 + k) % len(WORDS)] for k in range(30))
            c.drawString(60, 770 - 22 * ln, f"第{p}页第{ln}行{body}。")
        c.setFont("STSong-Light", 9)
        c.drawString(290, 40, f"- {p} -")
        c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def large_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pdf(tmp_path_factory.mktemp("large") / "large.pdf", PAGES)


def test_progress_is_reported_for_every_page_in_order_up_to_the_page_count(large_pdf: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    loaded = load_file(large_pdf, lambda stage, done, total: calls.append((stage, done, total)))
    assert calls == [("pages", n, PAGES) for n in range(1, PAGES + 1)]
    assert loaded.pages == PAGES and len(loaded.page_texts) == PAGES
    # the running header and the page numbers are gone, every page's body is kept, in order
    assert "某县人民政府办公室文件" not in loaded.text and "- 7 -" not in loaded.text
    assert loaded.page_texts[0].startswith("第1页第0行") and loaded.page_texts[-1].startswith(f"第{PAGES}页第0行")


def test_reading_pages_holds_no_more_memory_at_the_last_page_than_after_the_first_ones(large_pdf: Path) -> None:
    """What the reader holds beyond the texts already read must not grow page after page (pypdf keeps every
    object it parsed: each page's decoded content stream would stay to the end of the file)."""
    gc.collect()
    tracemalloc.start()
    try:
        held: list[int] = []
        texts: list[str] = []
        with PdfText(large_pdf) as pdf:
            for text in pdf:
                texts.append(text)
                held.append(tracemalloc.get_traced_memory()[0] - sum(map(sys.getsizeof, texts)))
    finally:
        tracemalloc.stop()
    assert len(texts) == PAGES
    growth = held[-1] - held[49]  # from page 50 (the reader is warm) to the last page
    assert growth < 256 * 1024, f"reader memory grew by {growth // 1024} KB over {PAGES - 50} pages"


def test_scanned_pages_report_ocr_progress_after_the_text_layer() -> None:
    calls: list[tuple[str, int, int]] = []
    loaded = pdf_loaded(FIXTURES / "scanned.pdf", lambda *call: calls.append(call))
    n = loaded.pages
    assert calls == [("pages", k, n) for k in range(1, n + 1)] + [("ocr", k, n) for k in range(1, n + 1)]
    assert loaded.ocr_pages == tuple(range(1, n + 1))
