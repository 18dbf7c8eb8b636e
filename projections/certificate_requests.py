"""Certificate requests and their outcomes, and the dissolved organizations with the successors named for them."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from domain.certificate_request import CertificateRequest, RequestStatus
from domain.organization import Organization
from domain.succession import Successors
from projections.base import View
from projections.store import ViewCursor


class CertificateRequestsView(View):
    name = "certificate_requests"
    tables = ("view_certificate_requests",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_certificate_requests (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, "
        "records_org_id TEXT NOT NULL, volunteer_id TEXT NOT NULL, status TEXT NOT NULL, period_start TEXT, "
        "period_end TEXT, purpose TEXT, requested_at TEXT NOT NULL, requested_by TEXT NOT NULL, decided_at TEXT, "
        "decided_by TEXT, reason TEXT, certificate_id TEXT, requested_nid BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_certificate_requests_org ON view_certificate_requests "
        "(org_id, status, requested_nid)",
        "CREATE INDEX IF NOT EXISTS view_certificate_requests_volunteer ON view_certificate_requests "
        "(volunteer_id, requested_nid)",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: CertificateRequest.CertificateRequested, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_certificate_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, "
                  "NULL, ?)",
                  (str(event.originator_id), str(event.org_id), str(event.records_org_id), str(event.volunteer_id),
                   RequestStatus.OPEN.value, event.period_start.isoformat() if event.period_start else None,
                   event.period_end.isoformat() if event.period_end else None, event.purpose,
                   event.timestamp.isoformat(), event.actor, nid))

    @apply.register
    def _(self, event: CertificateRequest.RequestFulfilled, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_certificate_requests SET status = ?, decided_at = ?, decided_by = ?, "
                  "certificate_id = ? WHERE id = ?",
                  (RequestStatus.FULFILLED.value, event.timestamp.isoformat(), event.actor, str(event.certificate_id),
                   str(event.originator_id)))

    @apply.register
    def _(self, event: CertificateRequest.RequestDeclined, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_certificate_requests SET status = ?, decided_at = ?, decided_by = ?, reason = ? "
                  "WHERE id = ?",
                  (RequestStatus.DECLINED.value, event.timestamp.isoformat(), event.actor, event.reason,
                   str(event.originator_id)))


class SuccessionView(View):
    """Dissolved organizations and their successors: a handful of rows, read whole wherever a write or an issuance
    must know who holds whose records (domain.succession)."""

    name = "succession"
    tables = ("view_dissolutions",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_dissolutions (org_id TEXT PRIMARY KEY, successor_id TEXT NOT NULL, "
        "reason TEXT NOT NULL, dissolved_at TEXT NOT NULL, dissolved_by TEXT NOT NULL, "
        "notification_id BIGINT NOT NULL)",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Organization.Dissolved, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_dissolutions VALUES (?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.successor_id), event.reason, event.timestamp.isoformat(),
                   event.actor, nid))


def successors_of(c: ViewCursor) -> Successors:
    """Every dissolved organization → the successor named for it."""
    return {UUID(r["org_id"]): UUID(r["successor_id"])
            for r in c.execute("SELECT org_id, successor_id FROM view_dissolutions").fetchall()}
