"""Organizations: registration, the published directory, identification (标识); and the volunteers they
register."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import PUBLIC, AppDep, PrincipalDep, roles
from api.usecases.base import MAX_PAGE
from domain.organization import DEFAULT_KIND, IdentificationDecision, OrganizationKind

router = APIRouter(prefix="/api/v1/organizations", tags=["organizations"])


class OrganizationIn(BaseModel):
    name: str = Field(max_length=200)
    charter_purpose: str = Field(max_length=2000)
    credit_code: str | None = Field(default=None, max_length=40)
    region_code: str | None = Field(default=None, max_length=20)
    # Callers from before kinds existed registered volunteer organizations: that stays the default.
    kind: OrganizationKind = DEFAULT_KIND


class IdentificationDecisionIn(BaseModel):
    decision: IdentificationDecision
    reason: str | None = Field(default=None, max_length=1000)


class CharterIn(BaseModel):
    charter_purpose: str = Field(max_length=2000)
    reason: str | None = Field(default=None, max_length=1000)


class DissolutionIn(BaseModel):
    """The registered organization that issues certificates from the dissolved one's records, and why."""

    successor_id: UUID
    reason: str | None = Field(default=None, max_length=1000)


class VolunteerIn(BaseModel):
    """Basic information of a volunteer (条例 art.19). ``id_type``: resident_id (default), passport,
    hk_macao_permit, taiwan_permit, hk_macao_taiwan_residence_permit, foreign_permanent_residence_id.
    ``birth_date`` is required unless the number encodes it (resident ID, residence permit), and must then agree."""

    name: str = Field(max_length=100)
    id_type: str = Field(default="resident_id", max_length=40)
    id_number: str = Field(max_length=40)
    gender: str | None = Field(default=None, max_length=10)
    birth_date: dt.date | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    guardian_consent: bool = False


@router.post("", status_code=201, openapi_extra=roles("registry"))
def register_organization(body: OrganizationIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.register_organization(principal, **body.model_dump())


@router.get("", openapi_extra=roles(PUBLIC))
def list_organizations(app: AppDep, identified: bool | None = None,
                       region_code: Annotated[str | None, Query(max_length=12)] = None,
                       kind: OrganizationKind | None = None,
                       limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
                       offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    """The published list: ``?identified=true`` gives the identified volunteer service organizations."""
    return app.list_organizations(identified=identified, region_code=region_code, kind=kind, limit=limit,
                                  offset=offset)


@router.get("/{org_id}", openapi_extra=roles(PUBLIC))
def get_organization(org_id: UUID, app: AppDep) -> dict[str, Any]:
    return app.get_organization(org_id)


@router.post("/{org_id}/identification-requests", status_code=201, openapi_extra=roles("organization"))
def request_identification(org_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.request_identification(principal, org_id)


@router.post("/{org_id}/identification", openapi_extra=roles("registry"))
def decide_identification(org_id: UUID, body: IdentificationDecisionIn, app: AppDep,
                          principal: PrincipalDep) -> dict[str, Any]:
    return app.decide_identification(principal, org_id, **body.model_dump())


@router.post("/{org_id}/charter", openapi_extra=roles("registry"))
def amend_charter(org_id: UUID, body: CharterIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.amend_charter(principal, org_id, **body.model_dump())


@router.post("/{org_id}/dissolve", openapi_extra=roles("registry"))
def dissolve_organization(org_id: UUID, body: DissolutionIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.dissolve_organization(principal, org_id, **body.model_dump())


@router.post("/{org_id}/volunteers", status_code=201, openapi_extra=roles("organization"))
def register_volunteer(org_id: UUID, body: VolunteerIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.register_volunteer(principal, org_id, **body.model_dump())
