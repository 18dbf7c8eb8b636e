"""Volunteers: totals, star level, records; training, awards and evaluations; certificates are issued from here;
the volunteer's export of all their data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.deps import AppDep, PrincipalDep, roles

router = APIRouter(prefix="/api/v1/volunteers", tags=["volunteers"])


class CertificateRequest(BaseModel):
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    # Printed on the certificate (national recommended format): 负责人, 经办人, and the organization's contact.
    person_in_charge: str | None = Field(default=None, max_length=100)
    handler: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200, description="the organization's phone or address "
                                                                          "for enquiries (never the volunteer's)")


class TrainingIn(BaseModel):
    title: str = Field(max_length=400)
    provider: str = Field(max_length=400)
    date: dt.date
    hours: Decimal = Field(max_digits=12)


class AwardIn(BaseModel):
    title: str = Field(max_length=400)
    awarded_by: str = Field(max_length=400)
    date: dt.date
    level: str = Field(max_length=40, description="national, provincial, municipal, county or organization "
                                                  "(or 国家级, 省级, 市级, 区县级, 组织内部)")


class EvaluationIn(BaseModel):
    period_start: dt.date
    period_end: dt.date
    rating: str = Field(max_length=40, description="excellent, good, satisfactory or unsatisfactory "
                                                   "(or 优秀, 良好, 合格, 不合格)")
    comment: str | None = Field(default=None, max_length=1000)


@router.get("/{volunteer_id}", openapi_extra=roles("organization", "volunteer", "inspector"))
def get_volunteer(volunteer_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.get_volunteer(principal, volunteer_id)


@router.post("/{volunteer_id}/certificates", status_code=201, openapi_extra=roles("organization"))
def issue_certificate(volunteer_id: UUID, app: AppDep, principal: PrincipalDep,
                      body: CertificateRequest | None = None) -> dict[str, Any]:
    request = body or CertificateRequest()
    return app.issue_certificate(principal, volunteer_id, **request.model_dump())


@router.post("/{volunteer_id}/tokens", status_code=201, openapi_extra=roles("organization"))
def issue_volunteer_token(volunteer_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.issue_volunteer_token(principal, volunteer_id)


@router.post("/{volunteer_id}/trainings", status_code=201, openapi_extra=roles("organization"))
def record_training(volunteer_id: UUID, body: TrainingIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_training(principal, volunteer_id, **body.model_dump())


@router.post("/{volunteer_id}/awards", status_code=201, openapi_extra=roles("organization"))
def record_award(volunteer_id: UUID, body: AwardIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.record_award(principal, volunteer_id, **body.model_dump())


@router.post("/{volunteer_id}/evaluations", status_code=201, openapi_extra=roles("organization"))
def record_evaluation(volunteer_id: UUID, body: EvaluationIn, app: AppDep,
                      principal: PrincipalDep) -> dict[str, Any]:
    return app.record_evaluation(principal, volunteer_id, **body.model_dump())


@router.get("/{volunteer_id}/export", openapi_extra=roles("volunteer"))
def export_volunteer(volunteer_id: UUID, app: AppDep, principal: PrincipalDep, response: Response) -> dict[str, Any]:
    """All of the volunteer's data, for the volunteer (PIPL art.45). It carries the full ID number and contact:
    no cache may keep it."""
    data = app.export_volunteer(principal, volunteer_id)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return data
