"""The one place where errors become HTTP answers: ``{"error": {"code", "message"}}`` with a 4xx status.

Validation messages name fields and what was expected, never the submitted value (it may be an ID number).
"""

from __future__ import annotations

import logging

from eventsourcing.persistence import IntegrityError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.application import ViewsBehindError
from api.imports import ImportRejectedError, ImportTooLargeError, UnsupportedImportTypeError
from api.instance import NotInitializedError
from api.pdf import PdfFontMissingError
from api.qr import QRCodeTooLargeError
from domain.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InvalidFieldError,
    LogIntegrityError,
    NotFoundError,
    RuleViolationError,
    VledgerError,
)
from keys.errors import KeyLayerError

log = logging.getLogger("vledger.http")

STATUS: list[tuple[type[VledgerError], int]] = [
    (InvalidFieldError, 422),
    (ImportRejectedError, 422),
    (ImportTooLargeError, 413),
    (UnsupportedImportTypeError, 415),
    (RuleViolationError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (ForbiddenError, 403),
    (LogIntegrityError, 503),
    (ViewsBehindError, 503),
    (QRCodeTooLargeError, 503),  # a public URL too long to print: the operator's to fix
    (PdfFontMissingError, 503),  # no Chinese font installed: the operator's to fix
    (KeyLayerError, 503),
    (NotInitializedError, 503),
]


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, **extra}}


def status_of(error: VledgerError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 400


def install(app: FastAPI) -> None:
    @app.exception_handler(VledgerError)
    async def _vledger(request: Request, exc: VledgerError) -> JSONResponse:
        status = status_of(exc)
        extra: dict[str, object] = {"field": exc.field} if isinstance(exc, InvalidFieldError) else {}
        if isinstance(exc, ImportRejectedError):
            # Every problem of the file, so it can be fixed in one pass: row, column as written, rule code, message.
            extra = {"error_count": exc.total, "errors": exc.as_dicts()}
        message = exc.message
        if isinstance(exc, LogIntegrityError):
            # The log failed its own check while serving this request: say so, and point to the audit.
            message = f"the event log failed its integrity check ({exc.code}); run `vledger audit`"
            log.error("log integrity failure: %s", exc.message)
        return JSONResponse(error_body(exc.code, message, **extra), status_code=status,
                            headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        # Two writers raced on one aggregate: the loser wrote nothing and may simply retry.
        return JSONResponse(error_body("concurrent_change", "another change to the same record was saved first; "
                                       "nothing was written, retry the request"), status_code=409)

    @app.exception_handler(PersistenceError)
    async def _store(request: Request, exc: PersistenceError) -> JSONResponse:
        log.error("event store unavailable: %s", type(exc).__name__)
        # Not "nothing was written": a save may have committed before the views failed to catch up.
        return JSONResponse(error_body("store_unavailable", "the event store or its views are unavailable; "
                                       "retry later (a saved change is never lost)"), status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse(error_body("invalid_request", "; ".join(problems)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal", "internal error; it has been logged"), status_code=500)
