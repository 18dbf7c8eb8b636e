"""Volunteers (志愿者): basic personal information, a public volunteer number, and the training, awards and
evaluations an organization records for them (条例 art.19; 办法 art.4)."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.base import VledgerAggregate, check_hours, check_text
from domain.errors import InvalidFieldError, RuleViolationError
from domain.people import (
    birth_date_of,
    check_id_number,
    encodes_birth_date,
    gender_of,
    id_type_of,
    mask_name,
)
from domain.workdays import china_date  # ages and "not in the future" are judged in China time

GENDERS = ("male", "female")
# Crockford-style alphabet: no I, L, O, U, so a number read aloud is not mistaken.
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_volunteer_number(now: dt.datetime, random_bytes: bytes | None = None) -> str:
    """A public number independent of the ID number: year plus ten random characters."""
    raw = random_bytes if random_bytes is not None else secrets.token_bytes(8)
    value = int.from_bytes(raw, "big")
    chars = []
    for _ in range(10):
        value, rest = divmod(value, 32)
        chars.append(_NUMBER_ALPHABET[rest])
    return f"V{now.year}{''.join(chars)}"


CONSENT_AGE = 14
# A plausibility bound, not a rule: the oldest person ever verified lived 122 years, so a birth date further back
# than this is a typing error (a wrong century), not a volunteer.
MAX_AGE = 120


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_guardian_consent(birth: dt.date, today: dt.date, consent: bool) -> None:
    """A child under 14's data is sensitive personal information (PIPL art.28, 31): a guardian must consent."""
    if age_on(birth, today) < CONSENT_AGE and not consent:
        raise RuleViolationError("volunteers under 14 are registered only with their guardian's consent "
                                 "(guardian_consent: true)", code="guardian_consent_required")


def check_birth_date(field: str, birth: dt.date, today: dt.date) -> dt.date:
    """A birth date must lie in the past and give a plausible age (at most ``MAX_AGE``). ``field`` names where it
    came from: ``birth_date`` when given, ``id_number`` when read from the number (whose value is never echoed)."""
    if birth > today:
        raise InvalidFieldError(field, "the birth date lies in the future" if field == "birth_date"
                                else "the birth date it encodes lies in the future", code="birth_date_in_future")
    if age_on(birth, today) > MAX_AGE:
        raise InvalidFieldError(field, f"the birth date gives an age above {MAX_AGE} years",
                                code="birth_date_implausible")
    return birth


def check_phone(phone: str | None) -> str | None:
    """Mainland mobile or landline digits; never echoed back in the message."""
    if phone is None or not phone.strip():
        return None
    digits = phone.strip().replace("-", "").replace(" ", "")
    if digits.startswith("+86"):
        digits = digits[3:]
    if not (digits.isascii() and digits.isdigit()) or not 7 <= len(digits) <= 12:
        raise InvalidFieldError("phone", "expected 7 to 12 digits, optionally with +86")
    return digits


_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def check_email(email: str | None) -> str | None:
    """An optional e-mail address (a second contact besides the phone); never echoed back in the message.

    The shape of RFC 5321 addresses with an ASCII domain, at most 254 characters; the domain is lower-cased
    (it is case-insensitive; the local part is kept as given)."""
    if email is None or not email.strip():
        return None
    value = email.strip()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidFieldError("email",
                                "expected an address of the form local-part@domain.tld (at most 254 characters)")
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def check_date(field: str, value: Any) -> dt.date:
    """A calendar date, not a time of day (a datetime would carry a time zone the date does not have)."""
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidFieldError(field, "expected a date such as 2026-03-01")
    return value


def check_past_date(field: str, value: Any, today: dt.date, not_before: dt.date | None = None) -> dt.date:
    """A date of something that happened: a date, not after today and, when the volunteer's birth date is known,
    not before it."""
    value = check_date(field, value)
    if value > today:
        raise InvalidFieldError(field, "lies in the future; record what has happened", code="date_in_future")
    if not_before is not None and value < not_before:
        raise InvalidFieldError(field, "lies before the volunteer's birth date", code="date_before_birth")
    return value


