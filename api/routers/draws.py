"""Draws of spot-check targets and inspectors (双随机、一公开): the registry publishes a seed, then draws; anyone reads
a draw with its seed, rules and candidate list, and whether it reproduces. The quota per region and year is for the
registry and inspectors."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import AppDep, PrincipalDep, roles

router = APIRouter(tags=["draws"])


class DrawIn(BaseModel):
    region: str = Field(max_length=20)
    year: int
    seed_hex: str | None = Field(default=None, max_length=256)
    seed_source: str | None = Field(default=None, max_length=200)
    quota: int | None = None


class ConflictIn(BaseModel):
    """An inspector the registry excludes for a conflict of interest, and why (published with the draw)."""

    model_config = ConfigDict(extra="forbid")

    inspector_id: UUID
    reason: str = Field(max_length=1000)  # the domain bounds it further and refuses personal numbers


class InspectorDrawIn(BaseModel):
    """The pool is the one committed with the seed: the registry names only whom it excludes, and why. Unknown
    fields are refused, not ignored, so a client still sending a pool (``inspector_ids``) learns it is not used."""

    model_config = ConfigDict(extra="forbid")

    org_id: UUID
    conflicts: list[ConflictIn] = Field(default_factory=list, max_length=1000)
    count: int | None = None


@router.post("/api/v1/draws", status_code=201, openapi_extra=roles("registry"))
def publish_draw_seed(body: DrawIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.publish_draw_seed(principal, **body.model_dump())


@router.post("/api/v1/draws/{draw_id}/targets", openapi_extra=roles("registry"))
def draw_targets(draw_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.draw_targets(principal, draw_id)


@router.post("/api/v1/draws/{draw_id}/inspectors", status_code=201, openapi_extra=roles("registry"))
def draw_inspectors(draw_id: UUID, body: InspectorDrawIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    data = body.model_dump()
    return app.draw_inspectors_for(principal, draw_id, data.pop("org_id"), **data)


@router.get("/api/v1/draws", openapi_extra=roles("public"))
def list_draws(app: AppDep, year: int | None = None, region: str | None = None) -> dict[str, Any]:
    return app.list_draws(year=year, region=region)


@router.get("/api/v1/draws/{draw_id}", openapi_extra=roles("public"))
def get_draw(draw_id: UUID, app: AppDep) -> dict[str, Any]:
    return app.get_draw(draw_id)


@router.get("/api/v1/quotas/{region}/{year}", openapi_extra=roles("registry", "inspector"))
def quota(region: str, year: int, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.quota(principal, region=region, year=year)
