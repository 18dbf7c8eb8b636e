"""ID and mobile numbers inside free text (domain/people.py): one reading for complaints, inspector pages and the
inspection's texts, through the spellings people type, and not on the ordinary numbers of those texts."""

from __future__ import annotations

import pytest

from domain.errors import InvalidFieldError
from domain.people import (
    PersonalNumberSpan,
    check_no_personal_number,
    contains_personal_number,
    find_personal_numbers,
    hide_personal_numbers,
)
from tests.unit.test_people_rules import with_check_char, wrong_check_char

MOBILE = "13912340000"
ID_18 = with_check_char("44030519900307123")  # a valid 18-character number
ID_18_X = "11010519491231002X"  # GB 11643's own example, check character X
ID_15 = "110105491231002"  # first generation: area, YYMMDD, sequence

# (text with the number inside, the exact spelling that must be found, its kind)
CAUGHT = [
    (f"家属电话{MOBILE}，请回电", MOBILE, "mobile"),
    ("电话 +8613912340000 联系", "+8613912340000", "mobile"),
    ("电话 +86 139 1234 0000 联系", "+86 139 1234 0000", "mobile"),
    ("电话（+86）139-1234-0000", "（+86）139-1234-0000", "mobile"),
    ("电话 0086 13912340000", "0086 13912340000", "mobile"),
    ("电话 008613912340000", "008613912340000", "mobile"),
    ("电话 139-1234-0000。", "139-1234-0000", "mobile"),
    ("电话 139 1234 0000。", "139 1234 0000", "mobile"),
    ("电话 139.1234.0000。", "139.1234.0000", "mobile"),
    ("电话 139 - 1234 - 0000。", "139 - 1234 - 0000", "mobile"),
    ("电话 139—1234—0000。", "139—1234—0000", "mobile"),
    ("电话１３９１２３４００００。", "１３９１２３４００００", "mobile"),
    ("电话１３９－１２３４－００００。", "１３９－１２３４－００００", "mobile"),
    ("电话　１３９　１２３４　００００。", "１３９　１２３４　００００", "mobile"),
    ("电话＋８６ １３９１２３４００００", "＋８６ １３９１２３４００００", "mobile"),
    (f"tel{MOBILE}", MOBILE, "mobile"),
    (f"手机{MOBILE[:3]}{MOBILE[3:]}。", MOBILE, "mobile"),
    (f"证件 {ID_18} 核实", ID_18, "resident_id"),
    (f"证件{ID_18_X}核实", ID_18_X, "resident_id"),
    (f"证件{ID_18_X.lower()}核实", ID_18_X.lower(), "resident_id"),
    (f"证件 {wrong_check_char(ID_18)} 核实", wrong_check_char(ID_18), "resident_id"),  # mistyped: still someone's
    ("证件 110105 19491231 002X 核实", "110105 19491231 002X", "resident_id"),
    ("证件 1101-0519-4912-3100-2X 核实", "1101-0519-4912-3100-2X", "resident_id"),
    ("证件１１０１０５１９４９１２３１００２Ｘ核实", "１１０１０５１９４９１２３１００２Ｘ", "resident_id"),
    (f"ID{ID_18}", ID_18, "resident_id"),
    (f"老证件号{ID_15}已停用", ID_15, "resident_id_15"),
    ("老证件号 110105 491231 002 已停用", "110105 491231 002", "resident_id_15"),
    ("老证件号１１０１０５４９１２３１００２已停用", "１１０１０５４９１２３１００２", "resident_id_15"),
    (f"{MOBILE} 2026", MOBILE, "mobile"),  # a year after it does not hide it in a longer run
    (f"2026-05-01 {MOBILE}", MOBILE, "mobile"),  # nor a date before it
    (f"共 3.5 小时 {MOBILE}", MOBILE, "mobile"),
    (f"{MOBILE}.", MOBILE, "mobile"),  # a full stop is not a decimal point
]

