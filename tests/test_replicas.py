"""Two replicas on one real `chroma run` server: what one writes, the other answers from within
seconds; what one deletes, the other never cites again."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.service import RagService, Upload
from tests.conftest import free_port

CONVERGE_SECONDS = 10


def _replica(tmp_path: Path, name: str, port: int):
    return load_settings(index_dir=tmp_path / name, chroma_host="127.0.0.1", chroma_port=port, sync_interval=0.5)


def _until(predicate, seconds: float = CONVERGE_SECONDS) -> float:
    t0 = time.monotonic()
    while not predicate():
        if time.monotonic() - t0 > seconds:
            pytest.fail(f"replicas did not converge within {seconds} s")
        time.sleep(0.1)
    return time.monotonic() - t0


Q = "县政府向云台镇下放了多少项行政审批事项？"
DOC = "云台镇扩权简报\n县政府向云台镇下放了行政审批事项64项，全部进驻便民服务中心。"


def test_upload_via_a_is_answered_via_b_and_a_delete_via_b_is_never_cited_via_a(tmp_path, small_corpus, chroma_server):
    a_settings, b_settings = _replica(tmp_path, "a", chroma_server), _replica(tmp_path, "b", chroma_server)
    ingest([small_corpus], a_settings)
    a, b = RagService(a_settings), RagService(b_settings)
    assert "76" in b.ask("龙泉镇下放了多少项行政审批权？").answer  # B derives its BM25 from Chroma

    a.upload([Upload("云台.txt", DOC.encode())])
    seconds = _until(lambda: "64" in b.ask(Q).answer)
    print(f"replica B answered A's upload after {seconds:.2f} s")
    assert seconds < CONVERGE_SECONDS
    assert any(d.source == "upload://云台.txt" for d in b.documents())

    doc = next(d for d in b.documents() if d.source == "upload://云台.txt")
    b.delete(doc.doc_id)
    _until(lambda: "64" not in a.ask(Q).answer)
    for _ in range(5):  # and it stays gone
        r = a.ask(Q)
        assert "64" not in r.answer and all(c.source != "upload://云台.txt" for c in r.citations)
    # B's write did not remove anything A wrote before
    assert "76" in a.ask("龙泉镇下放了多少项行政审批权？").answer
    assert a.readiness()["ready"] and b.readiness()["ready"]


def test_two_servers_on_chroma_and_postgresql_share_documents_and_keys(tmp_path, small_corpus, chroma_server):
    import httpx

    from rag.api.app import create_app
    from rag.keys import KeyStore
    from tests.postgres import postgres_server
    from tests.server import running

    with postgres_server() as url:
        a_settings = _replica(tmp_path, "a", chroma_server).model_copy(update={"database_url": url})
        b_settings = _replica(tmp_path, "b", chroma_server).model_copy(update={"database_url": url})
        ingest([small_corpus], a_settings)
        key = KeyStore(a_settings).create("ops", "admin")  # created once, valid on every replica
        auth = {"Authorization": f"Bearer {key}"}
        with running(create_app(a_settings)) as a, running(create_app(b_settings)) as b:
            r = httpx.post(a + "/v1/documents", files=[("files", ("云台.txt", DOC.encode(), "text/plain"))],
                           headers=auth, timeout=120)
            assert r.status_code == 200, r.text

            def answered(base: str) -> str:
                return httpx.post(base + "/v1/ask", json={"question": Q}, headers=auth, timeout=60).json()["answer"]

            seconds = _until(lambda: "64" in answered(b))
            print(f"server B answered A's upload after {seconds:.2f} s")
            docs = httpx.get(b + "/v1/documents", headers=auth).json()
            doc = next(d for d in docs if d["source"] == "upload://云台.txt")
            assert httpx.delete(b + f"/v1/documents/{doc['doc_id']}", headers=auth).status_code == 200
            _until(lambda: "64" not in answered(a))
            for _ in range(5):
                res = httpx.post(a + "/v1/ask", json={"question": Q}, headers=auth, timeout=60).json()
                assert "64" not in res["answer"] and all(c["source"] != "upload://云台.txt" for c in res["citations"])
            assert httpx.get(a + "/readyz", timeout=60).status_code == 200
            assert httpx.get(b + "/readyz", timeout=60).status_code == 200


def test_a_replica_reports_chroma_unreachable(tmp_path, small_corpus, chroma_server):
    s = _replica(tmp_path, "a", chroma_server)
    ingest([small_corpus], s)
    service = RagService(s)
    assert service.readiness()["ready"]
    down = load_settings(index_dir=tmp_path / "a", chroma_host="127.0.0.1", chroma_port=free_port())
    state = RagService(down).readiness()
    assert not state["ready"] and any("chroma unreachable" in r for r in state["reasons"])


def test_chroma_down_a_write_is_a_clear_error_asks_keep_answering_and_readiness_says_why(tmp_path, small_corpus):
    import chromadb

    from core.errors import StorageError

    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _until(lambda: _alive(chromadb, port), 60)
        s = _replica(tmp_path, "a", port)
        ingest([small_corpus], s)
        service = RagService(s)
        assert "76" in service.ask("龙泉镇下放了多少项行政审批权？").answer
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with pytest.raises(StorageError):
        service.upload([Upload("云台.txt", DOC.encode())])
    assert "76" in service.ask("龙泉镇下放了多少项行政审批权？").answer  # BM25 alone still answers
    state = service.readiness()
    assert not state["ready"] and any("chroma unreachable" in r for r in state["reasons"])


def _alive(chromadb, port: int) -> bool:  # noqa: ANN001
    try:
        chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
        return True
    except Exception:
        return False
