"""The use cases behind the API and the chat page: ask, documents, upload, delete.

One process holds the index and is its single writer: uploads and deletions go through here,
serialised by a lock, and the engine is reloaded after each change."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from core.errors import Busy, Invalid, NotFound, NotReady, UnsupportedMedia
from core.settings import Settings
from ingest.load import LoadError, read_text
from ingest.names import check_upload_name
from ingest.pipeline import UPLOAD_SCHEME, IndexBusy, IngestSummary, delete_documents, ingest, source_name
from ingest.store import Catalog, DocRow
from rag.engine import AskEngine, AskResult, Turn
from rag.retrieve import IndexNotReady, load_index


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


class RagService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._write = threading.Lock()
        self._engine: AskEngine | None = None
        self.upload_dir = settings.index_dir / "uploads"
        self.reload()

    # --- reading -------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            self._engine = AskEngine(load_index(self.settings), self.settings)
        except IndexNotReady:
            self._engine = None

    @property
    def engine(self) -> AskEngine:
        if self._engine is None:
            raise NotReady("索引为空或尚未加载，请先导入文档。")
        return self._engine

    @property
    def ready(self) -> bool:
        return self._engine is not None

    def ask(self, question: str, history: list[Turn] | None = None, top_k: int | None = None) -> AskResult:
        return self.engine.ask(self._check(question), history, top_k)

    def ask_stream(self, question: str, history: list[Turn] | None = None, top_k: int | None = None) -> Iterator[tuple[str, Any]]:
        return self.engine.ask_stream(self._check(question), history, top_k)

    def _check(self, question: str) -> str:
        q = question.strip()
        if not q:
            raise Invalid("问题不能为空。")
        if len(q) > self.settings.max_question_chars:
            raise Invalid(f"问题过长（{len(q)} 字），上限 {self.settings.max_question_chars} 字。")
        return q

    def documents(self) -> list[DocRow]:
        cat = Catalog(self.settings.index_dir)
        try:
            return cat.documents()
        finally:
            cat.close()

    # --- writing -------------------------------------------------------------------------
    def upload(self, files: list[Upload]) -> IngestSummary:
        """Store under server-chosen names and ingest at once; a failure leaves the index as it was."""
        allowed = {e.strip().lower() for e in self.settings.upload_extensions.split(",") if e.strip()}
        if not files:
            raise Invalid("no files")
        for f in files:
            check_upload_name(f.name, allowed)
        staged: list[Path] = []
        titles: dict[str, str] = {}
        self.upload_dir.mkdir(parents=True, exist_ok=True)
        try:
            for f in files:
                path = self.upload_dir / f"{uuid.uuid4().hex}{Path(f.name).suffix.lower()}"
                path.write_bytes(f.data)
                staged.append(path)
                try:
                    read_text(path)  # reject what cannot be read before touching the index
                except LoadError as e:
                    raise UnsupportedMedia(f"{f.name}: {e}") from e
                titles[UPLOAD_SCHEME + source_name(path, self.settings.index_dir)] = Path(f.name).stem
                path.with_suffix(path.suffix + ".json").write_text(
                    json.dumps({"original_name": f.name}, ensure_ascii=False), encoding="utf-8")
            with self._write:
                try:
                    summary = ingest(staged, self.settings, prune=False, lock_timeout=30, titles=titles,
                                     root=self.settings.index_dir)
                except IndexBusy as e:
                    raise Busy(str(e)) from e
                self.reload()
            return summary
        except BaseException:
            for p in staged:
                p.unlink(missing_ok=True)
                p.with_suffix(p.suffix + ".json").unlink(missing_ok=True)
            raise

    def delete(self, doc_id: str) -> None:
        with self._write:
            doc = next((d for d in self.documents() if d.doc_id == doc_id), None)
            if doc is None:
                raise NotFound(f"no document {doc_id}")
            try:
                delete_documents(self.settings, [doc_id])
            except IndexBusy as e:
                raise Busy(str(e)) from e
            if not any(d.source == doc.source for d in self.documents()):
                upload = self.settings.index_dir / doc.source.removeprefix(UPLOAD_SCHEME)
                if doc.source.startswith(UPLOAD_SCHEME) and upload.parent.resolve() == self.upload_dir.resolve():
                    upload.unlink(missing_ok=True)
                    upload.with_suffix(upload.suffix + ".json").unlink(missing_ok=True)
            self.reload()


__all__ = ["RagService", "Upload", "service_lock", "service_running"]
