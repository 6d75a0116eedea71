"""`ragqa ask` on an index directory that does not exist: a clear error (exit 2), and nothing created."""

from __future__ import annotations

from typer.testing import CliRunner

from rag.cli import app


def test_ask_on_a_missing_index_directory_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "no" / "index"
    r = CliRunner().invoke(app, ["ask", "龙泉镇下放了多少项行政审批权？", "--index-dir", str(missing)])
    assert r.exit_code == 2
    assert "索引目录不存在" in r.output and "index" in r.output
    assert not (tmp_path / "no").exists()  # no empty index made on the way
