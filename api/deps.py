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
