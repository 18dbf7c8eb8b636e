"""Complaints about an organization's records or certificates, and what they do to that year's draw.

Sources: seed 000 (Gangcheng plan) 三 — 因志愿服务记录与证明出具事宜被志愿者投诉或产生负面情况的志愿服务组织，列入当年
抽查范围; seed 001 (Hunan notice) 二(二) — the same, "应当列入当年抽查范围"; ../shared/domain.md "Spot checks" (anyone,
volunteer or public, may complain) and "Privacy" (no ID or phone numbers where they need not be).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import pytest

from domain.base import INSPECTION, REGISTRY, AuthorityMismatchError, check_created_authority
from domain.complaint import PUBLIC_ACTOR, Complaint, complaints_per_org
from domain.draw import Reason, TargetFacts, draw_targets
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
ORG = UUID("00000000-0000-0000-0000-00000000c001")
OTHER_ORG = UUID("00000000-0000-0000-0000-00000000c002")
VOLUNTEER = UUID("00000000-0000-0000-0000-00000000e001")
RECORD = UUID("00000000-0000-0000-0000-00000000d001")
INSPECTOR = "inspector:00000000-0000-0000-0000-00000000b001"


def by_volunteer(**fields: Any) -> Complaint:
    args: dict[str, Any] = {"org_id": ORG, "about": "records", "text": "活动只有2小时却记录了8小时",
                            "filed_by": "volunteer", "record_id": RECORD, **fields}
    return Complaint.file(now=args.pop("now", NOW), actor=args.pop("actor", f"volunteer:{VOLUNTEER}"), **args)


def by_public(**fields: Any) -> Complaint:
    args: dict[str, Any] = {"org_id": ORG, "about": "certificates", "text": "该组织出具证明收费",
                            "filed_by": "public", **fields}
    return Complaint.file(now=args.pop("now", NOW), actor=args.pop("actor", PUBLIC_ACTOR), **args)


def test_a_volunteer_files_a_complaint_about_records_with_their_token() -> None:
    """Seed 000 三: 被志愿者投诉 — recorded by the registry on the bureau's behalf, the volunteer as actor."""
    complaint = by_volunteer()
    (event,) = complaint.collect_events()
    assert isinstance(event, Complaint.ComplaintFiled)
    assert (event.authority, event.actor) == (REGISTRY, f"volunteer:{VOLUNTEER}")
    assert (event.org_id, event.about, event.filed_by, event.record_id, event.year) == (
        ORG, "records", "volunteer", RECORD, 2026)
    assert complaint.founded is None
    check_created_authority(event, "event")


def test_the_public_files_a_complaint_about_certificates_without_a_token() -> None:
    complaint = by_public(certificate_number="VC20260301ABCDEF123456")
    assert (complaint.filed_by, complaint.about, complaint.certificate_number) == (
        "public", "certificates", "VC20260301ABCDEF123456")


def test_the_year_is_the_china_calendar_year_of_filing() -> None:
    """Late on 31 December UTC is already 1 January in China: that complaint counts for the new year's draw."""
    assert by_public(now=dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC)).year == 2027
    assert by_public(now=dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)).year == 2026


@pytest.mark.parametrize(("filed_by", "actor", "code"), [
    ("volunteer", PUBLIC_ACTOR, "not_a_volunteer"),
    ("volunteer", f"organization:{ORG}", "not_a_volunteer"),
    ("public", f"volunteer:{VOLUNTEER}", "not_public"),
    ("public", "registry:registry", "not_public"),
])
def test_who_filed_matches_who_is_calling(filed_by: str, actor: str, code: str) -> None:
    with pytest.raises(ForbiddenError) as caught:
        by_public(filed_by=filed_by, actor=actor)
    assert caught.value.code == code


@pytest.mark.parametrize(("fields", "field"), [
    ({"about": "everything"}, "about"),
    ({"filed_by": "journalist"}, "filed_by"),
    ({"text": "  "}, "text"),
    ({"text": "长" * 2001}, "text"),
    ({"about": "records", "certificate_number": "VC20260301ABCDEF123456"}, "certificate_number"),
    ({"about": "certificates", "record_id": RECORD}, "record_id"),
])
def test_a_complaint_is_about_records_certificates_or_both_with_bounded_text(fields: dict[str, Any],
                                                                            field: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        by_public(**fields)
    assert caught.value.field == field


def test_a_complaint_about_both_may_name_a_record_and_a_certificate() -> None:
    complaint = by_volunteer(about="both", certificate_number="VC20260301ABCDEF123456")
    assert complaint.record_id == RECORD and complaint.certificate_number == "VC20260301ABCDEF123456"


@pytest.mark.parametrize("number", ["11010519491231002X", "13812345678"])
def test_an_id_or_phone_number_in_the_text_is_refused_without_repeating_it(number: str) -> None:
    """domain.md "Privacy": the log keeps complaints for good; the message must not echo the number either."""
    with pytest.raises(InvalidFieldError) as caught:
        by_public(text=f"联系我 {number} 核实")
    assert caught.value.code == "personal_number_in_text" and number not in caught.value.message
    by_public(text="证明编号 VC20260301ABCDEF123456 的时长与活动不符，共记录 123456789012345678901 分钟")


def test_an_inspector_assesses_a_complaint_once_with_a_reason() -> None:
    complaint = by_volunteer()
    complaint.collect_events()
    with pytest.raises(ForbiddenError):
        complaint.assess(now=NOW, actor="registry:registry", founded=True, reason="经核实属实")
    with pytest.raises(InvalidFieldError):
        complaint.assess(now=NOW, actor=INSPECTOR, founded=True, reason="属实")
    complaint.assess(now=NOW, actor=INSPECTOR, founded=False, reason="活动签到表显示服务8小时")
    (event,) = complaint.collect_events()
    assert isinstance(event, Complaint.ComplaintAssessed)
    assert (event.actor, event.authority, event.founded) == (INSPECTOR, REGISTRY, False)
    with pytest.raises(ConflictError) as caught:
        complaint.assess(now=NOW, actor=INSPECTOR, founded=True, reason="重新核实属实")
    assert caught.value.code == "already_assessed"


def test_a_complaint_is_the_registrys_record_and_no_other_authority_makes_one() -> None:
    (event,) = by_public().collect_events()
    object.__setattr__(event, "authority", INSPECTION)
    with pytest.raises(AuthorityMismatchError):
        event.mutate(None)


def test_a_complained_about_organization_is_a_must_check_target_of_that_years_draw() -> None:
    """Seed 001 二(二): 应当列入当年抽查范围 — whatever the quota, the draw of that year includes it."""
    complaints = [by_volunteer(), by_public(), by_public(org_id=OTHER_ORG,
                                                         now=dt.datetime(2025, 11, 1, tzinfo=dt.UTC))]
    counts = complaints_per_org(complaints, 2026)
    assert counts == {ORG: 2}
    candidates = [TargetFacts(UUID(int=n), "370117", "volunteer_organization", 0, 0, 0, 0, False)
                  for n in range(1, 40)]
    candidates += [TargetFacts(org, "370117", "volunteer_organization", 0, 0, 0, counts.get(org, 0), False)
                   for org in (ORG, OTHER_ORG)]
    result = draw_targets(candidates, seed=bytes(range(16)), year=2026, region="370117", quota=1)
    assert [(t.org_id, t.reasons) for t in result.targets] == [(ORG, (Reason.COMPLAINT,))]
