"""Volunteer totals and star levels; keeps its own record → hours map so it never reads another view."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatchmethod
from typing import Any

from domain.record import ServiceRecord
from domain.stars import NATIONAL_THRESHOLDS, star_level
from domain.volunteer import Volunteer
from projections.base import View, centi, hours_of
from projections.store import ViewCursor, ViewStore


class VolunteerTotalsView(View):
    name = "volunteer_totals"
    tables = ("view_volunteer_totals", "view_record_hours")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_volunteer_totals (volunteer_id TEXT PRIMARY KEY, "
        "centi_hours BIGINT NOT NULL, record_count INTEGER NOT NULL, star_level INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS view_record_hours (record_id TEXT PRIMARY KEY, volunteer_id TEXT NOT NULL, "
        "centi_hours BIGINT NOT NULL)",
    )

    def __init__(self, view: ViewStore, thresholds: Sequence[int] = NATIONAL_THRESHOLDS) -> None:
        super().__init__(view)
        self.thresholds = tuple(thresholds)

    def _add(self, c: ViewCursor, volunteer_id: str, delta_centi: int, delta_count: int) -> None:
        row = c.execute("SELECT centi_hours, record_count FROM view_volunteer_totals WHERE volunteer_id = ?",
                        (volunteer_id,)).fetchone()
        total = (row["centi_hours"] if row else 0) + delta_centi
        count = (row["record_count"] if row else 0) + delta_count
        c.execute("UPDATE view_volunteer_totals SET centi_hours = ?, record_count = ?, star_level = ? "
                  "WHERE volunteer_id = ?", (total, count, star_level(hours_of(total), self.thresholds), volunteer_id))

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Volunteer.Registered, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_volunteer_totals VALUES (?, 0, 0, 0)", (str(event.originator_id),))

    @apply.register
    def _(self, event: ServiceRecord.Recorded, c: ViewCursor, nid: int) -> None:
        hours = centi(event.hours)
        c.execute("INSERT INTO view_record_hours VALUES (?, ?, ?)",
                  (str(event.originator_id), str(event.volunteer_id), hours))
        self._add(c, str(event.volunteer_id), hours, 1)

    @apply.register
    def _(self, event: ServiceRecord.Amended, c: ViewCursor, nid: int) -> None:
        if "hours" not in event.changes:
            return
        row = c.execute("SELECT volunteer_id, centi_hours FROM view_record_hours WHERE record_id = ?",
                        (str(event.originator_id),)).fetchone()
        assert row is not None, "an amendment cannot precede its record in the log"
        new = centi(event.changes["hours"]["to"])
        c.execute("UPDATE view_record_hours SET centi_hours = ? WHERE record_id = ?", (new, str(event.originator_id)))
        self._add(c, row["volunteer_id"], new - row["centi_hours"], 0)
