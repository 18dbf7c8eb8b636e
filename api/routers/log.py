"""The transparency log's public endpoints (DESIGN §8): checkpoint, verifier key, leaves and proofs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from api.application import LogRequestError
from api.deps import PUBLIC, AppDep, roles

router = APIRouter(tags=["transparency log"])

MAX_INDEX = 2**63 - 1  # log sizes fit a signed 64-bit integer; anything larger is a bad request


def number(name: str, text: str) -> int:
    """Indexes and sizes arrive as text and are judged here, so every bad one is a 400 naming it."""
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_INDEX:  # str.isdigit also accepts "²", "١"
        raise LogRequestError(f"{name} must be a whole number from 0 to {MAX_INDEX}, found {text[:30]!r}")
    return int(text)


@router.get("/log/checkpoint", response_class=PlainTextResponse, openapi_extra=roles(PUBLIC))
def checkpoint(app: AppDep) -> PlainTextResponse:
    return PlainTextResponse(app.latest_checkpoint(), headers={"Cache-Control": "no-store"})


@router.get("/log/key", response_class=PlainTextResponse, openapi_extra=roles(PUBLIC))
def log_key(app: AppDep) -> PlainTextResponse:
    return PlainTextResponse(app.log_verifier_key() + "\n")


@router.get("/api/v1/log/leaves/{index}", openapi_extra=roles(PUBLIC))
def leaf(index: str, app: AppDep) -> dict[str, Any]:
    return app.log_leaf(number("index", index))


@router.get("/api/v1/log/proof/inclusion", openapi_extra=roles(PUBLIC))
def inclusion(app: AppDep, index: str = "", tree_size: str = "") -> dict[str, Any]:
    i, n = number("index", index), number("tree_size", tree_size)
    return {"index": i, "tree_size": n, "hashes": app.inclusion_proof(i, n)}


@router.get("/api/v1/log/proof/consistency", openapi_extra=roles(PUBLIC))
def consistency(app: AppDep, old_size: str = "", tree_size: str = "") -> dict[str, Any]:
    m, n = number("old_size", old_size), number("tree_size", tree_size)
    return {"old_size": m, "tree_size": n, "hashes": app.consistency_proof(m, n)}
