"""Public verification: one code or a batch of up to 1,000, results in order."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import PUBLIC, AppDep, roles
from api.verify_csv import MAX_BATCH

router = APIRouter(prefix="/api/v1/verify", tags=["verification"])


class VerifyIn(BaseModel):
    # Any JSON value is accepted and judged: a non-string code is `malformed`, not a request error.
    code: Any = None


class BatchIn(BaseModel):
    # Each entry is judged on its own: a junk entry gets its own `malformed` verdict in its place.
    codes: list[Any] = Field(max_length=MAX_BATCH)


@router.post("", openapi_extra=roles(PUBLIC))
def verify(body: VerifyIn, app: AppDep) -> dict[str, Any]:
    return app.verify(body.code).as_dict()


@router.post("/batch", openapi_extra=roles(PUBLIC))
def verify_batch(body: BatchIn, app: AppDep) -> dict[str, Any]:
    return {"results": [app.verify(code).as_dict() for code in body.codes]}
