"""Use cases of activities and service records: create, record, read; each answer carries its warnings."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from uuid import UUID

from api.usecases.base import UseCases, check_page
from domain.access import Principal, check_acts_for, check_owner_or_inspector, check_reads
from domain.activity import Activity
from domain.errors import InvalidFieldError, NotFoundError
from domain.organization import Organization
from domain.record import ServiceRecord, check_day_total, check_no_overlap, check_not_recorded_twice, service_day
from domain.screening import category_label
from domain.volunteer import Volunteer
from projections.base import hours_of


class RecordCases(UseCases):
    """Use cases of activities and service records: create, record, read."""

    # -- activities and records ------------------------------------------------------------------------------

    def create_activity(self, principal: Principal, org_id: UUID, **fields: Any) -> dict[str, Any]:
        """An organization records an activity with the Beijing minimum fields."""
        check_acts_for(principal, org_id)
        self.load(Organization, org_id, "organization")
        activity = Activity.create(now=self.clock(), actor=principal.actor, org_id=org_id, **fields)
        self.save_and_project(activity)
        return {"id": str(activity.id), "warnings": activity.warnings}

    def record_service(self, principal: Principal, activity_id: UUID, *, volunteer_id: UUID, hours: Any,
                       content: str | None = None, evaluation: str | None = None,
                       paper_recorded_on: dt.date | None = None, payment: Any = None) -> dict[str, Any]:
        """The organization that ran the activity records a volunteer's hours (谁组织谁记录); the record is
        screened (domain.screening) and carries the activity's warnings and its own."""
        activity = self.load(Activity, activity_id, "activity")
        check_acts_for(principal, activity.org_id)
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        if volunteer.org_id != activity.org_id:
            raise InvalidFieldError("volunteer_id", "the volunteer is not registered with this organization",
                                    code="volunteer_of_other_organization")
        # Built first so that the command's own fields are checked first; nothing is saved until the rules
        # across the volunteer's other records below have passed.
        record = ServiceRecord.record(now=self.clock(), actor=principal.actor, org_id=activity.org_id,
                                      activity_id=activity.id, activity_hours=activity.duration_hours,
                                      activity_end=activity.end,
                                      volunteer_id=volunteer.id, hours=hours, content=content,
                                      evaluation=evaluation, paper_recorded_on=paper_recorded_on,
                                      payment=payment, activity_subsidy=activity.subsidy,
                                      activity_warnings=activity.warnings)
        others = self._service_of(volunteer.id)
        check_not_recorded_twice(activity.id, [o["activity_id"] for o in others])
        check_no_overlap((activity.start, activity.end), [(o["start"], o["end"]) for o in others])
        day = service_day(activity.start)
        check_day_total(day, record.hours, [o["hours"] for o in others if service_day(o["start"]) == day])
        self.save_and_project(record)
        return {"id": str(record.id), "version": record.version, "warnings": record.warnings}

    def _service_of(self, volunteer_id: UUID) -> list[dict[str, Any]]:
        """Every current record of one volunteer with its activity's span, in one query over the views.

        Per volunteer id, across organizations: a person registered with two organizations is two Volunteer
        aggregates with two ids, so hours recorded under the other id are not seen here (there is no identity
        across organizations to join on). Read from the views before saving, as for unique public numbers:
        two requests racing for the same volunteer can both pass.
        """
        with self.read() as c:
            rows = c.execute("SELECT r.id AS id, r.activity_id AS activity_id, r.centi_hours AS centi_hours, "
                             "a.start_at AS start_at, a.end_at AS end_at FROM view_records r "
                             "JOIN view_activities a ON a.id = r.activity_id WHERE r.volunteer_id = ?",
                             (str(volunteer_id),)).fetchall()
        return [{"id": r["id"], "activity_id": UUID(r["activity_id"]), "hours": hours_of(r["centi_hours"]),
                 "start": dt.datetime.fromisoformat(r["start_at"]), "end": dt.datetime.fromisoformat(r["end_at"])}
                for r in rows]

    def get_record(self, principal: Principal, record_id: UUID) -> dict[str, Any]:
        """One current record with its warnings: the organization, that volunteer and inspectors."""
        with self.read() as c:
            row = c.execute("SELECT * FROM view_records WHERE id = ?", (str(record_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no service record with id {record_id}")
        check_reads(principal, UUID(row["org_id"]), UUID(row["volunteer_id"]))
        self.account_for_read(principal, UUID(row["volunteer_id"]), "record")
        return record_json(row)

    def get_activity(self, principal: Principal, activity_id: UUID) -> dict[str, Any]:
        """An activity with every Beijing field, its warnings and its participants (count, and each one's masked
        name and volunteer number): the organization that owns it and inspectors."""
        with self.read() as c:
            row = c.execute("SELECT * FROM view_activities WHERE id = ?", (str(activity_id),)).fetchone()
            if row is None:
                raise NotFoundError(f"no activity with id {activity_id}")
            check_owner_or_inspector(principal, UUID(row["org_id"]))
            participants = c.execute(
                "SELECT r.id AS record_id, r.volunteer_id AS volunteer_id, r.centi_hours AS centi_hours, "
                "v.masked_name AS masked_name, v.volunteer_number AS volunteer_number FROM view_records r "
                "JOIN view_volunteers v ON v.id = r.volunteer_id WHERE r.activity_id = ? "
                "ORDER BY v.volunteer_number, r.id", (str(activity_id),)).fetchall()
        # Each participant's hours here are a piece of their record: an inspector's read is accounted to each.
        self.account_for_reads(principal, [UUID(p["volunteer_id"]) for p in participants], "activity")
        return {**activity_json(row), "participant_count": len(participants), "participants": [
            {"volunteer_id": p["volunteer_id"], "masked_name": p["masked_name"],
             "volunteer_number": p["volunteer_number"], "record_id": p["record_id"],
             "hours": str(hours_of(p["centi_hours"]))} for p in participants]}

    def list_org_records(self, principal: Principal, org_id: UUID, *, warnings_only: bool = False,
                         limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """An organization's current records with their warnings, in the order they were recorded (masked names
        only): the organization itself and inspectors. ``warnings_only`` keeps the records an inspector would
        question. Inspectors' reads are accounted per volunteer on the page, in one save (``account_for_reads``)."""
        check_owner_or_inspector(principal, org_id)
        check_page(limit, offset)
        where = "r.org_id = ?" + (" AND r.warning_count > 0" if warnings_only else "")
        with self.read() as c:
            if c.execute("SELECT 1 AS found FROM view_organizations WHERE id = ?", (str(org_id),)).fetchone() is None:
                raise NotFoundError(f"no organization with id {org_id}")
            total = c.execute(f"SELECT COUNT(*) AS n FROM view_records r WHERE {where}", (str(org_id),)).fetchone()
            rows = c.execute(
                "SELECT r.*, v.masked_name AS masked_name, v.volunteer_number AS volunteer_number, "
                "a.name AS activity_name FROM view_records r JOIN view_volunteers v ON v.id = r.volunteer_id "
                f"JOIN view_activities a ON a.id = r.activity_id WHERE {where} "
                "ORDER BY r.recorded_nid LIMIT ? OFFSET ?", (str(org_id), limit, offset)).fetchall()
        self.account_for_reads(principal, [UUID(r["volunteer_id"]) for r in rows], "records")
        return {"org_id": str(org_id), "total": total["n"], "limit": limit, "offset": offset,
                "warnings_only": warnings_only,
                "records": [{**record_json(r), "masked_name": r["masked_name"],
                             "volunteer_number": r["volunteer_number"], "activity_name": r["activity_name"]}
                            for r in rows]}


def yuan_of(fen: int | None) -> str | None:
    """Money kept in the views as integer 分, shown as 元 with two places."""
    return None if fen is None else str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def warnings_of(text: str | None) -> list[dict[str, str]]:
    return list(json.loads(text)) if text else []


def activity_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "org_id": row["org_id"], "name": row["name"], "start": row["start_at"],
            "end": row["end_at"], "place": row["place"], "recipients": row["recipients"], "content": row["content"],
            "leader": row["leader"], "recorder": row["recorder"], "category": row["category"],
            "category_label": category_label(row["category"]), "fee": yuan_of(row["fee_fen"]),
            "subsidy": yuan_of(row["subsidy_fen"]), "warnings": warnings_of(row["warnings"])}


def record_json(row: dict[str, Any]) -> dict[str, Any]:
    """A record as every read answers it (GET record, a volunteer's records, an organization's list)."""
    return {"id": row["id"], "org_id": row["org_id"], "activity_id": row["activity_id"],
            "volunteer_id": row["volunteer_id"], "hours": str(hours_of(row["centi_hours"])),
            "content": row["content"], "evaluation": row["evaluation"],
            "paper_recorded_on": row["paper_recorded_on"], "payment": yuan_of(row["payment_fen"]),
            "warnings": warnings_of(row["warnings"]), "version": row["version"],
            "recorded_at": row["recorded_at"], "amended_at": row["amended_at"]}
