"""The FastAPI application: routers, error mapping, and the application service in app.state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.application import VledgerApplication
from api.routers import (
    activities,
    certificate_pdf,
    certificate_requests,
    certificates,
    complaints,
    draws,
    imports,
    inspection_reports,
    inspections,
    inspector_pages,
    inspectors,
    key_directory,
    keys,
    log,
    organizations,
    pages,
    records,
    verify,
    volunteers,
)
from api.settings import Settings


def create_app(settings: Settings | None = None, application: VledgerApplication | None = None) -> FastAPI:
    """Build the HTTP app around an application service (constructed from settings if not given)."""
    service = application or VledgerApplication(settings or Settings())
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(title="vledger", version="0.1.0", lifespan=lifespan,
                  description="Volunteer service records as a signed event log; certificates verifiable by QR.")
    app.state.vledger = service
    errors.install(app)
    app.include_router(key_directory.router)  # before the keys router: /api/v1/keys/directory is its own
    for module in (organizations, inspectors, volunteers, activities, records, imports, certificates, verify, keys, log,
                   pages):
        app.include_router(module.router)
    app.include_router(certificate_pdf.router)
    app.include_router(certificate_requests.router)
    app.include_router(inspection_reports.router)
    app.include_router(complaints.router)
    app.include_router(draws.router)
    app.include_router(inspections.router)
    app.include_router(inspector_pages.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
