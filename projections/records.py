"""Current records: activities, volunteers (never the ID number: only its last four characters) and service records."""

from __future__ import annotations

import json
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
        "content TEXT NOT NULL, leader TEXT NOT NULL, recorder TEXT NOT NULL, category TEXT, "
        # money in integer 分; warnings as the JSON list of {code, message, source} the event carries
        "fee_fen BIGINT NOT NULL, subsidy_fen BIGINT NOT NULL, warnings TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_activities_org ON view_activities (org_id)",
        "CREATE TABLE IF NOT EXISTS view_volunteers (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, name TEXT NOT NULL, "
        "masked_name TEXT NOT NULL, volunteer_number TEXT NOT NULL, id_type TEXT NOT NULL, "
        "id_tail TEXT NOT NULL, gender TEXT, registered_at TEXT NOT NULL, id_digest TEXT NOT NULL, "
        # what an inspector checks for completeness of basic info (seed 000 五(1)1(1)) without seeing the contact
        "birth_date TEXT, guardian_consent INTEGER NOT NULL, has_phone INTEGER NOT NULL, has_email INTEGER NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_volunteers_id ON view_volunteers (org_id, id_digest)",
        "CREATE INDEX IF NOT EXISTS view_volunteers_org ON view_volunteers (org_id)",
        # Not UNIQUE (checked before registering): a view must never refuse an event already in the log.
        "CREATE INDEX IF NOT EXISTS view_volunteers_number ON view_volunteers (volunteer_number)",
        "CREATE TABLE IF NOT EXISTS view_records (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, "
        "activity_id TEXT NOT NULL, "
        "volunteer_id TEXT NOT NULL, centi_hours BIGINT NOT NULL, content TEXT NOT NULL, evaluation TEXT NOT NULL, "
        "paper_recorded_on TEXT, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, amended_at TEXT, "
        # recorded_nid: the Recorded event's place in the log, a stable order for paging an organization's records
        "payment_fen BIGINT, warnings TEXT NOT NULL, warning_count INTEGER NOT NULL, recorded_nid BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_records_volunteer ON view_records (volunteer_id)",
        "CREATE INDEX IF NOT EXISTS view_records_activity ON view_records (activity_id)",
        "CREATE INDEX IF NOT EXISTS view_records_org ON view_records (org_id, recorded_nid)",
    )

    def __init__(self, view: ViewStore, id_digest: Callable[[str, str], str]) -> None:
        super().__init__(view)
        self.id_digest = id_digest

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Activity.Created, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_activities (id, org_id, name, start_at, end_at, place, recipients, content, "
                  "leader, recorder, category, fee_fen, subsidy_fen, warnings) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.org_id), event.name, event.start.isoformat(),
                   event.end.isoformat(), event.place, event.recipients, event.content, event.leader,
                   event.recorder, event.category, centi(event.fee), centi(event.subsidy),
                   json.dumps(event.warnings, ensure_ascii=False)))

    @apply.register
    def _(self, event: Volunteer.Registered, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_volunteers (id, org_id, name, masked_name, volunteer_number, id_type, id_tail, "
                  "gender, registered_at, id_digest, birth_date, guardian_consent, has_phone, has_email) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.org_id), event.name, mask_name(event.name),
                   event.volunteer_number, event.id_type, id_tail(event.id_number), event.gender,
                   event.timestamp.isoformat(), self.id_digest(event.id_type, event.id_number),
                   event.birth_date.isoformat() if event.birth_date else None, int(event.guardian_consent),
                   int(bool(event.phone)), int(bool(event.email))))

    @apply.register
    def _(self, event: ServiceRecord.Recorded, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_records (id, org_id, activity_id, volunteer_id, centi_hours, content, evaluation, "
                  "paper_recorded_on, version, recorded_at, amended_at, payment_fen, warnings, warning_count, "
                  "recorded_nid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.org_id), str(event.activity_id), str(event.volunteer_id),
                   centi(event.hours), event.content, event.evaluation,
                   event.paper_recorded_on.isoformat() if event.paper_recorded_on else None,
                   event.originator_version, event.timestamp.isoformat(),
                   None if event.payment is None else centi(event.payment),
                   json.dumps(event.warnings, ensure_ascii=False), len(event.warnings), nid))

    # `version` is the version of the record's last change of content (Recorded or Amended). Correction requests
    # and declines are events of the record too but change nothing it says: a certificate issued before one is
    # still based on the current content, so verification must not call it amended.
    @apply.register
    def _(self, event: ServiceRecord.Amended, c: ViewCursor, nid: int) -> None:
        sets, params = ["version = ?", "amended_at = ?"], [event.originator_version, event.timestamp.isoformat()]
        for field, change in event.changes.items():
            column = "centi_hours" if field == "hours" else field
            sets.append(f"{column} = ?")
            params.append(centi(change["to"]) if field == "hours" else change["to"])
        c.execute(f"UPDATE view_records SET {', '.join(sets)} WHERE id = ?", (*params, str(event.originator_id)))
