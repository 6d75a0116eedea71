"""The chat page's admin tab in a real browser: a duplicate upload is reported as such, and a document is
deleted by picking its row in the list (no id to type)."""

from __future__ import annotations

import pytest

from rag.keys import KeyStore
from tests.server import running
from tests.test_ui import _login, _service_docs, artifacts, browser, index_settings  # noqa: F401 (fixtures)
from ui.launcher import build_app

pytestmark = pytest.mark.slow

from playwright.sync_api import expect  # noqa: E402


def test_admin_sees_a_duplicate_upload_and_deletes_a_document_by_picking_its_row(index_settings, browser, tmp_path):  # noqa: F811
    key = KeyStore(index_settings).create("ops", "admin")
    doc = tmp_path / "宁海.txt"
    doc.write_text("宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。", encoding="utf-8")
    with running(build_app(index_settings)) as base:
        page = _login(browser.new_page(viewport={"width": 1280, "height": 900}), base, "ops", key)
        page.get_by_role("tab", name="管理").click()
        for expected in ("新增 1 篇", "重复 1 篇"):  # the second upload of the same bytes writes nothing
            page.locator("#upload input[type='file']").set_input_files(str(doc))
            page.wait_for_timeout(1000)
            page.click("#upload-btn")
            try:
                page.wait_for_function(f"document.querySelector('#upload-status').innerText.includes('{expected}')",
                                       timeout=60_000)
            except Exception:
                print("STATUS:", page.locator("#upload-status").inner_text())
                raise
        assert sum(d.title == "宁海县扩权改革" for d in _service_docs(index_settings)) == 1

        page.locator("#docs").get_by_text("宁海县扩权改革").first.click()
        expect(page.locator("#del-choice")).to_contain_text("宁海县扩权改革", timeout=30_000)
        page.click("#del-btn")
        expect(page.locator("#docs")).not_to_contain_text("宁海县扩权改革", timeout=30_000)
        assert all(d.title != "宁海县扩权改革" for d in _service_docs(index_settings))
        assert any(d.title for d in _service_docs(index_settings))  # the others stay
