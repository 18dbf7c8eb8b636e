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


def test_a_passport_holder_is_registered_with_the_birth_date_given_and_no_checksum() -> None:
    volunteer = register(id_type="passport", id_number="E12345678", gender="female", birth_date=dt.date(1990, 3, 7))
    assert volunteer.id_type == "passport"
    assert volunteer.birth_date == dt.date(1990, 3, 7)
    assert volunteer.gender == "female"
    assert register(id_type="passport", id_number="E12345678", birth_date=dt.date(1990, 3, 7)).gender is None


def test_an_unknown_id_type_is_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(id_type="library_card")
    assert caught.value.field == "id_type"


def test_an_unknown_gender_is_rejected_for_documents_without_one() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(id_type="passport", id_number="E12345678", gender="x", birth_date=dt.date(1990, 3, 7))
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


# -- birth dates for every document type ---------------------------------------------------------------------------

# A number of each type whose document does not encode the birth date (formats: domain/people.py).
OTHER_DOCUMENTS = [("passport", "E12345678"), ("hk_macao_permit", "H12345678"), ("taiwan_permit", "01234567"),
                   ("foreign_permanent_residence_id", with_check_char("93315619900307001")),
                   ("foreign_permanent_residence_id", "USA110090030701")]
CHILD_BIRTH = dt.date(2015, 1, 1)  # 11 on NOW


@pytest.mark.parametrize(("id_type", "number"), OTHER_DOCUMENTS)
def test_the_birth_date_is_required_where_the_number_does_not_encode_it(id_type: str, number: str) -> None:
    """PIPL art.28, 31: without a birth date the rule that children under 14 need a guardian's consent could not be
    applied, so documents whose number carries none need it given."""
    with pytest.raises(InvalidFieldError) as caught:
        register(id_type=id_type, id_number=number)
    assert (caught.value.field, caught.value.code) == ("birth_date", "birth_date_required")
    assert number not in str(caught.value)


@pytest.mark.parametrize(("id_type", "number"), OTHER_DOCUMENTS)
def test_a_child_under_14_needs_a_guardians_consent_whatever_the_document(id_type: str, number: str) -> None:
    """PIPL art.28, 31 (personal information of children under 14 is sensitive; a guardian consents)."""
    from domain.errors import RuleViolationError

    with pytest.raises(RuleViolationError) as caught:
        register(id_type=id_type, id_number=number, birth_date=CHILD_BIRTH)
    assert caught.value.code == "guardian_consent_required"
    assert register(id_type=id_type, id_number=number, birth_date=CHILD_BIRTH, guardian_consent=True).birth_date \
        == CHILD_BIRTH


def test_a_residence_permit_holder_gets_birth_date_and_gender_from_the_number_and_the_consent_rule_applies() -> None:
    """港澳台居民居住证 numbers follow GB 11643 (area 810000/820000/830000); PIPL art.28, 31 for the child."""
    from domain.errors import RuleViolationError

    adult = register(id_type="hk_macao_taiwan_residence_permit", id_number=with_check_char("82000019900307001"))
    assert (adult.birth_date, adult.gender) == (dt.date(1990, 3, 7), "male")
    child = with_check_char("81000020150101002")
    with pytest.raises(RuleViolationError):
        register(id_type="hk_macao_taiwan_residence_permit", id_number=child)
    assert register(id_type="hk_macao_taiwan_residence_permit", id_number=child, guardian_consent=True).gender \
        == "female"


def test_a_birth_date_given_with_a_resident_id_must_be_the_one_the_number_encodes() -> None:
    """GB 11643: positions 7-14 are the birth date; a different one given besides is a contradiction."""
    assert register(birth_date=dt.date(2008, 6, 15)).birth_date == dt.date(2008, 6, 15)
    with pytest.raises(InvalidFieldError) as caught:
        register(birth_date=dt.date(2008, 6, 16))
    assert (caught.value.field, caught.value.code) == ("birth_date", "birth_date_mismatch")
    assert "20080615" not in str(caught.value) and "2008-06-15" not in str(caught.value)


