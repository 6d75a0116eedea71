from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CORPUS_FILE = ROOT / "data" / "corpus" / "000_a1cad5cec816f911.txt"

# a town report written here (no corpus text): template documents that share every sentence but names and figures
TEMPLATE = ("{town}扩权强镇试点工作情况报告\n"
            "一、基本情况\n{town}位于县境东部，辖{villages}个行政村，常住人口{people}万人。\n"
            "二、工作成效\n县政府向{town}下放行政审批事项{items}项，{town}便民服务中心全年办件{cases}件。\n"
            "三、下一步打算\n继续深化扩权强镇改革，提升公共服务水平。\n")
TOWNS = {"青石镇": {"villages": 12, "people": 3.1, "items": 42, "cases": 5120},
         "白沙镇": {"villages": 17, "people": 4.6, "items": 58, "cases": 7305}}


OUTSIDE_ENV = ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "RAGQA_LLM_MODEL", "CHROMA_HOST")
"""Environment variables of the user's own setup that no test may see (credentials, servers)."""

SLOW_MODULES = {"test_ui.py": "a real browser", "test_eval_gate.py": "the whole gold set"}
"""Test modules marked ``slow`` (``make test-fast`` skips them; ``make test`` runs everything)."""


SLOW_TESTS = {
    "test_ingest_killed_with_sigkill_converges_on_rerun": "kills and re-runs ingest several times",
    "test_bundled_corpus_chunks_are_clean_and_repeats_are_stored_once": "ingests the whole corpus",
    "test_openai_backend_gives_the_same_vectors_as_the_bundled_model": "embeds through an HTTP server",
    "test_chroma_server_mode": "starts a Chroma server",
    "test_switching_backend_does_not_reuse_cached_vectors": "embeds through an HTTP server",
}
"""Single tests marked ``slow`` from here, so their modules need no edit (each took over 7 s, most of the
non-browser time; a module may also mark its own tests with ``@pytest.mark.slow``)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in SLOW_MODULES or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can touch the user's index or real credentials: everything points at tmp_path."""
    monkeypatch.setenv("RAGQA_INDEX_DIR", str(tmp_path / "index"))
    for var in OUTSIDE_ENV:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


def isolated_settings(index_dir: Path, **overrides: object) -> Settings:
    """Settings for ``index_dir`` read without the user's environment (for fixtures wider than a test,
    which are built before ``_isolate`` runs)."""
    with pytest.MonkeyPatch.context() as mp:
        for var in OUTSIDE_ENV:
            mp.delenv(var, raising=False)
        mp.delenv("RAGQA_INDEX_DIR", raising=False)
        return load_settings(index_dir=index_dir, **overrides)


def copy_small_corpus(d: Path) -> Path:
    """Three documents in three formats (gb18030 text, html, docx) copied into ``d``."""
    d.mkdir(parents=True, exist_ok=True)
    for name in ("gb18030.txt", "page.html", "report.docx"):
        shutil.copy(FIXTURES / name, d / name)
    return d


def doc_titles(settings: Settings) -> list[str]:
    """The titles of the documents stored in the index of `settings`, sorted (read from the catalog)."""
    from ingest.store import Catalog

    cat = Catalog(settings.index_dir)
    try:
        return sorted(d.title for d in cat.documents())
    finally:
        cat.close()


CHAPTER_SECTIONS = [
    "第一章 总则",
    "第二章 组织与职责 > 第一节 机构设置 > 一、领导小组",
    "第二章 组织与职责 > 第一节 机构设置 > 二、工作专班",
    "第二章 组织与职责 > 第二节 职责分工 > 一、综合科",
    "第十二章 附则",
]
"""The section paths of the chapters-and-sections rules written here (tests/fixtures/chapters.pdf and its text form
in test_chunk): 第X章 > 第X节 > 一、."""


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The small fixture corpus ingested once per test module, for tests that only read the index."""
    from ingest.pipeline import ingest

    root = tmp_path_factory.mktemp("small_index")
    settings = isolated_settings(root / "index")
    ingest([copy_small_corpus(root / "docs")], settings)
    return settings


def index_of(root: Path, files: dict[str, str | Path]) -> Settings:
    """The settings of an index at root/index holding exactly `files` (file name → UTF-8 text, or the path of a
    file to copy, e.g. a fixture; written to root/docs), ingested by the real pipeline."""
    from ingest.pipeline import ingest

    docs = root / "docs"
    docs.mkdir(parents=True)
    for name, content in files.items():
        if isinstance(content, Path):
            shutil.copy(content, docs / name)
        else:
            (docs / name).write_text(content, encoding="utf-8")
    settings = load_settings(index_dir=root / "index")
    ingest([docs], settings)
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(index_dir=tmp_path / "index")


@pytest.fixture
def corpus_text() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A small fixture corpus: three documents in three formats."""
    return copy_small_corpus(tmp_path / "docs")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real `chroma run` server on a free loopback port (its data under tmp_path/srv); yields the port."""
    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import chromadb

    deadline = time.time() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.5)
    yield port
    proc.terminate()
    proc.wait(timeout=30)
