"""SIGKILL at random moments while uploads and new versions are written: after each kill, every
listed document is fully answerable (with the figures of its committed version) or absent."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time

from ingest.check import check
from ingest.store import Catalog
from rag.retrieve import HybridRetriever
from rag.service import RagService
from tests.conftest import ROOT

WRITER = r"""
import itertools, sys, tempfile
from pathlib import Path
from core.settings import load_settings
from ingest.pipeline import Input, ingest_inputs
s = load_settings()
tmp = Path(tempfile.mkdtemp())
start = int(sys.argv[1])
for i in itertools.count(start):
    town = "镇" + "甲乙丙丁"[i % 4]
    p = tmp / f"{i}.txt"
    lines = [f"{town}第{i}期简报"] + [f"第{j}项：{town}本期新增便民服务事项{i * 10 + j}项。" for j in range(1, 30)]
    p.write_text("\n".join(lines), encoding="utf-8")
    ingest_inputs([Input(p, f"upload://{town}.txt", f"{town}.txt")], s, lock_timeout=30, identical_is_duplicate=True)
    print(i, flush=True)
"""


def _consistent(settings) -> int:
    cat = Catalog(settings)
    missing: list[str] = []
    chunks = cat.chunks(missing=missing)
    assert missing == []  # no committed document lacks a chunk
    docs = cat.documents()
    assert sum(d.n_chunks for d in docs) == len(chunks)
    if not docs:
        return 0  # killed before the first commit: absent, and nothing half-written is listed
    index = RagService(settings).engine.index
    retriever = HybridRetriever(index, settings)
    assert set(index.by_doc) == {d.doc_id for d in docs}
    for d in docs:
        issue = int(re.search(r"第(\d+)期", d.title).group(1))
        town = d.source.removeprefix("upload://").removesuffix(".txt")
        line = f"第7项：{town}本期新增便民服务事项{issue * 10 + 7}项"
        assert line in cat.document_text(d.doc_id)
        hits = retriever.search(line, top_k=3)
        assert hits and hits[0].chunk.doc_id == d.doc_id and line in hits[0].chunk.text  # answerable, whole
        assert all(town not in c.doc_title or c.doc_id == d.doc_id for c in index.chunks.values())  # one version
    return len(docs)


def test_uploads_killed_at_random_moments_leave_each_document_whole_or_absent(settings):
    rng = random.Random(14)
    env = {**os.environ, "RAGQA_INDEX_DIR": str(settings.index_dir), "PYTHONPATH": str(ROOT)}
    start = 0
    listed = []
    for round_ in range(4):
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(start)], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first = ""
        if round_ == 0:  # on a loaded machine start-up alone can take longer than any fixed delay
            first = p.stdout.readline()
            time.sleep(rng.uniform(0.0, 3.0))
        else:
            time.sleep(rng.uniform(5.0, 12.0))
        p.send_signal(signal.SIGKILL)
        out, _ = p.communicate()
        done = [int(x) for x in (first + out).split()]
        start = (done[-1] + 1 if done else start) + 1
        listed.append(_consistent(settings))
        print(f"killed after {len(done)} committed uploads; {listed[-1]} documents listed, all whole")
    assert max(listed) >= 1  # some writes committed between the kills
    report = check(settings, repair=True)
    print(f"check --repair: {report.to_dict()}")
    assert report.incomplete_documents == []
    assert check(settings).ok
