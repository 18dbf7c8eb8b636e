"""Certificates: QR images for their holders, and revocation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api import qr
from api.deps import AppDep, PrincipalDep, roles

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"])


class RevocationIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


@router.get("/{certificate_id}/qr.png", openapi_extra=roles("organization", "volunteer"))
def qr_png(certificate_id: UUID, app: AppDep, principal: PrincipalDep) -> Response:
    row = app.certificate_for_holder(principal, certificate_id)
    return Response(qr.png(row["qr_text"]), media_type="image/png")


@router.get("/{certificate_id}/qr.svg", openapi_extra=roles("organization", "volunteer"))
def qr_svg(certificate_id: UUID, app: AppDep, principal: PrincipalDep) -> Response:
    row = app.certificate_for_holder(principal, certificate_id)
    return Response(qr.svg(row["qr_text"]), media_type="image/svg+xml")


@router.post("/{certificate_id}/revoke", openapi_extra=roles("organization"))
def revoke(certificate_id: UUID, body: RevocationIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.revoke_certificate(principal, certificate_id, body.reason)
