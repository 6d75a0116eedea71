"""Feedback on answers (有用 / 没用 + an optional comment), stored with the question, answer and
citations in the deployment's database (see rag.database)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from core.settings import Settings
from rag.database import engine_for, feedback


class FeedbackStore:
    def __init__(self, where: Settings | Path) -> None:
        self._engine = engine_for(where)

    def add(self, *, useful: bool, question: str, answer: str, citations: list[dict[str, Any]],
            comment: str = "", who: str | None = None) -> None:
        with self._engine.begin() as db:
            db.execute(insert(feedback).values(at=time.time(), who=who, useful=bool(useful), comment=comment[:2000],
                                               question=question, answer=answer,
                                               citations=json.dumps(citations, ensure_ascii=False)))

    def list(self, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first: [{at, who, useful, comment, question, answer, citations}]."""
        cols = feedback.c
        with self._engine.connect() as db:
            rows = db.execute(select(cols.at, cols.who, cols.useful, cols.comment, cols.question, cols.answer,
                                     cols.citations).order_by(cols.id.desc()).limit(limit)).fetchall()
        return [{"at": r[0], "who": r[1], "useful": bool(r[2]), "comment": r[3], "question": r[4], "answer": r[5],
                 "citations": json.loads(r[6])} for r in rows]
