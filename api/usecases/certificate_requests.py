"""Use cases of certificate requests: a volunteer asks, the organization issues from the request or declines it."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from api.usecases.base import check_page
from api.usecases.certificates import CertificateCases
from domain.access import Principal, check_acts_for, check_owner_or_inspector
from domain.base import VledgerAggregate
from domain.certificate import Certificate
from domain.certificate_request import (
    CertificateRequest,
    RequestStatus,
    check_asked_by_the_volunteer,
    check_none_open,
    check_request_reader,
)
from domain.errors import InvalidFieldError, NotFoundError
from domain.inspector import ReadWhat
from domain.record import service_day
from domain.succession import holder_of
from domain.volunteer import Volunteer
from projections.base import hours_of
from projections.certificate_requests import successors_of

# A request whose deciding organization was dissolved while it was open: nobody can decide it any more (its
# events would be that organization's). Shown as lapsed, with the successor the volunteer can ask instead.
LAPSED = "lapsed"
# An inspector reading requests reads the volunteer's service summary: accounted as a read of the volunteer.
READ_WHAT = ReadWhat.VOLUNTEER.value

class CertificateRequestCases(CertificateCases):
    """Use cases of certificate requests: ask, read, issue from one, decline one. Built on the certificates' use
    cases: a request is fulfilled by issuing through them."""

    def request_certificate(self, principal: Principal, volunteer_id: UUID, *, period_start: dt.date | None = None,
                            period_end: dt.date | None = None, purpose: str | None = None) -> dict[str, Any]:
        """The volunteer asks the organization holding their records (the one that kept them, or its successor)
        for a certificate, optionally for a period and a purpose. Free: there is nothing to pay."""
        check_asked_by_the_volunteer(principal, volunteer_id)
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        with self.read() as c:
            holder = holder_of(volunteer.org_id, successors_of(c))
            open_ids = [r["id"] for r in c.execute(
                "SELECT id FROM view_certificate_requests WHERE volunteer_id = ? AND org_id = ? AND status = ?",
                (str(volunteer_id), str(holder), RequestStatus.OPEN.value)).fetchall()]
        # Built first, so that the request's own fields are checked before the state across requests.
        request = CertificateRequest.ask(now=self.clock(), actor=principal.actor, org_id=holder,
                                         records_org_id=volunteer.org_id, volunteer_id=volunteer_id,
                                         period_start=period_start, period_end=period_end, purpose=purpose)
        check_none_open(open_ids)
        self.save_and_project(request)
        return self.get_certificate_request(principal, request.id)

    def get_certificate_request(self, principal: Principal, request_id: UUID) -> dict[str, Any]:
        """One request with its outcome and, to decide it, how many records and hours fall in its period: its
        volunteer, the organization deciding it (and the one that kept the records), inspectors."""
        with self.read() as c:
            row = c.execute(f"{REQUEST_SELECT} WHERE q.id = ?", (str(request_id),)).fetchone()
            if row is None:
                raise NotFoundError(f"no certificate request with id {request_id}")
            check_request_reader(principal, UUID(row["org_id"]), UUID(row["records_org_id"]),
                                 UUID(row["volunteer_id"]))
            service = c.execute("SELECT r.centi_hours AS centi_hours, a.start_at AS start_at FROM view_records r "
                                "JOIN view_activities a ON a.id = r.activity_id "
                                "WHERE r.volunteer_id = ? AND r.org_id = ?",
                                (row["volunteer_id"], row["records_org_id"])).fetchall()
        self.account_for_read(principal, UUID(row["volunteer_id"]), READ_WHAT)
        return {**request_json(row), "records_in_period": records_in_period(row, service)}

    def list_org_certificate_requests(self, principal: Principal, org_id: UUID, *, status: str | None = None,
                                      limit: int = 100, offset: int = 0) -> dict[str, Any]:
        """The requests an organization decides, oldest first, optionally of one status (``open``: its to-do
        list): the organization itself and inspectors."""
        check_owner_or_inspector(principal, org_id, "its certificate requests")
        check_page(limit, offset)
        where, params = "q.org_id = ?", [str(org_id)]
        if status is not None:
            try:
                params.append(RequestStatus(status).value)
            except ValueError:
                allowed = ", ".join(s.value for s in RequestStatus)
                raise InvalidFieldError("status", f"expected one of {allowed}") from None
            where += " AND q.status = ?"
        with self.read() as c:
            if c.execute("SELECT 1 AS found FROM view_organizations WHERE id = ?", (str(org_id),)).fetchone() is None:
                raise NotFoundError(f"no organization with id {org_id}")
            total = c.execute(f"SELECT COUNT(*) AS n FROM view_certificate_requests q WHERE {where}",
                              tuple(params)).fetchone()["n"]
            rows = c.execute(f"{REQUEST_SELECT} WHERE {where} ORDER BY q.requested_nid LIMIT ? OFFSET ?",
                             (*params, limit, offset)).fetchall()
        self.account_for_reads(principal, [UUID(r["volunteer_id"]) for r in rows], READ_WHAT)
        return {"org_id": str(org_id), "status": status, "total": int(total), "limit": limit, "offset": offset,
                "requests": [request_json(r) for r in rows]}

    def list_volunteer_certificate_requests(self, principal: Principal, volunteer_id: UUID) -> dict[str, Any]:
        """A volunteer's requests and their outcomes, oldest first: the volunteer, the organization that keeps
        their records (or holds them as successor), inspectors."""
        with self.read() as c:
            volunteer = c.execute("SELECT org_id FROM view_volunteers WHERE id = ?", (str(volunteer_id),)).fetchone()
            if volunteer is None:
                raise NotFoundError(f"no volunteer with id {volunteer_id}")
            records_org = UUID(volunteer["org_id"])
            check_request_reader(principal, holder_of(records_org, successors_of(c)), records_org, volunteer_id)
            rows = c.execute(f"{REQUEST_SELECT} WHERE q.volunteer_id = ? ORDER BY q.requested_nid",
                             (str(volunteer_id),)).fetchall()
        self.account_for_read(principal, volunteer_id, READ_WHAT)
        return {"volunteer_id": str(volunteer_id), "requests": [request_json(r) for r in rows]}

    def issue_from_request(self, principal: Principal, request_id: UUID, *, person_in_charge: str | None = None,
                           handler: str | None = None, contact: str | None = None) -> dict[str, Any]:
        """The deciding organization issues the certificate asked for, from its records and for the period asked;
        the request is fulfilled in the same atomic write as the certificate. With no records in that period the
        issuance fails (422 ``no_records``), nothing is written and the request stays open to be declined."""
        request = self.load(CertificateRequest, request_id, "certificate request")
        check_acts_for(principal, request.org_id)
        request.check_open()

        def fulfilled(certificate: Certificate) -> list[VledgerAggregate]:
            request.fulfil(now=certificate.created_on, actor=principal.actor, certificate_id=certificate.id)
            return [request]

        issued: dict[str, Any] = self.issue_certificate(
            principal, request.volunteer_id, period_start=request.period_start, period_end=request.period_end,
            person_in_charge=person_in_charge, handler=handler, contact=contact, along=fulfilled)
        return {**issued, "request_id": str(request.id)}

    def decline_certificate_request(self, principal: Principal, request_id: UUID, *,
                                    reason: str | None) -> dict[str, Any]:
        """The deciding organization declines, with a reason the volunteer reads."""
        request = self.load(CertificateRequest, request_id, "certificate request")
        check_acts_for(principal, request.org_id)
        request.decline(now=self.clock(), actor=principal.actor, reason=reason)
        self.save_and_project(request)
        return self.get_certificate_request(principal, request_id)


# Each request with what a reader needs next to it: the volunteer's masked name and number, the number of the
# certificate issued from it, and the successor when its organization was dissolved while it was open.
REQUEST_SELECT = (
    "SELECT q.*, v.masked_name AS masked_name, v.volunteer_number AS volunteer_number, "
    "c.number AS certificate_number, d.successor_id AS successor_id FROM view_certificate_requests q "
    "JOIN view_volunteers v ON v.id = q.volunteer_id "
    "LEFT JOIN view_certificates c ON c.id = q.certificate_id "
    "LEFT JOIN view_dissolutions d ON d.org_id = q.org_id"
)


def request_json(row: dict[str, Any]) -> dict[str, Any]:
    lapsed = row["status"] == RequestStatus.OPEN.value and row["successor_id"] is not None
    return {"id": row["id"], "org_id": row["org_id"], "records_org_id": row["records_org_id"],
            "volunteer_id": row["volunteer_id"], "masked_name": row["masked_name"],
            "volunteer_number": row["volunteer_number"], "status": LAPSED if lapsed else row["status"],
            "period_start": row["period_start"], "period_end": row["period_end"], "purpose": row["purpose"],
            "requested_at": row["requested_at"], "decided_at": row["decided_at"], "decided_by": row["decided_by"],
            "reason": row["reason"], "certificate_id": row["certificate_id"],
            "certificate_number": row["certificate_number"],
            "ask_successor": row["successor_id"] if lapsed else None}


def records_in_period(row: dict[str, Any], service: list[dict[str, Any]]) -> dict[str, Any]:
    """How many of the volunteer's records, and how many hours, a certificate for the request would cite (a record
    counts on the day its activity started, as ``domain.certificate.summarize`` counts it)."""
    start = dt.date.fromisoformat(row["period_start"]) if row["period_start"] else None
    end = dt.date.fromisoformat(row["period_end"]) if row["period_end"] else None
    days = [(s, service_day(dt.datetime.fromisoformat(s["start_at"]))) for s in service]  # China days, as summarize
    chosen = [s for s, day in days if (start is None or day >= start) and (end is None or day <= end)]
    return {"count": len(chosen), "hours": str(hours_of(sum(s["centi_hours"] for s in chosen)))}
