"""Organizations: registration, the identification rule (标识) and the GB 32100 credit code."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import uscc

from domain.base import REGISTRY
from domain.errors import InvalidFieldError
from domain.organization import Organization, check_credit_code, is_identified_on_registration

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
# 5 = civil affairs, 1 = social group, 110000 = Beijing, then a nine-character organization code.
CODE_BASE = "51110000MJ0000001"
VALID_CODE = CODE_BASE + uscc.calc_check_digit(CODE_BASE)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def with_other_check_char(code: str) -> str:
    return code[:-1] + next(c for c in ALPHABET if c != code[-1])


def register(**overrides: object) -> Organization:
    fields: dict[str, object] = {"now": NOW, "actor": "registry:registry", "name": "朝阳区阳光志愿者协会",
                                 "charter_purpose": "组织开展志愿服务活动"}
    fields.update(overrides)
    return Organization.register(**fields)  # type: ignore[arg-type]


# A credit code whose registering authority is not civil affairs (9 = industry and commerce).
OTHER_BASE = "91110000MA0000001"
NON_CIVIL_CODE = OTHER_BASE + uscc.calc_check_digit(OTHER_BASE)


@pytest.mark.parametrize(("name", "purpose", "code", "identified"), [
    ("朝阳区阳光志愿者协会", "组织开展志愿服务活动", "civil", True),
    ("海淀区志愿服务联合会", "推动志愿服务", "civil", True),
    ("东城区义工联合会", "开展志愿活动", "civil", True),
    ("朝阳区慈善协会", "组织开展志愿服务活动", "civil", False),  # name lacks the words: identified only on request
    ("朝阳区阳光志愿者协会", "开展文体活动", "civil", False),  # purpose is not volunteer service
    ("和平里社区志愿者服务队", "组织开展志愿服务活动", None, False),  # unregistered team: not a social organization
    ("朝阳区阳光志愿者协会", "组织开展志愿服务活动", "other", False),  # registered, but not with civil affairs
])
def test_only_a_civil_affairs_registered_organization_with_the_words_and_a_volunteer_purpose_is_identified_directly(
        name: str, purpose: str, code: str | None, identified: bool) -> None:
    credit_code = {"civil": VALID_CODE, "other": NON_CIVIL_CODE, None: None}[code]
    assert is_identified_on_registration(name, purpose, credit_code) is identified
    assert register(name=name, charter_purpose=purpose, credit_code=credit_code).identified is identified


def test_a_valid_credit_code_is_accepted_and_kept() -> None:
    assert check_credit_code(VALID_CODE) == VALID_CODE
    assert register(credit_code=VALID_CODE).credit_code == VALID_CODE


def test_a_credit_code_is_normalized_to_uppercase() -> None:
    assert check_credit_code(f"  {VALID_CODE.lower()} ") == VALID_CODE


def test_a_credit_code_with_a_wrong_check_character_is_rejected_naming_the_field() -> None:
    bad = with_other_check_char(VALID_CODE)
    with pytest.raises(InvalidFieldError) as caught:
        register(credit_code=bad)
    assert caught.value.field == "credit_code"
    assert bad not in str(caught.value)


@pytest.mark.parametrize("bad", [VALID_CODE[:-1], VALID_CODE + "1", "5111000OMJ0000001" + VALID_CODE[-1]])
def test_a_credit_code_of_the_wrong_shape_is_rejected(bad: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        check_credit_code(bad)
    assert caught.value.field == "credit_code"


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_an_unregistered_team_has_no_credit_code(missing: str | None) -> None:
    assert check_credit_code(missing) is None
    assert register(credit_code=missing).credit_code is None


def test_registration_is_made_on_behalf_of_the_registry_and_names_its_actor() -> None:
    org = register()
    (event,) = org.collect_events()
    assert isinstance(event, Organization.Registered)
    assert event.authority == REGISTRY
    assert event.actor == "registry:registry"
    assert event.timestamp == NOW


@pytest.mark.parametrize("region", ["110105", "110105001", "110105001001"])
def test_a_region_code_of_six_nine_or_twelve_digits_is_accepted(region: str) -> None:
    assert register(region_code=region).region_code == region


@pytest.mark.parametrize("region", ["11010", "1101050", "11010A"])
def test_a_region_code_of_another_shape_is_rejected(region: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(region_code=region)
    assert caught.value.field == "region_code"


@pytest.mark.parametrize("field", ["name", "charter_purpose"])
def test_an_organization_needs_a_name_and_a_charter_purpose(field: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(**{field: "  "})
    assert caught.value.field == field
