"""The HTTP API against a real uvicorn on a free loopback port."""

from __future__ import annotations

import io
import json
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from core.errors import RagqaError, UnsafeBind
from core.settings import load_settings
from ingest.pipeline import ingest
from rag.api.app import check_bind, create_app
from rag.keys import KeyStore
from rag.service import service_lock
from tests.conftest import FIXTURES
from tests.server import running

Q = "龙泉镇下放了多少项行政审批权？"


@pytest.fixture
def index_settings(small_corpus, tmp_path):
    """An index of its own, for tests that write (upload, delete, keys)."""
    s = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], s)
    return s


@pytest.fixture(scope="module")
def shared_settings(small_index):
    # many tests share one server: its per-client rate limit must not be what they measure
    return small_index.model_copy(update={"rate_limit_per_minute": 100_000})


@pytest.fixture(scope="module")
def server(shared_settings):
    """One server over the module's read-only index: tests using it must leave the index as they found it."""
    with running(create_app(shared_settings)) as base:
        yield base


def _post(base, path, **kw):
    return httpx.post(base + path, timeout=30, **kw)


def test_openai_sdk_plain_and_streaming_with_citations(server):
    client = openai.OpenAI(base_url=server + "/v1", api_key="unused")
    assert [m.id for m in client.models.list().data] == ["ragqa", "ragqa/default"]  # one model per knowledge base (issue 18)
    r = client.chat.completions.create(model="ragqa", messages=[{"role": "user", "content": Q}])
    assert "76" in r.choices[0].message.content and "[1]" in r.choices[0].message.content
    extra = r.model_extra
    assert extra["citations"][0]["quote"] in r.choices[0].message.content
    stream = client.chat.completions.create(model="ragqa", messages=[{"role": "user", "content": Q}], stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3 and "76" in text
    assert chunks[-1].model_extra["citations"]


def test_history_makes_a_follow_up_answerable(server):
    msgs = [{"role": "user", "content": "平昌县的改革思路是什么？"}, {"role": "assistant", "content": "……"},
            {"role": "user", "content": "那人事管理权呢？"}]
    r = _post(server, "/v1/chat/completions", json={"model": "ragqa", "messages": msgs}).json()
    assert "5项人事管理权" in r["choices"][0]["message"]["content"]


def test_ask_and_sse_stream(server):
    r = _post(server, "/v1/ask", json={"question": Q})
    body = r.json()
    assert r.status_code == 200 and "76" in body["answer"] and len(body["contexts"]) >= 3
    with httpx.stream("POST", server + "/v1/ask/stream", json={"question": Q}, timeout=30) as s:
        events = [line.split(": ", 1)[1] for line in s.iter_lines() if line.startswith("event: ")]
    assert events.count("token") > 1 and events[-2:] == ["citations", "done"]


@pytest.mark.parametrize(
    "payload,content_type",
    [(b"{bad json", "application/json"), (json.dumps({"question": 5}).encode(), "application/json"),
     (json.dumps({"question": "   "}).encode(), "application/json"),
     (json.dumps({"question": "问" * 3000}).encode(), "application/json"),
     (b'{"question": "\xff\xfe\xfa"}', "application/json"),
     (json.dumps({"question": Q, "top_k": "many"}).encode(), "application/json")],
)
def test_malformed_requests_get_clear_4xx_and_service_stays_up(server, payload, content_type):
    r = _post(server, "/v1/ask", content=payload, headers={"content-type": content_type})
    assert 400 <= r.status_code < 500
    assert set(r.json()["error"]) == {"code", "message"}
    assert httpx.get(server + "/healthz").status_code == 200


def test_a_body_that_is_not_json_is_422_saying_so_and_where(server):
    r = _post(server, "/v1/ask", content=b'{"question": "abc",, }', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    message = r.json()["error"]["message"]
    assert "不是有效的 JSON" in message and "第 " in message, message


def test_100kb_question_is_422_and_a_body_over_the_limit_413(server, shared_settings):
    r = _post(server, "/v1/ask", json={"question": "问" * 35000})
    assert r.status_code == 422 and "问题过长" in r.json()["error"]["message"]
    over = shared_settings.max_body_bytes + 1
    r = _post(server, "/v1/ask", content=b'{"question": "' + b"a" * over + b'"}', headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    assert _post(server, "/v1/ask", json={"question": Q}).status_code == 200


def test_twenty_concurrent_asks_all_succeed(server):
    qs = [Q, "平昌县下放了几项人事管理权？", "绍兴县选择了哪些镇作为扩权试点镇？"] * 7
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda q: _post(server, "/v1/ask", json={"question": q}), qs[:20]))
    assert all(r.status_code == 200 for r in results)
    facts = {Q: "76", "平昌县下放了几项人事管理权？": "5", "绍兴县选择了哪些镇作为扩权试点镇？": "杨汛桥"}
    assert all(facts[q] in r.json()["answer"] for q, r in zip(qs, results, strict=False))


def test_upload_ask_delete_then_abstain(index_settings):
    with running(create_app(index_settings)) as base:
        _upload_ask_delete_then_abstain(base)


def _upload_ask_delete_then_abstain(server):
    text = "宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。".encode("gb18030")
    r = httpx.post(server + "/v1/documents", files=[("files", ("宁海.txt", text, "text/plain"))], timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1
    docs = httpx.get(server + "/v1/documents").json()
    doc = next(d for d in docs if d["title"] == "宁海县扩权改革")
    assert doc["source"] == "upload://宁海.txt"  # the name the official uploaded, not a server-side path
    ans = _post(server, "/v1/ask", json={"question": "宁海县向西店镇下放了多少项行政审批权？"}).json()
    assert "38" in ans["answer"] and not ans["abstained"]
    assert httpx.delete(server + f"/v1/documents/{doc['doc_id']}").status_code == 200
    ans = _post(server, "/v1/ask", json={"question": "宁海县向西店镇下放了多少项行政审批权？"}).json()
    assert ans["abstained"] and "38" not in ans["answer"]
    assert httpx.delete(server + f"/v1/documents/{doc['doc_id']}").status_code == 404


@pytest.mark.parametrize("name", ["../../x.txt", "/abs/x.txt", "a\x00.txt", "a" * 300 + ".txt", "..\\x.txt"])
def test_bad_upload_names_are_rejected_and_nothing_is_written(server, shared_settings, tmp_path, name):
    before = httpx.get(server + "/v1/documents").json()
    # a raw multipart body, so the name reaches the server byte for byte (clients escape NUL)
    boundary = "xBOUNDARYx"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            f"Content-Type: text/plain\r\n\r\n内容。\r\n--{boundary}--\r\n").encode()
    r = httpx.post(server + "/v1/documents", content=body, timeout=30,
                   headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code in (400, 422)
    assert httpx.get(server + "/v1/documents").json() == before
    assert not (tmp_path / "x.txt").exists() and not (shared_settings.index_dir.parent / "x.txt").exists()


@pytest.mark.parametrize(
    "name,data,status",
    [("x.exe", b"MZ", 415), ("fake.pdf", (FIXTURES / "fake.pdf").read_bytes(), 415), ("empty.txt", b"", 415)],
)
def test_bad_upload_content_is_refused_and_index_unchanged(server, shared_settings, name, data, status):
    before = httpx.get(server + "/v1/documents").json()
    r = httpx.post(server + "/v1/documents", files=[("files", (name, data, "application/octet-stream"))], timeout=30)
    assert r.status_code == status
    assert httpx.get(server + "/v1/documents").json() == before
    uploads = shared_settings.index_dir / "uploads"
    assert not uploads.exists() or not list(uploads.glob("*"))


def test_docx_zip_bomb_upload_is_rejected(server):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    r = httpx.post(server + "/v1/documents", files=[("files", ("bomb.docx", buf.getvalue(), "application/zip"))], timeout=60)
    assert r.status_code == 415 and "zip bomb" in r.json()["error"]["message"]


def test_one_bad_file_in_a_batch_leaves_the_index_as_it_was(server):
    before = httpx.get(server + "/v1/documents").json()
    files = [("files", ("good.txt", "宁波市扩权改革。".encode(), "text/plain")),
             ("files", ("bad.pdf", b"%PDF-1.4 broken", "application/pdf"))]
    assert httpx.post(server + "/v1/documents", files=files, timeout=30).status_code == 415
    assert httpx.get(server + "/v1/documents").json() == before


def test_auth_matrix(index_settings):
    keys = KeyStore(index_settings)
    reader, admin = keys.create("portal", "reader"), keys.create("ops", "admin")
    with running(create_app(index_settings)) as base:
        ask = lambda h: _post(base, "/v1/ask", json={"question": Q}, headers=h).status_code  # noqa: E731
        docs = lambda h: httpx.get(base + "/v1/documents", headers=h).status_code  # noqa: E731
        assert ask({}) == 401 and ask({"Authorization": "Bearer rq-wrong"}) == 401
        assert ask({"Authorization": "Basic abc"}) == 401
        assert ask({"Authorization": f"Bearer {reader}"}) == 200
        assert docs({"Authorization": f"Bearer {reader}"}) == 403
        assert docs({"Authorization": f"Bearer {admin}"}) == 200
        r = httpx.delete(base + "/v1/documents/x", headers={"Authorization": f"Bearer {reader}"})
        assert r.status_code == 403
        keys.revoke("portal")
        assert ask({"Authorization": f"Bearer {reader}"}) == 401
        assert httpx.get(base + "/healthz").status_code == 200  # liveness needs no key
        audit = (index_settings.index_dir / "audit.log").read_text(encoding="utf-8")
        assert '"actor": "ops"' in audit and reader not in audit and admin not in audit


def test_rate_limit_gives_429_with_retry_after(index_settings, monkeypatch):
    s = index_settings.model_copy(update={"rate_limit_per_minute": 3})
    with running(create_app(s)) as base:
        codes = [_post(base, "/v1/ask", json={"question": Q}) for _ in range(5)]
    assert [c.status_code for c in codes[:3]] == [200, 200, 200]
    assert codes[4].status_code == 429 and int(codes[4].headers["Retry-After"]) >= 1


def test_upload_limit_gives_413(index_settings):
    s = index_settings.model_copy(update={"max_upload_bytes": 2048})
    with running(create_app(s)) as base:
        r = httpx.post(base + "/v1/documents", files=[("files", ("big.txt", "字".encode() * 2000, "text/plain"))])
    assert r.status_code == 413


def _abstentions(base: str) -> float:
    line = next(x for x in httpx.get(base + "/metrics").text.splitlines() if x.startswith("ragqa_abstentions_total"))
    return float(line.split()[-1])


def test_metrics_health_ready_and_docs(server):
    assert httpx.get(server + "/readyz", timeout=30).json()["status"] == "ready"
    before = _abstentions(server)
    _post(server, "/v1/ask", json={"question": "广州市下放了多少项审批权？"})
    text = httpx.get(server + "/metrics").text
    assert 'ragqa_requests_total{endpoint="/v1/ask"' in text and _abstentions(server) == before + 1
    assert "ragqa_request_seconds_bucket" in text
    spec = httpx.get(server + "/openapi.json").json()
    assert "/v1/chat/completions" in spec["paths"] and "examples" in json.dumps(spec)


def test_readyz_is_503_on_an_empty_index(tmp_path):
    s = load_settings(index_dir=tmp_path / "empty")
    with running(create_app(s)) as base:
        r = httpx.get(base + "/readyz")
        assert r.status_code == 503 and r.json()["error"]["code"] == "not_ready"
        assert _post(base, "/v1/ask", json={"question": Q}).status_code == 503


def test_binding_beyond_loopback_needs_keys(index_settings):
    check_bind(index_settings, "127.0.0.1")
    with pytest.raises(RagqaError, match="without API keys"):
        check_bind(index_settings, "0.0.0.0")
    KeyStore(index_settings).create("ops", "admin")
    check_bind(index_settings, "0.0.0.0")


def test_the_app_factory_itself_refuses_a_public_bind_without_keys(index_settings):
    public = index_settings.model_copy(update={"host": "0.0.0.0"})
    with pytest.raises(UnsafeBind, match="without API keys"):
        create_app(public)
    KeyStore(index_settings).create("ops", "admin")
    assert create_app(public).title == "ragqa API"


def test_secrets_never_in_settings_repr(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-value")
    s = load_settings(index_dir=tmp_path)
    assert "sk-very-secret-value" not in repr(s) and "sk-very-secret-value" not in str(s.model_dump())


def test_cli_ingest_refuses_while_a_service_holds_the_index(index_settings, small_corpus):
    from typer.testing import CliRunner

    from rag.cli import app

    lock = service_lock(index_settings)
    lock.acquire()
    try:
        r = CliRunner().invoke(app, ["ingest", str(small_corpus), "--index-dir", str(index_settings.index_dir)])
    finally:
        lock.release()
    assert r.exit_code == 2 and "ragqa serve" in r.output


def test_docs_and_redoc_load_their_assets_from_this_server(server):
    for page in ("/docs", "/redoc"):
        html = httpx.get(server + page).text
        scripts = [s.split('"')[0] for s in html.split('src="')[1:]]
        assert scripts and all(s.startswith("/") for s in scripts), scripts  # no CDN
        for src in scripts:
            r = httpx.get(server + src)
            assert r.status_code == 200 and len(r.content) > 10_000, src


@pytest.mark.parametrize("method,path,status,code", [
    ("GET", "/no/such/route", 404, "not_found"), ("GET", "/v1/nothing", 404, "not_found"),
    ("GET", "/v1/ask", 405, "method_not_allowed"), ("DELETE", "/v1/models", 405, "method_not_allowed")])
def test_unknown_routes_and_wrong_methods_answer_with_the_error_envelope(server, method, path, status, code):
    r = httpx.request(method, server + path)
    assert r.status_code == status and r.json()["error"]["code"] == code and set(r.json()) == {"error"}


def test_one_access_log_line_per_request_names_the_key_never_the_key_itself(index_settings, caplog):
    reader = KeyStore(index_settings).create("portal", "reader")
    with caplog.at_level("INFO", logger="ragqa.access"), running(create_app(index_settings)) as base:
        caplog.clear()
        _post(base, "/v1/ask", json={"question": Q}, headers={"Authorization": f"Bearer {reader}"})
        httpx.get(base + "/v1/missing")
    lines = [r.getMessage() for r in caplog.records if r.name == "ragqa.access"]
    assert len(lines) == 2, lines
    method, path, status, ms, key = lines[0].split()
    assert (method, path, status, key) == ("POST", "/v1/ask", "200", "key=portal") and ms.endswith("ms")
    assert lines[1].startswith("GET /v1/missing 404 ") and lines[1].endswith("key=-")
    assert reader not in caplog.text


def test_readiness_probes_any_corpus_without_a_word_of_it(tmp_path):
    docs = tmp_path / "other"
    docs.mkdir()
    (docs / "weather.txt").write_text("天气预报\n明天晴，气温十到二十度，东风三级。", encoding="utf-8")
    s = load_settings(index_dir=tmp_path / "idx")
    ingest([docs], s)
    with running(create_app(s)) as base:
        r = httpx.get(base + "/readyz", timeout=30)
    assert r.status_code == 200 and r.json()["documents"] == 1 and r.json()["answer_ms"] > 0


def test_a_fallback_is_counted_from_the_typed_field(index_settings):
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI() as fake:
        s = index_settings.model_copy(update={"openai_base_url": fake.base_url, "llm_model": "fake-llm",
                                              "llm_timeout": 5.0, "llm_max_retries": 0})
        fake.script.append({"status": 500})
        with running(create_app(s)) as base:
            body = _post(base, "/v1/ask", json={"question": Q}).json()
            metrics = httpx.get(base + "/metrics").text
    assert body["fallback"] == "llm_unavailable" and "76" in body["answer"]
    assert "ragqa_fallbacks_total 1.0" in metrics


def test_put_replaces_a_document_with_its_new_version_in_one_step(index_settings):
    q = {"question": "宁海县向西店镇下放了多少项行政审批权？"}
    with running(create_app(index_settings)) as base:
        v1 = "宁海县扩权改革\n宁海县向西店镇下放了38项行政审批权。".encode()
        assert httpx.post(base + "/v1/documents", files=[("files", ("宁海.txt", v1, "text/plain"))],
                          timeout=60).status_code == 200
        doc = next(d for d in httpx.get(base + "/v1/documents").json() if d["source"] == "upload://宁海.txt")
        v2 = "宁海县扩权改革\n宁海县向西店镇下放了45项行政审批权。".encode()
        r = httpx.put(base + f"/v1/documents/{doc['doc_id']}", files={"file": ("宁海-修订.txt", v2, "text/plain")},
                      timeout=60)
        assert r.status_code == 200, r.text
        assert r.json()["replaced"] == [doc["doc_id"]]
        listed = [d for d in httpx.get(base + "/v1/documents").json() if d["source"] == "upload://宁海.txt"]
        assert len(listed) == 1 and listed[0]["chunks"] > 0
        ans = _post(base, "/v1/ask", json=q).json()
        assert "45" in ans["answer"] and "38" not in ans["answer"]
        assert httpx.put(base + "/v1/documents/nosuchdoc", files={"file": ("x.txt", v2, "text/plain")},
                         timeout=60).status_code == 404


def test_an_upload_with_wait_false_is_a_job_whose_progress_is_polled_until_its_result(index_settings):
    with running(create_app(index_settings)) as base:
        pdf = (FIXTURES / "chapters.pdf").read_bytes()
        r = httpx.post(base + "/v1/documents?wait=false", files=[("files", ("规程.pdf", pdf, "application/pdf"))], timeout=60)
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["status"] == "running" and job["files"] == ["规程.pdf"] and job["kb"] == "default"
        assert r.headers["location"] == f"/v1/documents/jobs/{job['job_id']}"
        seen = []
        deadline = time.monotonic() + 120
        while job["status"] == "running" and time.monotonic() < deadline:
            seen.append((job["stage"], job["done"], job["total"]))
            time.sleep(0.02)
            job = httpx.get(base + r.headers["location"], timeout=30).json()
        assert job["status"] == "done" and job["error"] is None, job
        assert job["result"]["added"] == 1 and job["result"]["skipped"] == []
        assert (job["stage"], job["done"]) == ("embed", job["total"]) and job["total"] > 0  # the last stage, complete
        assert job["finished"] >= job["created"]
        assert all(0 <= done <= total for _, done, total in seen if total)
        assert {s for s, _, _ in seen} <= {"check", "pages", "ocr", "files", "embed"}
        assert any(d["source"] == "upload://规程.pdf" for d in httpx.get(base + "/v1/documents").json())


def test_an_upload_job_that_cannot_read_its_file_fails_with_the_errors_code_and_unknown_jobs_are_404(index_settings):
    with running(create_app(index_settings)) as base:
        before = httpx.get(base + "/v1/documents").json()
        fake = (FIXTURES / "fake.pdf").read_bytes()
        r = httpx.post(base + "/v1/documents?wait=false", files=[("files", ("坏.pdf", fake, "application/pdf"))], timeout=30)
        assert r.status_code == 202
        assert r.json()["job_id"]
        deadline = time.monotonic() + 60
        # polled at least once: the job may have failed before the 202 was written
        job = httpx.get(base + r.headers["location"], timeout=30).json()
        while job["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.02)
            job = httpx.get(base + r.headers["location"], timeout=30).json()
        assert job["status"] == "failed" and job["result"] is None
        assert job["error"]["code"] == "unsupported_media_type" and "坏.pdf" in job["error"]["message"]
        # the audit has the submission (202) and, apart, how the job ended
        audit = [json.loads(x) for x in (index_settings.index_dir / "audit.log").read_text(encoding="utf-8").splitlines()]
        ended = [e for e in audit if e["action"] == "upload_finished"]
        assert len(ended) == 1 and ended[0]["outcome"] == "unsupported_media" and ended[0]["files"] == ["坏.pdf"]
        assert ended[0]["job_id"] == job["job_id"] and ended[0]["kb"] == "default"
        # the submission and the polls name the job too, so a poll can be tied to it
        assert any(e["action"] == "upload" and e["status"] == 202 and e.get("job_id") == job["job_id"] for e in audit)
        assert any(e["action"] == "upload_status" and e.get("job_id") == job["job_id"] for e in audit)
        assert httpx.get(base + "/v1/documents").json() == before
        # a bad name is refused before any job starts, as when waiting
        bad = httpx.post(base + "/v1/documents?wait=false", files=[("files", ("x.exe", b"MZ", "application/octet-stream"))])
        assert bad.status_code == 415 and set(bad.json()) == {"error"}
        missing = httpx.get(base + "/v1/documents/jobs/" + "0" * 32)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
        # an id that cannot be a job's (not hex, or over 64 characters) is refused as such, not echoed back
        for bad_id in ("nosuchjob", "a" * 20_000):
            r = httpx.get(base + "/v1/documents/jobs/" + bad_id)
            assert r.status_code == 422 and set(r.json()) == {"error"} and bad_id[:200] not in r.text


def test_an_upload_job_is_seen_only_by_admins_of_its_knowledge_base(index_settings):
    keys = KeyStore(index_settings)
    ops, reader = keys.create("ops", "admin"), keys.create("portal", "reader")
    other = keys.create("fin-ops", "reader", {"fin": "admin"})
    auth = lambda k: {"Authorization": f"Bearer {k}"}  # noqa: E731
    with running(create_app(index_settings)) as base:
        assert httpx.post(base + "/v1/kbs", json={"name": "fin"}, headers=auth(ops)).status_code == 201
        r = httpx.post(base + "/v1/documents?wait=false", headers=auth(ops), timeout=30,
                       files=[("files", ("宁海.txt", "宁海县扩权改革\n宁海县下放了38项行政审批权。".encode(), "text/plain"))])
        assert r.status_code == 202
        where = r.headers["location"]
        assert httpx.get(base + where, headers=auth(ops)).status_code == 200
        assert httpx.get(base + where, headers=auth(reader)).status_code == 403  # reads default, administers nothing
        assert httpx.get(base + where, headers=auth(other)).json()["error"]["code"] == "not_found"  # may not read it
        assert httpx.get(base + where).status_code == 401
        deadline = time.monotonic() + 60  # the job ends before the index goes away
        while httpx.get(base + where, headers=auth(ops)).json()["status"] == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
