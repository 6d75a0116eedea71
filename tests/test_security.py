"""One security policy for both front doors (issue 16): chat-page sessions bound to the key, the same
authentication, role, rate limit, upload limit and audit on the API and on the page's /gradio_api calls,
CSRF (same-origin) checks, and request limits. Real uvicorn servers on loopback, httpx as the client."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.keys import KeyStore
from tests.server import running
from ui.launcher import build_app

Q = "龙泉镇下放了多少项行政审批权？"


@pytest.fixture
def index_settings(small_corpus, tmp_path):
    s = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], s)
    return s


def _page_login(base: str, name: str, key: str) -> httpx.Client:
    """A chat-page session as the browser gets it: gradio's login form, then its cookie."""
    client = httpx.Client(base_url=base, timeout=60)
    r = client.post("/login", data={"username": name, "password": key})
    assert r.status_code == 200, r.text
    return client


def _call(client: httpx.Client, fn: str, *data) -> tuple[int, str]:  # noqa: ANN002
    """A chat-page event through gradio's HTTP API (``/gradio_api/call/<fn>``, then its event stream):
    (status of the call, the stream's text; "" when the call itself was refused)."""
    r = client.post(f"/gradio_api/call/{fn}", json={"data": list(data)})
    if r.status_code != 200:
        return r.status_code, r.text
    stream = client.get(f"/gradio_api/call/{fn}/{r.json()['event_id']}")
    return stream.status_code, stream.text


def _audit(settings) -> list[dict]:
    path = settings.index_dir / "audit.log"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


# --- 1. sessions bound to the key -------------------------------------------------------------------------

def test_revoking_a_key_ends_its_chat_page_session_at_the_next_request(index_settings):
    keys = KeyStore(index_settings)
    key = keys.create("clerk", "reader")
    with running(build_app(index_settings)) as base:
        page = _page_login(base, "clerk", key)
        status, text = _call(page, "respond", Q, [], [])
        assert status == 200 and "76" in text
        keys.revoke("clerk")
        status, _ = _call(page, "respond", Q, [], [])
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
        assert _call(page, "respond", Q, [], [])[0] == 401
        fresh = _page_login(base, "ops", new)
        assert _call(fresh, "list_docs")[0] == 200
        assert fresh.post("/login", data={"username": "ops", "password": old}).status_code == 400


def test_a_session_ends_after_its_idle_time_and_at_logout(index_settings):
    key = KeyStore(index_settings).create("clerk", "reader")
    s = index_settings.model_copy(update={"session_idle_seconds": 2.0})
    with running(build_app(s)) as base:
        page = _page_login(base, "clerk", key)
        assert _call(page, "respond", Q, [], [])[0] == 200
        time.sleep(2.5)
        assert _call(page, "respond", Q, [], [])[0] == 401

        page = _page_login(base, "clerk", key)
        assert _call(page, "respond", Q, [], [])[0] == 200
        kept = dict(page.cookies)
        page.get("/logout")
        replay = httpx.Client(base_url=base, timeout=60, cookies=kept)  # a client that kept the cookie
        assert _call(replay, "respond", Q, [], [])[0] == 401
