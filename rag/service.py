"""The services layer: the use cases behind every front door (HTTP API, chat page, CLI, eval, bench):
ask (with question validation), documents, upload, replace, delete, readiness. The engine is built by the
composition root (``rag/components.py``); callers build a service with ``RagService(settings)``.

Chroma holds everything needed to answer; this process keeps an index loaded from it and reloads it
when the change marker in Chroma moves (its own writes, or another replica's, checked at most every
`settings.sync_interval` seconds before a question). Writes in this process are serialised by a lock."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from core.errors import (
    Busy,
    ConfirmationRequired,
    IndexBusy,
    IndexNotReady,
    Invalid,
    LoadError,
    NotFound,
    NotReady,
    RagqaError,
    StorageError,
    UnsupportedMedia,
)
from core.kb import DEFAULT_KB, check_kb_name
from core.settings import Settings
from ingest.clean import fold_width
from ingest.kb import KnowledgeBase, create_kb, delete_kb, get_kb, list_kbs, update_kb
from ingest.load import load_file
from ingest.names import check_upload_name
from ingest.pipeline import IngestSummary, Input, Progress, delete_documents, ingest_inputs, upload_source
from ingest.store import Catalog, DocRow
from rag import components
from rag.engine import AskEngine, AskResult, Turn

log = logging.getLogger("ragqa.service")


def service_lock(settings: Settings) -> FileLock:
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(str(settings.index_dir / ".service.lock"))


def service_running(settings: Settings) -> bool:
    """True while a `ragqa serve` process holds this index."""
    lock = service_lock(settings)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    lock.release()
    return False



@dataclass
class Upload:
    name: str
    data: bytes


JOBS_KEPT = 100
"""Finished ingest jobs remembered per process (the oldest finished are forgotten first); running ones always are."""


@dataclass
class IngestJob:
    """An upload ingested in the background (``RagService.start_upload``), polled for its progress.

    ``status`` is "running", then "done" (``result`` holds the IngestSummary) or "failed" (``error`` holds the
    exception, as the synchronous upload would have raised it). ``stage``, ``done``, ``total`` are the last
    progress report (ingest.pipeline.Progress: "check" (files) and "check_pages" (the pages of a file read while
    it is checked, before the index is touched), then "pages"/"ocr" while it is ingested (OCR is not repeated:
    ingest.load keeps OCR'd files), "files", "embed" (from 0 while the model loads)); ``done`` rises to
    ``total`` within a stage of one file (page counts start again for the next file). Times are Unix seconds.
    A job lives in the memory of the process that runs it."""

    job_id: str
    kb: str
    files: list[str]
    status: str = "running"
    stage: str = "check"
    done: int = 0
    total: int = 0
    created: float = 0.0
    finished: float | None = None
    result: IngestSummary | None = None
    error: Exception | None = None
    """A domain error (core.errors) as `upload` raises it, or the exception of a crash."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def report(self, stage: str, done: int, total: int) -> None:
        """The Progress callback: record the stage and its count (a Progress, see ingest.pipeline)."""
        with self._lock:
            self.stage, self.done, self.total = stage, done, total

    def progress(self) -> tuple[str, int, int]:
        """(stage, done, total) as last reported, read together."""
        with self._lock:
            return self.stage, self.done, self.total


class RagService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._write = threading.Lock()
        self._reload_lock = threading.Lock()
        self._engine: AskEngine | None = None
        self._last_sync = 0.0
        self._load_error: str | None = None
        self._write_error: str | None = None
        self._cat: Catalog | None = None
        self._kb_engines: dict[frozenset[str], tuple[AskEngine, AskEngine]] = {}  # kbs -> (full engine, scoped)
        self._jobs: dict[str, IngestJob] = {}
        self._jobs_lock = threading.Lock()
        self.reload()

    def _catalog(self) -> Catalog:
        """A Chroma connection kept between calls (a new HttpClient per question would cost a round trip
        or more); dropped after an error so the next call reconnects. Raises StorageError."""
        if self._cat is None:
            self._cat = Catalog(self.settings)
        return self._cat

    def _state(self) -> str:
        try:
            return self._catalog().state()
        except StorageError:
            self._cat = None
            raise

    # --- reading -------------------------------------------------------------------------
    def reload(self) -> None:
        """Load the index from Chroma (derived structures are rebuilt when they do not match)."""
        with self._reload_lock:
            self._last_sync = time.monotonic()
            try:
                self._engine = components.engine(self.settings)
                self._load_error = None
            except IndexNotReady as e:
                self._engine, self._load_error = None, str(e)
            except StorageError as e:  # Chroma unreachable: keep answering from what was loaded
                self._load_error = e.message
                log.warning("index not reloaded: %s", e.message)

    def sync(self, force: bool = False) -> bool:
        """Reload when the change marker in Chroma differs from the loaded index's (at most every
        `settings.sync_interval` seconds unless `force`). Returns whether it reloaded."""
        if not force and time.monotonic() - self._last_sync < self.settings.sync_interval:
            return False
        self._last_sync = time.monotonic()
        try:
            marker = self._state()
        except StorageError as e:
            self._load_error = e.message
            return False
        loaded = self._engine.index.version if self._engine is not None else None
        if marker != loaded:
            self.reload()
            return True
        return False

    @property
    def engine(self) -> AskEngine:
        self.sync()
        if self._engine is None:
            raise NotReady("索引为空或尚未加载，请先导入文档。")
        return self._engine

    @property
    def ready(self) -> bool:
        return self._engine is not None

    def readiness(self) -> dict[str, Any]:
        """Whether this replica answers truthfully: {"ready": bool, "reasons": [str], "documents": int,
        "version": str}. Not ready while Chroma is unreachable, the last write failed, the index is
        empty, the loaded index is behind Chroma's change marker, or a committed document's chunks are
        missing from Chroma (the stores disagree)."""
        reasons: list[str] = []
        documents = 0
        marker = ""
        try:
            marker = self._state()
            documents = len(self._catalog().documents())
        except StorageError as e:
            reasons.append(f"chroma unreachable: {e.message}")
        if not reasons and self._engine is not None and marker != self._engine.index.version:
            self.sync(force=True)
        if self._write_error:
            reasons.append(f"last write failed: {self._write_error}")
        if self._engine is None:
            reasons.append(self._load_error or "index empty")
        else:
            if self._engine.index.incomplete:
                reasons.append("stores disagree: chunks missing from Chroma for documents "
                               + ", ".join(self._engine.index.incomplete))
            if not reasons and marker != self._engine.index.version:
                reasons.append("index behind Chroma (reload failed)")
        if not reasons and self.settings.index_dir.exists() and not _writable(self.settings.index_dir):
            reasons.append(f"index directory not writable: {self.settings.index_dir}")
        return {"ready": not reasons, "reasons": reasons, "documents": documents, "version": marker}

    def health(self) -> dict[str, Any]:
        return self.readiness()

    def ask(self, question: str, history: list[Turn] | None = None, top_k: int | None = None,
            kbs: Sequence[str] | None = None) -> AskResult:
        """Answer from the knowledge bases `kbs` (None: all). Raises Invalid, NotFound (an unknown knowledge
        base), NotReady."""
        q = self.check_question(question)
        return self.engine_for(kbs).ask(q, history, top_k)

    def ask_stream(self, question: str, history: list[Turn] | None = None, top_k: int | None = None,
                   kbs: Sequence[str] | None = None) -> Iterator[tuple[str, Any]]:
        q = self.check_question(question)
        return self.engine_for(kbs).ask_stream(q, history, top_k)

    # --- knowledge bases -----------------------------------------------------------------
    def engine_for(self, kbs: Sequence[str] | None) -> AskEngine:
        """The ask flow over the knowledge bases `kbs` only (None: all; see `rag.retrieve.Index.scoped`),
        cached per loaded index. Raises NotFound for a name that is no knowledge base, Invalid for an
        empty selection, NotReady."""
        engine = self.engine
        if kbs is None:
            return engine
        wanted = frozenset(kbs)
        if not wanted:
            raise Invalid("no knowledge base selected")
        known = {k.name for k in self.kbs()}
        unknown = sorted(wanted - known)
        if unknown:
            raise NotFound(f"no knowledge base {', '.join(unknown)}")
        index = engine.index.scoped(wanted)
        if index is engine.index:
            return engine
        cached = self._kb_engines.get(wanted)
        if cached is not None and cached[0] is engine:
            return cached[1]
        scoped = components.engine(self.settings, index)
        self._kb_engines = {k: v for k, v in self._kb_engines.items() if v[0] is engine}
        self._kb_engines[wanted] = (engine, scoped)
        return scoped

    def kbs(self) -> list[KnowledgeBase]:
        """Every knowledge base (from Chroma, so every replica lists the same). Raises StorageError."""
        try:
            return list_kbs(self._catalog())
        except StorageError:
            self._cat = None
            raise

    def kb(self, name: str) -> KnowledgeBase:
        """One knowledge base; raises NotFound, StorageError."""
        return get_kb(self._catalog(), name)

    def create_kb(self, name: str, display: str = "", description: str = "") -> KnowledgeBase:
        """Create an empty knowledge base. Raises Invalid, KnowledgeBaseExists (Busy), StorageError."""
        check_kb_name(name)
        return self._guarded_write(lambda: create_kb(self.settings, name, display, description))

    def update_kb(self, name: str, display: str | None = None, description: str | None = None) -> KnowledgeBase:
        """Rename (display name) and/or describe a knowledge base. Raises NotFound, Busy, StorageError."""
        self.kb(name)
        return self._guarded_write(lambda: update_kb(self.settings, name, display, description))

    def delete_kb(self, name: str, confirm: bool = False) -> int:
        """Delete a knowledge base and all its documents (only with `confirm`); returns how many documents
        it held. Raises ConfirmationRequired, NotFound, Busy, StorageError."""
        self.kb(name)
        if not confirm:
            raise ConfirmationRequired(f"删除知识库 {name} 会同时删除其中的全部文档：请确认后重试（API：confirm=true）。")
        return self._guarded_write(lambda: delete_kb(self.settings, name))

    def probe(self) -> dict[str, Any]:
        """Readiness: retrieve and answer end to end with the opening of the first stored chunk (by id), a
        query that needs no word of any particular corpus. Returns ``documents`` (count) and ``answer_ms``;
        raises ``NotReady`` when there is no index or the probe finds nothing."""
        engine = self.engine
        first = engine.index.chunks[min(engine.index.chunks)]
        result = engine.ask(first.text[: self.settings.max_question_chars].strip() or first.doc_title)
        if not result.contexts:
            raise NotReady("检索未返回任何片段：索引不一致，请重新导入。")
        return {"documents": len(self.documents()), "answer_ms": result.timings_ms["total"]}

    def check_question(self, question: str) -> str:
        """The question stripped, with full-width digits and letters folded as the documents' text is at ingest
        (``ingest.clean.fold_width``: ２０２４年 ≡ 2024年, ５Ｇ ≡ 5G); raises ``Invalid`` when empty or over
        ``max_question_chars``."""
        q = fold_width(question).strip()
        if not q:
            raise Invalid("问题不能为空。")
        if len(q) > self.settings.max_question_chars:
            raise Invalid(f"问题过长（{len(q)} 字），上限 {self.settings.max_question_chars} 字。")
        return q

    def documents(self, kb: str | None = None) -> list[DocRow]:
        """Every listed document (of knowledge base `kb`; None: of all) from Chroma. Raises StorageError
        when Chroma is unreachable."""
        try:
            return self._catalog().documents(kb)
        except StorageError:
            self._cat = None
            raise

    # --- writing -------------------------------------------------------------------------
    def upload(self, files: list[Upload], replace: bool = True, kb: str = DEFAULT_KB,
               progress: Progress | None = None) -> IngestSummary:
        """Ingest uploaded files under their own names (`upload://<name>`).

        A file byte-identical to an indexed one writes nothing and reports the existing documents in
        `duplicate_of`; a file with the name of an earlier upload is a new version of it and replaces
        it atomically (with `replace=False` that is refused with Busy instead). A failure leaves the
        index as it was. Names, versions and duplicates are those of knowledge base `kb` (the same file may
        be in two). `progress` (ingest.pipeline.Progress) is told of every stage, see IngestJob. Raises
        Invalid, NotFound (no such knowledge base), UnsupportedMedia, Busy, StorageError."""
        return self._ingest_uploads(self._check_uploads(files, replace, kb), kb, progress)

    def _check_uploads(self, files: list[Upload], replace: bool, kb: str) -> list[tuple[Upload, str]]:
        """The cheap checks of an upload (no file is read): files given, knowledge base, names, versions.
        Returns each file with its source name. Raises Invalid, NotFound, UnsupportedMedia, Busy."""
        allowed = self.settings.upload_extensions
        if not files:
            raise Invalid("no files")
        self.kb(kb)
        for f in files:
            check_upload_name(f.name, allowed)
        if not replace:
            taken = {d.source for d in self.documents(kb)} & {upload_source(f.name) for f in files}
            if taken:
                raise Busy(f"already uploaded: {', '.join(sorted(taken))}")
        return [(f, upload_source(f.name)) for f in files]

    def start_upload(self, files: list[Upload], replace: bool = True, kb: str = DEFAULT_KB,
                     on_finish: Callable[[IngestJob], None] | None = None) -> IngestJob:
        """`upload` in a background thread: the cheap checks run now (they raise as `upload` does: Invalid,
        NotFound, UnsupportedMedia for a bad name, Busy), then the returned job (status "running") follows the
        ingest; poll it with `job`. An unreadable file, a busy index or a failed write end the job "failed"
        with that error; the index is left as it was. `on_finish(job)` is called once the job has ended (done
        or failed), in the job's thread (the API audits the outcome with it); an exception it raises is logged."""
        items = self._check_uploads(files, replace, kb)
        job = IngestJob(uuid.uuid4().hex, kb, [f.name for f in files], created=time.time())
        with self._jobs_lock:
            self._jobs[job.job_id] = job
            done = [j for j in self._jobs.values() if j.finished is not None]
            for old in sorted(done, key=lambda j: j.finished or 0)[: max(0, len(done) - JOBS_KEPT)]:
                del self._jobs[old.job_id]

        def run() -> None:
            try:
                job.result = self._ingest_uploads(items, kb, job.report)
                job.status = "done"
            except Exception as e:  # the error the synchronous upload would have raised; a crash is logged too
                if not isinstance(e, RagqaError):
                    log.exception("ingest job %s crashed", job.job_id)
                job.error, job.status = e, "failed"
            finally:
                job.finished = time.time()
                if on_finish is not None:
                    try:
                        on_finish(job)
                    except Exception:
                        log.exception("ingest job %s: on_finish failed", job.job_id)

        threading.Thread(target=run, name=f"ingest-job-{job.job_id[:8]}", daemon=True).start()
        return job

    def job(self, job_id: str) -> IngestJob:
        """An ingest job of this process (see start_upload). Raises NotFound (unknown, forgotten, or run by
        another replica)."""
        with self._jobs_lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFound(f"no ingest job {job_id}")
        return job

    def replace(self, doc_id: str, file: Upload) -> IngestSummary:
        """A new version of one document from a file: it takes the document's source, so the old
        version is replaced in one step. Raises NotFound, Invalid (the document shares its file with
        other documents), UnsupportedMedia, Busy, StorageError."""
        allowed = self.settings.upload_extensions
        check_upload_name(file.name, allowed)
        docs = self.documents()
        doc = next((d for d in docs if d.doc_id == doc_id), None)
        if doc is None:
            raise NotFound(f"no document {doc_id}")
        if sum(d.source == doc.source and d.kb == doc.kb for d in docs) > 1:
            raise Invalid(f"document {doc_id} is one of several in {doc.source}; delete it and upload the new version")
        return self._ingest_uploads([(file, doc.source)], doc.kb)

    def _ingest_uploads(self, items: list[tuple[Upload, str]], kb: str = DEFAULT_KB,
                        progress: Progress | None = None) -> IngestSummary:
        # the pages read while a file is checked are reported as "check_pages", so that the ingest's own "pages"
        # count does not run a second time under the same name
        check = (lambda stage, done, total: progress("check_pages", done, total)) if progress else None
        with tempfile.TemporaryDirectory(prefix="ragqa-upload-") as tmp:
            inputs: list[Input] = []
            for i, (f, source) in enumerate(items):
                if progress:
                    progress("check", i, len(items))
                path = Path(tmp) / f"{i}{Path(f.name).suffix.lower()}"
                path.write_bytes(f.data)
                try:
                    load_file(path, check)  # reject what cannot be read before touching the index
                except LoadError as e:
                    raise UnsupportedMedia(f"{f.name}: {e}") from e
                inputs.append(Input(path, source, f.name, Path(f.name).stem))
            if progress:
                progress("check", len(items), len(items))
            return self._guarded_write(lambda: ingest_inputs(inputs, self.settings, lock_timeout=30, progress=progress,
                                                             identical_is_duplicate=True, kb=kb))

    def delete(self, doc_id: str) -> None:
        """Remove one document (other documents of its file stay whole). Raises NotFound, Busy, StorageError."""
        with self._write:
            if not any(d.doc_id == doc_id for d in self.documents()):
                raise NotFound(f"no document {doc_id}")
        self._guarded_write(lambda: delete_documents(self.settings, [doc_id]))

    def _guarded_write(self, write: Any) -> Any:
        with self._write:
            try:
                result = write()
            except IndexBusy as e:
                raise Busy(str(e)) from e
            except StorageError as e:
                self._write_error = e.message
                log.error("write failed: %s", e.message)
                raise
            self._write_error = None
            self.reload()
            return result


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)


__all__ = ["IngestJob", "RagService", "Upload", "service_lock", "service_running"]
