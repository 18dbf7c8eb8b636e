"""Current records: activities, volunteers (never the ID number: only its last four characters) and service records."""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any

from domain.activity import Activity
from domain.people import id_tail, mask_name
from domain.record import ServiceRecord
from domain.volunteer import Volunteer
from projections.base import View, centi
from projections.store import ViewCursor, ViewStore


class RecordsView(View):
    name = "records"
    tables = ("view_activities", "view_volunteers", "view_records")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_activities (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL, "
        "start_at TEXT NOT NULL, end_at TEXT NOT NULL, place TEXT NOT NULL, recipients TEXT NOT NULL, "
        "content TEXT NOT NULL, leader TEXT NOT NULL, recorder TEXT NOT NULL, category TEXT)",
        "CREATE INDEX IF NOT EXISTS view_activities_org ON view_activities (org_id)",
        "CREATE TABLE IF NOT EXISTS view_volunteers (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL, "
        "masked_name TEXT NOT NULL, volunteer_number TEXT NOT NULL, id_type TEXT NOT NULL, "
        "id_tail TEXT NOT NULL, gender TEXT, registered_at TEXT NOT NULL, id_digest TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_volunteers_id ON view_volunteers (org_id, id_digest)",
        "CREATE INDEX IF NOT EXISTS view_volunteers_org ON view_volunteers (org_id)",
        # Not UNIQUE (checked before registering): a view must never refuse an event already in the log.
        "CREATE INDEX IF NOT EXISTS view_volunteers_number ON view_volunteers (volunteer_number)",
        "CREATE TABLE IF NOT EXISTS view_records (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, "
        "activity_id TEXT NOT NULL, "
        "volunteer_id TEXT NOT NULL, centi_hours BIGINT NOT NULL, content TEXT NOT NULL, evaluation TEXT NOT NULL, "
        "paper_recorded_on TEXT, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, amended_at TEXT)",
        "CREATE INDEX IF NOT EXISTS view_records_volunteer ON view_records (volunteer_id)",
    )

    def __init__(self, view: ViewStore, id_digest: Callable[[str, str], str]) -> None:
        super().__init__(view)
        self.id_digest = id_digest

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Activity.Created, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_activities VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.org_id), event.name, event.start.isoformat(),
                   event.end.isoformat(), event.place, event.recipients, event.content, event.leader,
                   event.recorder, event.category))

    @apply.register
    def _(self, event: Volunteer.Registered, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_volunteers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.org_id), event.name, mask_name(event.name),
                   event.volunteer_number, event.id_type, id_tail(event.id_number), event.gender,
                   event.timestamp.isoformat(), self.id_digest(event.id_type, event.id_number)))

    @apply.register
    def _(self, event: ServiceRecord.Recorded, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_records VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                  (str(event.originator_id), str(event.org_id), str(event.activity_id), str(event.volunteer_id),
                   centi(event.hours), event.content, event.evaluation,
                   event.paper_recorded_on.isoformat() if event.paper_recorded_on else None,
                   event.originator_version, event.timestamp.isoformat()))

    @apply.register
    def _(self, event: ServiceRecord.Amended, c: ViewCursor, nid: int) -> None:
        sets, params = ["version = ?", "amended_at = ?"], [event.originator_version, event.timestamp.isoformat()]
        for field, change in event.changes.items():
            column = "centi_hours" if field == "hours" else field
            sets.append(f"{column} = ?")
            params.append(centi(change["to"]) if field == "hours" else change["to"])
        c.execute(f"UPDATE view_records SET {', '.join(sets)} WHERE id = ?", (*params, str(event.originator_id)))
