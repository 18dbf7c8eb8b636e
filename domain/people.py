"""Personal data rules: ID documents (GB 11643 and the other documents volunteers carry) and masking for public
surfaces.

Document types (``id_type``) and the number formats checked here, with what each rule relies on:

- ``resident_id`` — 居民身份证: GB 11643-1999, 6-digit area, YYYYMMDD birth date, 3-digit sequence (odd = male),
  ISO 7064 MOD 11-2 check character; checked by python-stdnum ``cn.ric``, which also knows the area codes.
- ``hk_macao_taiwan_residence_permit`` — 港澳台居民居住证: a 公民身份号码 in the GB 11643 layout whose area code
  is 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan) (《港澳台居民居住证申领发放办法》, 国办发〔2018〕81号,
  and the Ministry of Public Security's rules for its number). stdnum does not know these areas, so the layout,
  birth date and check character are checked here.
- ``foreign_permanent_residence_id`` — 外国人永久居留身份证: the 2023 version has 18 characters, first digit 9 and
  a MOD 11-2 check character as for 公民身份号码; the 2017 version, still valid, has 3 Latin letters (nationality)
  and 12 digits (National Immigration Administration, 《新版外国人永久居留身份证机读信息规则（2023版）》 items 2, 3).
- ``hk_macao_permit`` — 港澳居民来往内地通行证: H (Hong Kong) or M (Macao) and 8 digits (card since 2013) or
  10 digits (earlier booklets).
- ``taiwan_permit`` — 台湾居民来往大陆通行证: 8 digits (card since 2015).
- ``passport`` — 护照: 5 to 20 letters or digits; formats differ by issuing country, so only the shape is bounded.

Only the two GB 11643 layouts (resident ID, residence permit) encode the birth date and gender; for the other
documents the birth date is given at registration (see ``domain.volunteer``). The birth date in positions 7-14
of the 2023 permanent residence ID is not relied on: the published rule above states the length, the leading 9
and the check character, and this module checks no more than it can cite.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum

from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, ValidationError

from domain.errors import InvalidFieldError


class IdType(StrEnum):
    """ID document types accepted for volunteers."""

    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    HK_MACAO_TAIWAN_RESIDENCE_PERMIT = "hk_macao_taiwan_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE_ID = "foreign_permanent_residence_id"


# Documents whose number follows the GB 11643 layout, so that birth date and gender are read from it.
GB11643_LAYOUT = frozenset({IdType.RESIDENT_ID, IdType.HK_MACAO_TAIWAN_RESIDENCE_PERMIT})
RESIDENCE_PERMIT_AREAS = {"810000": "Hong Kong", "820000": "Macao", "830000": "Taiwan"}

_FIXED_FORMATS: dict[IdType, tuple[re.Pattern[str], str]] = {
    IdType.HK_MACAO_PERMIT: (re.compile(r"[HM](\d{8}|\d{10})"),
                             "expected H or M followed by 8 or 10 digits (港澳居民来往内地通行证)"),
    IdType.TAIWAN_PERMIT: (re.compile(r"\d{8}"), "expected 8 digits (台湾居民来往大陆通行证)"),
    IdType.PASSPORT: (re.compile(r"[A-Z0-9]{5,20}"), "expected 5 to 20 letters or digits"),
}
_PERMANENT_RESIDENCE_2023 = re.compile(r"9\d{16}[\dX]")
_PERMANENT_RESIDENCE_2017 = re.compile(r"[A-Z]{3}\d{12}")
_GB11643_SHAPE = re.compile(r"\d{17}[\dX]")


def id_type_of(value: str) -> IdType:
    """The document type named by ``value``, or an error listing the accepted ones."""
    try:
        return IdType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in IdType)
        raise InvalidFieldError("id_type", f"expected one of {allowed}") from None


def normalize_id_number(id_number: str) -> str:
    """Full-width characters (as Chinese input methods type them) become ASCII, spaces go, letters go upper case:
    one document has one form, so the duplicate check (one ID once per organization) cannot be dodged."""
    return "".join(unicodedata.normalize("NFKC", id_number).split()).upper()


def check_id_number(id_type: IdType, id_number: str) -> str:
    """Return the normalized ID number or raise naming the field (never echoing the value)."""
    value = normalize_id_number(id_number)
    if not value:
        raise InvalidFieldError("id_number", "must not be empty")
    if id_type is IdType.RESIDENT_ID:
        return _check_resident_id(value)
    if id_type is IdType.HK_MACAO_TAIWAN_RESIDENCE_PERMIT:
        return _check_residence_permit(value)
    if id_type is IdType.FOREIGN_PERMANENT_RESIDENCE_ID:
        return _check_permanent_residence_id(value)
    pattern, expected = _FIXED_FORMATS[id_type]
    if not pattern.fullmatch(value):
        raise InvalidFieldError("id_number", expected, code="id_number_format")
    return value


def _check_resident_id(value: str) -> str:
    try:
        return str(ric.validate(value))
    except InvalidChecksum:
        raise InvalidFieldError(
            "id_number",
            "the check character does not match GB 11643 (ISO 7064 MOD 11-2)",
            code="id_number_checksum",
        ) from None
    except KeyError:
        # python-stdnum's area table has entries without a county; its lookup then raises KeyError instead of
        # a ValidationError. Such an area is not one a resident ID is issued for.
        raise InvalidFieldError("id_number", "the first six digits are not an administrative area code that "
                                "GB 11643 resident ID numbers are issued for", code="id_number_format") from None
    except ValidationError:
        hint = ""
        if value[:6] in RESIDENCE_PERMIT_AREAS:
            hint = ("; area codes 810000, 820000 and 830000 are those of residence permits of Hong Kong, Macao "
                    "and Taiwan residents: use id_type hk_macao_taiwan_residence_permit")
        elif value.startswith("9") and len(value) == 18:
            hint = "; an 18-character number starting with 9 is a foreign_permanent_residence_id"
        raise InvalidFieldError(
            "id_number",
            "expected an 18-character resident ID number: 6-digit area, YYYYMMDD birth date, "
            "3-digit sequence and a check character" + hint,
            code="id_number_format",
        ) from None


def _check_mod11_2(value: str) -> None:
    if value[-1] != ric.calc_check_digit(value):
        raise InvalidFieldError("id_number", "the check character does not match ISO 7064 MOD 11-2",
                                code="id_number_checksum")


def _check_residence_permit(value: str) -> str:
    expected = ("expected an 18-character residence permit number: area 810000, 820000 or 830000, YYYYMMDD "
                "birth date, 3-digit sequence and a check character")
    if not _GB11643_SHAPE.fullmatch(value) or value[:6] not in RESIDENCE_PERMIT_AREAS:
        raise InvalidFieldError("id_number", expected, code="id_number_format")
    try:
        ric.get_birth_date(value)
    except ValidationError:
        raise InvalidFieldError("id_number", expected, code="id_number_format") from None
    _check_mod11_2(value)
    return value


def _check_permanent_residence_id(value: str) -> str:
    if _PERMANENT_RESIDENCE_2017.fullmatch(value):
        return value
    if not _PERMANENT_RESIDENCE_2023.fullmatch(value):
        raise InvalidFieldError(
            "id_number", "expected 18 characters starting with 9 (2023 version) or 3 letters and 12 digits "
            "(2017 version)", code="id_number_format")
    _check_mod11_2(value)
    return value


def encodes_birth_date(id_type: IdType) -> bool:
    """Whether numbers of this document type carry the holder's birth date and gender (GB 11643 layout)."""
    return id_type in GB11643_LAYOUT


def birth_date_of(id_number: str) -> dt.date:
    """Birth date encoded in a valid number of the GB 11643 layout (resident ID, residence permit)."""
    return ric.get_birth_date(id_number)


def gender_of(id_number: str) -> str:
    """'male' or 'female' from the sequence digit of a valid GB 11643-layout number (odd = male)."""
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
