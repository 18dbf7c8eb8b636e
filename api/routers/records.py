"""Service records: read, amended with a reason, traced through their history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep

router = APIRouter(prefix="/api/v1/records", tags=["records"])


class AmendmentIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)
    hours: Decimal | None = Field(default=None, max_digits=12)
    content: str | None = Field(default=None, max_length=4000)
    evaluation: str | None = Field(default=None, max_length=1000)


@router.get("/{record_id}")
def get_record(record_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_record(principal, record_id)


@router.patch("/{record_id}")
def amend_record(record_id: UUID, body: AmendmentIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.amend_record(principal, record_id, **body.model_dump())


@router.get("/{record_id}/history")
def record_history(record_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_history(principal, record_id)
