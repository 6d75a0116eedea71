"""One security policy for both front doors (issue 16): chat-page sessions bound to the key, the same
authentication, role, rate limit, upload limit and audit on the API and on the page's /gradio_api calls,
CSRF (same-origin) checks, and request limits. Real uvicorn servers on loopback, httpx as the client."""

from __future__ import annotations

import json
import re
import secrets
import time

import httpx
import pytest

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.keys import KeyStore
from tests.conftest import doc_titles
from tests.server import running
from ui.launcher import build_app

Q = "龙泉镇下放了多少项行政审批权？"
ASK = (Q, [], [], None)  # the page's ask: question, chat, results, knowledge bases (None: all readable)


@pytest.fixture
def index_settings(small_corpus, tmp_path):
    s = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], s)
    return s


class PageClient(httpx.Client):
    """A loaded chat page as the browser holds it: the HTTP client (with the login cookie, if any), the page's
    gradio session id and the CSRF token the page's load event gave it (``_load``)."""

    session_hash: str | None = None
    token: str | None = None


def _load(page: PageClient, session_hash: str | None = None) -> PageClient:
    """The page's load event (``issue_token``) for gradio session ``session_hash`` (default: a new one)."""
    page.session_hash = session_hash or secrets.token_hex(8)
    r = page.post("/gradio_api/call/issue_token", json={"data": [], "session_hash": page.session_hash})
    text = page.get(f"/gradio_api/call/issue_token/{r.json()['event_id']}").text
    assert "event: complete" in text, text
    page.token = json.loads(next(x for x in text.splitlines() if x.startswith("data: "))[6:])[0]
    return page


def _page_login(base: str, name: str, key: str) -> PageClient:
    """A chat-page session as the browser gets it: gradio's login form, its cookie, then the page's load."""
    client = PageClient(base_url=base, timeout=60)
    r = client.post("/login", data={"username": name, "password": key}, headers=_login_token(client))
    assert r.status_code == 200, r.text
    return _load(client)


def _login_token(client: httpx.Client) -> dict[str, str]:
    """The login form's CSRF token as the page carries it (its cookie now in ``client``), as the header the
    page's script sends."""
    html = client.get("/").text
    return {"x-ragqa-login-token": re.search(r'name="ragqa-login-token" content="([^"]+)"', html).group(1)}


def _call(client: httpx.Client, fn: str, *data) -> tuple[int, str]:  # noqa: ANN002
    """A chat-page event through gradio's HTTP API (``/gradio_api/call/<fn>``, then its event stream): from a
    loaded ``PageClient`` with its gradio session and its CSRF token as the last input (as the page sends it),
    from a bare client with neither. Returns (status of the call, the stream's text with its JSON unescaped;
    the refusal's body when the call was refused)."""
    body: dict = {"data": list(data)}
    if isinstance(client, PageClient) and client.session_hash:
        body = {"data": [*data, client.token], "session_hash": client.session_hash}
    r = client.post(f"/gradio_api/call/{fn}", json=body)
    if r.status_code != 200:
        return r.status_code, r.text
    stream = client.get(f"/gradio_api/call/{fn}/{r.json()['event_id']}")
    lines = [line if not line.startswith("data: ") or line == "data: null"
             else "data: " + json.dumps(json.loads(line[6:]), ensure_ascii=False) for line in stream.text.splitlines()]
    return stream.status_code, "\n".join(lines)


def _audit(settings) -> list[dict]:
    path = settings.index_dir / "audit.log"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# --- 1. sessions bound to the key -------------------------------------------------------------------------

def test_revoking_a_key_ends_its_chat_page_session_at_the_next_request(index_settings):
    keys = KeyStore(index_settings)
    key = keys.create("clerk", "reader")
    with running(build_app(index_settings)) as base:
        page = _page_login(base, "clerk", key)
        status, text = _call(page, "respond", *ASK)
        assert status == 200 and "76" in text
        keys.revoke("clerk")
        status, _ = _call(page, "respond", *ASK)
        assert status == 401


