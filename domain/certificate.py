"""Certificates (志愿服务记录证明): issued only from records, free of charge, revocable with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.base import VledgerAggregate, check_text
from domain.errors import ConflictError, RuleViolationError


def certificate_number(certificate_id: UUID, issue_date: dt.date) -> str:
    """Printed number: issue date and 48 bits of the random id (the application checks it is unused)."""
    return f"VC{issue_date:%Y%m%d}{certificate_id.hex[:12].upper()}"


def summarize(records: list[dict[str, Any]], period_start: dt.date | None, period_end: dt.date | None) -> tuple[
        list[dict[str, Any]], Decimal, dt.date, dt.date]:
    """Pick the records inside the period and total them; each record dict has id, version, hours, day."""
    # Checked first: a reversed period selects nothing and would otherwise be reported as "no records".
    if period_start is not None and period_end is not None and period_start > period_end:
        raise RuleViolationError("period_start is after period_end", code="empty_period")
    chosen = [r for r in records
              if (period_start is None or r["day"] >= period_start) and (period_end is None or r["day"] <= period_end)]
    if not chosen:
        raise RuleViolationError("a certificate is issued only from records, and this volunteer has none "
                                 "in the requested period", code="no_records")
    total = sum((Decimal(r["hours"]) for r in chosen), Decimal(0))
    start = period_start or min(r["day"] for r in chosen)
    end = period_end or max(r["day"] for r in chosen)
    return chosen, total, start, end


class Certificate(VledgerAggregate):
    """A signed summary of a volunteer's records, carried as a QR code."""

    ORG_OWNED = True

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID
    volunteer_id: UUID
    number: str
    masked_name: str
    hours: Decimal
    period_start: dt.date
    period_end: dt.date
    issue_date: dt.date
    records: list[dict[str, Any]]
    key_id: str
    code: str
    records_org_id: UUID  # the organization that kept the records; ``org_id`` issued (a successor may differ)
    person_in_charge: str | None
    handler: str | None
    contact: str | None
    revoked: bool
    revocation_reason: str | None

    class Issued(VledgerAggregate.Created):
        # v2: the organization whose records it certifies (a dissolved one's successor issues from them) and the
        # signatories printed on the certificate. v1 certificates were issued by the records' own organization.
        class_version = 2

        org_id: UUID
        volunteer_id: UUID
        number: str
        masked_name: str
        hours: Decimal
        period_start: dt.date
        period_end: dt.date
        issue_date: dt.date
        records: list[dict[str, Any]]
        key_id: str
        code: str
        records_org_id: UUID
        person_in_charge: str | None
        handler: str | None
        contact: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("records_org_id", state["org_id"])
            for field in ("person_in_charge", "handler", "contact"):
                state.setdefault(field, None)

        def apply(self, aggregate: Certificate) -> None:
            for field in ("org_id", "volunteer_id", "number", "masked_name", "hours", "period_start",
                          "period_end", "issue_date", "records", "key_id", "code", "records_org_id",
                          "person_in_charge", "handler", "contact"):
                setattr(aggregate, field, getattr(self, field))
            aggregate.revoked = False
            aggregate.revocation_reason = None

    class Revoked(VledgerAggregate.Event):
        reason: str

        def apply(self, aggregate: Certificate) -> None:
            aggregate.revoked = True
            aggregate.revocation_reason = self.reason

    @classmethod
    def issue(
        cls,
        *,
        now: dt.datetime,
        actor: str,
        id: UUID,  # noqa: A002
        org_id: UUID,
        volunteer_id: UUID,
        masked_name: str,
        hours: Decimal,
        period_start: dt.date,
        period_end: dt.date,
        issue_date: dt.date,
        records: list[dict[str, Any]],
        key_id: str,
        code: str,
        records_org_id: UUID | None = None,
        person_in_charge: str | None = None,
        handler: str | None = None,
        contact: str | None = None,
    ) -> Certificate:
        """Issue a certificate whose claims were signed into ``code`` by the organization's key."""
        if not records:
            raise RuleViolationError("a certificate needs at least one record", code="no_records")
        return cls._create(
            cls.Issued, id=id, timestamp=now, actor=actor, authority=str(org_id), org_id=org_id,
            volunteer_id=volunteer_id, number=certificate_number(id, issue_date), masked_name=masked_name,
            hours=hours, period_start=period_start, period_end=period_end, issue_date=issue_date,
            records=records, key_id=key_id, code=code, records_org_id=records_org_id or org_id,
            person_in_charge=check_text("person_in_charge", person_in_charge, max_length=100, required=False) or None,
            handler=check_text("handler", handler, max_length=100, required=False) or None,
            contact=check_text("contact", contact, max_length=200, required=False) or None,
        )

    def revoke(self, *, now: dt.datetime, actor: str, reason: str | None) -> None:
        """Withdraw the certificate; verifiers see ``revoked`` from then on."""
        why = check_text("reason", reason, max_length=500)
        if self.revoked:
            raise ConflictError(f"certificate {self.number} is already revoked", code="already_revoked")
        self.trigger_event(self.Revoked, timestamp=now, actor=actor, authority=str(self.org_id), reason=why)
