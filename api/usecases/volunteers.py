"""Use cases of volunteers: registration, the training, awards and evaluations on their record, what they and
others may read of them, and the export of all their data to themselves."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from api.usecases.base import UseCases
from api.usecases.history import correction_json
from api.usecases.records import activity_json, record_json
from domain.access import Principal, check_acts_for, check_is_the_volunteer, check_reads
from domain.errors import ConflictError, NotFoundError
from domain.organization import Organization
from domain.volunteer import Volunteer, new_volunteer_number
from projections.base import hours_of
from projections.inspectors import reads_of

log = logging.getLogger("vledger")

# The account of inspectors' reads (another view); the export includes it when the instance keeps one.
EXPORT_FORMAT = "vledger-volunteer-export/1"


def check_exports(principal: Principal, volunteer_id: UUID) -> None:
    """Only the volunteer exports their complete data (PIPL art.45: the individual's right to copy and to transfer
    their personal information).

    Not the organization, although it holds the same data: the export is the one answer that carries the full ID
    number, phone and e-mail (条例 art.20: never disclosed without consent), and an organization token that
    could pull it for every volunteer would turn a leaked token into a leaked register. The organization already
    reads what it needs through the other endpoints; a volunteer may hand their export to whomever they choose.
    Not inspectors either: they read records and histories (each read accounted for), never the full ID number.
    """
    check_is_the_volunteer(principal, volunteer_id, "only the volunteer may export their own data",
                           code="export_is_the_volunteers")


class VolunteerCases(UseCases):
    """Use cases of volunteers: registration, their record besides service hours, reads and the export."""

    # -- volunteers ------------------------------------------------------------------------------------------

    def register_volunteer(self, principal: Principal, org_id: UUID, *, name: str, id_number: str,
                           id_type: str = "resident_id", gender: str | None = None,
                           birth_date: dt.date | None = None, phone: str | None = None, email: str | None = None,
                           guardian_consent: bool = False) -> dict[str, Any]:
        """An organization registers a volunteer; the volunteer gets a token for their own data."""
        check_acts_for(principal, org_id)
        self.load(Organization, org_id, "organization")
        now = self.clock()
        number = self._unused(lambda: new_volunteer_number(now), "view_volunteers", "volunteer_number")
        volunteer = Volunteer.register(now=now, actor=principal.actor, org_id=org_id, name=name,
                                       id_number=id_number, id_type=id_type, gender=gender, birth_date=birth_date,
                                       phone=phone, email=email, volunteer_number=number,
                                       guardian_consent=guardian_consent)
        with self.read() as c:
            if c.execute("SELECT 1 AS found FROM view_volunteers WHERE org_id = ? AND id_digest = ?",
                         (str(org_id), self.id_digest(volunteer.id_type, volunteer.id_number))).fetchone():
                raise ConflictError("a volunteer with this ID document is already registered with this organization",
                                    code="duplicate_volunteer")
        token, secret = self._new_token(now, principal.actor, str(org_id), "volunteer", str(volunteer.id), org_id)
        self.save_and_project(volunteer, token)
        log.info("volunteer registered id=%s org=%s", volunteer.id, org_id)
        return {"id": str(volunteer.id), "volunteer_number": volunteer.volunteer_number,
                "masked_name": volunteer.masked_name, "token": secret}

    def issue_volunteer_token(self, principal: Principal, volunteer_id: UUID) -> dict[str, Any]:
        """The organization gives a volunteer a (new) token for their own data: volunteers created by a paper
        import get none (a file of thousands of one-time secrets has nowhere safe to go), and tokens get lost.
        Earlier tokens stay valid; the secret is shown once and kept only as a hash."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        check_acts_for(principal, volunteer.org_id)
        token, secret = self._new_token(self.clock(), principal.actor, str(volunteer.org_id), "volunteer",
                                        str(volunteer.id), volunteer.org_id)
        self.save_and_project(token)
        return {"volunteer_id": str(volunteer.id), "token": secret}

    # -- training, awards, evaluations (条例 art.19; 办法 art.4) -------------------------------------------------

    def record_training(self, principal: Principal, volunteer_id: UUID, **fields: Any) -> dict[str, Any]:
        """The volunteer's organization records a training: title, provider, date, hours."""
        return self._add_to_record(principal, volunteer_id, lambda v, now: v.record_training(
            now=now, actor=principal.actor, **fields))

    def record_award(self, principal: Principal, volunteer_id: UUID, **fields: Any) -> dict[str, Any]:
        """The volunteer's organization records an award: title, awarded_by, date, level."""
        return self._add_to_record(principal, volunteer_id, lambda v, now: v.record_award(
            now=now, actor=principal.actor, **fields))

    def record_evaluation(self, principal: Principal, volunteer_id: UUID, **fields: Any) -> dict[str, Any]:
        """The volunteer's organization records an evaluation: period_start, period_end, rating, comment."""
        return self._add_to_record(principal, volunteer_id, lambda v, now: v.record_evaluation(
            now=now, actor=principal.actor, **fields))

    def _add_to_record(self, principal: Principal, volunteer_id: UUID,
                       command: Callable[[Volunteer, dt.datetime], UUID]) -> dict[str, Any]:
        # The organization the volunteer is registered with keeps their record (谁组织谁记录).
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        check_acts_for(principal, volunteer.org_id)
        entry_id = command(volunteer, self.clock())
        self.save_and_project(volunteer)
        return {"id": str(entry_id), "volunteer_id": str(volunteer.id), "version": volunteer.version}

    # -- reads -------------------------------------------------------------------------------------------------

    def get_volunteer(self, principal: Principal, volunteer_id: UUID) -> dict[str, Any]:
        """Basic information (never the full ID number or the contact), totals, star level, current records,
        training, awards and evaluations of one volunteer."""
        with self.read() as c:
            row = c.execute("SELECT v.*, t.centi_hours, t.record_count, t.star_level FROM view_volunteers v "
                            "JOIN view_volunteer_totals t ON t.volunteer_id = v.id WHERE v.id = ?",
                            (str(volunteer_id),)).fetchone()
            if row is None:
                raise NotFoundError(f"no volunteer with id {volunteer_id}")
            check_reads(principal, UUID(row["org_id"]), volunteer_id)
            records = c.execute("SELECT * FROM view_records WHERE volunteer_id = ? ORDER BY recorded_at",
                                (str(volunteer_id),)).fetchall()
            extras = _record_extras(c, str(volunteer_id))
        self.account_for_read(principal, volunteer_id, "volunteer")
        return {
            "id": row["id"], "org_id": row["org_id"], "name": row["name"], "masked_name": row["masked_name"],
            "volunteer_number": row["volunteer_number"], "id_type": row["id_type"],
            "id_number_tail": row["id_tail"], "gender": row["gender"], "birth_date": row["birth_date"],
            "guardian_consent": bool(row["guardian_consent"]),
            "contact": {"phone_given": bool(row["has_phone"]), "email_given": bool(row["has_email"])},
            "total_hours": str(hours_of(row["centi_hours"])), "record_count": row["record_count"],
            "star_level": row["star_level"], "records": [record_json(r) for r in records], **extras,
        }

    # -- portability (PIPL art.45) -----------------------------------------------------------------------------

    def export_volunteer(self, principal: Principal, volunteer_id: UUID) -> dict[str, Any]:
        """Everything vledger holds about one volunteer, for that volunteer: basic information with the full ID
        number and contact, records with their histories, training, awards, evaluations, certificates, correction
        requests, totals and star level, and who among inspectors read their data. The caller must not let it
        be cached (the router sends ``Cache-Control: no-store``)."""
        check_exports(principal, volunteer_id)
        # The signed log, not a view, for the personal data: the views never hold the full ID number or contact.
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        vid = str(volunteer_id)
        with self.read() as c:
            org = c.execute("SELECT name FROM view_organizations WHERE id = ?", (str(volunteer.org_id),)).fetchone()
            registered = c.execute("SELECT registered_at FROM view_volunteers WHERE id = ?", (vid,)).fetchone()
            totals = c.execute("SELECT * FROM view_volunteer_totals WHERE volunteer_id = ?", (vid,)).fetchone()
            records = c.execute("SELECT * FROM view_records WHERE volunteer_id = ? ORDER BY recorded_at",
                                (vid,)).fetchall()
            activities = {a["id"]: activity_json(a) for a in c.execute(
                "SELECT a.* FROM view_activities a JOIN view_records r ON r.activity_id = a.id "
                "WHERE r.volunteer_id = ?", (vid,)).fetchall()}
            history = c.execute("SELECT h.* FROM view_history h JOIN view_records r ON r.id = h.aggregate_id "
                                "WHERE r.volunteer_id = ? ORDER BY h.notification_id", (vid,)).fetchall()
            certificates = c.execute("SELECT * FROM view_certificates WHERE volunteer_id = ? ORDER BY issued_at",
                                     (vid,)).fetchall()
            corrections = _corrections_of_volunteer(c, vid)
            extras = _record_extras(c, vid)
            reads = reads_of(c, vid)
        events_of: dict[str, list[dict[str, Any]]] = {}
        for h in history:
            events_of.setdefault(h["aggregate_id"], []).append(
                {"version": h["version"], "type": h["type"], "at": h["at"], "actor": h["actor"],
                 "changes": json.loads(h["changes"]), "reason": h["reason"]})
        log.info("volunteer data exported id=%s", volunteer_id)
        return {
            "format": EXPORT_FORMAT,
            "exported_at": self.clock().isoformat(),
            "volunteer": {
                "id": vid, "organization": {"id": str(volunteer.org_id), "name": org["name"] if org else None},
                "name": volunteer.name, "id_type": volunteer.id_type, "id_number": volunteer.id_number,
                "gender": volunteer.gender,
                "birth_date": volunteer.birth_date.isoformat() if volunteer.birth_date else None,
                "phone": volunteer.phone, "email": volunteer.email, "volunteer_number": volunteer.volunteer_number,
                "guardian_consent": volunteer.guardian_consent,
                "registered_at": registered["registered_at"] if registered else None,
            },
            "total_hours": str(hours_of(totals["centi_hours"])) if totals else "0.00",
            "record_count": totals["record_count"] if totals else 0,
            "star_level": totals["star_level"] if totals else 0,
            "records": [{**record_json(r), "activity": activities.get(r["activity_id"]),
                         "history": events_of.get(r["id"], [])} for r in records],
            **extras,
            "certificates": [_certificate_json(row, self.settings.public_url) for row in certificates],
            "corrections": corrections,
            "personal_data_reads": reads,
        }


