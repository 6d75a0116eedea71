"""Offline OCR of scanned pages and images with RapidOCR (PP-OCRv4 Chinese models shipped inside the
`rapidocr-onnxruntime` wheel: nothing is downloaded).

Pages are OCR'd one at a time (bounded memory); the text of a page is its recognised lines in reading
order (top to bottom, left to right within a line).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.errors import ArchiveTooLarge, LoadError

MAX_PIXELS = 60_000_000
"""Largest image (width × height) accepted; a decompression bomb is refused before decoding."""
MAX_FRAMES = 100
"""Most frames (pages) OCR'd from one multi-page image (tiff)."""
RENDER_SCALE = 2.5
"""Scale of a PDF page rendered for OCR (72 dpi × 2.5 = 180 dpi)."""
OCR_THREADS = 2
"""onnxruntime threads per OCR call (the service shares its cores with everything else)."""


@lru_cache(maxsize=1)
def _engine() -> Any:
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as e:  # pragma: no cover - a dependency of ragqa
        raise LoadError("OCR needs rapidocr-onnxruntime") from e
    return RapidOCR(intra_op_num_threads=OCR_THREADS, inter_op_num_threads=1)


def _lines(result: list[Any] | None) -> list[str]:
    """Group recognised boxes into lines: boxes whose vertical centres are within half a box height."""
    if not result:
        return []
    items = []
    for box, text, _score in result:
        ys = [p[1] for p in box]
        xs = [p[0] for p in box]
        items.append(((min(ys) + max(ys)) / 2, max(ys) - min(ys), min(xs), text))
    items.sort(key=lambda t: (t[0], t[2]))
    lines: list[list[tuple[float, float, float, str]]] = []
    for it in items:
        if lines and abs(it[0] - lines[-1][0][0]) <= 0.5 * max(it[1], lines[-1][0][1]):
            lines[-1].append(it)
        else:
            lines.append([it])
    return ["".join(t[3] for t in sorted(line, key=lambda t: t[2])) for line in lines]


def ocr_array(img: Any) -> str:
    """Text of one page image (an RGB numpy array of shape (h, w, 3), uint8)."""
    result, _ = _engine()(img)
    return "\n".join(_lines(result))


def image_pages(data: bytes) -> list[str]:
    """OCR text of an image file (png, jpg, tiff, bmp; each frame of a multi-page tiff is a page).
    Raises ArchiveTooLarge for an image over MAX_PIXELS, LoadError when it cannot be decoded."""
    import numpy as np
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        im = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as e:
        raise LoadError("not an image that can be decoded") from e
    if im.width * im.height > MAX_PIXELS:
        raise ArchiveTooLarge(f"image of {im.width}×{im.height} pixels is over the {MAX_PIXELS:,} limit")
    frames = getattr(im, "n_frames", 1)
    if frames > MAX_FRAMES:
        raise LoadError(f"image has {frames} frames, over the limit of {MAX_FRAMES}")
    pages = []
    for frame in ImageSequence.Iterator(im):
        pages.append(ocr_array(np.asarray(frame.convert("RGB"))))
    return pages


def iter_pdf_page_ocr(source: bytes | Path, page_numbers: Iterable[int]) -> Iterator[tuple[int, str]]:
    """(page, text) for the given 0-based pages of a PDF (its bytes or its path), OCR'd in order, each page
    rendered alone and released before the next (bounded memory). Raises LoadError for a corrupt PDF."""
    import numpy as np
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(source)
    except pdfium.PdfiumError as e:
        raise LoadError(f"corrupt pdf ({e})") from e
    try:
        for i in page_numbers:
            page = pdf[i]
            try:
                w, h = page.get_size()
                scale = min(RENDER_SCALE, (MAX_PIXELS / max(w * h, 1)) ** 0.5)
                bitmap = page.render(scale=scale)
                try:
                    img = np.asarray(bitmap.to_pil().convert("RGB"))
                finally:
                    bitmap.close()
                text = ocr_array(img)
                del img
            finally:
                page.close()
            yield i, text
    finally:
        pdf.close()


def pdf_page_ocr(source: bytes | Path, page_numbers: list[int]) -> dict[int, str]:
    """OCR text of the given 0-based pages of a PDF, each rendered alone (see iter_pdf_page_ocr)."""
    return dict(iter_pdf_page_ocr(source, page_numbers))
