"""Inspectors (抽查): appointed by the registry; every read of personal data they make is shown to the volunteer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep, roles

router = APIRouter(tags=["inspectors"])


class InspectorIn(BaseModel):
    name: str = Field(max_length=100)
    region_code: str | None = Field(default=None, max_length=20)


@router.post("/api/v1/inspectors", status_code=201, openapi_extra=roles("registry"))
def appoint_inspector(body: InspectorIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.appoint_inspector(principal, **body.model_dump())


@router.get("/api/v1/volunteers/{volunteer_id}/reads", openapi_extra=roles("volunteer", "inspector"))
def reads_of_volunteer(volunteer_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    """Who read this volunteer's personal data, when, and what (inspectors' reads are accounted for)."""
    return app.reads_of_volunteer(principal, volunteer_id)
