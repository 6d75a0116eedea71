"""`ragqa check [--repair]`: compare Chroma (the source of truth) with the derived BM25 index.

Differences found:
* orphan chunks: chunks in Chroma that no source record names (an interrupted write, or an index
  written by an older ragqa); never read, so harmless, but they take space and dense candidates;
* incomplete documents: a source record names chunks Chroma does not hold (the stores disagree;
  the document is left out of answers until it is re-ingested);
* a BM25 cache that does not match the committed chunks.
`repair` deletes orphan chunks and rebuilds the BM25 cache; an incomplete document cannot be
repaired from the index (its text may be gone) and is reported for re-ingest. With several
replicas, run the repair while no upload is in flight: an upload's chunks are orphans until its
record is written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.settings import Settings
from ingest.dedup import first_copies
from ingest.store import BM25Index, Catalog, fingerprint


@dataclass
class CheckReport:
    """What `check` found (and, with repair, fixed). Counts are chunks unless named documents."""

    documents: int = 0
    chunks: int = 0
    orphan_chunks: int = 0
    incomplete_documents: list[str] = field(default_factory=list)
    bm25_matches: bool = True
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.orphan_chunks and not self.incomplete_documents and self.bm25_matches

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def check(settings: Settings, repair: bool = False) -> CheckReport:
    """Compare the stores; with `repair`, fix what is derived. Raises StorageError when Chroma is unreachable."""
    catalog = Catalog(settings)
    report = CheckReport()
    report.documents = len(catalog.documents())
    chunks = catalog.chunks(missing=report.incomplete_documents)
    report.chunks = len(chunks)
    orphans = catalog.orphan_chunk_ids()
    report.orphan_chunks = len(orphans)
    current = BM25Index.load(settings.index_dir)
    report.bm25_matches = (current is not None and current.lexicon is not None
                           and current.fingerprint == fingerprint(c.chunk_id for c in chunks))
    if repair:
        if orphans:
            catalog.delete_chunks(orphans)
            report.repaired.append(f"deleted {len(orphans)} orphan chunks")
        if not report.bm25_matches:
            BM25Index.derive(settings.index_dir, chunks, lambda cs: first_copies(cs, settings.dedup_threshold),
                             learn=settings.learn_lexicon)
            report.repaired.append("rebuilt the BM25 index")
    return report