# Fixed scales, so that evaluations and awards compare across organizations (服务质量评价, seed 004 三(三); the
# inspection checklist asks whether evaluation and awards are complete and accurate, seed 000 五(1)1(4),(6)).
# The Chinese terms organizations use are accepted and stored as the codes.
RATINGS = {"excellent": "优秀", "good": "良好", "satisfactory": "合格", "unsatisfactory": "不合格"}
AWARD_LEVELS = {"national": "国家级", "provincial": "省级", "municipal": "市级", "county": "区县级",
                "organization": "组织内部"}


def check_scale(field: str, value: str | None, scale: dict[str, str]) -> str:
    """One code of a fixed scale, given as the code or as its Chinese term."""
    text = (value or "").strip()
    if text.lower() in scale:
        return text.lower()
    for code, term in scale.items():
        if text == term:
            return code
    choices = ", ".join(f"{code} ({term})" for code, term in scale.items())
    raise InvalidFieldError(field, f"expected one of {choices}")


class Volunteer(VledgerAggregate):
    """A volunteer registered by one organization, with the training, awards and evaluations it records."""

    ORG_OWNED = True

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID
    name: str
    id_type: str
    id_number: str
    gender: str | None
    birth_date: dt.date | None  # None only for passport holders registered before it became required
    phone: str | None
    email: str | None
    volunteer_number: str
    guardian_consent: bool

    class Registered(VledgerAggregate.Created):
        org_id: UUID
        name: str
        id_type: str
        id_number: str
        gender: str | None
        birth_date: dt.date | None
        phone: str | None
        volunteer_number: str
        guardian_consent: bool
        email: str | None

        # v2 added ``email``. ``guardian_consent`` came earlier without a version of its own, so version 1 events
        # may or may not carry it: an event without it was made before the rule, when no consent was recorded.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("email", None)
            state.setdefault("guardian_consent", False)

        def apply(self, aggregate: Volunteer) -> None:
            aggregate.org_id = self.org_id
            aggregate.name = self.name
            aggregate.id_type = self.id_type
            aggregate.id_number = self.id_number
            aggregate.gender = self.gender
            aggregate.birth_date = self.birth_date
            aggregate.phone = self.phone
            aggregate.email = self.email
            aggregate.volunteer_number = self.volunteer_number
            aggregate.guardian_consent = self.guardian_consent

    class TrainingRecorded(VledgerAggregate.Event):
        """培训情况 (条例 art.19, 办法 art.4): a training the volunteer took part in."""

        entry_id: UUID
        title: str
        provider: str
        date: dt.date
        hours: Decimal

    class AwardRecorded(VledgerAggregate.Event):
        """表彰奖励情况 (条例 art.19, 办法 art.4): an award or commendation the volunteer received."""

        entry_id: UUID
        title: str
        awarded_by: str
        date: dt.date
        level: str

    class EvaluationRecorded(VledgerAggregate.Event):
        """评价情况 (条例 art.19, 办法 art.4): the organization's evaluation of the volunteer over a period."""

        entry_id: UUID
        period_start: dt.date
        period_end: dt.date
        rating: str
        comment: str

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @classmethod
    def register(
        cls,
        *,
        now: dt.datetime,
        actor: str,
        org_id: UUID,
        name: str,
        id_number: str,
        id_type: str = "resident_id",
        gender: str | None = None,
        birth_date: dt.date | None = None,
        phone: str | None = None,
        email: str | None = None,
        volunteer_number: str | None = None,
        guardian_consent: bool = False,
        id: UUID | None = None,  # noqa: A002
    ) -> Volunteer:
        """Register a volunteer with their basic information (条例 art.19: 个人基本信息).

        The number is checked in the format of its document type (``domain.people``). A number in the GB 11643
        layout gives birth date and gender, and a birth date or gender given besides must agree with it; for other
        documents the birth date is required — without it the guardian-consent rule for children under 14
        (PIPL art.28, 31) could not be applied — and must be in the past and plausible.
        """
        name = check_text("name", name, max_length=50)
        kind = id_type_of(id_type)
        number = check_id_number(kind, id_number)
        today = china_date(now)
        if encodes_birth_date(kind):
            birth = check_birth_date("id_number", birth_date_of(number), today)
            if birth_date is not None and birth_date != birth:
                raise InvalidFieldError("birth_date", "does not match the birth date the ID number encodes",
                                        code="birth_date_mismatch")
            derived = gender_of(number)
            if gender is not None and gender != derived:
                raise InvalidFieldError("gender", "does not match the sequence digit of the ID number",
                                        code="gender_mismatch")
            gender = derived
        else:
            if birth_date is None:
                raise InvalidFieldError(
                    "birth_date", f"required for id_type {kind.value}: its number does not encode the birth date, "
                    "and volunteers under 14 need a guardian's consent", code="birth_date_required")
            birth = check_birth_date("birth_date", check_date("birth_date", birth_date), today)
            if gender is not None and gender not in GENDERS:
                raise InvalidFieldError("gender", f"expected one of {', '.join(GENDERS)}")
        check_guardian_consent(birth, today, guardian_consent)
        return cls._create(
            cls.Registered,
            id=id or uuid4(),
            timestamp=now,
            actor=actor,
            authority=str(org_id),
            org_id=org_id,
            name=name,
            id_type=kind.value,
            id_number=number,
            gender=gender,
            birth_date=birth,
            phone=check_phone(phone),
            email=check_email(email),
            volunteer_number=volunteer_number or new_volunteer_number(now),
            guardian_consent=guardian_consent,
        )

    # -- 培训、表彰奖励、评价 (条例 art.19; 办法 art.4) ----------------------------------------------------------------

    def record_training(self, *, now: dt.datetime, actor: str, title: str | None, provider: str | None,
                        date: Any, hours: Any, entry_id: UUID | None = None) -> UUID:
        """Record a training the volunteer took part in: what, given by whom, when and for how many hours."""
        event_id = entry_id or uuid4()
        self.trigger_event(
            self.TrainingRecorded, timestamp=now, actor=actor, authority=str(self.org_id), entry_id=event_id,
            title=check_text("title", title), provider=check_text("provider", provider),
            date=check_past_date("date", date, china_date(now), self.birth_date),
            hours=check_hours("hours", hours))
        return event_id

    def record_award(self, *, now: dt.datetime, actor: str, title: str | None, awarded_by: str | None,
                     date: Any, level: str | None, entry_id: UUID | None = None) -> UUID:
        """Record an award or commendation: what, by whom, when and at which level (``AWARD_LEVELS``)."""
        event_id = entry_id or uuid4()
        self.trigger_event(
            self.AwardRecorded, timestamp=now, actor=actor, authority=str(self.org_id), entry_id=event_id,
            title=check_text("title", title), awarded_by=check_text("awarded_by", awarded_by),
            date=check_past_date("date", date, china_date(now), self.birth_date),
            level=check_scale("level", level, AWARD_LEVELS))
        return event_id

    def record_evaluation(self, *, now: dt.datetime, actor: str, period_start: Any, period_end: Any,
                          rating: str | None, comment: str | None = None, entry_id: UUID | None = None) -> UUID:
        """Record the organization's evaluation of the volunteer over a period that has ended (or ends today),
        on the fixed scale ``RATINGS``."""
        today = china_date(now)
        start = check_past_date("period_start", period_start, today, self.birth_date)
        end = check_past_date("period_end", period_end, today, self.birth_date)
        if end < start:
            raise InvalidFieldError("period_end", "lies before period_start", code="empty_period")
        event_id = entry_id or uuid4()
        self.trigger_event(
            self.EvaluationRecorded, timestamp=now, actor=actor, authority=str(self.org_id), entry_id=event_id,
            period_start=start, period_end=end, rating=check_scale("rating", rating, RATINGS),
            comment=check_text("comment", comment, max_length=500, required=False))
        return event_id
