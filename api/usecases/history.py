"""Use cases of a record's life after it was made: amendments with a reason, corrections the volunteer asks for,
and the record's history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from uuid import UUID

from api.usecases.base import UseCases
from domain.access import Principal, check_acts_for, check_history_reader, check_reads
from domain.activity import Activity
from domain.base import VledgerAggregate
from domain.correction import DECLINED, OPEN, check_requested_by_the_volunteer
from domain.errors import LogIntegrityError, NotFoundError
from domain.record import ServiceRecord, check_day_total, service_day
from keys.mapper import unseal
from projections.history import correction_of, history_entry, plain


def correction_json(row: dict[str, Any]) -> dict[str, Any]:
    """One correction request, as its list and the volunteer's export show it."""
    return {"id": row["id"], "record_id": row["record_id"], "status": row["status"],
            "proposed": json.loads(row["proposed"]), "reason": row["reason"], "requested_at": row["requested_at"],
            "requested_by": row["requested_by"], "requested_version": row["requested_version"],
            "resolved_at": row["resolved_at"], "resolved_by": row["resolved_by"],
            "resolution_reason": row["resolution_reason"], "resolved_version": row["resolved_version"]}


class HistoryCases(UseCases):
    """Amendments with a reason, corrections, and the full history of a record."""

    def amend_record(self, principal: Principal, record_id: UUID, *, reason: str | None, hours: Any = None,
                     content: str | None = None, evaluation: str | None = None,
                     correction_id: UUID | None = None) -> dict[str, Any]:
        """Correct a record with a reason; the old values stay in its history. Naming the volunteer's open
        correction request (``correction_id``) resolves it as amended."""
        record = self.load(ServiceRecord, record_id, "service record")
        check_acts_for(principal, record.org_id)
        activity = self.load(Activity, record.activity_id, "activity")
        before = record.hours
        record.amend(now=self.clock(), actor=principal.actor, reason=reason, activity_hours=activity.duration_hours,
                     hours=hours, content=content, evaluation=evaluation, correction_id=correction_id)
        if record.hours > before:
            # Only a rise can break the 24-hour rule; lowering hours stays possible even on a day recorded before
            # the rule existed. The record itself is left out of the day's other hours (its old value is replaced).
            day = service_day(activity.start)
            check_day_total(day, record.hours, [o["hours"] for o in self._service_of(record.volunteer_id)
                                                if o["id"] != str(record.id) and service_day(o["start"]) == day])
        self.save_and_project(record)
        answer: dict[str, Any] = {"id": str(record.id), "version": record.version}
        if correction_id is not None:
            answer["correction"] = {"id": str(correction_id), "status": "amended"}
        return answer

    # -- corrections (domain.correction) ------------------------------------------------------------------------

    def request_correction(self, principal: Principal, record_id: UUID, *, reason: str | None, hours: Any = None,
                           content: str | None = None, evaluation: str | None = None) -> dict[str, Any]:
        """The volunteer the record is about asks its organization to correct it: what and why."""
        record = self.load(ServiceRecord, record_id, "service record")
        check_requested_by_the_volunteer(principal, record.volunteer_id)
        activity = self.load(Activity, record.activity_id, "activity")
        correction_id = record.request_correction(now=self.clock(), actor=principal.actor, reason=reason,
                                                  activity_hours=activity.duration_hours, hours=hours,
                                                  content=content, evaluation=evaluation)
        self.save_and_project(record)
        return {"id": str(correction_id), "record_id": str(record.id), "status": OPEN, "version": record.version}

    def decline_correction(self, principal: Principal, record_id: UUID, correction_id: UUID, *,
                           reason: str | None) -> dict[str, Any]:
        """The record's organization declines an open correction request, saying why."""
        record = self.load(ServiceRecord, record_id, "service record")
        check_acts_for(principal, record.org_id)
        record.decline_correction(now=self.clock(), actor=principal.actor, correction_id=correction_id,
                                  reason=reason)
        self.save_and_project(record)
        return {"id": str(correction_id), "record_id": str(record.id), "status": DECLINED,
                "version": record.version}

    def list_corrections(self, principal: Principal, record_id: UUID) -> dict[str, Any]:
        """A record's correction requests with their outcomes: the organization, that volunteer and inspectors."""
        with self.read() as c:
            head = c.execute("SELECT org_id, volunteer_id FROM view_records WHERE id = ?", (str(record_id),)).fetchone()
            if head is None:
                raise NotFoundError(f"no service record with id {record_id}")
            check_reads(principal, UUID(head["org_id"]), UUID(head["volunteer_id"]))
            rows = c.execute("SELECT * FROM view_corrections WHERE record_id = ? ORDER BY requested_version",
                             (str(record_id),)).fetchall()
        self.account_for_read(principal, UUID(head["volunteer_id"]), "record")  # its correction requests
        return {"record_id": str(record_id), "corrections": [correction_json(r) for r in rows]}

    # -- history ------------------------------------------------------------------------------------------------

    def record_history(self, principal: Principal, record_id: UUID) -> dict[str, Any]:
        """Every event of a record: who, when, what changed, why, whether it still verifies, and which of the
        record's certificates had been issued before it.

        Built from the stored rows themselves, each decoded through the verifying mapper and replayed
        under the aggregate's authority rule: what is shown is exactly what was checked. "Before" is by position
        in the log (the notification order the transparency log commits to), read from the history index; an
        event the index lacks is placed by its time.
        """
        with self.read() as c:
            head = c.execute("SELECT org_id, volunteer_id FROM view_records WHERE id = ?", (str(record_id),)).fetchone()
            if head is None:
                raise NotFoundError(f"no service record with id {record_id}")
            check_history_reader(principal, UUID(head["org_id"]))
            indexed = c.execute("SELECT version, notification_id FROM view_history WHERE aggregate_id = ? "
                                "ORDER BY version", (str(record_id),)).fetchall()
            # Certificates are per volunteer: only this volunteer's can have been built on this record.
            certs = c.execute("SELECT id, number, issued_at, records, status, notification_id FROM view_certificates "
                              "WHERE volunteer_id = ? ORDER BY notification_id", (head["volunteer_id"],)).fetchall()
        self.account_for_read(principal, UUID(head["volunteer_id"]), "history")
        events: list[dict[str, Any]] = []
        record: Any = None
        for stored in self.recorder.select_events(record_id):
            entry: dict[str, Any] = {"version": stored.originator_version, "type": stored.topic.rsplit(".", 1)[-1],
                                     "at": None, "actor": None, "authority": None, "key_id": None, "changes": {},
                                     "reason": None, "signature_valid": False, "signature_problem": None,
                                     "correction": None}
            events.append(entry)
            sealed = unseal(stored.state)
            entry["key_id"] = sealed.key_id.hex() if sealed else None
            try:
                event: Any = self.mapper.to_domain_event(stored)
                if record is None and not isinstance(event, VledgerAggregate.Created):
                    # The creating event failed its check: there is no record to replay this one onto. Its own
                    # signature held, so say who made it and when, but not what it changed.
                    entry.update(at=event.timestamp.isoformat(), actor=event.actor, authority=event.authority,
                                 signature_valid=True, signature_problem="follows_unverifiable_event")
                    continue
                record = event.mutate(record)  # refuses an event made for another authority
            except LogIntegrityError as e:
                entry["signature_problem"] = e.code
                continue
            described = history_entry(event) or ({}, None)
            entry.update(at=event.timestamp.isoformat(), actor=event.actor, authority=event.authority,
                         changes=plain(described[0]), reason=described[1], signature_valid=True,
                         correction=correction_of(event))
        issued = [(cert, ref) for cert in certs for ref in json.loads(cert["records"]) if ref["id"] == str(record_id)]
        position = {r["version"]: r["notification_id"] for r in indexed}
        for entry in events:
            entry["certificates_issued_before"] = [
                cert["number"] for cert, _ in issued
                if _issued_before(cert, position.get(entry["version"]), entry["at"])]
        versions = [e["version"] for e in events]
        intact = (all(e["signature_valid"] for e in events) and versions == list(range(1, len(events) + 1))
                  and versions == [r["version"] for r in indexed])
        return {"record_id": str(record_id), "intact": intact, "events": events,
                "certificates": [_certificate_entry(cert, ref, events) for cert, ref in issued]}


def _issued_before(cert: dict[str, Any], notification_id: int | None, at: str | None) -> bool:
    """Whether a certificate was issued before an event: by log position when the event's is known, else by time
    (an event that neither verifies nor is indexed cannot be placed: not before)."""
    if notification_id is not None:
        return bool(cert["notification_id"] < notification_id)
    if at is None:
        return False
    return dt.datetime.fromisoformat(cert["issued_at"]) < dt.datetime.fromisoformat(at)


def _certificate_entry(cert: dict[str, Any], ref: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """A certificate built on this record: the record version and hours it was based on, and the amendments
    since — a certificate whose record changed afterwards states what the record no longer says."""
    amended_since = [e["version"] for e in events if e["type"] == "Amended" and e["version"] > ref["version"]]
    return {"certificate_id": cert["id"], "number": cert["number"], "issued_at": cert["issued_at"],
            "status": cert["status"], "record_version": ref["version"], "record_hours": ref.get("hours"),
            "record_changed_since": bool(amended_since), "amended_in_versions": amended_since}
