"""Volunteers (志愿者): basic personal information and a public volunteer number."""

from __future__ import annotations

import datetime as dt
import secrets
from uuid import UUID, uuid4

from domain.base import VledgerAggregate, check_text
from domain.errors import InvalidFieldError, RuleViolationError
from domain.people import IdType, birth_date_of, check_id_number, gender_of, mask_name

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


CHINA = dt.timezone(dt.timedelta(hours=8))
CONSENT_AGE = 14


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_guardian_consent(birth: dt.date, today: dt.date, consent: bool) -> None:
    """A child under 14's data is sensitive personal information (PIPL art.28, 31): a guardian must consent."""
    if age_on(birth, today) < CONSENT_AGE and not consent:
        raise RuleViolationError("volunteers under 14 are registered only with their guardian's consent "
                                 "(guardian_consent: true)", code="guardian_consent_required")


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


class Volunteer(VledgerAggregate):
    """A volunteer registered by one organization."""

    ORG_OWNED = True

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID
    name: str
    id_type: str
    id_number: str
    gender: str | None
    birth_date: dt.date | None
    phone: str | None
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

        def apply(self, aggregate: Volunteer) -> None:
            aggregate.org_id = self.org_id
            aggregate.name = self.name
            aggregate.id_type = self.id_type
            aggregate.id_number = self.id_number
            aggregate.gender = self.gender
            aggregate.birth_date = self.birth_date
            aggregate.phone = self.phone
            aggregate.volunteer_number = self.volunteer_number
            aggregate.guardian_consent = self.guardian_consent

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
        id_type: str = IdType.RESIDENT_ID.value,
        gender: str | None = None,
        phone: str | None = None,
        volunteer_number: str | None = None,
        guardian_consent: bool = False,
        id: UUID | None = None,  # noqa: A002
    ) -> Volunteer:
        """Register a volunteer; a resident ID number must pass its GB 11643 check."""
        name = check_text("name", name, max_length=50)
        try:
            kind = IdType(id_type)
        except ValueError:
            allowed = ", ".join(t.value for t in IdType)
            raise InvalidFieldError("id_type", f"expected one of {allowed}") from None
        number = check_id_number(kind, id_number)
        birth: dt.date | None = None
        if kind is IdType.RESIDENT_ID:
            birth = birth_date_of(number)
            derived = gender_of(number)
            if gender is not None and gender != derived:
                raise InvalidFieldError("gender", "does not match the sequence digit of the resident ID number")
            gender = derived
            if birth > now.date():
                raise InvalidFieldError("id_number", "the birth date it encodes lies in the future")
            check_guardian_consent(birth, now.astimezone(CHINA).date(), guardian_consent)
        elif gender is not None and gender not in GENDERS:
            raise InvalidFieldError("gender", f"expected one of {', '.join(GENDERS)}")
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
            volunteer_number=volunteer_number or new_volunteer_number(now),
            guardian_consent=guardian_consent,
        )
