"""Certificate status: what was issued, from which record versions, and whether it was revoked."""

from __future__ import annotations

import json
from functools import singledispatchmethod
from typing import Any

from domain.certificate import Certificate
from projections.base import View, centi
from projections.store import ViewCursor


class CertificatesView(View):
    name = "certificates"
    tables = ("view_certificates",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_certificates (id TEXT PRIMARY KEY, number TEXT NOT NULL, "
        "org_id TEXT NOT NULL, volunteer_id TEXT NOT NULL, status TEXT NOT NULL, masked_name TEXT NOT NULL, "
        "centi_hours BIGINT NOT NULL, period_start TEXT NOT NULL, period_end TEXT NOT NULL, issue_date TEXT NOT NULL, "
        "key_id TEXT NOT NULL, code TEXT NOT NULL, records TEXT NOT NULL, issued_at TEXT NOT NULL, "
        "revocation_reason TEXT, revoked_at TEXT, notification_id BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_certificates_volunteer ON view_certificates (volunteer_id)",
        # Not UNIQUE: uniqueness is checked before issuing; a view must never refuse an event already in the log.
        "CREATE INDEX IF NOT EXISTS view_certificates_number ON view_certificates (number)",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Certificate.Issued, c: ViewCursor, nid: int) -> None:
        records = [{"id": str(r["id"]), "version": r["version"], "hours": str(r["hours"])} for r in event.records]
        c.execute("INSERT INTO view_certificates VALUES "
                  "(?, ?, ?, ?, 'valid', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
                  (str(event.originator_id), event.number, str(event.org_id), str(event.volunteer_id),
                   event.masked_name, centi(event.hours), event.period_start.isoformat(),
                   event.period_end.isoformat(), event.issue_date.isoformat(), event.key_id, event.code,
                   json.dumps(records), event.timestamp.isoformat(), nid))

    @apply.register
    def _(self, event: Certificate.Revoked, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_certificates SET status = 'revoked', revocation_reason = ?, revoked_at = ? WHERE id = ?",
                  (event.reason, event.timestamp.isoformat(), str(event.originator_id)))
