"""The chat page's admin tab in a real browser: a duplicate upload is reported as such, and a document is
deleted by picking its row in the list (no id to type)."""

from __future__ import annotations

import json

import pytest

from rag.keys import KeyStore
from tests.server import running
from tests.test_ui import _login, _service_docs, artifacts, browser, index_settings  # noqa: F401 (fixtures)
from ui.launcher import build_app

pytestmark = pytest.mark.slow

FORGED_DELETE = """async (docId) => {
  const out = [];
  for (const data of [[docId], [docId, ""]]) {  // no token input; an empty token
    const r = await fetch("/gradio_api/call/delete", {method: "POST", headers: {"content-type": "application/json"},
                                                      body: JSON.stringify({data})});
    const {event_id} = await r.json();
    const text = await (await fetch("/gradio_api/call/delete/" + event_id)).text();
    // each "data: <json>" line as its JSON re-serialized by the browser (Chinese unescaped)
    out.push(text.split("\\n").map(l => { try { return JSON.stringify(JSON.parse(l.slice(6))); } catch (e) { return l; } })
                 .join("\\n"));
  }
  return out;
}"""
"""A same-origin script's direct calls of the page's delete, with the page's cookie: the stream texts."""

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

        # a script in the page's own origin, with the admin's cookie but without the page's token, deletes nothing
        doc_id = next(d.doc_id for d in _service_docs(index_settings) if d.title == "宁海县扩权改革")
        seen = page.evaluate(FORGED_DELETE, doc_id)
        assert all("已删除" not in s for s in seen) and "页面已过期" in seen[1], seen
        assert any(d.title == "宁海县扩权改革" for d in _service_docs(index_settings))

        page.locator("#docs").get_by_text("宁海县扩权改革").first.click()
        expect(page.locator("#del-choice")).to_contain_text("宁海县扩权改革", timeout=30_000)
        page.click("#del-btn")
        expect(page.locator("#docs")).not_to_contain_text("宁海县扩权改革", timeout=30_000)
        assert all(d.title != "宁海县扩权改革" for d in _service_docs(index_settings))
        assert any(d.title for d in _service_docs(index_settings))  # the others stay
    entries = [json.loads(x) for x in (index_settings.index_dir / "audit.log").read_text(encoding="utf-8").splitlines()]
    page_ok = {e["action"] for e in entries if e["via"] == "page" and e["actor"] == "ops" and e["outcome"] == "ok"}
    assert {"upload", "delete"} <= page_ok  # the page's own upload and delete carried its token
    assert [e["action"] for e in entries if e["outcome"] == "csrf_refused"] == ["delete"]  # the forged one only
