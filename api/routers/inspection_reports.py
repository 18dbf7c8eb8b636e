"""Spot-check reports: the filled on-site form (PDF), the annual summary (CSV, PDF) and the annual list of
identified volunteer organizations (JSON, CSV)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api import inspection_pdf, inspection_summary, pdf
from api.deps import PUBLIC, AppDep, PrincipalDep, roles
from domain.draw import DEFAULT_QUOTA

router = APIRouter(tags=["spot-check reports"])

RegionQuery = Annotated[str | None, Query(description="an administrative division code: everything within it")]
QuotaQuery = Annotated[int, Query(description="checks due on site per county before September")]
PDF_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}
CSV_TYPE = "text/csv; charset=utf-8"


def _file(body: bytes, media_type: str, filename: str, *, private: bool = True) -> Response:
    # File names are ASCII (a year, a region code, an id): safe in the header as they are.
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if private:
        headers["Cache-Control"] = "no-store"
    return Response(body, media_type=media_type, headers=headers)


def _suffix(region: str | None) -> str:
    return f"-{region}" if region else ""


@router.get("/api/v1/inspections/{inspection_id}/form.pdf", response_class=Response, responses=PDF_RESPONSE,
            openapi_extra=roles("inspector", "registry", "organization"))
def inspection_form_pdf(inspection_id: UUID, app: AppDep, principal: PrincipalDep) -> Response:
    form = app.inspection_form(principal, inspection_id)  # who may read it is decided before the font is sought
    body = inspection_pdf.render_form(form, pdf.find_font(app.settings.pdf_font))
    return _file(body, "application/pdf", f"inspection-{inspection_id}.pdf")


@router.get("/api/v1/reports/spot-checks/{year}.csv", response_class=Response, responses=CSV_RESPONSE,
            openapi_extra=roles("inspector", "registry"))
def spot_check_summary_csv(year: int, app: AppDep, principal: PrincipalDep, region: RegionQuery = None,
                           quota: QuotaQuery = DEFAULT_QUOTA) -> Response:
    summary = app.annual_summary(principal, year=year, region=region, quota=quota)
    return _file(inspection_summary.summary_csv(summary), CSV_TYPE,
                 f"spot-checks-{year}{_suffix(summary.region)}.csv")


@router.get("/api/v1/reports/spot-checks/{year}.pdf", response_class=Response, responses=PDF_RESPONSE,
            openapi_extra=roles("inspector", "registry"))
def spot_check_summary_pdf(year: int, app: AppDep, principal: PrincipalDep, region: RegionQuery = None,
                           quota: QuotaQuery = DEFAULT_QUOTA) -> Response:
    summary = app.annual_summary(principal, year=year, region=region, quota=quota)
    body = inspection_summary.summary_pdf(summary, pdf.find_font(app.settings.pdf_font))
    return _file(body, "application/pdf", f"spot-checks-{year}{_suffix(summary.region)}.pdf")


# The .csv route comes first: "{year}" alone would also match "2026.csv" and answer 422.
@router.get("/api/v1/reports/identified-organizations/{year}.csv", response_class=Response,
            responses=CSV_RESPONSE, openapi_extra=roles(PUBLIC))
def identified_organizations_csv(year: int, app: AppDep, region: RegionQuery = None) -> Response:
    listing = app.identification_list(year=year, region=region)
    return _file(inspection_summary.identification_csv(listing), CSV_TYPE,
                 f"identified-organizations-{year}{_suffix(listing.region)}.csv", private=False)


@router.get("/api/v1/reports/identified-organizations/{year}", openapi_extra=roles(PUBLIC))
def identified_organizations(year: int, app: AppDep, region: RegionQuery = None) -> dict[str, Any]:
    return app.identification_list(year=year, region=region).as_dict()
