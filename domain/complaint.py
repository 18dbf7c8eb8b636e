"""Complaints (投诉) about an organization's records or certificates, and their assessment by an inspector.

Gangcheng plan 000 三 and Hunan notice 001 二(二): an organization complained about by volunteers over its records or
certificates (因志愿服务记录与证明出具事宜被志愿者投诉或产生负面舆情) is checked that year. Anyone may complain: a
volunteer with their token, or a member of the public without one. Each complaint makes its organization a
must-check target of that year's draw (``complaints_per_org`` feeds ``domain.draw.TargetFacts.complaints``), whatever
its later assessment: the plans exempt none.

A complaint is the registry's record (authority registry): the service writes it on the bureau's behalf, since the
public has no key; its actor says who filed it. An inspector's assessment (founded or not, with a reason) is
recorded on the same complaint, signed by the same authority, with the inspector as its actor.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import ClassVar
from uuid import UUID, uuid4

from domain.base import REGISTRY, VledgerAggregate, check_text
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError
from domain.people import contains_personal_number
from domain.workdays import china_date

PUBLIC_ACTOR = "public:anonymous"  # who files without a token
MAX_TEXT = 2000
MIN_ASSESSMENT_REASON = 5



class About(StrEnum):
    RECORDS = "records"
    CERTIFICATES = "certificates"
    BOTH = "both"


class FiledBy(StrEnum):
    VOLUNTEER = "volunteer"
    PUBLIC = "public"


def check_complaint_text(field: str, value: str | None, *, max_length: int) -> str:
    """Bounded text without an ID or phone number (the message never repeats the number): it is kept for good in a
    log inspectors read. What counts as one is ``domain.people.find_personal_numbers``."""
    text = check_text(field, value, max_length=max_length)
    if contains_personal_number(text):
        raise InvalidFieldError(field, "must not contain an ID number or a phone number: describe the problem "
                                "without them; inspectors reach the records through the organization",
                                code="personal_number_in_text")
    return text


def _choice(field: str, value: str, enum: type[StrEnum]) -> str:
    try:
        return enum(value).value
    except ValueError:
        raise InvalidFieldError(field, f"expected one of {', '.join(m.value for m in enum)}") from None


class Complaint(VledgerAggregate):
    """One complaint about one organization's records or certificates."""

    AUTHORITY: ClassVar[str] = REGISTRY

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID
    about: str
    text: str
    certificate_number: str | None
    record_id: UUID | None
    filed_by: str
    year: int
    founded: bool | None  # None until assessed
    assessment_reason: str | None

    class ComplaintFiled(VledgerAggregate.Created):
        org_id: UUID
        about: str
        text: str
        certificate_number: str | None
        record_id: UUID | None
        filed_by: str
        year: int  # China-calendar year of filing: the year whose draw must include the organization

        def apply(self, aggregate: Complaint) -> None:
            for field in ("org_id", "about", "text", "certificate_number", "record_id", "filed_by", "year"):
                setattr(aggregate, field, getattr(self, field))
            aggregate.founded = None
            aggregate.assessment_reason = None

    class ComplaintAssessed(VledgerAggregate.Event):
        founded: bool
        reason: str

        def apply(self, aggregate: Complaint) -> None:
            aggregate.founded = self.founded
            aggregate.assessment_reason = self.reason

    @classmethod
    def file(cls, *, now: dt.datetime, actor: str, org_id: UUID, about: str, text: str, filed_by: str,
             certificate_number: str | None = None, record_id: UUID | None = None) -> Complaint:
        """File a complaint. ``filed_by`` must match the actor: ``volunteer`` for a volunteer's token
        (``volunteer:<id>``), ``public`` for a caller without a token (``PUBLIC_ACTOR``)."""
        kind = _choice("filed_by", filed_by, FiledBy)
        if kind == FiledBy.VOLUNTEER and not actor.startswith("volunteer:"):
            raise ForbiddenError("a complaint filed as a volunteer needs the volunteer's own token",
                                 code="not_a_volunteer")
        if kind == FiledBy.PUBLIC and actor != PUBLIC_ACTOR:
            raise ForbiddenError("a complaint filed by the public is made without a token", code="not_public")
        subject = _choice("about", about, About)
        number = check_text("certificate_number", certificate_number, max_length=64, required=False) or None
        if number is not None and subject == About.RECORDS:
            raise InvalidFieldError("certificate_number", "names a certificate, but the complaint is about records "
                                    "only: set about to certificates or both", code="about_mismatch")
        if record_id is not None and subject == About.CERTIFICATES:
            raise InvalidFieldError("record_id", "names a record, but the complaint is about certificates only: set "
                                    "about to records or both", code="about_mismatch")
        return cls._create(cls.ComplaintFiled, id=uuid4(), timestamp=now, actor=actor, authority=REGISTRY,
                           org_id=org_id, about=subject, text=check_complaint_text("text", text, max_length=MAX_TEXT),
                           certificate_number=number, record_id=record_id, filed_by=kind,
                           year=china_date(now).year)

    def check_not_assessed(self) -> None:
        if self.founded is not None:
            raise ConflictError("the complaint was already assessed as "
                                f"{'founded' if self.founded else 'unfounded'}", code="already_assessed")

    def assess(self, *, now: dt.datetime, actor: str, founded: bool, reason: str) -> None:
        """An inspector assesses the complaint once: founded or unfounded, always with a reason."""
        if not actor.startswith("inspector:"):
            raise ForbiddenError("only an inspector assesses a complaint", code="inspectors_only")
        self.check_not_assessed()
        why = check_complaint_text("reason", reason, max_length=1000)
        if len(why) < MIN_ASSESSMENT_REASON:
            raise InvalidFieldError("reason", f"say why in at least {MIN_ASSESSMENT_REASON} characters, found "
                                    f"{len(why)}", code="reason_too_short")
        self.trigger_event(self.ComplaintAssessed, timestamp=now, actor=actor, authority=REGISTRY,
                           founded=bool(founded), reason=why)


def complaints_per_org(complaints: Iterable[Complaint], year: int) -> dict[UUID, int]:
    """How many complaints each organization drew in ``year`` (China calendar): the draw's must-check input."""
    return dict(Counter(c.org_id for c in complaints if c.year == year))