def test_a_given_birth_date_in_the_future_is_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(id_type="passport", id_number="E12345678", birth_date=dt.date(2026, 3, 11))
    assert (caught.value.field, caught.value.code) == ("birth_date", "birth_date_in_future")


def test_today_in_china_is_a_possible_birth_date_though_it_is_still_yesterday_in_utc() -> None:
    # NOW is 2026-03-10 12:00 UTC: 20:00 in Beijing. At 2026-03-10 23:00 UTC it is already the 11th there.
    late = dt.datetime(2026, 3, 10, 23, 0, tzinfo=dt.UTC)
    volunteer = register(now=late, id_type="passport", id_number="E12345678", birth_date=dt.date(2026, 3, 11),
                         guardian_consent=True)
    assert volunteer.birth_date == dt.date(2026, 3, 11)


def test_an_implausible_age_is_rejected_as_a_typing_error() -> None:
    from domain.volunteer import MAX_AGE

    with pytest.raises(InvalidFieldError) as caught:
        register(id_type="passport", id_number="E12345678", birth_date=dt.date(1900, 1, 1))
    assert caught.value.code == "birth_date_implausible"
    assert MAX_AGE == 120
    assert register(id_type="passport", id_number="E12345678", birth_date=dt.date(1906, 3, 10)).birth_date
    with pytest.raises(InvalidFieldError) as caught:
        register(id_number=with_check_char("11010519000101001"))  # a valid resident ID number, a wrong century
    assert (caught.value.field, caught.value.code) == ("id_number", "birth_date_implausible")


def test_a_birth_date_must_be_a_date_not_a_time() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(id_type="passport", id_number="E12345678", birth_date=dt.datetime(1990, 3, 7, tzinfo=dt.UTC))
    assert caught.value.field == "birth_date"


# -- contact -------------------------------------------------------------------------------------------------------

def test_an_email_address_is_optional_and_its_domain_lower_cased() -> None:
    assert register().email is None
    assert register(email="  Zhang.San+vol@Example.COM ").email == "Zhang.San+vol@example.com"


@pytest.mark.parametrize("email", ["zhangsan", "zhang@", "@example.com", "zhang san@example.com", "zhang@example",
                                   "a@b@example.com", "x" * 250 + "@example.com"])
def test_a_malformed_email_address_is_rejected_without_echoing_it(email: str) -> None:
    from domain.volunteer import check_email

    with pytest.raises(InvalidFieldError) as caught:
        check_email(email)
    assert caught.value.field == "email"
    assert email not in str(caught.value)


def test_a_registration_stored_before_email_existed_still_decodes_with_none() -> None:
    """Registered v1 events (no ``email``) are upcast on reading: old logs load."""
    import json

    from eventsourcing.persistence import Mapper, StoredEvent

    from api.core import event_transcoder

    mapper: Mapper[object] = Mapper(event_transcoder())
    (event,) = register(email="a@example.com").collect_events()
    stored = mapper.to_stored_event(event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    # As stored before email (v2) and before guardian consent existed.
    del state["email"]
    del state["guardian_consent"]
    old = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode())
    decoded = mapper.to_domain_event(old)
    assert isinstance(decoded, Volunteer.Registered)
    assert decoded.email is None
    assert decoded.guardian_consent is False
    assert decoded.mutate(None).name == "张三明"


# -- training, awards, evaluations (条例 art.19; 办法 art.4; checklist of seed 000 五(1)1(4)-(6)) ------------------

