"""The public key directory."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter

from api.deps import PUBLIC, AppDep, roles

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


def jwk(public_key_b64: str, kid: str) -> dict[str, str]:
    """RFC 8037 OKP JWK of an Ed25519 key (base64url without padding)."""
    raw = base64.b64decode(public_key_b64)
    return {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).decode().rstrip("="), "kid": kid}


@router.get("", openapi_extra=roles(PUBLIC))
def list_keys(app: AppDep) -> dict[str, Any]:
    return {"keys": [{"kid": k["key_id"], "name": k["name"], "authority": k["owner"], "purpose": k["purpose"],
                      "public_key": k["public_key"], "jwk": jwk(k["public_key"], k["key_id"]),
                      "status": k["status"], "valid_from": k["valid_from"],
                      "compromised_since": k["compromised_since"]} for k in app.list_keys()]}
