"""Complaints (投诉) about an organization's records or certificates: anyone files one (the public without a token,
a volunteer with theirs); inspectors and the registry list them; an inspector assesses each. The text is shown to
inspectors only."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep, get_principal, roles
from domain.access import Principal

router = APIRouter(tags=["complaints"])


def optional_principal(app: AppDep, authorization: Annotated[str | None, Header()] = None) -> Principal | None:
    """No token: the public. A token must be valid (401 otherwise): a bad token is not silently anonymous."""
    if not authorization:
        return None
    return get_principal(app, authorization)


class ComplaintIn(BaseModel):
    org_id: UUID
    about: Literal["records", "certificates", "both"]
    text: str = Field(max_length=2000)
    certificate_number: str | None = Field(default=None, max_length=64)
    record_id: UUID | None = None


class AssessmentIn(BaseModel):
    founded: bool
    reason: str = Field(max_length=1000)


@router.post("/api/v1/complaints", status_code=201, openapi_extra=roles("public", "volunteer"))
def file_complaint(body: ComplaintIn, app: AppDep,
                   principal: Annotated[Principal | None, Depends(optional_principal)]) -> dict[str, Any]:
    data = body.model_dump()
    return app.file_complaint(principal, data.pop("org_id"), **data)


@router.get("/api/v1/complaints", openapi_extra=roles("registry", "inspector"))
def list_complaints(app: AppDep, principal: PrincipalDep, year: int | None = None,
                    org_id: UUID | None = None) -> dict[str, Any]:
    return app.list_complaints(principal, year=year, org_id=org_id)


@router.post("/api/v1/complaints/{complaint_id}/assessment", openapi_extra=roles("inspector"))
def assess_complaint(complaint_id: UUID, body: AssessmentIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.assess_complaint(principal, complaint_id, **body.model_dump())
