"""The signed key directory for offline verification (C2SP signed note, signed by the registry root key)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from api.deps import PUBLIC, AppDep, roles
from api.offline import key_directory_note

router = APIRouter(prefix="/api/v1/keys", tags=["keys"])


@router.get("/directory", response_class=PlainTextResponse, openapi_extra=roles(PUBLIC))
def key_directory(app: AppDep) -> PlainTextResponse:
    # Issued afresh on each request: its lifetime counts from now, and a cached copy could hide a revocation.
    return PlainTextResponse(key_directory_note(app), headers={"Cache-Control": "no-store"})