# Ordinary numbers of these texts that are not personal numbers.
NOT_CAUGHT = [
    "2026-05-01",
    "2026-05-01T09:00:00+08:00",
    "2026-05-01 09:30 至 2026-05-01 13:30",
    "2026-01-01–2026-12-31",
    "2026.05.01 13:00",
    "2026-05-01 1990-03-07 1234",  # three dates and numbers in a row do not make an ID
    "09:30",
    "13:45:00",
    "服务 3.5 小时",
    "共 13.5 小时，13 人",
    "３．５小时",
    "证明编号 VC20260301ABCDEF123456",
    "证明编号 VC20260301139123400000",  # a certificate number whose hexadecimal part is all digits
    "记录 550e8400-e29b-41d4-a716-446655440000 有误",
    "记录 13912340-0000-4000-8000-139123400000 有误",
    "哈希 " + "0" * 8 + "13912340000" + "a" * 45,
    "金额 13800000000.00",
    "金额 13912340000.5 元",
    "金额 ¥13912340000",
    "金额 ￥ 13912340000",
    "金额 13912340000元",
    "金额 13912340000 万",
    "金额 1,380,000.00 元",
    "编号 123456789012345678901",  # longer than any of them
    "编号 1391234000012",
    "编号 1234567890",
    "编号 12345678901",  # 11 digits but not 1[3-9]
    "编号 " + "1" * 6 + "19901307" + "1234",  # month 13: not a birth date
    "编号 110105491232002",  # day 32
    "客服 10086",
    "座机 0531-12345678",  # landlines are not caught (an organization's published number)
]


@pytest.mark.parametrize(("text", "number", "kind"), CAUGHT)
def test_every_spelling_of_a_personal_number_is_found_exactly(text: str, number: str, kind: str) -> None:
    (span,) = find_personal_numbers(text)
    assert text[span.start:span.end] == number and span.kind == kind
    assert contains_personal_number(text)
    hidden = hide_personal_numbers(text)
    assert hidden == text.replace(number, "［已隐去］")


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_ordinary_numbers_are_not_taken_for_personal_numbers(text: str) -> None:
    assert find_personal_numbers(text) == []
    assert not contains_personal_number(text)
    assert hide_personal_numbers(text) == text
    assert check_no_personal_number("problem", text) == text


def test_several_numbers_are_all_found_in_order_and_hidden_with_the_given_replacement() -> None:
    text = f"甲 {MOBILE}，乙 139-8765-4321，身份证 {ID_18_X}，证明 VC20260301ABCDEF123456，3.5 小时"
    spans = find_personal_numbers(text)
    assert [text[s.start:s.end] for s in spans] == [MOBILE, "139-8765-4321", ID_18_X]
    assert [s.kind for s in spans] == ["mobile", "mobile", "resident_id"]
    assert spans == sorted(spans) and all(isinstance(s, PersonalNumberSpan) for s in spans)
    assert hide_personal_numbers(text, "[hidden]") == \
        "甲 [hidden]，乙 [hidden]，身份证 [hidden]，证明 VC20260301ABCDEF123456，3.5 小时"


def test_a_number_embedded_in_a_longer_run_of_digits_is_not_cut_out_of_it() -> None:
    """A 20-digit serial may hold 11 digits that look like a mobile number: it is one number, not a phone."""
    assert find_personal_numbers("流水号 00" + MOBILE + "0000000") == []
    assert find_personal_numbers("流水号 " + ID_18 + "00") == []


def test_the_refusal_names_the_field_and_never_repeats_the_number() -> None:
    for text, number, _ in CAUGHT:
        with pytest.raises(InvalidFieldError) as caught:
            check_no_personal_number("opinion", text)
        assert caught.value.field == "opinion" and caught.value.code == "personal_number_in_text"
        digits = "".join(ch for ch in number if ch.isdigit())
        assert number not in caught.value.message and digits[-4:] not in caught.value.message


def test_long_texts_are_read_in_reasonable_time() -> None:
    """Thousands of short groups joined by separators: the reading stops extending a run at 18 digits."""
    text = "1 2 3 4 5 6 7 8 9 " * 500 + MOBILE
    (span,) = find_personal_numbers(text)
    assert text[span.start:span.end] == MOBILE
