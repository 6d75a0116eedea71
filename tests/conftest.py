from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from core.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
CORPUS_FILE = ROOT / "data" / "corpus" / "000_a1cad5cec816f911.txt"


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can touch the user's index or real credentials: everything points at tmp_path."""
    monkeypatch.setenv("RAGQA_INDEX_DIR", str(tmp_path / "index"))
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "RAGQA_LLM_MODEL", "CHROMA_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(index_dir=tmp_path / "index")


@pytest.fixture
def corpus_text() -> str:
    return CORPUS_FILE.read_text(encoding="utf-8")


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A small fixture corpus: three documents in three formats."""
    d = tmp_path / "docs"
    d.mkdir()
    for name in ("gb18030.txt", "page.html", "report.docx"):
        shutil.copy(FIXTURES / name, d / name)
    return d


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
