"""Failed writes and truthful readiness: a full disk or an unwritable audit log, on real stores."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from core.errors import StorageError
from core.settings import load_settings
from ingest.pipeline import ingest
from rag.api.app import create_app
from rag.service import RagService, Upload
from tests.server import running

Q = "龙泉镇下放了多少项行政审批权？"


@pytest.fixture
def tmpfs(tmp_path):
    """A 64 MB tmpfs, or skip where it cannot be mounted (needs root or CAP_SYS_ADMIN)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root / no CAP_SYS_ADMIN): disk-full test skipped")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(path: Path) -> Path:
    filler = path / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError:
            pass
    return filler


def test_disk_full_upload_is_a_clear_error_and_the_index_answers_as_before(tmpfs, small_corpus):
    settings = load_settings(index_dir=tmpfs / "index")
    ingest([small_corpus], settings)
    service = RagService(settings)
    before = service.ask(Q)
    assert "76" in before.answer
    filler = _fill(tmpfs)
    text = "\n".join(f"第{i}条 清溪镇新增便民服务事项{i}项，全部进驻便民服务中心办理。" for i in range(1, 400))
    with pytest.raises(StorageError):
        service.upload([Upload("清溪.txt", ("清溪镇简报\n" + text).encode())])
    assert service.ask(Q).answer == before.answer
    assert not any(d.source == "upload://清溪.txt" for d in service.documents())
    state = service.readiness()
    assert not state["ready"] and any("write failed" in r for r in state["reasons"])
    filler.unlink()
    r = service.upload([Upload("清溪.txt", ("清溪镇简报\n" + text).encode())])
    assert r.added == 1 and service.readiness()["ready"]
    assert "76" in service.ask(Q).answer


def test_an_unwritable_audit_log_does_not_fail_asks(small_corpus, settings):
    ingest([small_corpus], settings)
    (settings.index_dir / "audit.log").mkdir()  # opening it for append fails, even as root
    with running(create_app(settings)) as base:
        r = httpx.post(base + "/v1/ask", json={"question": Q}, timeout=60)
        assert r.status_code == 200 and "76" in r.json()["answer"]
        assert httpx.get(base + "/readyz", timeout=60).status_code == 200


def test_readiness_is_503_with_the_reason_when_a_documents_chunks_are_missing(small_corpus, settings):
    from ingest.store import Catalog

    ingest([small_corpus], settings)
    cat = Catalog(settings)
    victim = cat.records()[0].docs[0]
    cat.chunk_collection.delete(ids=victim.chunk_ids()[:1])  # a store losing data behind our back
    with running(create_app(settings)) as base:
        r = httpx.get(base + "/readyz", timeout=60)
        assert r.status_code == 503 and "stores disagree" in r.json()["error"]["message"]
        docs_answering = RagService(settings).engine.index.by_doc
        assert victim.doc_id not in docs_answering  # never half answerable


def test_check_reports_orphan_chunks_and_a_stale_bm25_and_repair_fixes_them(small_corpus, settings):
    import json
    import shutil as sh

    from typer.testing import CliRunner

    from ingest.store import BM25Index, Catalog
    from rag.cli import app

    ingest([small_corpus], settings)
    cat = Catalog(settings)
    cat.chunk_collection.add(ids=["orphan-0000"], embeddings=[[0.1] * 384], documents=["一段没有提交的文本。"],
                             metadatas=[{"source": "upload://x.txt", "doc_id": "orphan", "start": 0, "end": 9}])
    sh.rmtree(BM25Index.directory(settings.index_dir))
    runner = CliRunner()
    r = runner.invoke(app, ["check", "--index-dir", str(settings.index_dir)])
    found = json.loads(r.stdout)
    assert r.exit_code == 1 and found["orphan_chunks"] == 1 and not found["bm25_matches"]
    r = runner.invoke(app, ["check", "--repair", "--index-dir", str(settings.index_dir)])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["repaired"]) == 2
    r = runner.invoke(app, ["check", "--index-dir", str(settings.index_dir)])
    assert r.exit_code == 0 and json.loads(r.stdout)["ok"]