def _record_extras(c: Any, volunteer_id: str) -> dict[str, list[dict[str, Any]]]:
    """Training, awards and evaluations of one volunteer, oldest first."""
    trainings = c.execute("SELECT * FROM view_trainings WHERE volunteer_id = ? ORDER BY version",
                          (volunteer_id,)).fetchall()
    awards = c.execute("SELECT * FROM view_awards WHERE volunteer_id = ? ORDER BY version", (volunteer_id,)).fetchall()
    evaluations = c.execute("SELECT * FROM view_evaluations WHERE volunteer_id = ? ORDER BY version",
                            (volunteer_id,)).fetchall()
    return {
        "trainings": [{"id": t["id"], "title": t["title"], "provider": t["provider"], "date": t["held_on"],
                       "hours": str(hours_of(t["centi_hours"])), "recorded_at": t["recorded_at"]} for t in trainings],
        "awards": [{"id": a["id"], "title": a["title"], "awarded_by": a["awarded_by"], "date": a["awarded_on"],
                    "level": a["level"], "recorded_at": a["recorded_at"]} for a in awards],
        "evaluations": [{"id": e["id"], "period_start": e["period_start"], "period_end": e["period_end"],
                         "rating": e["rating"], "comment": e["comment"], "recorded_at": e["recorded_at"]}
                        for e in evaluations],
    }


def _corrections_of_volunteer(c: Any, volunteer_id: str) -> list[dict[str, Any]]:
    rows = c.execute("SELECT k.* FROM view_corrections k JOIN view_records r ON r.id = k.record_id "
                     "WHERE r.volunteer_id = ? ORDER BY k.requested_at", (volunteer_id,)).fetchall()
    return [correction_json(r) for r in rows]


def _certificate_json(row: dict[str, Any], public_url: str) -> dict[str, Any]:
    return {"id": row["id"], "number": row["number"], "hours": str(hours_of(row["centi_hours"])),
            "period_start": row["period_start"], "period_end": row["period_end"], "issue_date": row["issue_date"],
            "status": row["status"], "revocation_reason": row["revocation_reason"],
            "records": json.loads(row["records"]),
            # The address the QR code opens: anyone holding it sees the verdict and the masked name only.
            "verification_url": f"{public_url}/V/{row['code']}"}
