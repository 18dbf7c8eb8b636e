"""Volunteers: totals, star level, records; certificates are issued from here."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import AppDep, PrincipalDep

router = APIRouter(prefix="/api/v1/volunteers", tags=["volunteers"])


class CertificateRequest(BaseModel):
    period_start: dt.date | None = None
    period_end: dt.date | None = None


@router.get("/{volunteer_id}")
def get_volunteer(volunteer_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_volunteer(principal, volunteer_id)


@router.post("/{volunteer_id}/certificates", status_code=201)
def issue_certificate(volunteer_id: UUID, app: AppDep, principal: PrincipalDep,
                      body: CertificateRequest | None = None) -> dict[str, Any]:
    request = body or CertificateRequest()
    return app.issue_certificate(principal, volunteer_id, **request.model_dump())
