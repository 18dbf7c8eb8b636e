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

The last part finds ID and mobile numbers inside free text (``find_personal_numbers``, ``hide_personal_numbers``,
``contains_personal_number``, ``check_no_personal_number``): what they catch and what they let pass is listed there.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from enum import StrEnum
from typing import Literal, NamedTuple

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


# -- ID and phone numbers inside free text --------------------------------------------------------------------------
#
# Free text (a complaint, a record's content, a finding, the representative's opinion) is typed by people, who write
# numbers the way they say them: 139-1234-0000, 139 1234 0000, +86 13912340000, full-width １３９…. The rules below
# read a number through those spellings and tell whether it has the shape of:
#
# - a mainland mobile number: 11 digits, 1 then 3-9 (any +86 / 0086 / (+86) prefix is part of it);
# - an 18-character 公民身份号码 (GB 11643: resident ID, residence permit; the 2023 permanent residence ID too):
#   17 digits and a digit or X, first digit 1-9, a birth date 18xx-20xx with month 01-12 and day 01-31;
# - a 15-digit first-generation resident ID (GB 11643-1989): first digit 1-9, YYMMDD with month 01-12, day 01-31.
#
# The check character is not checked: a mistyped ID number is still someone's. A number may be split by spaces,
# hyphens (any dash) or dots, with one kind of separator throughout, groups before the last of at least three digits.
#
# Not read as personal numbers, so that the ordinary numbers of these texts pass:
# - ISO dates and times (2026-05-01, 2026-05-01T09:00:00+08:00, 09:30): their two-digit groups and mixed
#   separators never make a number;
# - hours and amounts with a decimal part (3.5, 13800000000.00): a number is never cut at a decimal point;
# - amounts with a currency sign before (¥ ￥ $ € £) or a unit after (元 万 亿 块 圆);
# - certificate numbers (VC…), UUIDs and hexadecimal strings of 32 characters or more (hashes, key fingerprints);
# - longer runs of digits (20-digit serials, bank accounts other than 18 digits) and shorter ones.
#
# Not caught, by design or as a known limit: landline numbers (an organization's published contact), numbers
# spelled in Chinese numerals (一三九…), numbers split by other characters (139/1234/0000, 139,1234,0000) or at
# two-digit groups (139 12 34 00 00), and other documents' numbers (passports, permits), which have no shape that
# sets them apart from ordinary codes. The filter errs on the side of hiding: an 11-digit amount with neither a
# decimal part nor a currency mark nor a unit (13800000000), or a code whose digits happen to have a number's shape
# (tel13912340000, SN13912345678), is read as a personal number.

PersonalNumberKind = Literal["mobile", "resident_id", "resident_id_15"]


class PersonalNumberSpan(NamedTuple):
    """Where a personal number sits in the text as given: ``text[start:end]``, and what it looks like."""

    start: int
    end: int
    kind: PersonalNumberKind


_MOBILE = re.compile(r"1[3-9]\d{9}")
_RESIDENT_ID_18 = re.compile(r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]")
_RESIDENT_ID_15 = re.compile(r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}")
_DASHES = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_SPACES = frozenset(" \t\u00a0\u2002\u2003\u2009\u3000")
_SEPARATORS = frozenset(" -.")  # after folding
_MAX_SEPARATOR = 3  # "139 - 1234 - 0000"
_MIN_GROUP = 3  # every group but the last: dates (05, 01) and times never join into a number
_DIGIT_GROUP = re.compile(r"\d+")  # on folded text, where every digit is ASCII
# Blanked before reading: their digits belong to them.
_OPAQUE = re.compile(r"(?<![0-9A-Za-z])(?:[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"
                     r"|VC[0-9]{8}[0-9A-F]{12}|[0-9A-F]{32,})(?![0-9A-Za-z])", re.IGNORECASE)
_COUNTRY_PREFIX = re.compile(r"[(]?(?:\+ ?86|(?<!\d)0086)[)]?")
_CURRENCY_BEFORE = frozenset("¥$€£")
_UNIT_AFTER = frozenset("元万亿块圆")


def _fold_char(ch: str) -> str:
    """One character for one: full-width and other scripts' digits become ASCII, dashes "-", wide spaces " ",
    so that positions in the folded text are positions in the text as given."""
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    if ch in _DASHES:
        return "-"
    if ch in _SPACES:
        return " "
    if "\uff01" <= ch <= "\uff5e":  # full-width ASCII forms: ＋ ． Ｘ （ ）
        return chr(ord(ch) - 0xFEE0)
    if ch == "\uffe5":  # ￥
        return "¥"
    return ch


def _separator_kind(between: str) -> str | None:
    """What joins two groups of one number ("-", ".", " "), or None if ``between`` does not join them."""
    if not 1 <= len(between) <= _MAX_SEPARATOR or not set(between) <= _SEPARATORS:
        return None
    marks = set(between.replace(" ", ""))
    if len(marks) > 1:
        return None
    return marks.pop() if marks else " "


