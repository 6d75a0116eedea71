"""Whether two chunks are the same passage (a repeat, possibly re-wrapped or with small OCR
differences), used when answering to show one context with all its sources. Nothing is merged
at storage: every document keeps all its chunks.

Two passages are the same when their character-trigram Jaccard similarity reaches the threshold
AND they state the same figures (every number and date, in Arabic or Chinese numerals) AND name
the same places, people and bodies. Two towns' reports written on one template are therefore
never merged, however alike their wording."""

from __future__ import annotations

import re
from functools import lru_cache

from datasketch import MinHash, MinHashLSH

from core.text import CN_NUMERAL_CHARS
from ingest.chunk import Chunk
from ingest.clean import compact
from ingest.tokenize import entities, lexical_cache

MIN_SENTENCE = 8  # shorter sentences (headings, "一、") say nothing about a repeat
NUM_PERM = 64
_FIGURE = re.compile(rf"[0-9０-９][0-9０-９.,，．%％]*|[{CN_NUMERAL_CHARS}]{{2,}}")


@lru_cache(maxsize=4096)
def shingles(text: str, n: int = 3) -> frozenset[str]:
    """Character n-grams of the compacted text (whitespace removed)."""
    t = compact(text)
    return frozenset(t[i : i + n] for i in range(max(len(t) - n + 1, 1)))


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / max(len(sa | sb), 1)


def figures(text: str) -> list[str]:
    """Every number or date written in the text, in order (Arabic digits, or runs of Chinese numerals)."""
    return _FIGURE.findall(compact(text))


@lexical_cache(maxsize=4096)
def names(text: str) -> frozenset[str]:
    """Places, people and bodies jieba recognises in the text."""
    return frozenset(entities(text, min_len=2))




@lru_cache(maxsize=4096)
def _repeat_sentences(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A chunk's compacted sentences of at least MIN_SENTENCE characters, and those that state a figure."""
    from ingest.chunk import sentence_spans

    sents = [compact(text[s.start : s.end]) for s in sentence_spans(text)]
    return tuple(s for s in sents if len(s) >= MIN_SENTENCE), tuple(s for s in sents if figures(s))


def repeated_in(text: str, document: str, threshold: float) -> bool:
    """True when `text` (a chunk) is a repeat of part of `document` (another document's compacted
    text), possibly cut at other chunk boundaries: its sentences of at least MIN_SENTENCE characters
    occur verbatim in `document`, covering at least `threshold` of their length, and every sentence
    that states a figure is among them (so a repeat never hides a different number or date)."""
    long, with_figures = _repeat_sentences(text)
    if not long:
        return False
    covered = [s for s in long if s in document]
    if sum(map(len, covered)) / sum(map(len, long)) < threshold:
        return False
    return all(s in document for s in with_figures)


def same_passage(a: str, b: str, threshold: float) -> bool:
    """True when `a` and `b` repeat one passage: similar wording (Jaccard ≥ threshold) with identical
    figures and names. Never true for template siblings that differ in a number, date or name."""
    if compact(a) == compact(b):
        return True
    if jaccard(a, b) < threshold:
        return False
    return figures(a) == figures(b) and names(a) == names(b)


def _minhash(sh: frozenset[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=7)
    m.update_batch([x.encode("utf-8") for x in sh])
    return m


def first_copies(chunks: list[Chunk], threshold: float) -> list[Chunk]:
    """The chunks minus later repeats of an earlier document's passage (in the order given), for
    derived indexes that should count a repeated passage once (BM25 term statistics). Nothing is
    removed from storage: when the first copy's document is deleted, the next derivation keeps the
    second. A chunk is a repeat when most of its sentences (by length, at least `threshold`) were
    already seen in another document, or MinHash-LSH finds an earlier chunk of another document
    with trigram Jaccard similarity at least `threshold`."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    seen_sh: dict[str, frozenset[str]] = {}
    owner: dict[str, str] = {}  # sentence -> doc_id of the first chunk holding it
    doc_of: dict[str, str] = {}
    kept: list[Chunk] = []
    from ingest.chunk import sentence_spans

    for c in chunks:
        sents = [compact(c.text[s.start : s.end]) for s in sentence_spans(c.text)]
        sents = [s for s in sents if len(s) >= MIN_SENTENCE]
        total = sum(map(len, sents)) or 1
        covered = sum(len(s) for s in sents if owner.get(s, c.doc_id) != c.doc_id)
        sh = shingles(c.text)
        repeat = bool(sents) and covered / total >= threshold
        if not repeat:
            for cand in lsh.query(_minhash(sh)):
                if doc_of[cand] != c.doc_id and len(sh & seen_sh[cand]) / max(len(sh | seen_sh[cand]), 1) >= threshold:
                    repeat = True
                    break
        if repeat:
            continue
        kept.append(c)
        seen_sh[c.chunk_id] = sh
        doc_of[c.chunk_id] = c.doc_id
        if c.chunk_id not in lsh:
            lsh.insert(c.chunk_id, _minhash(sh))
        for s in sents:
            owner.setdefault(s, c.doc_id)
    return kept
