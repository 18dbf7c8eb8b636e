"""Organizations: registration, kinds, identification (标识, Hunan notice 001 二(一)) and the GB 32100 credit code."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from eventsourcing.persistence import Mapper, StoredEvent
from stdnum.cn import uscc

from api.core import event_transcoder
from domain.base import REGISTRY
from domain.errors import ConflictError, InvalidFieldError, RuleViolationError
from domain.organization import (
    Organization,
    OrganizationKind,
    check_credit_code,
    is_identified_on_registration,
    is_registered_social_organization,
    region_prefix,
)

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


# -- kinds (Hunan notice 001 二(二); Gangcheng plan 000 三) ----------------------------------------------------


@pytest.mark.parametrize("kind", list(OrganizationKind))
def test_every_kind_of_recording_body_the_notices_name_can_be_registered(kind: OrganizationKind) -> None:
    """Hunan notice 001 二(二) and Gangcheng plan 000 三: charities, village/community committees, public-benefit
    organizers, public service institutions and community/unit teams record volunteer service too."""
    org = register(kind=kind.value)
    assert org.kind == kind.value
    (event,) = org.collect_events()
    assert event.kind == kind.value  # type: ignore[attr-defined]


def test_without_a_kind_an_organization_is_a_volunteer_organization() -> None:
    assert register().kind == "volunteer_organization"
    assert register(kind=None).kind == "volunteer_organization"


def test_an_unknown_kind_is_rejected_naming_the_field_and_the_kinds() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        register(kind="company")
    assert caught.value.field == "kind"
    assert "internal_team" in caught.value.message


def test_a_registration_stored_before_kinds_existed_reads_as_a_volunteer_organization() -> None:
    """Upcasting: v1 Registered events (no ``kind``, no class_version) were all registered through the API's
    default. The stored body is rewritten as v1 wrote it and read back through eventsourcing's mapper."""
    mapper: Mapper[Any] = Mapper(transcoder=event_transcoder())
    (event,) = register(kind="charity").collect_events()
    stored = mapper.to_stored_event(event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2 and state.pop("kind") == "charity"
    v1 = StoredEvent(originator_id=stored.originator_id, originator_version=stored.originator_version,
                     topic=stored.topic, state=json.dumps(state).encode())
    old = mapper.to_domain_event(v1)
    assert isinstance(old, Organization.Registered)
    assert old.kind == "volunteer_organization"
    assert old.mutate(None).kind == "volunteer_organization"
    assert mapper.to_domain_event(stored).kind == "charity"  # a v2 body keeps its own kind


# -- identification (标识, Hunan notice 001 二(一)) -------------------------------------------------------------

LATER = NOW + dt.timedelta(days=3)
# A civil-affairs registered social group (51…) whose name lacks the words: identified only on request.
ON_REQUEST = {"name": "朝阳区阳光助老协会", "charter_purpose": "组织开展志愿服务活动", "credit_code": VALID_CODE}
ORG_ACTOR = "organization:00000000-0000-0000-0000-000000000001"


def requested(**overrides: object) -> Organization:
    org = register(**{**ON_REQUEST, **overrides})
    assert org.identified is False
    org.request_identification(now=NOW, actor=ORG_ACTOR)
    return org


@pytest.mark.parametrize(("code", "social"), [
    (VALID_CODE, True),  # 5 civil affairs, 1 social group
    ("52110000MJ0000001", True),  # 2 private non-enterprise unit
    ("53110000MJ0000001", True),  # 3 foundation
    ("59110000MJ0000001", False),  # 9 other body registered with civil affairs: not a social organization
    (NON_CIVIL_CODE, False),  # registered with industry and commerce
    (None, False),  # an unregistered team
])
def test_only_a_civil_affairs_social_group_unit_or_foundation_is_a_registered_social_organization(
        code: str | None, social: bool) -> None:
    """Hunan notice 001 二(一) identifies 社会组织; GB 32100 (domain.md): authority 5, types 1, 2, 3."""
    assert is_registered_social_organization(code) is social


def test_a_request_is_recorded_with_the_organization_as_actor_and_the_registry_as_authority() -> None:
    """Hunan notice 001 二(一): 主动要求标识 — the organization asks, the registry (登记地的民政部门) decides."""
    org = requested()
    events = org.collect_events()
    assert isinstance(events[-1], Organization.IdentificationRequested)
    assert events[-1].actor == ORG_ACTOR
    assert events[-1].authority == REGISTRY
    assert org.request_pending is True


def test_the_registry_identifies_on_request_after_charter_review() -> None:
    """Hunan notice 001 二(一): 应对其章程进行核准后予以标识."""
    org = requested()
    org.decide_identification(now=LATER, actor="registry:registry", decision="identify", reason="章程已核准")
    event = org.collect_events()[-1]
    assert isinstance(event, Organization.Identified)
    assert event.basis == "charter_review"
    assert event.authority == REGISTRY
    assert org.identified is True
    assert org.identified_since == LATER
    assert org.request_pending is False


def test_the_registry_refuses_with_a_reason_and_the_organization_may_ask_again() -> None:
    org = requested()
    org.decide_identification(now=LATER, actor="registry:registry", decision="refuse", reason="章程宗旨不明确")
    event = org.collect_events()[-1]
    assert isinstance(event, Organization.IdentificationRefused)
    assert event.reason == "章程宗旨不明确"
    assert org.identified is False and org.request_pending is False
    org.request_identification(now=LATER, actor=ORG_ACTOR)
    assert org.request_pending is True


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_refusal_needs_a_reason(reason: str | None) -> None:
    org = requested()
    with pytest.raises(InvalidFieldError) as caught:
        org.decide_identification(now=LATER, actor="registry:registry", decision="refuse", reason=reason)
    assert caught.value.field == "reason"
    assert org.request_pending is True


def test_a_decision_other_than_identify_or_refuse_is_rejected() -> None:
    org = requested()
    with pytest.raises(InvalidFieldError) as caught:
        org.decide_identification(now=LATER, actor="registry:registry", decision="approve")
    assert caught.value.field == "decision"


def test_a_second_request_while_one_is_pending_is_a_conflict() -> None:
    org = requested()
    with pytest.raises(ConflictError) as caught:
        org.request_identification(now=LATER, actor=ORG_ACTOR)
    assert caught.value.code == "request_pending"


def test_an_identified_organization_cannot_ask_again_nor_be_identified_again() -> None:
    """Wrong-state transitions: identification is a mark an organization has or has not."""
    org = register(credit_code=VALID_CODE)  # 志愿者 in the name: identified directly
    assert org.identified is True
    with pytest.raises(ConflictError) as asked:
        org.request_identification(now=LATER, actor=ORG_ACTOR)
    assert asked.value.code == "already_identified"
    with pytest.raises(ConflictError) as again:
        org.identify(now=LATER, actor="registry:registry")
    assert again.value.code == "already_identified"


def test_a_decision_without_a_request_is_a_conflict() -> None:
    """Hunan notice 001 二(一): organizations without the words are identified only on their own request."""
    org = register(**ON_REQUEST)
    for decision, reason in (("identify", None), ("refuse", "无申请")):
        with pytest.raises(ConflictError) as caught:
            org.decide_identification(now=LATER, actor="registry:registry", decision=decision, reason=reason)
        assert caught.value.code == "no_pending_request"


def test_an_organization_whose_charter_is_not_volunteer_service_cannot_ask() -> None:
    """Hunan notice 001 二(一): 其章程以开展志愿服务为宗旨，主动要求标识 — the charter comes first."""
    org = register(**{**ON_REQUEST, "charter_purpose": "开展文体活动"})
    with pytest.raises(RuleViolationError) as caught:
        org.request_identification(now=NOW, actor=ORG_ACTOR)
    assert caught.value.code == "charter_not_volunteer_service"
    assert org.request_pending is False


# Registered with civil affairs, but as "other" (9), not as a social group, private non-enterprise unit or foundation.
OTHER_CIVIL_BASE = "59110000MJ0000001"
OTHER_CIVIL_CODE = OTHER_CIVIL_BASE + uscc.calc_check_digit(OTHER_CIVIL_BASE)


@pytest.mark.parametrize("code", [None, NON_CIVIL_CODE, OTHER_CIVIL_CODE])
def test_a_body_that_is_not_a_registered_social_organization_is_not_identified_but_refused_on_the_record(
        code: str | None) -> None:
    """Hunan notice 001 二(一) identifies 社会组织 (registered with civil affairs): a team or a company may ask, and
    the registry's review refuses it with a reason rather than identifying it."""
    org = register(**{**ON_REQUEST, "credit_code": code})
    org.request_identification(now=NOW, actor=ORG_ACTOR)
    with pytest.raises(RuleViolationError) as caught:
        org.identify(now=LATER, actor="registry:registry")
    assert caught.value.code == "not_a_registered_social_organization"
    assert org.identified is False and org.request_pending is True
    org.refuse_identification(now=LATER, actor="registry:registry", reason="未在民政部门登记为社会组织")
    assert org.request_pending is False


def test_an_amended_charter_that_drops_volunteer_service_withdraws_the_mark_in_the_same_change() -> None:
    """Hunan notice 001 二(一): 章程修改后，如不再以开展志愿服务为宗旨的，在核准其章程时同步取消志愿服务组织身份标识."""
    org = register(credit_code=VALID_CODE)
    assert org.identified is True
    org.collect_events()
    org.amend_charter(now=LATER, actor="registry:registry", charter_purpose="开展文体活动", reason="会员大会修改章程")
    amended, withdrawn = org.collect_events()
    assert isinstance(amended, Organization.CharterAmended)
    assert amended.charter_purpose == "开展文体活动" and amended.reason == "会员大会修改章程"
    assert isinstance(withdrawn, Organization.IdentificationWithdrawn)
    assert withdrawn.authority == REGISTRY and withdrawn.timestamp == LATER
    assert org.identified is False and org.identified_since is None


def test_an_amended_charter_that_keeps_volunteer_service_keeps_the_mark() -> None:
    org = register(credit_code=VALID_CODE)
    org.collect_events()
    org.amend_charter(now=LATER, actor="registry:registry", charter_purpose="开展助老志愿服务", reason="修改章程")
    (amended,) = org.collect_events()
    assert isinstance(amended, Organization.CharterAmended)
    assert org.identified is True and org.identified_since == NOW


def test_an_amended_charter_that_gains_volunteer_service_identifies_a_named_social_organization_directly() -> None:
    """Hunan notice 001 二(一): 名称中含有…字样、其章程以开展志愿服务为宗旨的社会组织，应直接进行标识."""
    org = register(credit_code=VALID_CODE, charter_purpose="开展文体活动")
    assert org.identified is False
    org.collect_events()
    org.amend_charter(now=LATER, actor="registry:registry", charter_purpose="组织开展志愿服务活动", reason="修改章程")
    amended, identified = org.collect_events()
    assert isinstance(amended, Organization.CharterAmended)
    assert isinstance(identified, Organization.Identified) and identified.basis == "direct"
    assert org.identified is True and org.identified_since == LATER


def test_an_amended_charter_does_not_identify_an_organization_whose_name_lacks_the_words() -> None:
    org = register(**{**ON_REQUEST, "charter_purpose": "开展文体活动"})
    org.collect_events()
    org.amend_charter(now=LATER, actor="registry:registry", charter_purpose="组织开展志愿服务活动", reason="修改章程")
    assert [type(e) for e in org.collect_events()] == [Organization.CharterAmended]
    assert org.identified is False


def test_identifying_after_the_charter_dropped_volunteer_service_is_refused() -> None:
    """The review is of the charter as it stands at the decision, not at the request."""
    org = requested()
    org.amend_charter(now=LATER, actor="registry:registry", charter_purpose="开展文体活动", reason="修改章程")
    with pytest.raises(RuleViolationError) as caught:
        org.identify(now=LATER, actor="registry:registry")
    assert caught.value.code == "charter_not_volunteer_service"


@pytest.mark.parametrize(("purpose", "reason", "field", "code"), [
    ("组织开展志愿服务活动", "修改章程", "charter_purpose", "charter_unchanged"),
    ("  ", "修改章程", "charter_purpose", "invalid_field"),
    ("开展文体活动", None, "reason", "invalid_field"),
])
def test_a_charter_amendment_needs_a_new_purpose_and_a_reason(purpose: str, reason: str | None, field: str,
                                                             code: str) -> None:
    org = register(credit_code=VALID_CODE)
    org.collect_events()
    with pytest.raises(InvalidFieldError) as caught:
        org.amend_charter(now=LATER, actor="registry:registry", charter_purpose=purpose, reason=reason)
    assert caught.value.field == field and caught.value.code == code
    assert org.collect_events() == [] and org.identified is True


@pytest.mark.parametrize(("code", "prefix"), [
    ("430000", "43"), ("430100", "4301"), ("430102", "430102"), ("430110", "430110"), ("43", "43"),
    ("430102001000", "430102001"), ("430102000000", "430102"),
])
def test_a_region_filter_means_everything_within_that_division(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


@pytest.mark.parametrize("code", ["4", "4301020", "000000", "43a000"])
def test_a_region_filter_of_another_shape_is_rejected(code: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        region_prefix(code)
    assert caught.value.field == "region_code"