def test_a_name_created_again_is_a_new_identity_the_old_session_gets_nothing(index_settings):
    keys = KeyStore(index_settings)
    old = keys.create("ops", "admin")
    with running(build_app(index_settings)) as base:
        page = _page_login(base, "ops", old)
        status, text = _call(page, "list_docs")
        assert status == 200 and "event: complete" in text
        keys.revoke("ops")
        new = keys.create("ops", "admin")  # rotation: same name, new key
        assert _call(page, "list_docs")[0] == 401  # the old session does not get the new key's role
        assert _call(page, "respond", *ASK)[0] == 401
        fresh = _page_login(base, "ops", new)
        assert _call(fresh, "list_docs")[0] == 200
        assert fresh.post("/login", data={"username": "ops", "password": old}, headers=_login_token(fresh)).status_code == 400


def test_a_session_ends_after_its_idle_time_and_at_logout(index_settings):
    key = KeyStore(index_settings).create("clerk", "reader")
    s = index_settings.model_copy(update={"session_idle_seconds": 2.0})
    with running(build_app(s)) as base:
        page = _page_login(base, "clerk", key)
        assert _call(page, "respond", *ASK)[0] == 200
        time.sleep(2.5)
        assert _call(page, "respond", *ASK)[0] == 401

        page = _page_login(base, "clerk", key)
        assert _call(page, "respond", *ASK)[0] == 200
        kept = dict(page.cookies)
        page.get("/logout")
        replay = httpx.Client(base_url=base, timeout=60, cookies=kept)  # a client that kept the cookie
        assert _call(replay, "respond", *ASK)[0] == 401


# --- 2. one policy for both front doors -------------------------------------------------------------------

