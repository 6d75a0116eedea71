"""Feedback on answers (有用 / 没用 + an optional comment), stored with the question, answer and citations."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rag.sqlite_store import SqliteStore


class FeedbackStore(SqliteStore):
    def __init__(self, index_dir: Path) -> None:
        super().__init__(index_dir / "feedback.sqlite",
                         "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, "
                         "who TEXT, useful INTEGER NOT NULL, comment TEXT NOT NULL, question TEXT NOT NULL, "
                         "answer TEXT NOT NULL, citations TEXT NOT NULL)")

    def add(self, *, useful: bool, question: str, answer: str, citations: list[dict[str, Any]],
            comment: str = "", who: str | None = None) -> None:
        with self._db() as db:
            db.execute("INSERT INTO feedback (at, who, useful, comment, question, answer, citations) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (time.time(), who, int(useful), comment[:2000], question, answer,
                        json.dumps(citations, ensure_ascii=False)))

    def list(self, limit: int = 200) -> list[dict[str, Any]]:
        with self._db() as db:
            rows = db.execute("SELECT at, who, useful, comment, question, answer, citations FROM feedback "
                              "ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [{"at": r[0], "who": r[1], "useful": bool(r[2]), "comment": r[3], "question": r[4], "answer": r[5],
                 "citations": json.loads(r[6])} for r in rows]
