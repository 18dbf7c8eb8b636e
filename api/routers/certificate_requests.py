"""Certificate requests: a volunteer asks for a certificate; the organization issues it from its records or
declines with a reason. Certificates are free: no route here takes or shows a fee."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep, roles
from api.usecases.base import MAX_PAGE
from domain.certificate_request import RequestStatus

router = APIRouter(tags=["certificate requests"])


class CertificateRequestIn(BaseModel):
    """What the volunteer asks for: optionally a period, and what the certificate is for (e.g. 升学, 求职)."""

    period_start: dt.date | None = None
    period_end: dt.date | None = None
    purpose: str | None = Field(default=None, max_length=200)


class IssueFromRequestIn(BaseModel):
    """The signatories printed on the certificate (national recommended format): all optional."""

    person_in_charge: str | None = Field(default=None, max_length=200)
    handler: str | None = Field(default=None, max_length=200)
    contact: str | None = Field(default=None, max_length=400)


class DeclineRequestIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


@router.post("/api/v1/volunteers/{volunteer_id}/certificate-requests", status_code=201,
             openapi_extra=roles("volunteer"))
def request_certificate(volunteer_id: UUID, body: CertificateRequestIn, app: AppDep,
                        principal: PrincipalDep) -> dict[str, Any]:
    return app.request_certificate(principal, volunteer_id, **body.model_dump())


@router.get("/api/v1/volunteers/{volunteer_id}/certificate-requests",
            openapi_extra=roles("organization", "volunteer", "inspector"))
def list_volunteer_certificate_requests(volunteer_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.list_volunteer_certificate_requests(principal, volunteer_id)


@router.get("/api/v1/organizations/{org_id}/certificate-requests", openapi_extra=roles("organization", "inspector"))
def list_org_certificate_requests(org_id: UUID, app: AppDep, principal: PrincipalDep,
                                  status: RequestStatus | None = None,
                                  limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                                  offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """``?status=open``: the requests waiting for the organization's decision."""
    return app.list_org_certificate_requests(principal, org_id, status=status.value if status else None,
                                             limit=limit, offset=offset)


@router.get("/api/v1/certificate-requests/{request_id}",
            openapi_extra=roles("organization", "volunteer", "inspector"))
def get_certificate_request(request_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_certificate_request(principal, request_id)


@router.post("/api/v1/certificate-requests/{request_id}/issue", status_code=201, openapi_extra=roles("organization"))
def issue_from_request(request_id: UUID, app: AppDep, principal: PrincipalDep,
                       body: IssueFromRequestIn | None = None) -> dict[str, Any]:
    return app.issue_from_request(principal, request_id, **(body or IssueFromRequestIn()).model_dump())


@router.post("/api/v1/certificate-requests/{request_id}/decline", openapi_extra=roles("organization"))
def decline_certificate_request(request_id: UUID, body: DeclineRequestIn, app: AppDep,
                                principal: PrincipalDep) -> dict[str, Any]:
    return app.decline_certificate_request(principal, request_id, **body.model_dump())
