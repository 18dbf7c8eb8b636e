"""Dependency aliases shared by the routers (FastAPI "bigger applications" style)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from api.application import VledgerApplication
from domain.access import Principal
from domain.errors import AuthenticationError


def get_app(request: Request) -> VledgerApplication:
    return request.app.state.vledger  # type: ignore[no-any-return]


AppDep = Annotated[VledgerApplication, Depends(get_app)]


def get_principal(app: AppDep, authorization: Annotated[str | None, Header()] = None) -> Principal:
    if not authorization:
        raise AuthenticationError("missing bearer token: send `Authorization: Bearer <token>`")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("expected `Authorization: Bearer <token>`")
    return app.authenticate(token.strip())


PrincipalDep = Annotated[Principal, Depends(get_principal)]

# Who may call an endpoint, published in the OpenAPI document as `x-roles` on each operation. The names are
# the token roles of DESIGN §7 plus `public` (no token). Organizations and volunteers are always scoped: an
# organization acts only for itself, a volunteer reads only their own data.
PUBLIC = "public"
ROLE_NAMES = (PUBLIC, "registry", "organization", "volunteer", "inspector")


def roles(*names: str) -> dict[str, list[str]]:
    """``openapi_extra`` naming the roles allowed to call an endpoint."""
    unknown = set(names) - set(ROLE_NAMES)
    if unknown or not names:
        raise ValueError(f"unknown roles {sorted(unknown)}; expected some of {ROLE_NAMES}")
    return {"x-roles": list(names)}
