"""The chat page in a real browser: Debian's headless chromium driven by playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.feedback import FeedbackStore
from rag.keys import KeyStore
from tests.server import running
from ui.launcher import build_app as create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is required for the browser tests in CI (make test installs it)")
    pytest.skip("chromium not installed (make test installs it)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture
def artifacts(tmp_path) -> Path:
    d = Path(os.environ.get("RAGQA_TEST_ARTIFACTS", tmp_path / "artifacts"))
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def index_settings(small_corpus, tmp_path):
    (small_corpus / "evil.md").write_text(
        "恶意文档\n恶意镇的公告：<img src=x onerror=alert(1)> 与 [点我](javascript:alert(2)) 都是普通文字。",
        encoding="utf-8")
    s = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], s)
    return s


def _ask(page: Page, question: str) -> None:
    page.fill("#question textarea", question)
    page.click("#ask")


def _no_dialogs(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))
    return seen


def test_answer_with_citation_abstention_and_feedback(index_settings, browser, artifacts):
    with running(create_app(index_settings)) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs = _no_dialogs(page)
        page.goto(base + "/", wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea", timeout=60_000)
        expect(page.get_by_role("tab", name="管理")).to_be_visible(timeout=30_000)  # loopback, no keys: no login

        _ask(page, "龙泉镇下放了多少项行政审批权？")
        page.wait_for_selector("#sources mark", timeout=60_000)
        bot = page.locator("#chat .message.bot, #chat [data-testid='bot']").last
        expect(bot).to_contain_text("76")
        expect(bot).to_contain_text("[1]")
        expect(page.locator("#sources mark").first).to_contain_text("76项行政审批权")
        page.screenshot(path=str(artifacts / "answer.png"), full_page=True)

        page.locator("#chat button[aria-label='赞'], #chat button[title='赞']").last.click()
        page.wait_for_function("document.querySelector('#thanks') && document.querySelector('#thanks').innerText.includes('反馈')",
                               timeout=30_000)
        rows = FeedbackStore(index_settings.index_dir).list()
        assert rows and rows[0]["useful"] and "76" in rows[0]["answer"] and rows[0]["citations"]

        _ask(page, "广州市下放了多少项行政审批权？")
        page.wait_for_selector("#sources .abstain", timeout=60_000)
        expect(page.locator("#chat").last).to_contain_text("资料中未找到相关内容")
        expect(page.locator("#sources .cite").first).to_be_visible()  # nearest sources still offered
        page.screenshot(path=str(artifacts / "abstained.png"), full_page=True)

        _ask(page, "恶意镇的公告说了什么？")
        page.wait_for_selector("#sources mark", timeout=60_000)
        page.wait_for_timeout(500)
        assert page.locator("#chat img[src='x'], #sources img[src='x']").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
        assert page.locator("#chat a").count() == 0  # a markdown link in a document is shown as text
        expect(page.locator("#chat").last).to_contain_text("[点我](javascript:alert(2))")
        expect(page.locator("#sources").first).to_contain_text("<img src=x onerror=alert(1)>")
        page.screenshot(path=str(artifacts / "escaped.png"), full_page=True)
        assert dialogs == []


ENGLISH_ON_SCREEN = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('#docs td, #docs [role=gridcell], #kbs td, #kbs [role=gridcell], #sources .cite-body')) continue;  // data, not labels
    const title = el.getAttribute('title') || '';
    if (/[A-Za-z]{3,}/.test(title)) out.push('title: ' + title);
    if (el.children.length === 0 && el.offsetParent !== null) {
      const text = (el.innerText || '').trim();
      if (/[A-Za-z]{3,}/.test(text)) out.push('text: ' + text.slice(0, 60));
    }
  }
  return out;
}"""
"""Visible words and tooltips in Latin letters (labels left in English), outside document data."""
GRADIO_IDLE = "() => !/processing|queue:/.test(document.body.innerText)"
"""True once gradio shows none of its own transient event status ("queue: 1/1 | 0.1s", then "processing | 0.1s")."""


