"""Knowledge bases: list (those the key may read), create (an admin of every knowledge base), delete (an admin
of it, with ``?confirm=true``: it deletes the knowledge base's documents)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from core.kb import DEFAULT_KB
from rag.api.deps import PolicyDep, Reader, ServiceDep
from rag.api.errors import RESPONSES
from rag.api.schemas import KnowledgeBaseIn, KnowledgeBaseOut, KnowledgeBaseUpdate

router = APIRouter(prefix="/v1/kbs", tags=["knowledge bases"], responses=RESPONSES)


@router.get("", response_model=list[KnowledgeBaseOut])
def list_kbs(caller: Reader, service: ServiceDep, policy: PolicyDep) -> list[KnowledgeBaseOut]:
    kbs = service.kbs()
    visible = set(policy.readable_kbs(caller, [k.name for k in kbs]))
    counts: dict[str, int] = {}
    for d in service.documents():
        counts[d.kb] = counts.get(d.kb, 0) + 1
    return [KnowledgeBaseOut(**k.to_dict(), documents=counts.get(k.name, 0)) for k in kbs if k.name in visible]


@router.post("", response_model=KnowledgeBaseOut, status_code=201)
def create(body: KnowledgeBaseIn, request: Request, caller: Reader, service: ServiceDep, policy: PolicyDep) -> KnowledgeBaseOut:
    request.state.kb = body.name
    policy.require_global_admin(caller)
    return KnowledgeBaseOut(**service.create_kb(body.name, body.display, body.description).to_dict())


@router.patch("/{name}", response_model=KnowledgeBaseOut)
def update(name: str, body: KnowledgeBaseUpdate, request: Request, caller: Reader, service: ServiceDep,
           policy: PolicyDep) -> KnowledgeBaseOut:
    """Rename (display name) or describe a knowledge base (an admin of it)."""
    request.state.kb = name
    policy.require_kb_admin(caller, name, [k.name for k in service.kbs()])
    return KnowledgeBaseOut(**service.update_kb(name, body.display, body.description).to_dict())


@router.delete("/{name}")
def delete(name: str, request: Request, caller: Reader, service: ServiceDep, policy: PolicyDep,
           confirm: Annotated[bool, Query(description="Must be true: the knowledge base's documents are deleted with it.")] = False,
           ) -> dict[str, object]:
    request.state.kb = name
    policy.require_kb_admin(caller, name, [k.name for k in service.kbs()])
    n = service.delete_kb(name, confirm)
    # the default knowledge base always exists: deleting it empties it (``emptied``), the others are removed
    return {"deleted": name, "documents": n, "emptied": name == DEFAULT_KB}
