"""The rest of a volunteer's record (条例 art.19; 办法 art.4): training, awards and evaluations, and the correction
requests raised on their service records with their outcomes."""

from __future__ import annotations

import json
from functools import singledispatchmethod
from typing import Any

from domain.correction import AMENDED, DECLINED, OPEN
from domain.record import ServiceRecord
from domain.volunteer import Volunteer
from projections.base import View, centi
from projections.history import plain
from projections.store import ViewCursor


class VolunteerRecordView(View):
    name = "volunteer_record"
    tables = ("view_trainings", "view_awards", "view_evaluations", "view_corrections")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_trainings (id TEXT PRIMARY KEY, volunteer_id TEXT NOT NULL, "
        "org_id TEXT NOT NULL, title TEXT NOT NULL, provider TEXT NOT NULL, held_on TEXT NOT NULL, "
        "centi_hours BIGINT NOT NULL, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_trainings_volunteer ON view_trainings (volunteer_id)",
        "CREATE TABLE IF NOT EXISTS view_awards (id TEXT PRIMARY KEY, volunteer_id TEXT NOT NULL, "
        "org_id TEXT NOT NULL, title TEXT NOT NULL, awarded_by TEXT NOT NULL, awarded_on TEXT NOT NULL, "
        "level TEXT NOT NULL, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_awards_volunteer ON view_awards (volunteer_id)",
        "CREATE TABLE IF NOT EXISTS view_evaluations (id TEXT PRIMARY KEY, volunteer_id TEXT NOT NULL, "
        "org_id TEXT NOT NULL, period_start TEXT NOT NULL, period_end TEXT NOT NULL, rating TEXT NOT NULL, "
        "comment TEXT NOT NULL, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, actor TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_evaluations_volunteer ON view_evaluations (volunteer_id)",
        "CREATE TABLE IF NOT EXISTS view_corrections (id TEXT PRIMARY KEY, record_id TEXT NOT NULL, "
        "org_id TEXT NOT NULL, status TEXT NOT NULL, proposed TEXT NOT NULL, reason TEXT NOT NULL, "
        "requested_at TEXT NOT NULL, requested_by TEXT NOT NULL, requested_version INTEGER NOT NULL, "
        "resolved_at TEXT, resolved_by TEXT, resolution_reason TEXT, resolved_version INTEGER)",
        "CREATE INDEX IF NOT EXISTS view_corrections_record ON view_corrections (record_id)",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: Volunteer.TrainingRecorded, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_trainings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.entry_id), str(event.originator_id), event.authority, event.title, event.provider,
                   event.date.isoformat(), centi(event.hours), event.originator_version,
                   event.timestamp.isoformat(), event.actor))

    @apply.register
    def _(self, event: Volunteer.AwardRecorded, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_awards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.entry_id), str(event.originator_id), event.authority, event.title, event.awarded_by,
                   event.date.isoformat(), event.level, event.originator_version, event.timestamp.isoformat(),
                   event.actor))

    @apply.register
    def _(self, event: Volunteer.EvaluationRecorded, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_evaluations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.entry_id), str(event.originator_id), event.authority, event.period_start.isoformat(),
                   event.period_end.isoformat(), event.rating, event.comment, event.originator_version,
                   event.timestamp.isoformat(), event.actor))

    @apply.register
    def _(self, event: ServiceRecord.CorrectionRequested, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_corrections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)",
                  (str(event.correction_id), str(event.originator_id), event.authority, OPEN,
                   json.dumps(plain(dict(event.proposed)), ensure_ascii=False), event.reason,
                   event.timestamp.isoformat(), event.actor, event.originator_version))

    @apply.register
    def _(self, event: ServiceRecord.CorrectionDeclined, c: ViewCursor, nid: int) -> None:
        self._resolve(c, event, DECLINED, event.reason)

    @apply.register
    def _(self, event: ServiceRecord.Amended, c: ViewCursor, nid: int) -> None:
        if event.correction_id is not None:
            self._resolve(c, event, AMENDED, event.reason)

    @staticmethod
    def _resolve(c: ViewCursor, event: Any, status: str, reason: str) -> None:
        c.execute("UPDATE view_corrections SET status = ?, resolved_at = ?, resolved_by = ?, resolution_reason = ?, "
                  "resolved_version = ? WHERE id = ?",
                  (status, event.timestamp.isoformat(), event.actor, reason, event.originator_version,
                   str(event.correction_id)))
