"""Cross-site requests in a real browser (headless Chromium): a page served from another loopback port —
the same site, another origin — must not change or read anything through the chat page's /gradio_api
routes with the admin's cookie, nor upload over the API while authentication is off."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import sync_playwright  # noqa: E402
from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.keys import KeyStore
from tests.conftest import doc_titles
from tests.server import running

# Debian's chromium with the flags the other browser tests use (skips the module where it is missing)
from tests.test_ui import ARGS, CHROMIUM  # noqa: E402
from ui.launcher import build_app

ATTACK = """async ([target, docId]) => {
  const out = {};
  const post = async (name, path, init) => {
    try { const r = await fetch(target + path, {method: "POST", credentials: "include", ...init});
          out[name] = init.mode === "no-cors" ? "sent" : r.status + " " + (await r.text()).slice(0, 300); }
    catch (e) { out[name] = "blocked"; }
  };
  const json = {"content-type": "application/json"};
  await post("delete", "/gradio_api/call/delete", {headers: json, body: JSON.stringify({data: [docId]})});
  await post("delete_simple", "/gradio_api/call/delete",
             {mode: "no-cors", headers: {"content-type": "text/plain"}, body: JSON.stringify({data: [docId]})});
  await post("list_docs", "/gradio_api/call/list_docs", {headers: json, body: JSON.stringify({data: []})});
  const form = new FormData();
  form.append("files", new Blob(["宁海县扩权改革\\n宁海县向西店镇下放了38项行政审批权。"], {type: "text/plain"}), "宁海.txt");
  await post("upload", "/v1/documents", {mode: "no-cors", body: form});
  await new Promise(r => setTimeout(r, 1500));  // let the no-cors requests land
  return out;
}"""
"""What a page of another origin tries with ``fetch``: delete through the page's gradio route (a JSON
call that needs a preflight, and a no-cors text/plain one that does not), read the document list, and a
no-cors multipart upload to the API (no preflight). Returns what the attacking page could see."""


def _other_origin() -> Starlette:
    """The attacker: any page on another loopback port."""
    return Starlette(routes=[Route("/", lambda _: HTMLResponse("<html><body>other site</body></html>")),
                             Route("/healthz", lambda _: JSONResponse({"status": "ok"}))])


@pytest.fixture
def index_settings(small_corpus, tmp_path):
    s = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], s)
    return s


def _doc_id(settings) -> str:
    from ingest.store import Catalog

    cat = Catalog(settings.index_dir)
    try:
        return cat.documents()[0].doc_id
    finally:
        cat.close()


@pytest.mark.parametrize("auth", [True, False], ids=["admin-logged-in", "auth-off"])
def test_a_page_on_another_loopback_port_cannot_delete_read_or_upload(index_settings, auth):
    admin = KeyStore(index_settings).create("ops", "admin") if auth else None
    before, doc_id = doc_titles(index_settings), _doc_id(index_settings)
    with running(build_app(index_settings)) as base, running(_other_origin()) as attacker, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/", wait_until="domcontentloaded")
            if admin:
                page.wait_for_selector("input[type='password']", timeout=60_000)
                page.fill("input[name='username'], input[type='text']", "ops")
                page.fill("input[type='password']", admin)
                page.keyboard.press("Enter")
            page.wait_for_selector("#question textarea", timeout=60_000)  # the official's tab, logged in
            evil = context.new_page()  # same browser, same cookies
            evil.goto(attacker + "/", wait_until="domcontentloaded")
            seen = evil.evaluate(ATTACK, [base, doc_id])
        finally:
            browser.close()
    assert doc_titles(index_settings) == before, seen  # nothing deleted, nothing uploaded
    assert "龙泉镇" not in json.dumps(seen, ensure_ascii=False) and doc_id not in seen["list_docs"]
    assert seen["delete"] == "blocked" and seen["list_docs"] == "blocked"  # the browser's CORS check fails
    log = (index_settings.index_dir / "audit.log").read_text(encoding="utf-8")
    assert log.count('"action": "cross_origin_request"') >= 2  # the requests that reached the server


def test_the_logout_button_ends_the_session_and_shows_the_login_again(index_settings):
    import httpx

    admin = KeyStore(index_settings).create("ops", "admin")
    with running(build_app(index_settings)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + "/", wait_until="domcontentloaded")
            page.wait_for_selector("input[type='password']", timeout=60_000)
            page.fill("input[name='username'], input[type='text']", "ops")
            page.fill("input[type='password']", admin)
            page.keyboard.press("Enter")
            page.wait_for_selector("#question textarea", timeout=60_000)
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            page.click("#logout")
            page.wait_for_selector("input[type='password']", timeout=60_000)  # the login form again
        finally:
            browser.close()
        replay = httpx.post(base + "/gradio_api/call/list_docs", json={"data": []}, cookies=cookies, timeout=60)
        assert replay.status_code == 401  # the old cookie opens nothing
