"""Citation checking: every [n] must name a retrieved context, every quote must be in its chunk,
and every number in the answer must appear in a cited quote."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer import Evidence

MARKER = re.compile(r"\[(\d{1,2})\]")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class Verdict:
    ok: bool
    problems: list[str]


def numbers_in(text: str) -> list[str]:
    return NUMBER.findall(MARKER.sub("", text))


def verify(answer: str, evidence: list[Evidence], n_contexts: int) -> Verdict:
    problems: list[str] = []
    cited = {int(m) for m in MARKER.findall(answer)}
    bad = sorted(n for n in cited if n < 1 or n > n_contexts)
    if bad:
        problems.append(f"citation markers {bad} name no retrieved context")
    for e in evidence:
        if e.quote not in e.hit.chunk.text:
            problems.append(f"quote of [{e.n}] is not in its chunk")
    quotes = "".join(e.quote for e in evidence if e.n in cited)
    ungrounded = [x for x in numbers_in(answer) if x not in quotes]
    if ungrounded:
        problems.append(f"numbers not found in the cited quotes: {', '.join(ungrounded)}")
    return Verdict(not problems, problems)
