"""The printed certificate (志愿服务记录证明) as a PDF, for its organization and its volunteer."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api import pdf
from api.deps import AppDep, PrincipalDep, roles

router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"])


@router.get("/{certificate_id}/pdf", openapi_extra=roles("organization", "volunteer"), response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "the certificate, A4"}})
def certificate_pdf(certificate_id: UUID, app: AppDep, principal: PrincipalDep) -> Response:
    # Who may download is decided first: a stranger learns nothing about the server's fonts.
    document = app.certificate_document(principal, certificate_id)
    body = pdf.render(document, pdf.find_font(app.settings.pdf_font))  # no font: 503 (api/errors.py)
    return Response(body, media_type="application/pdf", headers={
        # The number is [A-Z0-9] only: safe in the header as it is.
        "Content-Disposition": f'attachment; filename="{document.number}.pdf"',
        # It carries the holder's full name: no shared cache may keep it.
        "Cache-Control": "no-store",
    })
