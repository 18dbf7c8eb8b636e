"""Service records: recorded against an activity, read, amended with a reason, traced through history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep

activities = APIRouter(prefix="/api/v1/activities", tags=["records"])
router = APIRouter(prefix="/api/v1/records", tags=["records"])


class RecordIn(BaseModel):
    volunteer_id: UUID
    hours: Decimal = Field(max_digits=12)
    content: str | None = Field(default=None, max_length=4000)
    evaluation: str | None = Field(default=None, max_length=1000)
    paper_recorded_on: dt.date | None = None


class AmendmentIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)
    hours: Decimal | None = Field(default=None, max_digits=12)
    content: str | None = Field(default=None, max_length=4000)
    evaluation: str | None = Field(default=None, max_length=1000)


@activities.post("/{activity_id}/records", status_code=201)
def record_service(activity_id: UUID, body: RecordIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_service(principal, activity_id, **body.model_dump())


@router.get("/{record_id}")
def get_record(record_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_record(principal, record_id)


@router.patch("/{record_id}")
def amend_record(record_id: UUID, body: AmendmentIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.amend_record(principal, record_id, **body.model_dump())


@router.get("/{record_id}/history")
def record_history(record_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_history(principal, record_id)