def test_a_training_is_recorded_as_its_own_event_for_the_organization() -> None:
    """条例 art.19 / 办法 art.4 培训情况; seed 000 五(1)1(5): 记录的志愿者技能培训情况是否完整准确."""
    volunteer = register()
    volunteer.collect_events()
    entry = volunteer.record_training(now=NOW, actor=f"organization:{ORG}", title="急救技能培训",
                                      provider="北京市红十字会", date=dt.date(2026, 3, 1), hours="4.5")
    (event,) = volunteer.collect_events()
    assert isinstance(event, Volunteer.TrainingRecorded)
    assert (event.entry_id, event.title, event.provider, event.date, str(event.hours)) == \
        (entry, "急救技能培训", "北京市红十字会", dt.date(2026, 3, 1), "4.50")
    assert (event.authority, event.actor, event.originator_version) == (str(ORG), f"organization:{ORG}", 2)


@pytest.mark.parametrize(("fields", "field", "code"), [
    ({"date": dt.date(2026, 3, 11)}, "date", "date_in_future"),
    ({"date": dt.date(2008, 6, 14)}, "date", "date_before_birth"),  # the volunteer was born 2008-06-15
    ({"hours": "0"}, "hours", "hours_not_positive"),
    ({"title": "  "}, "title", "invalid_field"),
    ({"provider": None}, "provider", "invalid_field"),
    ({"date": "2026-03-01"}, "date", "invalid_field"),
])
def test_a_training_that_could_not_have_happened_is_rejected(fields: dict[str, object], field: str, code: str) -> None:
    volunteer = register()
    args: dict[str, object] = {"title": "急救技能培训", "provider": "红十字会", "date": dt.date(2026, 3, 1),
                               "hours": "2"}
    args.update(fields)
    with pytest.raises(InvalidFieldError) as caught:
        volunteer.record_training(now=NOW, actor="organization:x", **args)  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.code) == (field, code)
    assert volunteer.version == 1


@pytest.mark.parametrize(("level", "code"), [("national", "national"), ("Provincial", "provincial"),
                                             ("市级", "municipal"), ("区县级", "county"), ("组织内部", "organization")])
def test_an_award_level_is_one_of_a_fixed_scale_given_as_code_or_chinese_term(level: str, code: str) -> None:
    """条例 art.19 / 办法 art.4 表彰奖励情况; seed 000 五(1)1(6)."""
    volunteer = register()
    volunteer.record_award(now=NOW, actor="organization:x", title="优秀志愿者", awarded_by="朝阳区文明办",
                           date=dt.date(2025, 12, 5), level=level)
    assert volunteer.collect_events()[-1].level == code  # type: ignore[attr-defined]


def test_an_award_of_an_unknown_level_is_rejected_listing_the_scale() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register().record_award(now=NOW, actor="organization:x", title="优秀志愿者", awarded_by="文明办",
                                date=dt.date(2025, 12, 5), level="galactic")
    assert caught.value.field == "level" and "national" in str(caught.value)


def test_an_evaluation_rates_a_period_on_a_fixed_scale() -> None:
    """条例 art.19 / 办法 art.4 评价情况; seed 000 五(1)1(4): 记录的志愿者服务评价是否完整准确."""
    volunteer = register()
    volunteer.record_evaluation(now=NOW, actor="organization:x", period_start=dt.date(2025, 1, 1),
                                period_end=dt.date(2025, 12, 31), rating="优秀", comment=" 服务认真 ")
    event = volunteer.collect_events()[-1]
    assert isinstance(event, Volunteer.EvaluationRecorded)
    assert (event.rating, event.comment, event.authority) == ("excellent", "服务认真", str(ORG))


@pytest.mark.parametrize(("fields", "field"), [
    ({"rating": "great"}, "rating"),
    ({"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2025, 12, 31)}, "period_end"),
    ({"period_end": dt.date(2026, 3, 11)}, "period_end"),
])
def test_an_evaluation_off_the_scale_or_of_an_impossible_period_is_rejected(fields: dict[str, object],
                                                                            field: str) -> None:
    args: dict[str, object] = {"period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31),
                               "rating": "good"}
    args.update(fields)
    with pytest.raises(InvalidFieldError) as caught:
        register().record_evaluation(now=NOW, actor="organization:x", **args)  # type: ignore[arg-type]
    assert caught.value.field == field
