"""An upload's progress, as the services report it (ingest.pipeline.Progress) and as the chat page shows it."""

from __future__ import annotations

import shutil

import gradio as gr

from core.settings import load_settings
from ingest.pipeline import ingest
from rag.keys import KeyStore
from rag.policy import AccessPolicy, SessionUser
from rag.service import RagService, Upload
from tests.conftest import FIXTURES
from ui.page import UPLOAD_STAGES, ChatPage


def _service(tmp_path, small_corpus):
    settings = load_settings(index_dir=tmp_path / "index")
    ingest([small_corpus], settings)
    return settings, RagService(settings)


def test_an_upload_reports_each_stage_in_order_with_counts_that_rise_to_their_total(tmp_path, small_corpus):
    _, service = _service(tmp_path, small_corpus)
    calls: list[tuple[str, int, int]] = []
    summary = service.upload([Upload("规程.pdf", (FIXTURES / "chapters.pdf").read_bytes())],
                             progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert summary.added == 1
    stages = [s for s, _, _ in calls]
    # checked (its 2 pages read) before the index is touched, then ingested: read again, chunks embedded; no stage
    # counts twice (a page count that ran backwards under one name read as a stall)
    assert calls[:4] == [("check", 0, 1), ("check_pages", 1, 2), ("check_pages", 2, 2), ("check", 1, 1)]
    assert calls[4:7] == [("pages", 1, 2), ("pages", 2, 2), ("files", 1, 1)]
    assert stages[7:] and set(stages[7:]) == {"embed"} and calls[-1][1] == calls[-1][2] > 0
    assert calls[7] == ("embed", 0, calls[-1][2])  # said before the model loads
    for stage in set(stages):  # within a stage the count never goes back
        counts = [d for s, d, _ in calls if s == stage and s != "check"]
        assert counts == sorted(counts)
    for stage in set(stages):
        counts = [d for s, d, _ in calls if s == stage]
        assert all(0 <= d <= t for s, d, t in calls if s == stage)
        assert counts[-1] == [t for s, _, t in calls if s == stage][-1]


class _Bar:
    """Stands where gradio injects its gr.Progress: records each call as gradio would draw it."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, str | None, str]] = []

    def __call__(self, progress, desc=None, total=None, unit="steps"):  # noqa: ANN001 (gr.Progress's signature)
        self.calls.append((progress, desc, unit))


def test_the_page_upload_moves_its_progress_bar_with_the_real_stages_and_counts(tmp_path, small_corpus):
    settings, service = _service(tmp_path, small_corpus)
    secret = KeyStore(settings).create("ops", "admin")
    policy = AccessPolicy.from_settings(settings)
    page = ChatPage(service, policy)
    request = gr.Request(username=SessionUser("ops", policy.sessions.open(policy.verify_login("ops", secret))))
    doc = tmp_path / "规程.pdf"
    shutil.copy(FIXTURES / "chapters.pdf", doc)
    bar = _Bar()
    status, *_ = page.upload([str(doc)], request, "default", progress=bar)
    assert "导入完成" in status
    assert ((1, 2), UPLOAD_STAGES["pages"][0], "页") in bar.calls  # page 1 of 2, in the words of the page
    assert bar.calls[-1][0][0] == bar.calls[-1][0][1] > 0 and bar.calls[-1][1] == UPLOAD_STAGES["embed"][0]
    assert all(isinstance(p, tuple) and p[0] <= p[1] for p, _, _ in bar.calls)  # counts, never a fixed fraction
    assert [d for _, d, _ in bar.calls][0] == UPLOAD_STAGES["check"][0]