def test_a_reader_over_the_api_budget_is_refused_on_the_chat_page_too(index_settings):
    key = KeyStore(index_settings).create("clerk", "reader")
    s = index_settings.model_copy(update={"rate_limit_per_minute": 3})
    with running(build_app(s)) as base:
        bearer = {"Authorization": f"Bearer {key}"}
        codes = [httpx.post(base + "/v1/ask", json={"question": Q}, headers=bearer, timeout=60).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        page = _page_login(base, "clerk", key)
        status, text = _call(page, "respond", *ASK)
        assert "76" not in text and "event: error" in text and "请求过于频繁" in text
    assert any(e["via"] == "page" and e["action"] == "ask" and e["outcome"] == "rate_limited" for e in _audit(s))


def test_failed_authentication_and_readyz_are_throttled_per_client_address(index_settings):
    KeyStore(index_settings).create("ops", "admin")
    s = index_settings.model_copy(update={"rate_limit_per_minute": 3})
    with running(build_app(s)) as base:
        wrong = [httpx.post(base + "/v1/ask", json={"question": Q}, headers={"Authorization": "Bearer rq-wrong"},
                            timeout=60).status_code for _ in range(5)]
        assert wrong[:3] == [401, 401, 401] and wrong[-1] == 429
    with running(build_app(s)) as base:
        ready = [httpx.get(base + "/readyz", timeout=60).status_code for _ in range(5)]
        assert ready[:3] == [200, 200, 200] and ready[-1] == 429


def _page_upload(page: PageClient, name: str, data: bytes) -> tuple[int, str]:
    """The admin tab's upload: the file to gradio's upload route, then the page's ``upload`` handler."""
    r = page.post("/gradio_api/upload", files=[("files", (name, data, "text/plain"))])
    if r.status_code != 200:
        return r.status_code, r.text
    meta = {"path": r.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}
    return _call(page, "upload", [meta], None)  # (files, knowledge base: None = default)


def test_page_upload_has_the_api_upload_limit_not_the_json_limit_and_is_audited(index_settings):
    admin = KeyStore(index_settings).create("ops", "admin")
    s = index_settings.model_copy(update={"max_upload_bytes": 600 * 1024})
    doc = "宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。\n".encode() + b" " * (300 * 1024)  # over 256 KB
    with running(build_app(s)) as base:
        page = _page_login(base, "ops", admin)
        status, text = _page_upload(page, "宁海.txt", doc)
        assert status == 200 and "导入完成" in text, text[-500:]
        over = doc + b" " * (400 * 1024)  # over max_upload_bytes: refused by both front doors alike
        assert _page_upload(page, "big.txt", over)[0] == 413
        r = httpx.post(base + "/v1/documents", files=[("files", ("big.txt", over, "text/plain"))],
                       headers={"Authorization": f"Bearer {admin}"}, timeout=60)
        assert r.status_code == 413
        doc_id = next(d["doc_id"] for d in httpx.get(base + "/v1/documents", headers={
            "Authorization": f"Bearer {admin}"}).json() if d["title"] == "宁海县扩权改革")
        status, text = _call(page, "delete", doc_id)
        assert status == 200 and "已删除" in text
    entries = _audit(s)
    assert {"actor": "ops", "via": "page", "action": "upload", "outcome": "ok", "files": ["宁海.txt"],
            "kb": "default"}.items() <= next(e for e in entries if e["action"] == "upload").items()
    assert any(e["via"] == "page" and e["action"] == "delete" and e["doc_id"] == doc_id and e["outcome"] == "ok"
               and e["kb"] == "default" for e in entries)


def test_api_audit_names_actor_action_document_file_and_outcome(index_settings):
    admin = KeyStore(index_settings).create("ops", "admin")
    auth = {"Authorization": f"Bearer {admin}"}
    with running(build_app(index_settings)) as base:
        r = httpx.post(base + "/v1/documents", headers=auth, timeout=60,
                       files=[("files", ("宁海.txt", "宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。".encode(),
                                         "text/plain"))])
        assert r.status_code == 200
        doc_id = next(d["doc_id"] for d in httpx.get(base + "/v1/documents", headers=auth).json()
                      if d["title"] == "宁海县扩权改革")
        assert httpx.delete(f"{base}/v1/documents/{doc_id}", headers=auth).status_code == 200
        assert httpx.delete(f"{base}/v1/documents/{doc_id}", headers=auth).status_code == 404
    entries = [e for e in _audit(index_settings) if e["via"] == "api"]
    upload = next(e for e in entries if e["action"] == "upload")
    assert upload["actor"] == "ops" and upload["files"] == ["宁海.txt"] and upload["outcome"] == "ok"
    deletes = [(e["doc_id"], e["outcome"]) for e in entries if e["action"] == "delete"]
    assert deletes == [(doc_id, "ok"), (doc_id, "not_found")]
    assert all("endpoint" not in e for e in entries)  # no route templates ("/v1/documents/{doc_id}")


def test_an_unwritable_audit_log_fails_no_chat_page_question(index_settings):
    (index_settings.index_dir / "audit.log").mkdir()
    with running(build_app(index_settings)) as base:
        status, text = _call(_load(PageClient(base_url=base, timeout=60)), "respond", *ASK)
    assert status == 200 and "76" in text


# --- 3. cross-site requests -------------------------------------------------------------------------------

def _titles(base: str, headers: dict | None = None) -> list[str]:
    return [d["title"] for d in httpx.get(base + "/v1/documents", headers=headers or {}, timeout=30).json()]


NINGHAI = ("files", ("宁海.txt", "宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。".encode(), "text/plain"))


@pytest.mark.parametrize("browser_headers", [
    {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"},  # another port of this host
    {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "http://localhost:1"},  # a browser that sends no Sec-Fetch-Site
    {"Origin": "null"},  # a sandboxed frame or a file:// page
])
def test_cross_site_uploads_and_deletes_are_refused_with_auth_off(index_settings, browser_headers):
    with running(build_app(index_settings)) as base:
        before = _titles(base)
        r = httpx.post(base + "/v1/documents", files=[NINGHAI], headers=browser_headers, timeout=60)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        doc_id = httpx.get(base + "/v1/documents").json()[0]["doc_id"]
        assert httpx.delete(f"{base}/v1/documents/{doc_id}", headers=browser_headers).status_code == 403
        page = httpx.Client(base_url=base, timeout=60, headers=browser_headers)
        assert page.post("/gradio_api/call/delete", json={"data": [doc_id]}).status_code == 403
        assert _titles(base) == before
        same = {"Origin": base, "Sec-Fetch-Site": "same-origin"}  # the page itself
        assert httpx.post(base + "/v1/documents", files=[NINGHAI], headers=same, timeout=60).status_code == 200
    refused = [e for e in _audit(index_settings) if e["action"] == "cross_origin_request"]
    assert len(refused) == 3 and all(e["outcome"] == "forbidden" for e in refused)


def test_gradio_routes_give_no_credentialed_cors_to_other_origins_unless_allowed(index_settings):
    other = "http://localhost:5173"
    with running(build_app(index_settings)) as base:
        for method, path in (("OPTIONS", "/gradio_api/call/list_docs"), ("GET", "/gradio_api/info"),
                             ("OPTIONS", "/v1/documents")):
            r = httpx.request(method, base + path, headers={"Origin": other, "Access-Control-Request-Method": "POST"})
            assert r.headers.get("access-control-allow-origin") is None, path
            assert r.headers.get("access-control-allow-credentials") is None, path
    allowed = index_settings.model_copy(update={"cors_allow_origins": [other]})
    with running(build_app(allowed)) as base:
        r = httpx.options(base + "/v1/ask", headers={"Origin": other, "Access-Control-Request-Method": "POST"})
        assert r.headers["access-control-allow-origin"] == other
        r = httpx.post(base + "/v1/ask", json={"question": Q}, headers={"Origin": other, "Sec-Fetch-Site": "cross-site"},
                       timeout=60)
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == other


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"])
def test_api_uploads_take_multipart_only(index_settings, content_type):
    with running(build_app(index_settings)) as base:
        r = httpx.post(base + "/v1/documents", content=b'{"files": []}', headers={"content-type": content_type})
        assert r.status_code == 415


# --- 4. request limits ------------------------------------------------------------------------------------

def test_oversized_headers_431_chunked_bodies_413_lone_surrogates_422_and_audited(index_settings):
    with running(build_app(index_settings)) as base:
        r = httpx.get(base + "/healthz", headers={"X-Pad": "a" * (64 * 1024)})  # limit: 32 KB
        assert r.status_code == 431

        def chunks():  # no Content-Length: Transfer-Encoding: chunked
            yield b'{"question": "'
            for _ in range(300):
                yield b"a" * 1024
            yield b'"}'

        r = httpx.post(base + "/v1/ask", content=chunks(), headers={"content-type": "application/json"}, timeout=60)
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
        r = httpx.post(base + "/v1/documents", content=(b"x" * 1024 for _ in range(2)),
                       headers={"content-type": "multipart/form-data; boundary=b"}, timeout=60)
        assert r.status_code != 413  # a small streamed upload is not refused for its size

        for body in (b'{"question": "\\ud800"}', b'{"question": "\\udc00\\u9f99"}'):
            r = httpx.post(base + "/v1/ask", content=body, headers={"content-type": "application/json"}, timeout=60)
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
        r = httpx.post(base + "/v1/ask", content=b'{"question": "\\ud83d\\ude00' + Q.encode() + b'"}',
                       headers={"content-type": "application/json"}, timeout=60)
        assert r.status_code == 200  # a surrogate pair (an emoji) is fine
        assert httpx.get(base + "/healthz").status_code == 200
    outcomes = [(e["action"], e["outcome"]) for e in _audit(index_settings)]
    assert outcomes.count(("ask", "invalid")) == 2 and ("ask", "too_large") in outcomes


def test_keys_rotate_replaces_a_key_and_ends_the_old_keys_sessions(index_settings):
    from typer.testing import CliRunner

    from rag.cli import app

    keys = KeyStore(index_settings)
    old = keys.create("ops", "admin")
    with running(build_app(index_settings)) as base:
        page = _page_login(base, "ops", old)
        assert _call(page, "list_docs")[0] == 200
        r = CliRunner().invoke(app, ["keys", "rotate", "ops", "--index-dir", str(index_settings.index_dir)])
        assert r.exit_code == 0, r.output
        new = r.stdout.strip().splitlines()[0]
        assert new.startswith("rq-") and new != old
        assert _call(page, "list_docs")[0] == 401
        ask = lambda key: httpx.post(base + "/v1/documents", files=[NINGHAI], timeout=60,  # noqa: E731
                                     headers={"Authorization": f"Bearer {key}"}).status_code
        assert ask(old) == 401 and ask(new) == 200  # same name, same role (admin)


def test_page_login_attempts_are_throttled_per_client_address_and_audited(index_settings):
    KeyStore(index_settings).create("ops", "admin")
    s = index_settings.model_copy(update={"rate_limit_per_minute": 3})
    with running(build_app(s)) as base:
        form = httpx.Client(base_url=base, timeout=60)
        token = _login_token(form)
        codes = [form.post("/login", data={"username": "ops", "password": f"rq-guess{i}"}, headers=token).status_code
                 for i in range(5)]
    assert codes[:3] == [400, 400, 400] and codes[-1] == 429
    assert [e["outcome"] for e in _audit(s) if e["action"] == "login"] == ["unauthorized"] * 3


# --- 5. the chat page's CSRF token ------------------------------------------------------------------------

@pytest.mark.parametrize("auth", [True, False], ids=["admin-logged-in", "auth-off"])
def test_a_same_origin_page_call_without_the_pages_token_deletes_and_uploads_nothing(index_settings, auth):
    key = KeyStore(index_settings).create("ops", "admin") if auth else None
    before = doc_titles(index_settings)
    with running(build_app(index_settings)) as base:
        same = {"Origin": base, "Sec-Fetch-Site": "same-origin"}  # passes the same-origin check
        doc_id = httpx.get(base + "/v1/documents", headers={"Authorization": f"Bearer {key}"} if key else {}).json()[0][
            "doc_id"]
        page = PageClient(base_url=base, timeout=60, headers=same)
        if key:
            assert page.post("/login", data={"username": "ops", "password": key},
                             headers=_login_token(page)).status_code == 200
        for token in (None, "", "x" * 43):  # no token, an empty one, a guessed one
            page.session_hash, page.token = secrets.token_hex(8), token
            status, text = _call(page, "delete", doc_id)
            assert "event: error" in text and "页面已过期" in text and "已删除" not in text, text
            status, text = _page_upload(page, "宁海.txt", "宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。".encode())
            assert "event: error" in text and "页面已过期" in text and "导入完成" not in text, text
        page.session_hash, page.token = None, None
        status, text = _call(page, "delete", doc_id)  # no session id, no token input at all: gradio refuses it
        assert "event: error" in text and "已删除" not in text
        assert doc_titles(index_settings) == before  # nothing deleted, nothing uploaded
        _load(page)  # the page itself: loaded, it holds its token and may delete
        status, text = _call(page, "delete", doc_id)
        assert status == 200 and "已删除" in text, text
    refused = [e for e in _audit(index_settings) if e["outcome"] == "csrf_refused"]
    assert sorted({e["action"] for e in refused}) == ["delete", "upload"] and len(refused) == 6
    assert all(e["actor"] == ("ops" if auth else "anonymous") and e["via"] == "page" and e["client"] for e in refused)
    assert all(e["doc_id"] == doc_id for e in refused if e["action"] == "delete")


def test_a_token_of_another_page_session_is_refused(index_settings):
    keys = KeyStore(index_settings)
    ops, other = keys.create("ops", "admin"), keys.create("ops2", "admin")
    before = doc_titles(index_settings)
    with running(build_app(index_settings)) as base:
        doc_id = httpx.get(base + "/v1/documents", headers={"Authorization": f"Bearer {ops}"}).json()[0]["doc_id"]
        a, b = _page_login(base, "ops", ops), _page_login(base, "ops2", other)
        same_key = _page_login(base, "ops", ops)  # a second login of the very same key: another session
        for thief in (b, same_key):
            own = (thief.session_hash, thief.token)
            for stolen in ((thief.session_hash, a.token), (a.session_hash, a.token)):  # A's token, in B's page or A's
                thief.session_hash, thief.token = stolen
                status, text = _call(thief, "delete", doc_id)
                assert "event: error" in text and "页面已过期" in text and "已删除" not in text, text
            thief.session_hash, thief.token = own
        a.get("/logout")  # A's session ends: its token with it
        a2 = _page_login(base, "ops", ops)  # a new login in A's browser: a new token (no fixation)
        assert a2.token != a.token
        a2.session_hash, a2.token = a.session_hash, a.token
        assert "页面已过期" in _call(a2, "delete", doc_id)[1]
        assert doc_titles(index_settings) == before
        status, text = _call(b, "delete", doc_id)  # B's own token works
        assert status == 200 and "已删除" in text, text
    assert sum(e["outcome"] == "csrf_refused" for e in _audit(index_settings)) == 5


def test_a_login_without_the_login_forms_token_is_refused_and_audited(index_settings):
    key = KeyStore(index_settings).create("ops", "admin")
    with running(build_app(index_settings)) as base:
        same = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
        victim, attacker = httpx.Client(base_url=base, timeout=60), httpx.Client(base_url=base, timeout=60)
        token = _login_token(victim)
        assert "ragqa-login" in victim.cookies
        form = {"username": "ops", "password": key}  # the attacker's own, valid key (login CSRF)
        refused = [victim.post("/login", data=form, headers=same),  # no token
                   victim.post("/login", data=form, headers={**same, "x-ragqa-login-token": "0" * 64}),
                   victim.post("/login", data=form, headers={**same, **_login_token(attacker)})]  # another browser's
        assert [r.status_code for r in refused] == [403, 403, 403] and all("页面已过期" in r.text for r in refused)
        assert all(not c.startswith("access-token") for c in victim.cookies)  # not logged in
        assert _call(victim, "list_docs")[0] == 401
        assert victim.post("/login", data=form, headers={**same, **token}).status_code == 200  # the page's own form
    entries = [e for e in _audit(index_settings) if e["action"] == "login"]
    assert [e["outcome"] for e in entries] == ["csrf_refused"] * 3 + ["ok"]


def test_a_logout_from_another_site_is_refused_the_pages_own_logout_works(index_settings):
    key = KeyStore(index_settings).create("clerk", "reader")
    with running(build_app(index_settings)) as base:
        page = _page_login(base, "clerk", key)
        r = page.get("/logout", headers={"Sec-Fetch-Site": "cross-site"})  # e.g. <img src=".../logout"> elsewhere
        assert r.status_code == 403
        assert _call(page, "respond", *ASK)[0] == 200  # still logged in
        page.get("/logout", headers={"Sec-Fetch-Site": "same-origin"})  # the page's 退出登录 link
        assert _call(page, "respond", *ASK)[0] == 401
    assert [e["outcome"] for e in _audit(index_settings) if e["action"] == "logout"] == ["forbidden"]


def test_a_request_refused_by_authentication_names_its_client_address_in_the_access_and_audit_logs(index_settings,
                                                                                                  caplog):
    KeyStore(index_settings).create("ops", "admin")
    with caplog.at_level("INFO", logger="ragqa.access"), running(build_app(index_settings)) as base:
        caplog.clear()
        assert httpx.post(base + "/v1/ask", json={"question": Q}, headers={"Authorization": "Bearer rq-wrong"},
                          timeout=60).status_code == 401
        assert httpx.get(base + "/v1/documents", timeout=60).status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "ragqa.access"]
    assert any(x.startswith("POST /v1/ask 401 ") and x.endswith("client=127.0.0.1 key=-") for x in lines), lines
    assert any(x.startswith("GET /v1/documents 401 ") and x.endswith("client=127.0.0.1 key=-") for x in lines), lines
    refused = [e for e in _audit(index_settings) if e["outcome"] == "unauthorized"]
    assert len(refused) == 2 and all(e["actor"] is None and e["client"] == "127.0.0.1" for e in refused)
    assert "rq-wrong" not in caplog.text


def test_a_refused_request_with_a_very_long_path_writes_bounded_audit_and_access_lines(index_settings, caplog):
    KeyStore(index_settings).create("ops", "admin")
    with caplog.at_level("INFO", logger="ragqa.access"), running(build_app(index_settings)) as base:
        caplog.clear()
        assert httpx.get(base + "/v1/documents/jobs/" + "a" * 20_000, timeout=60).status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "ragqa.access"]
    assert lines and all(len(x) < 400 for x in lines), [len(x) for x in lines]
    refused = [e for e in _audit(index_settings) if e["outcome"] == "unauthorized"]
    assert len(refused) == 1 and len(json.dumps(refused[0], ensure_ascii=False)) < 600


def test_a_page_upload_naming_a_server_file_the_browser_never_uploaded_reads_nothing(index_settings, tmp_path):
    secret = tmp_path / "secret.txt"  # a server file outside gradio's upload folder, of an accepted type
    secret.write_text("内部通讯录\n值班电话是12345678。\n", encoding="utf-8")
    before = doc_titles(index_settings)
    with running(build_app(index_settings)) as base:
        page = _load(PageClient(base_url=base, timeout=60, headers={"Origin": base, "Sec-Fetch-Site": "same-origin"}))
        for path in (str(secret), str(tmp_path / ".." / tmp_path.name / "secret.txt")):
            meta = {"path": path, "orig_name": "secret.txt", "meta": {"_type": "gradio.FileData"}}
            status, text = _call(page, "upload", [meta], None)  # gradio refuses it before the handler runs
            assert "event: error" in text and "导入完成" not in text, text[-400:]
        status, text = _page_upload(page, "宁海.txt", "宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。".encode())
        assert "导入完成" in text, text[-400:]  # a file the browser did upload still goes in
    assert doc_titles(index_settings) == sorted([*before, "宁海县扩权改革"])
