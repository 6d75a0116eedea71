"""Keys and feedback live in one SQL database: SQLite by default, PostgreSQL with RAGQA_DATABASE_URL."""

from __future__ import annotations

import sqlite3

import pytest

from core.settings import load_settings
from rag.feedback import FeedbackStore
from rag.keys import KeyStore
from tests.postgres import postgres_server


def _roundtrip(settings) -> None:
    keys = KeyStore(settings)
    admin = keys.create("ops", "admin")
    with pytest.raises(ValueError, match="exists"):
        keys.create("ops", "reader")
    assert keys.verify(admin).role == "admin" and keys.verify(admin + "x") is None
    assert [k.name for k in keys.list()] == ["ops"] and keys.count() == 1
    fb = FeedbackStore(settings)
    fb.add(useful=True, question="问", answer="答[1]", citations=[{"n": 1, "quote": "答"}], who="ops")
    assert fb.list()[0]["citations"] == [{"n": 1, "quote": "答"}] and fb.list()[0]["useful"] is True
    assert keys.revoke("ops") and keys.verify(admin) is None


def test_keys_and_feedback_in_the_default_sqlite_database(settings):
    _roundtrip(settings)
    assert (settings.index_dir / "ragqa.sqlite").exists()


def test_keys_of_the_former_keys_file_are_kept(settings):
    from rag.keys import _digest

    settings.index_dir.mkdir(parents=True)
    old = sqlite3.connect(settings.index_dir / "keys.sqlite")
    old.execute("CREATE TABLE keys (name TEXT PRIMARY KEY, role TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL, "
                "created_at REAL NOT NULL)")
    old.execute("INSERT INTO keys VALUES (?, ?, ?, ?, ?)", ("legacy", "admin", b"s" * 16, _digest(b"s" * 16, "rq-old"), 1.0))
    old.commit()
    old.close()
    assert KeyStore(settings).verify("rq-old").name == "legacy"


def test_two_replicas_share_keys_and_feedback_in_postgresql(tmp_path):
    with postgres_server() as url:
        a = load_settings(index_dir=tmp_path / "a", database_url=url)
        b = load_settings(index_dir=tmp_path / "b", database_url=url)
        _roundtrip(a)
        key = KeyStore(a).create("clerk", "reader")
        assert KeyStore(b).verify(key).name == "clerk"  # created on A, accepted on B
        FeedbackStore(b).add(useful=False, question="q", answer="a", citations=[])
        assert [r["useful"] for r in FeedbackStore(a).list()][:1] == [False]
        assert not (tmp_path / "a" / "ragqa.sqlite").exists()


def test_audit_entries_of_two_replicas_land_in_the_one_database(tmp_path):
    from rag.policy import AccessPolicy

    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    a = load_settings(index_dir=tmp_path / "a", database_url=url)
    b = load_settings(index_dir=tmp_path / "b", database_url=url)
    AccessPolicy.from_settings(a).record("ops", "api", "delete", "ok", doc_id="d1")
    AccessPolicy.from_settings(b).record("clerk", "page", "ask", "ok", question="问")
    for s in (a, b):
        entries = AccessPolicy.from_settings(s).audit.entries()
        assert [(e["actor"], e["action"]) for e in entries] == [("ops", "delete"), ("clerk", "ask")]
    assert (tmp_path / "a" / "audit.log").exists()  # the local mirror for the operator


def test_an_unreachable_audit_database_fails_no_request_it_records(tmp_path):
    from rag.policy import AuditLog

    s = load_settings(index_dir=tmp_path / "a", database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    AuditLog(s).write(actor="ops", via="api", action="ask", outcome="ok")  # logged, not raised
    assert "ask" in (tmp_path / "a" / "audit.log").read_text(encoding="utf-8")
