"""Certificate requests: a volunteer asks for a certificate (志愿服务记录证明), the organization issues it from its
records or declines with a reason.

Certificates are issued free of charge, truthfully and only from the records (条例 art.19; domain.md,
"Certificates": 谁记录谁证明). A volunteer may ask even without records: the organization then declines with a
reason, or its attempt to issue fails (``no_records``) and the request stays open for a decision.

The request belongs to the organization that decides it (``org_id``, whose key signs its events): the one that
kept the volunteer's records (``records_org_id``) or, once that one is dissolved, its successor
(``domain.succession``). States: ``open`` → ``fulfilled`` (naming the certificate issued from it, saved in the
same write as the certificate) | ``declined`` (with a reason). One open request per volunteer and organization.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid4

from domain.access import Principal, check_is_the_volunteer
from domain.base import VledgerAggregate, check_text
from domain.errors import ConflictError, ForbiddenError, RuleViolationError
from domain.volunteer import check_date

MAX_PURPOSE = 100  # e.g. 升学, 求职, 评优: what the certificate is for, in a few words
MAX_REASON = 500


class RequestStatus(StrEnum):
    """Where a request stands: open until the organization issues from it or declines it."""

    OPEN = "open"
    FULFILLED = "fulfilled"
    DECLINED = "declined"


def check_period(period_start: Any, period_end: Any) -> tuple[dt.date | None, dt.date | None]:
    """An optional period of service to certify; a reversed one could never select a record."""
    start = None if period_start is None else check_date("period_start", period_start)
    end = None if period_end is None else check_date("period_end", period_end)
    if start is not None and end is not None and start > end:
        raise RuleViolationError("period_start is after period_end", code="empty_period")
    return start, end


def check_none_open(open_request_ids: list[str]) -> None:
    """One open request per volunteer and organization: the organization answers it before the next (409)."""
    if open_request_ids:
        raise ConflictError(f"certificate request {open_request_ids[0]} is still open with this organization; wait "
                            "for it to issue the certificate or decline the request", code="request_already_open")


def check_asked_by_the_volunteer(principal: Principal, volunteer_id: UUID) -> None:
    """Only the volunteer asks for their own certificate: the organization issues directly when it means to."""
    check_is_the_volunteer(principal, volunteer_id, "only the volunteer may ask for their own certificate",
                           code="not_your_request")


def check_request_reader(principal: Principal, org_id: UUID, records_org_id: UUID, volunteer_id: UUID) -> None:
    """A request is read by its volunteer, the organization that decides it, the one whose records it is about
    (the same one until a dissolution), and inspectors."""
    if principal.role == "inspector":
        return
    if principal.role == "organization" and principal.org_id in (org_id, records_org_id):
        return
    if principal.role == "volunteer" and principal.subject == str(volunteer_id):
        return
    raise ForbiddenError("only the volunteer, the organization deciding the request and inspectors may read it",
                         code="not_yours")


class CertificateRequest(VledgerAggregate):
    """A volunteer's request for a certificate, decided by the organization that holds their records."""

    ORG_OWNED = True

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID  # decides the request and issues the certificate
    records_org_id: UUID  # kept the records (differs from org_id once it was dissolved)
    volunteer_id: UUID
    period_start: dt.date | None
    period_end: dt.date | None
    purpose: str | None
    status: str
    certificate_id: UUID | None
    decline_reason: str | None

    class CertificateRequested(VledgerAggregate.Created):
        org_id: UUID
        records_org_id: UUID
        volunteer_id: UUID
        period_start: dt.date | None
        period_end: dt.date | None
        purpose: str | None

        def apply(self, aggregate: CertificateRequest) -> None:
            for field in ("org_id", "records_org_id", "volunteer_id", "period_start", "period_end", "purpose"):
                setattr(aggregate, field, getattr(self, field))
            aggregate.status = RequestStatus.OPEN.value
            aggregate.certificate_id = None
            aggregate.decline_reason = None

    class RequestFulfilled(VledgerAggregate.Event):
        certificate_id: UUID

        def apply(self, aggregate: CertificateRequest) -> None:
            aggregate.status = RequestStatus.FULFILLED.value
            aggregate.certificate_id = self.certificate_id

    class RequestDeclined(VledgerAggregate.Event):
        reason: str

        def apply(self, aggregate: CertificateRequest) -> None:
            aggregate.status = RequestStatus.DECLINED.value
            aggregate.decline_reason = self.reason

    @classmethod
    def ask(cls, *, now: dt.datetime, actor: str, org_id: UUID, records_org_id: UUID, volunteer_id: UUID,
            period_start: Any = None, period_end: Any = None, purpose: str | None = None) -> CertificateRequest:
        """The volunteer asks ``org_id`` for a certificate of their service kept by ``records_org_id``, optionally
        for a period and saying what it is for. No fee is asked or recorded: certificates are free."""
        start, end = check_period(period_start, period_end)
        return cls._create(cls.CertificateRequested, id=uuid4(), timestamp=now, actor=actor, authority=str(org_id),
                           org_id=org_id, records_org_id=records_org_id, volunteer_id=volunteer_id,
                           period_start=start, period_end=end,
                           purpose=check_text("purpose", purpose, max_length=MAX_PURPOSE, required=False) or None)

    def check_open(self) -> None:
        """A request is decided once (409)."""
        if self.status != RequestStatus.OPEN.value:
            raise ConflictError(f"the certificate request was already {self.status}; it cannot be decided again",
                                code="request_closed")

    def fulfil(self, *, now: dt.datetime, actor: str, certificate_id: UUID) -> None:
        """The organization issued ``certificate_id`` from this request (saved with the certificate itself)."""
        self.check_open()
        self.trigger_event(self.RequestFulfilled, timestamp=now, actor=actor, authority=str(self.org_id),
                           certificate_id=certificate_id)

    def decline(self, *, now: dt.datetime, actor: str, reason: str | None) -> None:
        """The organization declines, always with a reason the volunteer can read (e.g. no records in the period)."""
        self.check_open()
        why = check_text("reason", reason, max_length=MAX_REASON)
        self.trigger_event(self.RequestDeclined, timestamp=now, actor=actor, authority=str(self.org_id), reason=why)
