"""Inspectors and the account of their reads of volunteers' personal data (what each volunteer is shown)."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from domain.inspector import Inspector, ReadReceipt
from projections.base import View
from projections.store import ViewCursor


class InspectorsView(View):
    name = "inspectors"
    tables = ("view_inspectors", "view_personal_data_reads")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_inspectors (id TEXT PRIMARY KEY, name TEXT NOT NULL, region_code TEXT, "
        "appointed_at TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS view_personal_data_reads (id TEXT PRIMARY KEY, volunteer_id TEXT NOT NULL, "
        "inspector_id TEXT NOT NULL, what TEXT NOT NULL, read_at TEXT NOT NULL, notification_id BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_personal_data_reads_volunteer ON view_personal_data_reads "
        "(volunteer_id, notification_id)",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Inspector.Appointed, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_inspectors VALUES (?, ?, ?, ?)",
                  (str(event.originator_id), event.name, event.region_code, event.timestamp.isoformat()))

    @apply.register
    def _(self, event: ReadReceipt.PersonalDataRead, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_personal_data_reads VALUES (?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.volunteer_id), str(event.inspector_id), event.what,
                   event.timestamp.isoformat(), nid))


def reads_of(c: ViewCursor, volunteer_id: str) -> list[dict[str, Any]]:
    """Every recorded read of one volunteer's data, oldest first, with the inspector's name."""
    return c.execute(
        "SELECT r.id AS id, r.inspector_id AS inspector_id, i.name AS inspector_name, r.what AS what, "
        "r.read_at AS read_at FROM view_personal_data_reads r LEFT JOIN view_inspectors i ON i.id = r.inspector_id "
        "WHERE r.volunteer_id = ? ORDER BY r.notification_id", (volunteer_id,)).fetchall()
