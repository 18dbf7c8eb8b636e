"""The online pre-check through the application, on SQLite and PostgreSQL: two organizations made with the real use
cases on a moving clock — one clean, one with planted violations (a late record, a paper record entered late, pay
beyond the subsidy, a fee-charging study tour, a burst of 20 records for 5 activities entered at once, a certificate
whose record was amended after issuance). The report finds each on its row of the form with the evidence ids; the
clean organization has no problem row and is suggested 合格.

Not planted here: overlapping service and hours above an activity's duration. The write rules refuse both on every
path (recording, amending, importing: domain.record ``check_no_overlap``, ``check_hours_within``), so no use case
can make them; they are tested on hand-made facts in tests/unit/test_precheck_rules.py. The same holds for
certificates whose hours differ from their records and certificates citing another organization's records
(``Certificate.issue`` is only reached through ``issue_certificate``, which totals the records itself)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.application import VledgerApplication
from api.settings import Settings
from domain.access import Principal
from domain.errors import ForbiddenError, InvalidFieldError, NotFoundError
from tests.api.http_world import MovableClock as Clock
from tests.api.http_world import settings_on_both_stores  # noqa: F401 (every test on both stores)
from tests.integration.support import with_check_char

CST = dt.timezone(dt.timedelta(hours=8))
REGISTRY = Principal(role="registry", subject="registry")
PHONE = "13800138000"
NAMES = ("张三明", "李小红", "王大力", "赵晓燕")
SEPTEMBER, OCTOBER_END = dt.date(2024, 9, 1), dt.date(2024, 10, 31)


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2024, 9, 1, 9, 0, tzinfo=CST))


@pytest.fixture
def app(settings: Settings, clock: Clock) -> Iterator[VledgerApplication]:
    application, _, _ = VledgerApplication.initialize(settings, clock)
    try:
        yield application
    finally:
        application.close()


@dataclass
class Org:
    app: VledgerApplication
    id: UUID
    volunteers: list[UUID]

    @property
    def principal(self) -> Principal:
        return Principal(role="organization", subject=str(self.id), org_id=self.id)

    def activity(self, day: str, start: str, end: str, **fields: Any) -> UUID:
        base: dict[str, Any] = {"name": "社区助老服务", "place": "和平街社区", "recipients": "社区独居老人",
                                "content": "陪伴聊天、打扫卫生", "leader": "李四", "recorder": "王五",
                                "category": "elder_care"}
        base.update(fields)
        return UUID(self.app.create_activity(
            self.principal, self.id, start=dt.datetime.fromisoformat(f"{day}T{start}:00+08:00"),
            end=dt.datetime.fromisoformat(f"{day}T{end}:00+08:00"), **base)["id"])

    def record(self, activity_id: UUID, volunteer: int, hours: str = "3", **fields: Any) -> str:
        base: dict[str, Any] = {"content": "陪老人聊天", "evaluation": "良好"}
        base.update(fields)
        return str(self.app.record_service(self.principal, activity_id, volunteer_id=self.volunteers[volunteer],
                                           hours=hours, **base)["id"])


def add_org(app: VledgerApplication, name: str, people: int) -> Org:
    org_id = UUID(app.register_organization(REGISTRY, name=name, charter_purpose="为社区老人提供志愿服务")["id"])
    org = Org(app, org_id, [])
    for i in range(people):
        org.volunteers.append(UUID(app.register_volunteer(
            org.principal, org_id, name=NAMES[i], id_number=with_check_char(f"11010119900307{101 + i}"),
            phone=PHONE)["id"]))
    return org


@dataclass
class Planted:
    bad: Org
    clean: Org
    inspector: Principal
    burst: list[str]
    paid: str
    tour_activity: UUID
    tour_record: str
    late: str
    paper: str
    certificate: str
    clean_certificate: str


@pytest.fixture
def planted(app: VledgerApplication, clock: Clock) -> Planted:
    bad, clean = add_org(app, "问题志愿者协会", 4), add_org(app, "阳光志愿者协会", 3)
    inspector = app.appoint_inspector(REGISTRY, name="抽查员甲")
    # Plans may be entered ahead: every activity now, the records once each activity has ended.
    elder = bad.activity("2024-09-30", "09:00", "12:00", subsidy="30")
    paper_day = bad.activity("2024-10-08", "09:00", "12:00", category="community")
    tour = bad.activity("2024-10-09", "09:00", "17:00", name="秋季研学营", category="fee_charging_trip", fee="800")
    week = [bad.activity(f"2024-09-0{d}", "09:00", "12:00", category="community") for d in range(2, 7)]
    clean_elder = clean.activity("2024-09-30", "09:00", "12:00", subsidy="30")

    # Monday 9 September, 10:00: 20 records for 5 activities of the week before, all in the same minute.
    clock.set("2024-09-09T10:00:00+08:00")
    burst = [bad.record(a, v) for a in week for v in range(4)]

    # 8 October (the first working day after National Day): on time. 50 yuan against a 30 yuan subsidy is not.
    clock.set("2024-10-08T10:00:00+08:00")
    paid = bad.record(elder, 1, payment="50")
    clean_records = [clean.record(clean_elder, v, payment="20") for v in range(3)]
    for v in clean.volunteers:
        app.record_training(clean.principal, v, title="助老服务技能培训", provider="区民政局",
                            date=dt.date(2024, 9, 20), hours="2")
    app.record_award(clean.principal, clean.volunteers[0], title="优秀志愿者", awarded_by="区民政局",
                     date=dt.date(2024, 9, 25), level="county")
    clean_certificate = app.issue_certificate(clean.principal, clean.volunteers[0])["id"]

    clock.set("2024-10-14T10:00:00+08:00")
    tour_record = bad.record(tour, 2, hours="6")

    # 23 October: the 30 September activity's 10th working day was 18 October; the paper sheet of 8 October had
    # to be entered by 21 October.
    clock.set("2024-10-23T10:00:00+08:00")
    late = bad.record(elder, 0)
    paper = bad.record(paper_day, 3, paper_recorded_on=dt.date(2024, 10, 8))
    certificate = app.issue_certificate(bad.principal, bad.volunteers[0])["id"]
    clock.set("2024-10-24T10:00:00+08:00")
    app.amend_record(bad.principal, UUID(late), reason="按签到表核对", hours="2.5")
    assert clean_records
    return Planted(bad, clean, Principal(role="inspector", subject=inspector["id"]), burst, paid, tour,
                   tour_record, late, paper, certificate, clean_certificate)


def rows(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["rows"]}


def finding(report: dict[str, Any], row_id: str, code: str) -> dict[str, Any]:
    found = [f for f in rows(report)[row_id]["findings"] if f["code"] == code]
    assert len(found) == 1, rows(report)[row_id]
    return found[0]


def test_each_planted_violation_is_found_on_its_row_with_its_evidence(app: VledgerApplication,
                                                                      planted: Planted) -> None:
    report = app.precheck_organization(planted.inspector, planted.bad.id, period_start=SEPTEMBER,
                                       period_end=OCTOBER_END)
    assert report["organization"] == {"id": str(planted.bad.id), "name": "问题志愿者协会"}
    assert set(report["problem_rows"]) == {"within_10_working_days", "paper_entered", "pay_beyond_subsidy",
                                           "not_volunteering", "matches_reality"}
    assert report["scope"] == {"volunteers": 4, "activities": 8, "records": 24, "certificates": 1}

    late = finding(report, "within_10_working_days", "late_record")
    assert late["record_ids"] == [planted.late] and late["history"] == [f"/api/v1/records/{planted.late}/history"]
    assert finding(report, "paper_entered", "paper_entered_late")["record_ids"] == [planted.paper]
    assert finding(report, "pay_beyond_subsidy", "pay_beyond_subsidy")["record_ids"] == [planted.paid]
    fee = finding(report, "profit_under_volunteer_name", "fee_charging_activity")  # noted for the visit
    assert (fee["activity_ids"], fee["record_ids"]) == ([str(planted.tour_activity)], [planted.tour_record])
    assert not fee["problem"]
    trip = finding(report, "not_volunteering", "ineligible_fee_charging_trip")
    assert (trip["activity_ids"], trip["record_ids"]) == ([str(planted.tour_activity)], [planted.tour_record])
    burst = finding(report, "matches_reality", "burst_of_entries")
    assert sorted(burst["record_ids"]) == sorted(planted.burst) and len(set(burst["activity_ids"])) == 5
    assert [f["code"] for f in rows(report)["matches_reality"]["findings"] if f["problem"]] == ["burst_of_entries"]

    # The certificate: built from its records, verifiable; its record amended since is a note with the evidence.
    assert rows(report)["certificates_from_records"]["status"] == "ok"
    assert rows(report)["certificates_verifiable"]["status"] == "ok"
    amended = finding(report, "certificates_from_records", "records_amended_after_certificate")
    assert amended["certificate_ids"] == [planted.certificate] and planted.late in amended["record_ids"]
    assert not amended["problem"]

    # No failed verification was seen for this organization; no record of fees: asked on site, never guessed.
    assert rows(report)["forged_or_altered_certificates"]["status"] == "ok"
    for row_id in ("fees_for_certificates", "privacy", "training", "awards"):
        assert rows(report)[row_id]["status"] == "not_computable" and rows(report)[row_id]["reason"], row_id
    # A fee-charging trip is not volunteering (an order to correct); whether it made a profit is seen on site.
    assert report["suggested_result"] == "责令改正"
    assert rows(report)["profit_under_volunteer_name"]["status"] == "not_computable"
    assert rows(report)["within_10_working_days"]["suggests"] == "责令改正"


def test_a_clean_organization_has_no_problem_row_and_is_suggested_a_pass(app: VledgerApplication,
                                                                         planted: Planted) -> None:
    report = app.precheck_organization(REGISTRY, planted.clean.id, period_start=SEPTEMBER, period_end=OCTOBER_END)
    assert report["problem_rows"] == [] and report["suggested_result"] == "合格"
    assert set(report["not_computable_rows"]) == {"fees_for_certificates", "privacy"}
    assert report["scope"] == {"volunteers": 3, "activities": 1, "records": 3, "certificates": 1}
    assert finding(report, "certificates_from_records", "certificates_checked")["count"] == 1
    assert finding(report, "training", "training_entries")["count"] == 3
    assert json.loads(json.dumps(report, ensure_ascii=False)) == report


def test_the_period_decides_what_is_judged(app: VledgerApplication, planted: Planted) -> None:
    september = app.precheck_organization(planted.inspector, planted.bad.id, period_start=SEPTEMBER,
                                          period_end=dt.date(2024, 9, 29))
    # Only the week's burst: the late, paid, paper and tour records belong to activities from 30 September on.
    assert september["problem_rows"] == ["matches_reality"]
    assert september["scope"] == {"volunteers": 4, "activities": 5, "records": 20, "certificates": 0}


def test_the_precheck_reads_no_personal_data_and_leaves_no_read_receipt(app: VledgerApplication,
                                                                        planted: Planted) -> None:
    def reads() -> list[Any]:
        return [app.reads_of_volunteer(Principal(role="volunteer", subject=str(v), org_id=planted.bad.id), v)["reads"]
                for v in planted.bad.volunteers]

    before = reads()
    report = app.precheck_organization(planted.inspector, planted.bad.id, period_start=SEPTEMBER,
                                       period_end=OCTOBER_END)
    assert reads() == before
    text = json.dumps(report, ensure_ascii=False)
    for secret in (PHONE, *NAMES, *(with_check_char(f"11010119900307{101 + i}") for i in range(4))):
        assert secret not in text


def test_only_inspectors_and_the_registry_may_run_it_on_an_existing_organization_and_period(
        app: VledgerApplication, planted: Planted) -> None:
    for who in (planted.bad.principal, planted.clean.principal,
                Principal(role="volunteer", subject=str(planted.bad.volunteers[0]), org_id=planted.bad.id)):
        with pytest.raises(ForbiddenError):
            app.precheck_organization(who, planted.bad.id, period_start=SEPTEMBER, period_end=OCTOBER_END)
    with pytest.raises(NotFoundError):
        app.precheck_organization(REGISTRY, uuid4(), period_start=SEPTEMBER, period_end=OCTOBER_END)
    with pytest.raises(InvalidFieldError):
        app.precheck_organization(REGISTRY, planted.bad.id, period_start=OCTOBER_END, period_end=SEPTEMBER)
    with pytest.raises(InvalidFieldError):
        app.precheck_organization(REGISTRY, planted.bad.id, period_start=dt.date(2020, 1, 1),
                                  period_end=OCTOBER_END)
