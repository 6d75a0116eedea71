"""The admin's document endpoints: list, upload (multipart), replace (a new version, multipart), delete. A key changes only the knowledge bases it
administers; documents of a knowledge base it may not read do not exist for it (404).

An upload is answered when it is ingested (``POST /v1/documents``), or at once as a job whose progress is polled
(``POST /v1/documents?wait=false`` → 202 and ``Location``; ``GET /v1/documents/jobs/{job_id}``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from core.errors import Forbidden, NotFound, RagqaError
from core.kb import DEFAULT_KB
from rag.api.deps import Multipart, PolicyDep, Reader, ServiceDep
from rag.api.errors import RESPONSES, status_of
from rag.api.schemas import DocumentOut, ErrorBody, ErrorResponse, IngestJobOut, IngestOut
from rag.policy import outcome_of
from rag.service import IngestJob, Upload

router = APIRouter(prefix="/v1/documents", tags=["admin"], responses=RESPONSES)


@router.get("", response_model=list[DocumentOut])
def documents(request: Request, caller: Reader, service: ServiceDep, policy: PolicyDep,
              kb: Annotated[str | None, Query(description="Only this knowledge base (default: every one the key administers).")] = None,
              ) -> list[DocumentOut]:
    names = [k.name for k in service.kbs()]
    if kb is not None:
        policy.require_kb_admin(caller, kb, names)
        allowed = {kb}
    else:
        allowed = {n for n in policy.readable_kbs(caller, names) if policy.may_admin_kb(caller, n)}
        if not allowed:
            raise Forbidden("此操作需要管理员密钥。")
    request.state.kb = sorted(allowed)
    return [DocumentOut(doc_id=d.doc_id, title=d.title, source=d.source, chunks=d.n_chunks,
                        ingested_at=d.ingested_at, meta=d.meta, kb=d.kb) for d in service.documents()
            if d.kb in allowed]


@router.post("", response_model=IngestOut, responses={202: {"model": IngestJobOut, "description": (
    "With `wait=false`: the upload is being ingested; poll the `Location` (`GET /v1/documents/jobs/{job_id}`) for "
    "its progress and, at the end, its result or error.")}})
async def upload(_: Multipart, request: Request, files: Annotated[list[UploadFile], File(description="One or more documents")],
                 caller: Reader, service: ServiceDep, policy: PolicyDep,
                 kb: Annotated[str, Query(description="The knowledge base to upload into.")] = DEFAULT_KB,
                 wait: Annotated[bool, Query(description="Answer once the files are ingested (200, the default); false: "
                                             "answer at once with an ingest job (202) whose progress is polled.")] = True,
                 ) -> Any:
    """Ingest the files into knowledge base ``kb``. With ``wait=false`` the names and the knowledge base are checked
    first (422, 404, 415 as when waiting), then the answer is 202 with the job and its ``Location``; an unreadable
    file, a busy index or a failed write end the job ``failed`` with the error this route would have answered."""
    request.state.kb = kb
    file_names = request.state.files = [f.filename or "" for f in files]  # for the audit entry
    policy.require_kb_admin(caller, kb, [k.name for k in await run_in_threadpool(service.kbs)])
    items = [Upload(f.filename or "", await f.read()) for f in files]
    if not wait:
        def audit_end(job: IngestJob) -> None:  # the submission is audited as 202; the job's end gets its own entry
            outcome = "ok" if job.status == "done" else outcome_of(job.error) if job.error else "internal"
            policy.record(caller, "api", "upload_finished", outcome, kb=kb, files=file_names, job_id=job.job_id)

        job = await run_in_threadpool(service.start_upload, items, True, kb, audit_end)
        request.state.job_id = job.job_id  # for the audit entry of the submission
        return JSONResponse(_job_out(job).model_dump(), status_code=202,
                            headers={"Location": f"{router.prefix}/jobs/{job.job_id}"})
    summary = await run_in_threadpool(service.upload, items, True, kb)
    return IngestOut(**summary.to_dict())


@router.get("/jobs/{job_id}", response_model=IngestJobOut, responses={404: {"model": ErrorResponse}})
def upload_job(request: Request, job_id: Annotated[str, Path(max_length=64, pattern=r"^[0-9a-f]+$")], caller: Reader,
               service: ServiceDep, policy: PolicyDep) -> IngestJobOut:
    """The progress of an upload job (``POST /v1/documents?wait=false``): 404 for an unknown job (or one run by
    another replica, or of a knowledge base the key may not read), 403 when the key does not administer its
    knowledge base; 422 for an id that cannot be one (not lowercase hex, over 64 characters)."""
    request.state.job_id = job_id  # for the audit entry of the poll
    job = service.job(job_id)
    names = [k.name for k in service.kbs()]
    if job.kb not in policy.readable_kbs(caller, names):
        raise NotFound(f"no ingest job {job_id}")
    request.state.kb = job.kb
    policy.require_kb_admin(caller, job.kb, names)
    return _job_out(job)


def _job_out(job: IngestJob) -> IngestJobOut:
    stage, done, total = job.progress()
    error = None
    if isinstance(job.error, RagqaError):
        error = ErrorBody(code=status_of(job.error)[1], message=job.error.message)
    elif job.error is not None:  # a crash: told as the API tells one (rag.api.errors), its details only logged
        error = ErrorBody(code="internal", message="服务器内部错误。")
    return IngestJobOut(job_id=job.job_id, status=job.status, stage=stage, done=done, total=total, kb=job.kb,
                        files=job.files, created=job.created, finished=job.finished, error=error,
                        result=IngestOut(**job.result.to_dict()) if job.result is not None else None)


@router.delete("/{doc_id}")
def delete(request: Request, doc_id: str, caller: Reader, service: ServiceDep, policy: PolicyDep) -> dict[str, str]:
    _administered(request, doc_id, caller, service, policy)
    service.delete(doc_id)
    return {"deleted": doc_id}


def _administered(request: Request, doc_id: str, caller: Reader, service: ServiceDep, policy: PolicyDep) -> None:
    """Check that ``caller`` administers document ``doc_id``'s knowledge base. Raises ``Forbidden`` (a key over
    every knowledge base without the admin role), ``NotFound`` (unknown, or in a knowledge base it may not read)."""
    if not caller.grants:  # a key over every knowledge base: its role decides before any lookup
        policy.require_admin(caller)
    doc = next((d for d in service.documents() if d.doc_id == doc_id), None)
    names = [k.name for k in service.kbs()]
    if doc is None or doc.kb not in policy.readable_kbs(caller, names):
        raise NotFound(f"no document {doc_id}")
    request.state.kb = doc.kb
    policy.require_kb_admin(caller, doc.kb, names)


@router.put("/{doc_id}", response_model=IngestOut)
async def replace(_: Multipart, request: Request, doc_id: str,
                  file: Annotated[UploadFile, File(description="The new version of the document")],
                  caller: Reader, service: ServiceDep, policy: PolicyDep) -> IngestOut:
    """A new version of document ``doc_id`` replaces it in one step: questions see the old version or the new
    one, never neither or both. The response lists the replaced id in ``replaced`` (or ``duplicate_of`` when
    the file is byte-identical to what is stored). 404 for an unknown id; 415/422 for an unreadable file."""
    await run_in_threadpool(_administered, request, doc_id, caller, service, policy)
    request.state.files = [file.filename or ""]
    item = Upload(file.filename or "", await file.read())
    summary = await run_in_threadpool(service.replace, doc_id, item)
    return IngestOut(**summary.to_dict())
