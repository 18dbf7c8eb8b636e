"""Personal data rules: resident ID numbers (GB 11643) and masking for public surfaces."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, ValidationError

from domain.errors import InvalidFieldError


class IdType(StrEnum):
    """ID document types accepted for volunteers; only resident IDs carry a checksum."""

    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"


def check_id_number(id_type: IdType, id_number: str) -> str:
    """Return the normalized ID number or raise naming the field (never echoing the value)."""
    value = id_number.strip().upper()
    if not value:
        raise InvalidFieldError("id_number", "must not be empty")
    if id_type is IdType.RESIDENT_ID:
        try:
            return str(ric.validate(value))
        except InvalidChecksum:
            raise InvalidFieldError(
                "id_number",
                "the check character does not match GB 11643 (ISO 7064 MOD 11-2)",
                code="id_number_checksum",
            ) from None
        except ValidationError:
            raise InvalidFieldError(
                "id_number",
                "expected an 18-character resident ID number: 6-digit area, YYYYMMDD birth date, "
                "3-digit sequence and a check character",
                code="id_number_format",
            ) from None
    if len(value) < 5 or len(value) > 20 or not value.isalnum():
        raise InvalidFieldError("id_number", "expected 5 to 20 letters or digits")
    return value


def birth_date_of(id_number: str) -> dt.date:
    """Birth date encoded in a valid resident ID number."""
    return ric.get_birth_date(id_number)


def gender_of(id_number: str) -> str:
    """'male' or 'female' from the sequence digit of a valid resident ID number (odd = male)."""
    return "male" if int(id_number[16]) % 2 else "female"


MAX_MASK_STARS = 4


def mask_name(name: str) -> str:
    """Mask a name for public display: 张三 → 张*, 张三明 → 张*明, 欧阳小明 → 欧**明.

    At most four stars: a long transliterated name masks to a bounded string that fits the QR payload.
    """
    chars = list(name.strip())
    if len(chars) <= 1:
        return "*"
    if len(chars) == 2:
        return chars[0] + "*"
    return chars[0] + "*" * min(len(chars) - 2, MAX_MASK_STARS) + chars[-1]


def id_tail(id_number: str) -> str:
    """The last four characters: the most of an ID number any page may show."""
    return id_number[-4:]


def mask_id_number(id_number: str) -> str:
    """An ID number reduced to its last four characters behind asterisks."""
    return "*" * 14 + id_tail(id_number)
