"""Volunteers: registration checks, derived gender and birth date, the public volunteer number."""

from __future__ import annotations

import datetime as dt
import re
from uuid import uuid4

import pytest

from domain.errors import InvalidFieldError
from domain.volunteer import Volunteer, check_phone, new_volunteer_number

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ORG = uuid4()
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_char(first17: str) -> str:
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


MALE_2008 = with_check_char("11010520080615001")
FEMALE_1949 = with_check_char("11010519491231002")


def register(**overrides: object) -> Volunteer:
    fields: dict[str, object] = {"now": NOW, "actor": f"organization:{ORG}", "org_id": ORG, "name": "张三明",
                                 "id_number": MALE_2008}
    fields.update(overrides)
    return Volunteer.register(**fields)  # type: ignore[arg-type]


def test_a_volunteer_with_a_valid_resident_id_gets_gender_and_birth_date_from_it() -> None:
    volunteer = register()
    assert volunteer.gender == "male"
    assert volunteer.birth_date == dt.date(2008, 6, 15)
    assert register(id_number=FEMALE_1949).gender == "female"


def test_a_wrong_check_digit_is_rejected_and_no_volunteer_exists() -> None:
    bad = MALE_2008[:-1] + ("0" if MALE_2008[-1] != "0" else "1")
    with pytest.raises(InvalidFieldError) as caught:
        register(id_number=bad)
    assert caught.value.field == "id_number"
    assert bad not in str(caught.value)


def test_a_gender_that_contradicts_the_id_number_is_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(gender="female")
    assert caught.value.field == "gender"
    assert register(gender="male").gender == "male"


def test_a_birth_date_in_the_future_is_rejected() -> None:
    future = with_check_char("11010520300101001")
    with pytest.raises(InvalidFieldError) as caught:
        register(id_number=future)
    assert caught.value.field == "id_number"


def test_a_passport_holder_is_registered_without_a_checksum_or_a_derived_birth_date() -> None:
    volunteer = register(id_type="passport", id_number="E12345678", gender="female")
    assert volunteer.id_type == "passport"
    assert volunteer.birth_date is None
    assert volunteer.gender == "female"


def test_an_unknown_id_type_is_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(id_type="library_card")
    assert caught.value.field == "id_type"


def test_an_unknown_gender_is_rejected_for_documents_without_one() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(id_type="passport", id_number="E12345678", gender="x")
    assert caught.value.field == "gender"


@pytest.mark.parametrize(("phone", "kept"), [("+86 138-0013-8000", "13800138000"), ("010-6512 3456", "01065123456"),
                                             (None, None), ("  ", None)])
def test_a_phone_number_is_kept_as_digits(phone: str | None, kept: str | None) -> None:
    assert check_phone(phone) == kept


@pytest.mark.parametrize("phone", ["123", "1380013800012345", "138-0013-800a"])
def test_a_malformed_phone_number_is_rejected_without_echoing_it(phone: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_phone(phone)
    assert caught.value.field == "phone"
    assert phone not in str(caught.value)


def test_the_masked_name_hides_the_middle_of_the_name() -> None:
    assert register().masked_name == "张*明"
    assert register(name="欧阳小明").masked_name == "欧**明"


def test_the_volunteer_number_is_independent_of_the_id_number() -> None:
    number = register().volunteer_number
    assert re.fullmatch(r"V2026[0-9A-HJKMNP-TV-Z]{10}", number)
    # Registered twice with the same ID number, the numbers differ: nothing is derived from the ID number.
    assert register().volunteer_number != number


def test_the_volunteer_number_is_the_year_and_ten_characters_without_ambiguous_letters() -> None:
    number = new_volunteer_number(NOW, random_bytes=b"\xff" * 8)
    assert number.startswith("V2026") and len(number) == 15
    assert not set(number[5:]) & set("ILOU")
    assert new_volunteer_number(NOW, random_bytes=b"\x00" * 8) == "V20260000000000"


def test_the_registration_event_names_actor_and_the_organization_as_authority() -> None:
    (event,) = register().collect_events()
    assert isinstance(event, Volunteer.Registered)
    assert event.authority == str(ORG)
    assert event.actor == f"organization:{ORG}"


def test_a_child_under_14_is_registered_only_with_a_guardians_consent() -> None:
    from domain.errors import RuleViolationError

    child = with_check_char("11010520150101003")  # born 2015-01-01: 11 on NOW
    with pytest.raises(RuleViolationError) as caught:
        register(id_number=child)
    assert caught.value.code == "guardian_consent_required"
    assert child not in str(caught.value)
    assert register(id_number=child, guardian_consent=True).guardian_consent is True


def test_a_volunteer_who_turned_14_today_needs_no_consent() -> None:
    fourteen_today = with_check_char("11010520120310003")  # born 2012-03-10, NOW is 2026-03-10
    assert register(id_number=fourteen_today).guardian_consent is False