def test_in_an_english_browser_the_page_speaks_chinese_and_the_admin_tab_opens_filled(index_settings, browser, artifacts,
                                                                                     tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    # a long title (official titles often are) must not push the 导入时间 column out of the table
    (extra / "long.txt").write_text("关于进一步深化经济发达镇行政管理体制改革扩大县级以下政府管理权限推进工作的若干实施意见"
                                    "及配套措施说明\n正文一句。", encoding="utf-8")
    ingest([extra], index_settings, prune=False)
    with running(create_app(index_settings)) as base:
        page = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()
        page.goto(base + "/", wait_until="domcontentloaded")
        page.wait_for_selector("#question textarea", timeout=60_000)
        _ask(page, "龙泉镇下放了多少项行政审批权？")
        page.wait_for_selector("#sources mark", timeout=60_000)
        expect(page.get_by_role("button", name="复制对话")).to_be_visible()
        # (as for the admin tab below: gradio's own "processing | 0.0s", or "queue: 1/1 | 0.1s" before it, may still
        # show while the answer's events end)
        page.wait_for_function(GRADIO_IDLE, timeout=30_000)
        assert page.evaluate(ENGLISH_ON_SCREEN) == []

        page.get_by_role("tab", name="管理").click()  # no 刷新列表 click: the list is there when the tab opens
        expect(page.locator("#docs")).to_contain_text("龙泉镇扩权改革简报", timeout=30_000)
        expect(page.locator("#upload")).to_contain_text("将文件拖放到此处")
        # gradio shows its own "processing | 0.1s" while the tab's events run: the page is judged once they are done
        page.wait_for_function(GRADIO_IDLE, timeout=30_000)
        assert page.evaluate(ENGLISH_ON_SCREEN) == []
        clipped = page.evaluate(r"""() => {
            const box = document.querySelector('#docs').getBoundingClientRect();
            return [...document.querySelectorAll('#docs *')]
              .filter(el => el.children.length === 0 && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(el.innerText.trim()))
              .map(el => el.scrollWidth > el.clientWidth + 1 || el.getBoundingClientRect().right > box.right + 1); }""")
        assert clipped and not any(clipped)  # every 导入时间 cell shows its whole time, inside the visible table
        page.screenshot(path=str(artifacts / "admin_english_browser.png"), full_page=True)

        page.get_by_role("tab", name="问答").click()
        _ask(page, "How many approval powers were delegated to Longquan town?")
        page.wait_for_selector("#sources .abstain", timeout=60_000)
        bot = page.locator("#chat .message.bot, #chat [data-testid='bot']").last
        expect(bot).to_contain_text("资料中未找到相关内容")
        expect(bot).to_contain_text("请用中文提问")  # the refusal says why


def test_gradio_file_route_serves_nothing_outside_its_cache(index_settings, tmp_path):
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-leak", encoding="utf-8")
    with running(create_app(index_settings)) as base:
        for path in ("/gradio_api/file=../../etc/passwd", "/gradio_api/file=/etc/passwd",
                     f"/gradio_api/file={tmp_path / '.env'}", "/gradio_api/file=.env"):
            r = httpx.get(base + path)
            assert r.status_code in (403, 404), path
            assert "sk-leak" not in r.text and "root:" not in r.text


def test_admin_login_upload_and_reader_sees_no_admin_area(index_settings, browser, artifacts, tmp_path):
    keys = KeyStore(index_settings)
    admin, reader = keys.create("ops", "admin"), keys.create("clerk", "reader")
    doc = tmp_path / "宁海.txt"
    doc.write_text("宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。", encoding="utf-8")
    with running(create_app(index_settings)) as base:
        page = _login(browser.new_page(viewport={"width": 1280, "height": 900}), base, "ops", admin)
        page.get_by_role("tab", name="管理").click()
        page.locator("#upload input[type='file']").set_input_files(str(doc))
        page.wait_for_timeout(1000)
        page.click("#upload-btn")
        page.wait_for_function("document.querySelector('#upload-status').innerText.includes('导入完成')", timeout=60_000)
        expect(page.locator("#docs")).to_contain_text("宁海县扩权改革")
        page.screenshot(path=str(artifacts / "admin_upload.png"), full_page=True)
        assert any(d.title == "宁海县扩权改革" for d in _service_docs(index_settings))

        reader_page = _login(browser.new_context().new_page(), base, "clerk", reader)
        reader_page.wait_for_timeout(1000)
        assert reader_page.get_by_role("tab", name="管理").count() == 0


def _login(page: Page, base: str, name: str, key: str) -> Page:
    page.goto(base + "/", wait_until="domcontentloaded")
    page.wait_for_selector("input[type='password']", timeout=60_000)
    page.fill("input[name='username'], input[type='text']", name)
    page.fill("input[type='password']", key)
    page.keyboard.press("Enter")
    page.wait_for_selector("#question textarea", timeout=60_000)
    return page


def _service_docs(settings):
    from ingest.store import Catalog

    cat = Catalog(settings.index_dir)
    try:
        return cat.documents()
    finally:
        cat.close()
