"""Service records: read, amended with a reason, corrected at the volunteer's request, traced through their
history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep, roles

router = APIRouter(prefix="/api/v1/records", tags=["records"])


class AmendmentIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)
    hours: Decimal | None = Field(default=None, max_digits=12)
    content: str | None = Field(default=None, max_length=4000)
    evaluation: str | None = Field(default=None, max_length=1000)
    # The volunteer's open correction request this amendment answers (it is then resolved as amended).
    correction_id: UUID | None = None


class CorrectionIn(BaseModel):
    """What the volunteer proposes (at least one of hours, content, evaluation) and why."""

    reason: str | None = Field(default=None, max_length=1000)
    hours: Decimal | None = Field(default=None, max_digits=12)
    content: str | None = Field(default=None, max_length=4000)
    evaluation: str | None = Field(default=None, max_length=1000)


class DeclineIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


@router.get("/{record_id}", openapi_extra=roles("organization", "volunteer", "inspector"))
def get_record(record_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_record(principal, record_id)


@router.patch("/{record_id}", openapi_extra=roles("organization"))
def amend_record(record_id: UUID, body: AmendmentIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.amend_record(principal, record_id, **body.model_dump())


@router.get("/{record_id}/history", openapi_extra=roles("organization", "inspector"))
def record_history(record_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_history(principal, record_id)


@router.post("/{record_id}/corrections", status_code=201, openapi_extra=roles("volunteer"))
def request_correction(record_id: UUID, body: CorrectionIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.request_correction(principal, record_id, **body.model_dump())


@router.get("/{record_id}/corrections", openapi_extra=roles("organization", "volunteer", "inspector"))
def list_corrections(record_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.list_corrections(principal, record_id)


@router.post("/{record_id}/corrections/{correction_id}/decline", openapi_extra=roles("organization"))
def decline_correction(record_id: UUID, correction_id: UUID, body: DeclineIn, app: AppDep,
                       principal: PrincipalDep) -> dict[str, Any]:
    return app.decline_correction(principal, record_id, correction_id, **body.model_dump())
