"""Organizations and what they register: volunteers and activities."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations"])


class OrganizationIn(BaseModel):
    name: str = Field(max_length=200)
    charter_purpose: str = Field(max_length=2000)
    credit_code: str | None = Field(default=None, max_length=40)
    region_code: str | None = Field(default=None, max_length=20)


class VolunteerIn(BaseModel):
    name: str = Field(max_length=100)
    id_type: str = Field(default="resident_id", max_length=40)
    id_number: str = Field(max_length=40)
    gender: str | None = Field(default=None, max_length=10)
    phone: str | None = Field(default=None, max_length=40)
    guardian_consent: bool = False


class ActivityIn(BaseModel):
    name: str = Field(max_length=200)
    start: dt.datetime
    end: dt.datetime
    place: str = Field(max_length=400)
    recipients: str = Field(max_length=400)
    content: str = Field(max_length=4000)
    leader: str = Field(max_length=100)
    recorder: str = Field(max_length=100)
    category: str | None = Field(default=None, max_length=100)


@router.post("", status_code=201)
def register_organization(body: OrganizationIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.register_organization(principal, **body.model_dump())


@router.post("/{org_id}/volunteers", status_code=201)
def register_volunteer(org_id: UUID, body: VolunteerIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.register_volunteer(principal, org_id, **body.model_dump())


@router.post("/{org_id}/activities", status_code=201)
def create_activity(org_id: UUID, body: ActivityIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.create_activity(principal, org_id, **body.model_dump())
