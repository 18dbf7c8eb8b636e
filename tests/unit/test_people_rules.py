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


# -- the other ID documents (domain/people.py names the source of each format) ----------------------------------

def test_only_the_gb_11643_layouts_encode_birth_date_and_gender() -> None:
    from domain.people import encodes_birth_date

    assert {t for t in IdType if encodes_birth_date(t)} == {IdType.RESIDENT_ID,
                                                            IdType.HK_MACAO_TAIWAN_RESIDENCE_PERMIT}


@pytest.mark.parametrize("area", ["810000", "820000", "830000"])
def test_a_residence_permit_of_hk_macao_taiwan_residents_is_checked_as_gb_11643_with_its_own_area(area: str) -> None:
    """港澳台居民居住证 (国办发〔2018〕81号): a 公民身份号码 with area 810000 / 820000 / 830000; stdnum's area table
    does not list these, so the layout is checked without it."""
    number = with_check_char(area + "19900307002")
    assert check_id_number(IdType.HK_MACAO_TAIWAN_RESIDENCE_PERMIT, number) == number
    assert birth_date_of(number) == dt.date(1990, 3, 7)
    assert gender_of(number) == "female"


@pytest.mark.parametrize(("value", "code"), [
    (wrong_check_char(with_check_char("81000019900307002")), "id_number_checksum"),
    (with_check_char("11010519900307002"), "id_number_format"),  # a mainland area: that is a resident ID
    (with_check_char("81000019901307002"), "id_number_format"),  # month 13
    ("8100001990030700", "id_number_format"),  # 16 characters
])
def test_a_residence_permit_number_of_the_wrong_shape_or_check_character_is_rejected(value: str, code: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.HK_MACAO_TAIWAN_RESIDENCE_PERMIT, value)
    assert (caught.value.field, caught.value.code) == ("id_number", code)
    assert value not in str(caught.value)


def test_a_residence_permit_number_given_as_a_resident_id_is_refused_with_a_hint_to_the_right_type() -> None:
    number = with_check_char("83000019900307002")
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, number)
    assert caught.value.code == "id_number_format"
    assert "hk_macao_taiwan_residence_permit" in str(caught.value)
    assert number not in str(caught.value)


def test_a_2023_foreign_permanent_residence_id_starts_with_9_and_has_a_mod_11_2_check_character() -> None:
    """National Immigration Administration, 新版外国人永久居留身份证机读信息规则（2023版） items 2-3: 18 characters,
    first digit 9, check character as for 公民身份号码."""
    number = with_check_char("93315619900307001")
    assert check_id_number(IdType.FOREIGN_PERMANENT_RESIDENCE_ID, number) == number
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.FOREIGN_PERMANENT_RESIDENCE_ID, wrong_check_char(number))
    assert caught.value.code == "id_number_checksum"


def test_a_2017_foreign_permanent_residence_id_of_three_letters_and_twelve_digits_is_still_accepted() -> None:
    """Same rule, item 2: the 2017 card's 15 characters (3 Latin letters + 12 digits) stay valid alongside."""
    assert check_id_number(IdType.FOREIGN_PERMANENT_RESIDENCE_ID, "usa110090030701") == "USA110090030701"


@pytest.mark.parametrize("value", [with_check_char("13315619900307001"), "US1100900307012", "USA11009003070",
                                   "9331561990030700"])
def test_a_foreign_permanent_residence_id_of_another_shape_is_rejected(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.FOREIGN_PERMANENT_RESIDENCE_ID, value)
    assert caught.value.code == "id_number_format"
    assert value not in str(caught.value)


def test_an_18_character_number_starting_with_9_given_as_a_resident_id_hints_at_the_permanent_residence_id() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, with_check_char("93315619900307001"))
    assert "foreign_permanent_residence_id" in str(caught.value)


@pytest.mark.parametrize("value", ["H12345678", "M12345678", "H1234567801", "h12345678"])
def test_a_hong_kong_or_macao_permit_is_h_or_m_and_8_or_10_digits(value: str) -> None:
    """港澳居民来往内地通行证: H (Hong Kong) or M (Macao), then 8 digits (card) or 10 (earlier booklets)."""
    assert check_id_number(IdType.HK_MACAO_PERMIT, value) == value.upper()


@pytest.mark.parametrize("value", ["H1234567", "H123456789", "H123456789012", "A12345678", "12345678", "HK1234567"])
def test_a_hong_kong_or_macao_permit_of_another_shape_is_rejected(value: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.HK_MACAO_PERMIT, value)
    assert (caught.value.field, caught.value.code) == ("id_number", "id_number_format")
    assert value not in str(caught.value)


def test_a_taiwan_permit_is_8_digits() -> None:
    """台湾居民来往大陆通行证 (card since 2015): 8 digits."""
    assert check_id_number(IdType.TAIWAN_PERMIT, "01234567") == "01234567"
    for value in ("1234567", "123456789", "T1234567", "A123456789"):
        with pytest.raises(InvalidFieldError) as caught:
            check_id_number(IdType.TAIWAN_PERMIT, value)
        assert caught.value.code == "id_number_format"


def test_full_width_characters_and_spaces_are_normalized_so_one_document_has_one_form() -> None:
    # Chinese input methods type full-width letters and digits; the duplicate check compares normalized numbers.
    assert check_id_number(IdType.PASSPORT, "Ｅ１２３４ ５６７８") == "E12345678"
    assert check_id_number(IdType.RESIDENT_ID, "１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


@pytest.mark.parametrize("value", ["É12345678", "护照12345678", "E1234５678!"])
def test_a_passport_number_with_letters_outside_a_to_z_is_rejected(value: str) -> None:
    with pytest.raises(InvalidFieldError):
        check_id_number(IdType.PASSPORT, value)


def test_an_unknown_document_type_is_rejected_listing_the_accepted_ones() -> None:
    from domain.people import id_type_of

    with pytest.raises(InvalidFieldError) as caught:
        id_type_of("library_card")
    assert caught.value.field == "id_type"
    assert all(t.value in str(caught.value) for t in IdType)


def test_an_area_code_stdnum_cannot_resolve_is_a_format_error_not_a_crash() -> None:
    """GB 11643: the first six digits are an administrative area code. python-stdnum raises KeyError for some
    codes of its table (e.g. 110005); that must be a 422 naming the field, never a 500."""
    number = with_check_char("11000519900101001")
    with pytest.raises(InvalidFieldError) as caught:
        check_id_number(IdType.RESIDENT_ID, number)
    assert caught.value.code == "id_number_format"
    assert number not in str(caught.value)
