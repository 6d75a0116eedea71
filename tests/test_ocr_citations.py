"""A document read by OCR (a scanned page or an image) is marked as such where it is cited and listed."""

from __future__ import annotations

import shutil

import pytest

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.service import RagService
from tests.conftest import FIXTURES

SCAN = next((p for p in sorted(FIXTURES.glob("*.png"))), None)


@pytest.mark.skipif(SCAN is None, reason="no generated image fixture (tests/fixtures/make_fixtures.py --formats)")
def test_citations_of_an_ocr_document_say_so_and_text_documents_do_not(tmp_path, small_corpus):
    shutil.copy(SCAN, small_corpus / SCAN.name)
    s = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], s)
    service = RagService(s)
    docs = {d.source: d for d in service.documents()}
    scanned = next(d for src, d in docs.items() if src.endswith(SCAN.name))
    assert scanned.meta.get("ocr_pages") == "1" and scanned.meta.get("kind")
    assert all(not d.meta.get("ocr_pages") for src, d in docs.items() if not src.endswith(SCAN.name))
    chunk = next(c for c in service.engine.index.chunks.values() if c.doc_id == scanned.doc_id)
    result = service.ask(chunk.text[:30])
    assert any(c.ocr for c in result.contexts), result
    for ctx in result.contexts:
        assert ctx.ocr == ctx.chunk_id.startswith(scanned.doc_id)
    for cit in result.citations:
        assert cit.ocr == cit.chunk_id.startswith(scanned.doc_id)
