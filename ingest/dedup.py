"""Passages repeated across articles are stored once, remembering every source they came from.

A chunk is a duplicate of an earlier one when most of its sentences were already seen
(repeats that were re-wrapped into different chunk boundaries), or when MinHash-LSH finds an
earlier chunk whose character-trigram Jaccard similarity is above the threshold (repeats with
small OCR differences)."""

from __future__ import annotations

from datasketch import MinHash, MinHashLSH

from ingest.chunk import Chunk, sentence_spans
from ingest.clean import compact

NUM_PERM = 64
MIN_SENTENCE = 8


def _shingles(text: str, n: int = 3) -> set[str]:
    t = compact(text)
    return {t[i : i + n] for i in range(max(len(t) - n + 1, 1))}


def _minhash(shingles: set[str]) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=7)
    m.update_batch([s.encode("utf-8") for s in shingles])
    return m


def _sentences(text: str) -> list[str]:
    return [compact(text[s.start : s.end]) for s in sentence_spans(text)]


def dedup_chunks(chunks: list[Chunk], threshold: float, seen: list[Chunk] | None = None) -> tuple[list[Chunk], int]:
    """Drop near-duplicate chunks (later ones), recording their document on the kept chunk.

    `seen` are chunks already kept elsewhere (e.g. documents not re-read in this run); a new
    chunk that repeats one of them is dropped too. Returns (kept chunks, number dropped).
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    shingles: dict[str, set[str]] = {}
    owner: dict[str, Chunk] = {}  # sentence -> first chunk holding it
    by_id: dict[str, Chunk] = {}
    kept: list[Chunk] = []
    dropped = 0

    def remember(c: Chunk) -> None:
        sh = _shingles(c.text)
        shingles[c.chunk_id] = sh
        by_id[c.chunk_id] = c
        if c.chunk_id not in lsh:
            lsh.insert(c.chunk_id, _minhash(sh))
        for s in _sentences(c.text):
            if len(s) >= MIN_SENTENCE:
                owner.setdefault(s, c)

    for c in seen or []:
        remember(c)

    for c in chunks:
        sents = [s for s in _sentences(c.text) if len(s) >= MIN_SENTENCE]
        total = sum(len(s) for s in sents) or 1
        covered: dict[str, int] = {}
        for s in sents:
            o = owner.get(s)
            if o is not None and o.doc_id != c.doc_id:
                covered[o.chunk_id] = covered.get(o.chunk_id, 0) + len(s)
        target: Chunk | None = None
        if sents and sum(covered.values()) / total >= threshold:
            target = by_id[max(covered, key=lambda k: covered[k])]
        else:
            sh = _shingles(c.text)
            for cand in lsh.query(_minhash(sh)):
                other = by_id[cand]
                inter = len(sh & shingles[cand])
                if other.doc_id != c.doc_id and inter / max(len(sh | shingles[cand]), 1) >= threshold:
                    target = other
                    break
        if target is not None:
            ref = {"doc_id": c.doc_id, "doc_title": c.doc_title, "source": c.source}
            if ref not in target.also_in:
                target.also_in.append(ref)
            dropped += 1
            continue
        kept.append(c)
        remember(c)
    return kept, dropped
