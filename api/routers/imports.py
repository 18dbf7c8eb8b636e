"""Paper-record import (纸质记录录入): the upload, and the template it expects.

The upload is a multipart form with a ``file`` field (what a browser form sends), or the file itself as the body
with Content-Type text/csv or the .xlsx type. Its size is checked while it streams in, so an over-large body is
refused with 413 before it is held in memory, and the caller's right to import is checked before it is read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.deps import AppDep, PrincipalDep, roles
from api.imports import (
    CSV_TYPES,
    MAX_BYTES,
    XLSX_TYPE,
    ImportTooLargeError,
    UnsupportedImportTypeError,
    check_size,
    template_csv,
)
from api.request_bodies import bounded_body, bounded_form
from domain.errors import InvalidFieldError

# No prefix: the upload lives under its organization, the template under /api/v1/imports.
router = APIRouter(tags=["imports"])

TEMPLATE_NAME = "志愿服务记录导入模板.csv"
# Room for the multipart envelope (boundaries, part headers) around a file of MAX_BYTES.
MULTIPART_OVERHEAD = 64 * 1024


def _too_large() -> ImportTooLargeError:
    return ImportTooLargeError(f"the upload is larger than the {MAX_BYTES // (1024 * 1024)} MB an import may have; "
                               "split the file")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes (declared or actually sent)."""
    body = await bounded_body(request, limit)
    if body is None:
        raise _too_large()
    return body


async def uploaded_file(request: Request) -> bytes:
    """The file of the request: a multipart ``file`` field, or the raw body of a CSV or XLSX content type."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await bounded_form(request, MAX_BYTES + MULTIPART_OVERHEAD)
        if form is None:
            raise _too_large()
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidFieldError("file", "expected the file in a multipart field named file",
                                        code="missing_file")
            data = await upload.read()
        finally:
            await form.close()
        check_size(len(data))
        return data
    if content_type in (*CSV_TYPES, XLSX_TYPE, "application/octet-stream"):
        return await read_body(request, MAX_BYTES)
    raise UnsupportedImportTypeError(
        f"expected a multipart upload (field file), text/csv or {XLSX_TYPE}; found {content_type or 'none'}")


@router.post("/api/v1/organizations/{org_id}/imports", status_code=201, openapi_extra={
    **roles("organization"),
    "requestBody": {"content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}, "required": ["file"]}},
        "text/csv": {"schema": {"type": "string"}},
        XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
    }}})
async def import_records(org_id: UUID, request: Request, app: AppDep, principal: PrincipalDep) -> dict[str, Any]:
    """Import paper records (CSV or XLSX, see the template) all or nothing: 201 with counts, or 422
    ``import_rejected`` listing every problem by row, column and rule code."""
    await run_in_threadpool(app.check_can_import, principal, org_id)
    data = await uploaded_file(request)
    # Checking and saving thousands of rows is CPU work: off the event loop, so other requests go on.
    result: dict[str, Any] = await run_in_threadpool(app.import_records, principal, org_id, data)
    return result


@router.get("/api/v1/imports/template.csv", openapi_extra=roles("public"),
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def import_template() -> Response:
    """The import template: one header row (Chinese headers, * = required), UTF-8 with a BOM for Excel."""
    return Response(template_csv(), media_type="text/csv; charset=utf-8", headers={"Content-Disposition": (
        f"attachment; filename=\"vledger-import-template.csv\"; filename*=UTF-8''{quote(TEMPLATE_NAME)}")})
