"""OCR benchmark: pages per second and character accuracy on pages rendered from the bundled corpus.

`python -m bench.ocr [--pages N]` renders N A4 pages (150 dpi, 16 pt Noto Sans CJK, 30 characters a line)
of the bundled corpus's text, saves each as a PDF without a text layer, reads it back through ingest's
scanned-PDF path (pypdfium2 render + RapidOCR) and compares. Character accuracy = 1 - Levenshtein distance
/ reference length, both sides without whitespace and NFKC-folded (the standard CER of OCR evaluation).
Writes bench/results/ocr.json. Needs a CJK font (Debian fonts-noto-cjk); says so when it is missing.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import time
import unicodedata
from pathlib import Path

from core.settings import BUNDLED_CORPUS

FONTS = ["/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"]
PAGE = (1240, 1754)  # A4 at 150 dpi
CHARS_PER_LINE, LINES_PER_PAGE, FONT_PX = 30, 28, 33  # 33 px at 150 dpi ≈ 16 pt
OUT = Path("bench/results/ocr.json")


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions of one character), O(len(a)·len(b)) time."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def corpus_pages(n: int) -> list[list[str]]:
    """N pages of lines taken from the middle of the corpus text (past the download-site preamble)."""
    from ingest.clean import clean_lines

    text = "".join(clean_lines(next(BUNDLED_CORPUS.glob("*.txt")).read_text(encoding="utf-8")))
    start = len(text) // 3
    per_page = CHARS_PER_LINE * LINES_PER_PAGE
    pages = []
    for k in range(n):
        chunk = text[start + k * per_page : start + (k + 1) * per_page]
        pages.append([chunk[i : i + CHARS_PER_LINE] for i in range(0, len(chunk), CHARS_PER_LINE)])
    return pages


def render(lines: list[str], font_path: str) -> bytes:
    """One page image saved as a PDF with no text layer (what a scanner produces)."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", PAGE, "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.truetype(font_path, FONT_PX)
    y = 120
    for ln in lines:
        draw.text((110, y), ln, fill="black", font=font)
        y += int(FONT_PX * 1.6)
    buf = io.BytesIO()
    img.save(buf, format="PDF", resolution=150)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=3)
    args = ap.parse_args()
    font = next((f for f in FONTS if Path(f).exists()), None)
    if font is None:
        raise SystemExit("no CJK font: apt-get install fonts-noto-cjk")
    from ingest.ocr import _engine, pdf_page_ocr

    t_load = time.perf_counter()
    _engine()  # model loading is counted apart from the per-page rate
    load_s = time.perf_counter() - t_load
    refs, hyps, seconds, cpu = [], [], 0.0, 0.0
    for lines in corpus_pages(args.pages):
        pdf = render(lines, font)
        t0, c0 = time.perf_counter(), time.process_time()
        hyps.append(pdf_page_ocr(pdf, [0])[0])
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        refs.append("".join(lines))
    ref, hyp = _norm("".join(refs)), _norm("".join(hyps))
    result = {
        "pages": args.pages,
        "pages_per_second": round(args.pages / seconds, 3),
        "seconds_per_page": round(seconds / args.pages, 2),
        "cpu_seconds_per_page": round(cpu / args.pages, 2),  # what the rate is on an idle machine, per thread used
        "load_average": round(__import__("os").getloadavg()[0], 1),
        "model_load_seconds": round(load_s, 2),
        "reference_chars": len(ref),
        "char_accuracy": round(1 - levenshtein(ref, hyp) / max(len(ref), 1), 4),
        "render": f"A4 150 dpi, {FONT_PX} px {Path(font).stem}, {CHARS_PER_LINE} chars x {LINES_PER_PAGE} lines",
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
