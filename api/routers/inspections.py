"""Inspections (抽查): the online pre-check of an organization, and each inspection from plan to close, one POST per
step. Inspectors act as themselves (their token's subject is the inspector the domain checks); the registry plans
and adds inspectors; the inspected organization reads its own inspection and reports its rectification."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep, roles

router = APIRouter(tags=["inspections"])

MAX_TEAM = 50


class PlanIn(BaseModel):
    org_id: UUID
    period_start: dt.date
    period_end: dt.date
    planned_on: dt.date
    place: str = Field(max_length=200)
    inspectors: list[UUID] = Field(max_length=MAX_TEAM)
    basis: Literal["draw", "complaint", "manual"] = "manual"
    year: int | None = None
    draw_id: UUID | None = None
    complaint_id: UUID | None = None
    note: str | None = Field(default=None, max_length=500)


class AddInspectorsIn(BaseModel):
    inspectors: list[UUID] = Field(max_length=MAX_TEAM)
    reason: str = Field(max_length=500)


class ConflictIn(BaseModel):
    conflict: bool
    statement: str | None = Field(default=None, max_length=500)


class OnSiteIn(BaseModel):
    inspectors: list[UUID] | None = Field(default=None, max_length=MAX_TEAM)
    credentials_shown: bool


class EvidenceIn(BaseModel):
    kind: str = Field(max_length=20)
    ref: str = Field(max_length=100)
    version: int | None = None


class FindingIn(BaseModel):
    row_id: str = Field(max_length=50)
    problem: str = Field(max_length=1000)
    remark: str | None = Field(default=None, max_length=500)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=1000)
    other_text: str | None = Field(default=None, max_length=200)
    source: Literal["on_site", "precheck"] = "on_site"


class ReasonIn(BaseModel):
    reason: str = Field(max_length=1000)


class OpinionIn(BaseModel):
    opinion: str = Field(max_length=1000)
    name: str = Field(max_length=50)


class DecisionIn(BaseModel):
    result: str = Field(max_length=20)
    reason: str = Field(max_length=1000)


class RectificationOrderIn(BaseModel):
    deadline: dt.date
    instructions: str | None = Field(default=None, max_length=1000)


class RectificationReportIn(BaseModel):
    report: str = Field(max_length=2000)


class FollowUpIn(BaseModel):
    done: bool
    reason: str = Field(max_length=1000)


@router.get("/api/v1/organizations/{org_id}/precheck", openapi_extra=roles("registry", "inspector"))
def precheck(org_id: UUID, period_start: dt.date, period_end: dt.date, app: AppDep,
             principal: PrincipalDep) -> dict[str, Any]:
    """The online pre-check (线上抽查): every row of the on-site form computed from the data over the period."""
    return app.precheck_organization(principal, org_id, period_start=period_start, period_end=period_end)


@router.post("/api/v1/inspections", status_code=201, openapi_extra=roles("registry", "inspector"))
def plan_inspection(body: PlanIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.plan_inspection(principal, **body.model_dump())


@router.get("/api/v1/inspections", openapi_extra=roles("registry", "organization", "inspector"))
def list_inspections(app: AppDep, principal: PrincipalDep, year: int | None = None, region: str | None = None,
                     org_id: UUID | None = None, stage: str | None = None) -> dict[str, Any]:
    return app.list_inspections(principal, year=year, region=region, org_id=org_id, stage=stage)


@router.get("/api/v1/inspections/{inspection_id}", openapi_extra=roles("registry", "organization", "inspector"))
def get_inspection(inspection_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_inspection(principal, inspection_id)


@router.post("/api/v1/inspections/{inspection_id}/inspectors", openapi_extra=roles("registry", "inspector"))
def add_inspectors(inspection_id: UUID, body: AddInspectorsIn, app: AppDep,
                   principal: PrincipalDep) -> dict[str, Any]:
    return app.add_inspectors(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/conflict-declarations", openapi_extra=roles("inspector"))
def declare_conflict(inspection_id: UUID, body: ConflictIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.declare_conflict(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/on-site", openapi_extra=roles("inspector"))
def start_on_site(inspection_id: UUID, body: OnSiteIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.start_on_site(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/precheck-findings", openapi_extra=roles("inspector"))
def import_precheck_findings(inspection_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.import_precheck_findings(principal, inspection_id)


@router.post("/api/v1/inspections/{inspection_id}/findings", status_code=201, openapi_extra=roles("inspector"))
def record_finding(inspection_id: UUID, body: FindingIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_finding(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/findings/{finding_id}/withdrawal", openapi_extra=roles("inspector"))
def withdraw_finding(inspection_id: UUID, finding_id: UUID, body: ReasonIn, app: AppDep,
                     principal: PrincipalDep) -> dict[str, Any]:
    return app.withdraw_finding(principal, inspection_id, finding_id, reason=body.reason)


@router.post("/api/v1/inspections/{inspection_id}/opinion", openapi_extra=roles("inspector"))
def record_opinion(inspection_id: UUID, body: OpinionIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_opinion(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/decision", openapi_extra=roles("inspector"))
def decide_inspection(inspection_id: UUID, body: DecisionIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.decide_inspection(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/rectification-order", openapi_extra=roles("inspector"))
def order_rectification(inspection_id: UUID, body: RectificationOrderIn, app: AppDep,
                        principal: PrincipalDep) -> dict[str, Any]:
    return app.order_rectification(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/rectification-report",
             openapi_extra=roles("organization", "inspector"))
def report_rectification(inspection_id: UUID, body: RectificationReportIn, app: AppDep,
                         principal: PrincipalDep) -> dict[str, Any]:
    return app.report_rectification(principal, inspection_id, **body.model_dump())


@router.post("/api/v1/inspections/{inspection_id}/follow-up", openapi_extra=roles("inspector"))
def follow_up(inspection_id: UUID, body: FollowUpIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.follow_up(principal, inspection_id, **body.model_dump())
