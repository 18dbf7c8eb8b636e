"""Activities: volunteers' hours are recorded against the activity they served in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep, roles
from api.usecases.base import MAX_PAGE

# No prefix: activities are created under their organization and recorded against by their own id.
router = APIRouter(tags=["activities"])


class ActivityIn(BaseModel):
    name: str = Field(max_length=200)
    start: dt.datetime
    end: dt.datetime
    place: str = Field(max_length=400)
    recipients: str = Field(max_length=400)
    content: str = Field(max_length=4000)
    leader: str = Field(max_length=100)
    recorder: str = Field(max_length=100)
    # A code (elder_care, …) or its Chinese name (敬老助残, …); the excluded kinds are accepted with a warning.
    category: str | None = Field(default=None, max_length=100)
    # 元: what each participant is charged, and the necessary subsidy (meals, transport, insurance) per volunteer.
    fee: Decimal = Field(default=Decimal(0), max_digits=12)
    subsidy: Decimal = Field(default=Decimal(0), max_digits=12)


class RecordIn(BaseModel):
    volunteer_id: UUID
    hours: Decimal = Field(max_digits=12)
    content: str | None = Field(default=None, max_length=4000)
    evaluation: str | None = Field(default=None, max_length=1000)
    paper_recorded_on: dt.date | None = None
    payment: Decimal | None = Field(default=None, max_digits=12)  # 元 paid to the volunteer, if any


@router.post("/api/v1/activities/{activity_id}/records", status_code=201, openapi_extra=roles("organization"))
def record_service(activity_id: UUID, body: RecordIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_service(principal, activity_id, **body.model_dump())


@router.post("/api/v1/organizations/{org_id}/activities", status_code=201, openapi_extra=roles("organization"))
def create_activity(org_id: UUID, body: ActivityIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.create_activity(principal, org_id, **body.model_dump())


@router.get("/api/v1/activities/{activity_id}", openapi_extra=roles("organization", "inspector"))
def get_activity(activity_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_activity(principal, activity_id)


@router.get("/api/v1/organizations/{org_id}/records", openapi_extra=roles("organization", "inspector"))
def list_org_records(org_id: UUID, app: AppDep, principal: PrincipalDep, warnings_only: bool = False,
                     limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
                     offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    return app.list_org_records(principal, org_id, warnings_only=warnings_only, limit=limit, offset=offset)
