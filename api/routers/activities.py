"""Activities: volunteers' hours are recorded against the activity they served in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep

router = APIRouter(prefix="/api/v1/activities", tags=["activities"])


class RecordIn(BaseModel):
    volunteer_id: UUID
    hours: Decimal = Field(max_digits=12)
    content: str | None = Field(default=None, max_length=4000)
    evaluation: str | None = Field(default=None, max_length=1000)
    paper_recorded_on: dt.date | None = None


@router.post("/{activity_id}/records", status_code=201)
def record_service(activity_id: UUID, body: RecordIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_service(principal, activity_id, **body.model_dump())
