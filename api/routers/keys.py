"""The public key directory, and the key lifecycle: rotate, retire, revoke (DESIGN §3)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import PUBLIC, AppDep, PrincipalDep, roles

# Paths under two resources (the directory and an organization's keys): the router names them in full.
router = APIRouter(tags=["keys"])


def jwk(public_key_b64: str, kid: str) -> dict[str, str]:
    """RFC 8037 OKP JWK of an Ed25519 key (base64url without padding)."""
    raw = base64.b64decode(public_key_b64)
    return {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode().rstrip("="), "kid": kid}


@router.get("/api/v1/keys", openapi_extra=roles(PUBLIC))
def list_keys(app: AppDep) -> dict[str, Any]:
    return {"keys": [{"kid": k["key_id"], "name": k["name"], "authority": k["owner"], "purpose": k["purpose"],
                      "public_key": k["public_key"], "jwk": jwk(k["public_key"], k["key_id"]),
                      "status": k["status"], "valid_from": k["valid_from"], "retired_at": k["retired_at"],
                      "compromised_since": k["compromised_since"]} for k in app.list_keys()]}


class RetireIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)
    public_key: str | None = Field(default=None, max_length=100,
                                   description="base64 public key; needed only when several keys share the kid")


class RevokeIn(BaseModel):
    compromised_since: dt.datetime = Field(description="ISO 8601 with a UTC offset; not in the future")
    reason: str = Field(max_length=500)
    public_key: str | None = Field(default=None, max_length=100,
                                   description="base64 public key; needed only when several keys share the kid")


@router.post("/api/v1/organizations/{org_id}/keys/rotate", status_code=201,
             openapi_extra=roles("registry", "organization"))
def rotate(org_id: UUID, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.rotate_key(principal, org_id)


@router.post("/api/v1/keys/{kid}/retire", openapi_extra=roles("registry", "organization"))
def retire(kid: str, app: AppDep, principal: PrincipalDep, body: RetireIn | None = None) -> dict[str, Any]:
    body = body or RetireIn()
    return app.retire_key(principal, kid, reason=body.reason, public_key=body.public_key)


@router.post("/api/v1/keys/{kid}/revoke", openapi_extra=roles("registry", "organization"))
def revoke(kid: str, body: RevokeIn, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    return app.revoke_key(principal, kid, compromised_since=body.compromised_since, reason=body.reason,
                          public_key=body.public_key)
