"""Resident ID numbers (GB 11643) and masking for public surfaces (domain/people.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import InvalidFieldError
from domain.people import IdType, birth_date_of, check_id_number, gender_of, id_tail, mask_id_number, mask_name

# ISO 7064 MOD 11-2 as written in domain.md, computed here independently of python-stdnum.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def with_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + CHECK_CHARS[total % 11]


def wrong_check_char(number: str) -> str:
    right = number[-1]
    return number[:-1] + ("0" if right != "0" else "1")


def test_the_independent_check_character_agrees_with_the_published_example() -> None:
    # The example printed in GB 11643-1999 itself.
    assert with_check_char("11010519491231002") == "11010519491231002X"


@pytest.mark.parametrize("first17", ["11010519491231002", "11010520080615001", "44030519900307123",
                                     "11010119800101007"])
def test_a_resident_id_number_with_the_right_check_character_is_accepted(first17: str) -> None:
    number = with_check_char(first17)
    assert check_id_number(IdType.RESIDENT_ID, number) == number


def test_a_lowercase_x_check_character_is_normalized_to_uppercase() -> None:
    assert check_id_number(IdType.RESIDENT_ID, " 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("first17", ["11010519491231002", "11010520080615001", "44030519900307123"])
def test_a_wrong_check_digit_is_rejected_naming_the_field(first17: str) -> None:
    bad = wrong_check_char(with_check_char(first17))
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, bad)
    error = caught.value
    assert error.field == "id_number"
    assert error.code == "id_number_checksum"
    assert "id_number" in str(error)


def test_the_error_for_a_wrong_check_digit_never_echoes_the_number() -> None:
    bad = wrong_check_char(with_check_char("11010519491231002"))
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, bad)
    text = f"{caught.value} {caught.value.message} {caught.value!r}"
    assert bad not in text
    assert bad[:17] not in text
    assert "19491231" not in text  # not even the birth date part


@pytest.mark.parametrize("value", [
    "1101051949123100",  # 16 characters
    "110105194912310021X",  # 19 characters
    "1101051949123A002X",  # a letter among the digits
    with_check_char("11010519491331002"),  # month 13, with a correct check character
    with_check_char("99999919491231002"),  # no such area, with a correct check character
])
def test_a_resident_id_number_of_the_wrong_shape_is_rejected_as_a_format_error(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, value)
    assert caught.value.field == "id_number"
    assert caught.value.code == "id_number_format"
    assert value not in str(caught.value)


def test_a_letter_other_than_x_in_the_check_position_is_a_wrong_check_character() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, "11010519491231002A")
    assert caught.value.code == "id_number_checksum"


def test_an_empty_id_number_is_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, "   ")
    assert caught.value.field == "id_number"


def test_a_passport_number_is_not_checksummed_but_bounded() -> None:
    assert check_id_number(IdType.PASSPORT, "e12345678") == "E12345678"
    with pytest.raises(InvalidFieldError):
        check_id_number(IdType.PASSPORT, "E12")
    with pytest.raises(InvalidFieldError):
        check_id_number(IdType.PASSPORT, "E1234-5678")


def test_the_birth_date_is_read_from_the_number() -> None:
    assert birth_date_of("11010519491231002X") == dt.date(1949, 12, 31)
    assert birth_date_of(with_check_char("11010520080615001")) == dt.date(2008, 6, 15)


def test_an_odd_sequence_digit_means_male_and_an_even_one_female() -> None:
    assert gender_of(with_check_char("11010520080615001")) == "male"
    assert gender_of(with_check_char("11010520080615003")) == "male"
    assert gender_of("11010519491231002X") == "female"
    assert gender_of(with_check_char("11010520080615000")) == "female"


@pytest.mark.parametrize(("name", "masked"), [
    ("张三", "张*"),
    ("张三明", "张*明"),
    ("欧阳小明", "欧**明"),
    (" 张三明 ", "张*明"),
    ("李", "*"),
])
def test_names_are_masked_for_public_display(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_a_masked_name_never_contains_the_hidden_characters() -> None:
    assert "三" not in mask_name("张三明")
    assert "阳" not in mask_name("欧阳小明") and "小" not in mask_name("欧阳小明")


def test_an_id_number_shows_at_most_its_last_four_characters() -> None:
    number = "11010519491231002X"
    assert id_tail(number) == "002X"
    masked = mask_id_number(number)
    assert masked.endswith("002X")
    assert masked.count("*") == 14
    assert "1101" not in masked


def test_a_long_name_masks_to_at_most_four_stars_so_it_fits_a_certificate_code() -> None:
    from domain.certificate_code import MAX_NAME_BYTES

    long_name = "阿卜杜热合曼买买提艾力" * 4  # 44 characters: longer than any payload could carry unmasked
    masked = mask_name(long_name)
    assert masked == "阿****力"
    assert len(masked.encode("utf-8")) <= MAX_NAME_BYTES
