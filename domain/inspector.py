"""Inspectors (抽查小组 members) and the account of every read of a volunteer's personal data they make.

The registry appoints inspectors (an ``Inspector``, authority registry). Inspectors read any organization's
records and full histories; each time one of them reads a volunteer's personal data, a ``ReadReceipt`` records who
read what and when, and the volunteer can see it. Leaking volunteers' record information is a penalty-level finding
(Gangcheng plan 000 七(一)3(2); Hunan notice 001 二(二), 条例 art.36), and their data is never disclosed without
consent (条例 art.20): the inspectors' own access is therefore accounted for as well.

Receipts are made for the **inspection** authority and signed by its own key (DESIGN §3, "the inspection key"):
they are neither the registry's acts nor an organization's, and the inspection key may sign nothing else.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import ClassVar
from uuid import UUID, uuid4

from domain.access import Principal
from domain.base import INSPECTION, REGISTRY, VledgerAggregate, check_text
from domain.errors import ForbiddenError, InvalidFieldError
from domain.organization import check_region_code

INSPECTOR_ROLE = "inspector"


class ReadWhat(StrEnum):
    """What an inspector read of a volunteer's personal data."""

    VOLUNTEER = "volunteer"  # basic information, totals and records
    RECORD = "record"  # one service record
    HISTORY = "history"  # a record's full edit history
    EXPORT = "export"  # the complete data export
    ACTIVITY = "activity"  # an activity's participants and their hours
    RECORDS = "records"  # a page of an organization's records


class Inspector(VledgerAggregate):
    """An inspector appointed by the registry; their token has the role ``inspector``."""

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    name: str
    region_code: str | None

    class Appointed(VledgerAggregate.Created):
        name: str
        region_code: str | None

        def apply(self, aggregate: Inspector) -> None:
            aggregate.name = self.name
            aggregate.region_code = self.region_code

    @classmethod
    def appoint(cls, *, now: dt.datetime, actor: str, name: str, region_code: str | None = None) -> Inspector:
        """The registry (民政部门) appoints an inspector, optionally for one administrative division."""
        return cls._create(cls.Appointed, id=uuid4(), timestamp=now, actor=actor, authority=REGISTRY,
                           name=check_text("name", name, max_length=50), region_code=check_region_code(region_code))


class ReadReceipt(VledgerAggregate):
    """One read of a volunteer's personal data by an inspector: who, what, when. Made only for the inspection
    authority, so its signature is the inspection key's and it cannot be passed off as anybody else's act."""

    AUTHORITY: ClassVar[str] = INSPECTION

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    inspector_id: UUID
    volunteer_id: UUID
    what: str

    class PersonalDataRead(VledgerAggregate.Created):
        inspector_id: UUID
        volunteer_id: UUID
        what: str

        def apply(self, aggregate: ReadReceipt) -> None:
            aggregate.inspector_id = self.inspector_id
            aggregate.volunteer_id = self.volunteer_id
            aggregate.what = self.what

    @classmethod
    def record(cls, *, now: dt.datetime, actor: str, inspector_id: UUID, volunteer_id: UUID,
               what: str) -> ReadReceipt:
        """Account for one read by an inspector of one volunteer's personal data."""
        try:
            kind = ReadWhat(what)
        except ValueError:
            raise InvalidFieldError("what", f"expected one of {', '.join(w.value for w in ReadWhat)}") from None
        return cls._create(cls.PersonalDataRead, id=uuid4(), timestamp=now, actor=actor, authority=INSPECTION,
                           inspector_id=inspector_id, volunteer_id=volunteer_id, what=kind.value)


def check_read_receipts_reader(principal: Principal, volunteer_id: UUID) -> None:
    """Who may see the account of inspectors' reads of a volunteer's data: the volunteer it is about (the point of
    the account) and inspectors (who answer for each other's reads). Not the organization: which of its volunteers
    inspectors looked at, and when, is the inspection's to disclose, not the inspected party's. Not the registry:
    like personal records, this is not its to read (domain.access.check_reads)."""
    if principal.role == INSPECTOR_ROLE:
        return
    if principal.role == "volunteer" and principal.subject == str(volunteer_id):
        return
    raise ForbiddenError("only the volunteer and inspectors may see who read this volunteer's data",
                         code="not_yours")
