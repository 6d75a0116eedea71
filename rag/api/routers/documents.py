"""The admin's document endpoints: list, upload (multipart), replace (a new version, multipart), delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from rag.api.deps import Admin, Multipart, ServiceDep
from rag.api.errors import RESPONSES
from rag.api.schemas import DocumentOut, IngestOut
from rag.service import Upload

router = APIRouter(prefix="/v1/documents", tags=["admin"], responses=RESPONSES)


@router.get("", response_model=list[DocumentOut])
def documents(caller: Admin, service: ServiceDep) -> list[DocumentOut]:
    return [DocumentOut(doc_id=d.doc_id, title=d.title, source=d.source, chunks=d.n_chunks,
                        ingested_at=d.ingested_at, meta=d.meta) for d in service.documents()]


@router.post("", response_model=IngestOut)
async def upload(_: Multipart, files: Annotated[list[UploadFile], File(description="One or more documents")],
                 caller: Admin, service: ServiceDep, request: Request) -> IngestOut:
    request.state.files = [f.filename or "" for f in files]  # for the audit entry
    items = [Upload(f.filename or "", await f.read()) for f in files]
    summary = await run_in_threadpool(service.upload, items)
    return IngestOut(**summary.to_dict())


@router.delete("/{doc_id}")
def delete(doc_id: str, caller: Admin, service: ServiceDep) -> dict[str, str]:
    service.delete(doc_id)
    return {"deleted": doc_id}


@router.put("/{doc_id}", response_model=IngestOut)
async def replace(doc_id: str, file: Annotated[UploadFile, File(description="The new version of the document")],
                  caller: Admin, service: ServiceDep) -> IngestOut:
    """A new version of document ``doc_id`` replaces it in one step: questions see the old version or the new
    one, never neither or both. The response lists the replaced id in ``replaced`` (or ``duplicate_of`` when
    the file is byte-identical to what is stored). 404 for an unknown id; 415/422 for an unreadable file."""
    item = Upload(file.filename or "", await file.read())
    summary = await run_in_threadpool(service.replace, doc_id, item)
    return IngestOut(**summary.to_dict())