def _kind_of(digits: str) -> PersonalNumberKind | None:
    if len(digits) == 11 and _MOBILE.fullmatch(digits):
        return "mobile"
    if len(digits) == 18 and _RESIDENT_ID_18.fullmatch(digits):
        return "resident_id"
    if len(digits) == 15 and _RESIDENT_ID_15.fullmatch(digits):
        return "resident_id_15"
    return None


def find_personal_numbers(text: str) -> list[PersonalNumberSpan]:
    """The mobile and resident ID numbers in ``text`` (see the rules above), in order and not overlapping."""
    work = [_fold_char(ch) for ch in text]
    for opaque in _OPAQUE.finditer("".join(work)):
        work[opaque.start():opaque.end()] = "Z" * (opaque.end() - opaque.start())
    prefix_before: dict[int, int] = {}  # start of the first group after a +86 → start of the +86
    for prefix in _COUNTRY_PREFIX.finditer("".join(work)):
        after = prefix.end()
        while after < len(work) and work[after] in _SEPARATORS and after - prefix.end() < _MAX_SEPARATOR:
            after += 1
        prefix_before[after] = prefix.start()
        work[prefix.start():prefix.end()] = "~" * (prefix.end() - prefix.start())
    reading = _Reading("".join(work), prefix_before)
    found: list[PersonalNumberSpan] = []
    i = 0
    while i < len(reading.groups):
        match = reading.longest_number_from(i)
        if match is None:
            i += 1
        else:
            found.append(match[0])
            i = match[1] + 1
    return found


class _Reading:
    """The folded text cut into maximal runs of digits ("groups") and what lies between neighbouring groups."""

    def __init__(self, folded: str, prefix_before: dict[int, int]) -> None:
        self.folded = folded
        self.prefix_before = prefix_before
        self.groups = [(m.start(), m.end()) for m in _DIGIT_GROUP.finditer(folded)]
        self.between = [folded[a[1]:b[0]] for a, b in zip(self.groups, self.groups[1:], strict=False)]

    def decimal_point(self, k: int) -> bool:
        """Whether groups k and k+1 are a number's integer and fractional parts: a number is never cut there."""
        return 0 <= k < len(self.between) and self.between[k] == "."

    def char(self, at: int) -> str:
        return self.folded[at] if 0 <= at < len(self.folded) else ""

    def next_non_space(self, at: int, step: int) -> str:
        while self.char(at) == " ":
            at += step
        return self.char(at)

    def longest_number_from(self, i: int) -> tuple[PersonalNumberSpan, int] | None:
        """The longest run of groups i..j that reads as a personal number, with j."""
        if self.decimal_point(i - 1):
            return None
        start = self.prefix_before.get(self.groups[i][0], self.groups[i][0])
        if self.next_non_space(start - 1, -1) in _CURRENCY_BEFORE:
            return None
        best: tuple[PersonalNumberSpan, int] | None = None
        digits = ""
        joined_by: str | None = None
        for j in range(i, len(self.groups)):
            if j > i:
                join = _separator_kind(self.between[j - 1])
                previous = self.groups[j - 1]
                if join is None or joined_by not in (None, join) or previous[1] - previous[0] < _MIN_GROUP:
                    break
                joined_by = join
            digits += self.folded[self.groups[j][0]:self.groups[j][1]]
            if len(digits) > 18:
                break
            end = self.groups[j][1]
            if self.decimal_point(j):
                continue
            if len(digits) == 17 and self.char(end) in ("X", "x"):
                kind, end = _kind_of(digits + "X"), end + 1
            else:
                kind = _kind_of(digits)
            if kind is None or self.next_non_space(end, 1) in _UNIT_AFTER:
                continue
            best = (PersonalNumberSpan(start, end, kind), j)
        return best


def hide_personal_numbers(text: str, replacement: str = "［已隐去］") -> str:
    """``text`` with every ID and mobile number found by ``find_personal_numbers`` replaced."""
    parts: list[str] = []
    at = 0
    for span in find_personal_numbers(text):
        parts += [text[at:span.start], replacement]
        at = span.end
    return "".join(parts) + text[at:]


def contains_personal_number(text: str) -> bool:
    """Whether ``text`` holds an ID or mobile number (see ``find_personal_numbers``)."""
    return bool(find_personal_numbers(text))


def check_no_personal_number(field: str, text: str) -> str:
    """``text`` unchanged, or an error naming the field that never repeats the number."""
    if contains_personal_number(text):
        raise InvalidFieldError(field, "must not contain an ID number or a phone number: write about the records, "
                                "not about people's numbers", code="personal_number_in_text")
    return text
