"""Loading the gold set (eval/gold/*.jsonl)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel


class GoldItem(BaseModel):
    id: str
    type: str
    question: str
    answer: str = ""
    key_facts: list[str] = []
    evidence: list[str] = []
    answerable: bool = True


def load_gold(path: Path) -> list[GoldItem]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    items: list[GoldItem] = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                items.append(GoldItem.model_validate_json(line))
    return items


__all__ = ["GoldItem", "load_gold"]
