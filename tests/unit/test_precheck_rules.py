"""The online pre-check (domain.precheck) on small hand-made organizations: a clean one passes every row that the data
can decide; each planted violation puts a problem on its own row of the form (seed 000_… 附件), with the evidence
ids an inspector opens, and suggests the result of §七; thresholds hold at their boundaries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.checklist import ROWS, Result
from domain.precheck import (
    BASIC_FIELDS,
    ActivityFacts,
    Amendment,
    CertificateFacts,
    CitedRecord,
    EvaluationFacts,
    FailedVerification,
    Finding,
    PrecheckInput,
    PrecheckReport,
    PrecheckRules,
    RecordFacts,
    VolunteerFacts,
    precheck,
)
from domain.workdays import add_working_days

CST = dt.timezone(dt.timedelta(hours=8))
ORG = uuid4()
OTHER_ORG = uuid4()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def volunteer(missing: str | None = None) -> VolunteerFacts:
    return VolunteerFacts(id=uuid4(), present=frozenset(f for f in BASIC_FIELDS if f != missing))


def activity(start: str = "2024-09-30T09:00:00+08:00", end: str = "2024-09-30T12:00:00+08:00",
             **fields: object) -> ActivityFacts:
    base: dict[str, object] = {"name": "国庆敬老院探访", "content": "陪伴聊天、打扫卫生", "place": "敬老院",
                               "recipients": "老人", "leader": "李四", "recorder": "王五", "category": "elder_care",
                               "subsidy": Decimal(30)}
    base.update(fields)
    return ActivityFacts(id=uuid4(), start=at(start), end=at(end), **base)  # type: ignore[arg-type]


def record(who: VolunteerFacts, where: ActivityFacts, hours: str = "3", *,
           entered: str = "2024-10-08T10:00:00+08:00", **fields: object) -> RecordFacts:
    base: dict[str, object] = {"content": "陪老人聊天", "evaluation": "良好", "payment": Decimal(20)}
    base.update(fields)
    return RecordFacts(id=uuid4(), org_id=ORG, volunteer_id=who.id, activity_id=where.id, hours=Decimal(hours),
                       entered_at=at(entered), **base)  # type: ignore[arg-type]


def certificate(who: VolunteerFacts, cited: list[tuple[RecordFacts, int, str | None]], hours: str,
                **fields: object) -> CertificateFacts:
    base: dict[str, object] = {"status": "valid", "in_log": True, "reverified": "valid"}
    base.update(fields)
    return CertificateFacts(
        id=uuid4(), number="VC20241020ABCDEF012345", volunteer_id=who.id, issue_date=dt.date(2024, 10, 20),
        hours=Decimal(hours), records=tuple(CitedRecord(r.id, v, None if h is None else Decimal(h))
                                            for r, v, h in cited), **base)  # type: ignore[arg-type]


class Org:
    """A clean organization: three volunteers with complete basic information, one elder-care activity on
    30 September 2024 with a 30 yuan subsidy, three evaluated, paid-within-subsidy records entered on time,
    a training, an award and a certificate built from the first record."""

    def __init__(self) -> None:
        self.volunteers = [volunteer() for _ in range(3)]
        self.activity = activity()
        self.records = [record(v, self.activity) for v in self.volunteers]
        self.certificate = certificate(self.volunteers[0], [(self.records[0], 1, "3")], "3")

    def data(self, **overrides: object) -> PrecheckInput:
        base: dict[str, object] = {
            "org_id": ORG, "period_start": dt.date(2024, 9, 1), "period_end": dt.date(2024, 12, 31),
            "volunteers": self.volunteers, "activities": [self.activity], "records": self.records,
            "trainings": {self.volunteers[0].id: 1}, "awards": {self.volunteers[1].id: 1},
            "certificates": [self.certificate], "cited_records": {r.id: r for r in self.records}}
        base.update(overrides)
        return PrecheckInput(**base)  # type: ignore[arg-type]


def problems(report: PrecheckReport) -> set[str]:
    return {r.row.id for r in report.rows if r.status == "problem"}


def codes(report: PrecheckReport, row_id: str, *, problem: bool = True) -> list[str]:
    return [f.code for f in report.row(row_id).findings if f.problem == problem]


def finding(report: PrecheckReport, row_id: str, code: str) -> Finding:
    return next(f for f in report.row(row_id).findings if f.code == code)


# -- the clean organization ---------------------------------------------------------------------------------------


def test_a_clean_organization_passes_every_row_the_data_can_decide_and_is_suggested_a_pass() -> None:
    report = precheck(Org().data())
    assert [r.row.id for r in report.rows] == [row.id for row in ROWS]
    assert problems(report) == set()
    assert {r.row.id for r in report.rows if r.status == "not_computable"} == {
        "forged_or_altered_certificates", "fees_for_certificates", "privacy"}
    assert all(r.reason for r in report.rows if r.status == "not_computable")
    assert "收费" in (report.row("fees_for_certificates").reason or "")
    assert report.suggested_result is Result.PASS
    assert dict(report.scope) == {"volunteers": 3, "activities": 1, "records": 3, "certificates": 1}


def test_the_report_is_plain_json_with_history_links_for_every_record_it_names() -> None:
    org = Org()
    late = replace(org.records[1], entered_at=at("2024-11-01T10:00:00+08:00"))
    body = precheck(org.data(records=[org.records[0], late, org.records[2]])).as_dict()
    assert json.loads(json.dumps(body, ensure_ascii=False)) == body
    row = next(r for r in body["rows"] if r["id"] == "within_10_working_days")
    assert row["status"] == "problem" and row["suggests"] == "责令改正"
    assert row["findings"][0]["record_ids"] == [str(late.id)]
    assert row["findings"][0]["history"] == [f"/api/v1/records/{late.id}/history"]
    assert body["suggested_result"] == "责令改正" and body["problem_rows"] == ["within_10_working_days"]


def test_the_period_keeps_only_activities_that_start_in_it_by_the_day_in_china() -> None:
    org = Org()
    # 30 September 09:00 in China is 01:00 UTC: still 30 September; a period that ends on the 29th leaves it out.
    report = precheck(org.data(period_start=dt.date(2024, 9, 1), period_end=dt.date(2024, 9, 29)))
    assert report.scope["records"] == 0 and report.scope["activities"] == 0
    inside = precheck(org.data(period_start=dt.date(2024, 9, 30), period_end=dt.date(2024, 9, 30)))
    assert inside.scope["records"] == 3
    with pytest.raises(ValueError):
        precheck(org.data(period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 9, 30)))


# -- records: basic checks ----------------------------------------------------------------------------------------


def test_a_volunteer_without_contact_makes_basic_info_a_problem_naming_the_volunteer_and_records() -> None:
    org = Org()
    lacking = replace(org.volunteers[2], present=frozenset(BASIC_FIELDS) - {"contact"})
    report = precheck(org.data(volunteers=[*org.volunteers[:2], lacking]))
    assert problems(report) == {"basic_info"}
    found = finding(report, "basic_info", "volunteer_basic_info_incomplete")
    assert found.volunteer_ids == (lacking.id,) and found.record_ids == (org.records[2].id,)
    assert dict(found.counts) == {"contact": 1} and "联系方式" in found.message
    assert report.suggested_result is Result.ORDER_TO_CORRECT
    # Required fields are a rule: without contact among them, the same data passes.
    relaxed = PrecheckRules(required_volunteer_fields=tuple(f for f in BASIC_FIELDS if f != "contact"))
    assert "basic_info" not in problems(precheck(org.data(volunteers=[*org.volunteers[:2], lacking]), relaxed))


def test_records_of_a_volunteer_the_organization_never_registered_are_a_basic_info_problem() -> None:
    org = Org()
    report = precheck(org.data(volunteers=org.volunteers[:2]))
    found = finding(report, "basic_info", "records_of_unregistered_volunteers")
    assert found.volunteer_ids == (org.volunteers[2].id,) and found.record_ids == (org.records[2].id,)


def test_hours_above_the_activity_duration_are_a_service_time_problem_at_the_boundary() -> None:
    org = Org()  # the activity lasts 3 hours
    exactly = replace(org.records[0], hours=Decimal("3.00"))
    above = replace(org.records[1], hours=Decimal("3.01"))
    report = precheck(org.data(records=[exactly, above, org.records[2]], certificates=[]))
    assert problems(report) == {"service_time"}
    found = finding(report, "service_time", "hours_above_activity_duration")
    assert found.record_ids == (above.id,) and found.activity_ids == (org.activity.id,)


def test_a_record_without_content_on_an_activity_without_content_is_a_content_problem() -> None:
    org = Org()
    blank = activity(content=" ", leader="")
    kept = record(org.volunteers[0], org.activity)
    empty = record(org.volunteers[1], blank, content="")
    own_words = record(org.volunteers[2], blank, content="陪老人下棋")
    report = precheck(org.data(activities=[org.activity, blank], records=[kept, empty, own_words], certificates=[]))
    assert codes(report, "service_content") == ["records_without_content", "activities_incomplete"]
    assert finding(report, "service_content", "records_without_content").record_ids == (empty.id,)
    incomplete = finding(report, "service_content", "activities_incomplete")
    assert incomplete.activity_ids == (blank.id,) and dict(incomplete.counts) == {"content": 1, "leader": 1}


def test_an_unevaluated_record_is_a_problem_unless_an_evaluation_covers_its_day() -> None:
    org = Org()
    bare = replace(org.records[1], evaluation="")
    data = org.data(records=[org.records[0], bare, org.records[2]])
    assert finding(precheck(data), "evaluation", "records_without_evaluation").record_ids == (bare.id,)
    day = dt.date(2024, 9, 30)
    covering = EvaluationFacts(bare.volunteer_id, dt.date(2024, 9, 1), day)
    assert "evaluation" not in problems(precheck(replace(data, evaluations=[covering])))
    ending_before = EvaluationFacts(bare.volunteer_id, dt.date(2024, 9, 1), day - dt.timedelta(days=1))
    assert "evaluation" in problems(precheck(replace(data, evaluations=[ending_before])))
    someone_else = EvaluationFacts(org.volunteers[0].id, dt.date(2024, 9, 1), day)
    assert "evaluation" in problems(precheck(replace(data, evaluations=[someone_else])))


def test_without_any_training_or_award_entry_those_rows_cannot_be_decided() -> None:
    report = precheck(Org().data(trainings={}, awards={}))
    for row_id in ("training", "awards"):
        assert report.row(row_id).status == "not_computable" and report.row(row_id).reason
    assert report.suggested_result is Result.PASS
    counted = precheck(Org().data())
    assert counted.row("training").status == "ok" and counted.row("training").findings[0].count == 1


# -- records: time rules (10 working days, paper entry) -------------------------------------------------------------


# National Day 2024: 1–7 October off, Saturday 12 October worked. The activity ends on Monday 30 September: its 10th
# working day is Friday 18 October (domain.workdays knows the calendar; the pre-check reuses domain.screening).
@pytest.mark.parametrize(("entered", "late"), [
    ("2024-10-18T23:59:59+08:00", False),
    ("2024-10-19T00:00:00+08:00", True),
    ("2024-10-18T15:59:59+00:00", False),  # 23:59:59 in China
    ("2024-10-18T16:00:00+00:00", True),  # already the 19th in China
])
def test_the_10_working_day_rule_holds_at_its_boundary_in_china_time(entered: str, late: bool) -> None:
    org = Org()
    moved = replace(org.records[0], entered_at=at(entered))
    report = precheck(org.data(records=[moved, *org.records[1:]]))
    assert ("within_10_working_days" in problems(report)) is late
    if late:
        assert finding(report, "within_10_working_days", "late_record").record_ids == (moved.id,)


def test_a_paper_record_entered_more_than_10_working_days_after_its_date_is_a_paper_problem() -> None:
    org = Org()
    paper_day = dt.date(2024, 10, 8)
    deadline, _ = add_working_days(paper_day, 10)
    on_time = replace(org.records[0], paper_recorded_on=paper_day, entered_at=dt.datetime.combine(
        deadline, dt.time(20, 0), CST))
    entered_late = replace(org.records[1], paper_recorded_on=paper_day, entered_at=dt.datetime.combine(
        deadline + dt.timedelta(days=1), dt.time(9, 0), CST))
    report = precheck(org.data(records=[on_time, entered_late, org.records[2]]))
    assert problems(report) == {"paper_entered"}  # dated on paper in time: not a late record
    assert finding(report, "paper_entered", "paper_entered_late").record_ids == (entered_late.id,)
    assert finding(report, "paper_entered", "paper_records").count == 2


# -- records: key points ------------------------------------------------------------------------------------------


def test_pay_beyond_the_subsidy_is_a_problem_one_fen_above_and_not_at_the_subsidy() -> None:
    org = Org()  # subsidy 30 yuan
    at_subsidy = replace(org.records[0], payment=Decimal("30.00"))
    above = replace(org.records[1], payment=Decimal("30.01"))
    report = precheck(org.data(records=[at_subsidy, above, org.records[2]]))
    assert problems(report) == {"pay_beyond_subsidy"}
    found = finding(report, "pay_beyond_subsidy", "pay_beyond_subsidy")
    assert found.record_ids == (above.id,) and found.activity_ids == (org.activity.id,)


def test_when_no_record_declares_a_payment_pay_cannot_be_judged() -> None:
    org = Org()
    undeclared = [replace(r, payment=None) for r in org.records]
    row = precheck(org.data(records=undeclared, cited_records={r.id: r for r in undeclared})).row(
        "pay_beyond_subsidy")
    assert row.status == "not_computable" and row.reason


def test_ineligible_kinds_are_not_volunteering_whether_declared_stored_or_only_named() -> None:
    org = Org()
    duty = activity("2024-10-09T09:00:00+08:00", "2024-10-09T11:00:00+08:00", category="job_duty")
    team = activity("2024-10-10T18:00:00+08:00", "2024-10-10T20:00:00+08:00", name="部门团建", category=None)
    # A category stored as free text before the set of categories existed: judged by its words, never refused.
    legacy = activity("2024-10-11T18:00:00+08:00", "2024-10-11T20:00:00+08:00", category="老人服务（旧）",
                      warnings=("ineligible_donation_or_reposting",))
    on_duty = record(org.volunteers[0], duty, "2", entered="2024-10-11T10:00:00+08:00")
    report = precheck(org.data(activities=[org.activity, duty, team, legacy], records=[*org.records, on_duty]))
    assert problems(report) == {"not_volunteering"}
    assert codes(report, "not_volunteering") == ["ineligible_job_duty", "ineligible_internal_activity",
                                                 "ineligible_donation_or_reposting"]
    found = finding(report, "not_volunteering", "ineligible_job_duty")
    assert found.activity_ids == (duty.id,) and found.record_ids == (on_duty.id,)
    assert report.suggested_result is Result.ORDER_TO_CORRECT


def test_a_fee_charged_to_participants_is_for_the_visit_to_judge_not_a_penalty_on_its_own() -> None:
    """Seed 000 §七(一)3(1) punishes profit-making under the name of volunteering; a fee is not yet profit. The
    fee-charging trip is an order to correct (not volunteering, Hunan 001_… 二(二)④); the profit row notes it, with
    its evidence, for the accounts to be seen on site."""
    org = Org()
    tour = activity("2024-10-12T09:00:00+08:00", "2024-10-12T17:00:00+08:00", name="秋季参观", category="culture",
                    fee=Decimal(800))
    on_tour = record(org.volunteers[1], tour, "8", entered="2024-10-14T10:00:00+08:00")
    report = precheck(org.data(activities=[org.activity, tour], records=[*org.records, on_tour]))
    assert "profit_under_volunteer_name" not in problems(report)
    profit = next(r for r in report.rows if r.row.id == "profit_under_volunteer_name")
    assert profit.status == "not_computable" and profit.reason
    found = finding(report, "profit_under_volunteer_name", "fee_charging_activity")
    assert not found.problem
    assert found.activity_ids == (tour.id,) and found.record_ids == (on_tour.id,)
    assert report.suggested_result is Result.ORDER_TO_CORRECT
    # A paid visit is also a fee-charging trip (Hunan 001_… 二(二)④).
    assert codes(report, "not_volunteering") == ["ineligible_fee_charging_trip"]


# -- certificates ---------------------------------------------------------------------------------------------------


def test_a_certificate_whose_hours_differ_from_its_records_is_not_based_on_records() -> None:
    org = Org()
    inflated = certificate(org.volunteers[0], [(org.records[0], 1, "3")], "4")
    report = precheck(org.data(certificates=[inflated]))
    assert problems(report) == {"certificates_from_records"}
    found = finding(report, "certificates_from_records", "certificate_hours_differ_from_records")
    assert found.certificate_ids == (inflated.id,) and found.record_ids == (org.records[0].id,)
    assert report.suggested_result is Result.ORDER_TO_CORRECT


def test_hours_are_taken_at_the_cited_version_so_a_later_amendment_is_a_note_not_a_problem() -> None:
    org = Org()
    amended = replace(org.records[0], hours=Decimal(2), version=2, amendments=(Amendment(
        version=2, at=at("2024-10-25T10:00:00+08:00"), fields=frozenset({"hours"}), reason="签到表核对",
        hours_from=Decimal(3), hours_to=Decimal(2)),))
    cited = {r.id: r for r in [amended, *org.records[1:]]}
    before = certificate(org.volunteers[0], [(amended, 1, "3")], "3")
    report = precheck(org.data(records=[amended, *org.records[1:]], cited_records=cited, certificates=[before]))
    assert "certificates_from_records" not in problems(report)
    assert finding(report, "certificates_from_records", "records_amended_after_certificate").certificate_ids == (
        before.id,)
    # A certificate citing version 2 but claiming the old 3 hours is not based on what the record said.
    wrong = certificate(org.volunteers[0], [(amended, 2, "3")], "3")
    report = precheck(org.data(records=[amended, *org.records[1:]], cited_records=cited, certificates=[wrong]))
    assert codes(report, "certificates_from_records") == ["certificate_hours_differ_from_records",
                                                          "certificate_record_hours_differ"]


def test_a_certificate_citing_another_organizations_record_is_a_problem_unless_it_holds_them() -> None:
    org = Org()
    theirs = replace(record(org.volunteers[0], org.activity), org_id=OTHER_ORG)
    both = certificate(org.volunteers[0], [(org.records[0], 1, "3"), (theirs, 1, "3")], "6")
    data = org.data(certificates=[both], cited_records={**{r.id: r for r in org.records}, theirs.id: theirs})
    report = precheck(data)
    assert codes(report, "certificates_from_records") == ["certificate_cites_other_organization"]
    assert finding(report, "certificates_from_records", "certificate_cites_other_organization").record_ids == (
        org.records[0].id, theirs.id)
    # The successor of a dissolved organization issues from its records (domain.md, certificates).
    assert "certificates_from_records" not in problems(precheck(replace(data, held_org_ids=frozenset({OTHER_ORG}))))


def test_a_certificate_citing_a_missing_record_or_another_volunteers_record_is_a_problem() -> None:
    org = Org()
    ghost = record(org.volunteers[0], org.activity)
    borrowed = certificate(org.volunteers[0], [(org.records[1], 1, "3"), (ghost, 1, "3")], "6")
    report = precheck(org.data(certificates=[borrowed]))
    assert codes(report, "certificates_from_records") == ["certificate_cites_missing_record",
                                                          "certificate_cites_other_volunteer"]


@pytest.mark.parametrize(("change", "problem"), [
    ({"in_log": False}, "certificate_not_in_transparency_log"),
    ({"reverified": "altered"}, "certificate_fails_verification"),
    ({"reverified": "forged"}, "certificate_fails_verification"),
    ({"reverified": "revoked", "status": "revoked"}, None),
    ({"reverified": "valid_with_warnings"}, None),
])
def test_a_certificate_is_verifiable_when_logged_and_its_own_code_verifies(change: dict[str, object],
                                                                           problem: str | None) -> None:
    org = Org()
    cert = replace(org.certificate, **change)  # type: ignore[arg-type]
    report = precheck(org.data(certificates=[cert]))
    assert codes(report, "certificates_verifiable") == ([problem] if problem else [])
    if problem:
        assert finding(report, "certificates_verifiable", problem).certificate_ids == (cert.id,)


def test_failed_verifications_under_the_organizations_key_show_forged_and_altered_certificates() -> None:
    org = Org()
    assert precheck(org.data(failed_verifications=[])).row("forged_or_altered_certificates").status == "ok"
    forged = FailedVerification("forged", ("signature_valid", "not_in_log"), 2)
    altered = FailedVerification("altered", ("signature_valid", "claims_differ_from_log"), 1, org.certificate.id)
    unattributed = FailedVerification("malformed", ("malformed",), 5)
    report = precheck(org.data(failed_verifications=[forged, altered, unattributed]))
    assert codes(report, "forged_or_altered_certificates") == ["certificates_not_in_log", "altered_certificates"]
    assert finding(report, "forged_or_altered_certificates", "certificates_not_in_log").count == 2
    assert finding(report, "forged_or_altered_certificates", "altered_certificates").certificate_ids == (
        org.certificate.id,)
    assert codes(report, "forged_or_altered_certificates", problem=False) == ["other_failed_verifications"]
    assert report.suggested_result is Result.PENALTY


# -- consistency anomalies ----------------------------------------------------------------------------------------


def test_one_volunteer_at_two_overlapping_activities_is_a_problem_and_touching_ones_are_not() -> None:
    org = Org()  # 09:00–12:00
    overlapping = activity("2024-09-30T11:00:00+08:00", "2024-09-30T13:00:00+08:00")
    touching = activity("2024-09-30T12:00:00+08:00", "2024-09-30T14:00:00+08:00")
    twice = record(org.volunteers[0], overlapping, "2")
    after = record(org.volunteers[1], touching, "2")
    report = precheck(org.data(activities=[org.activity, overlapping, touching],
                               records=[*org.records, twice, after]))
    assert problems(report) == {"matches_reality"}
    found = finding(report, "matches_reality", "overlapping_service")
    assert set(found.record_ids) == {org.records[0].id, twice.id} and found.volunteer_ids == (org.volunteers[0].id,)


def burst(records: int, activities: int, spread: dt.timedelta, *, paper: bool = False) -> PrecheckInput:
    """``records`` records on ``activities`` activities (on different days), entered evenly over ``spread``."""
    days = [activity(f"2024-10-{14 + i:02d}T09:00:00+08:00", f"2024-10-{14 + i:02d}T12:00:00+08:00")
            for i in range(activities)]
    people = [volunteer() for _ in range(records)]
    start = at("2024-10-21T10:00:00+08:00")
    made = [record(p, days[i % activities], entered=(start + spread * i / max(records - 1, 1)).isoformat(),
                   paper_recorded_on=dt.date(2024, 10, 21) if paper else None)
            for i, p in enumerate(people)]
    return PrecheckInput(org_id=ORG, period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 10, 31),
                         volunteers=people, activities=days, records=made)


@pytest.mark.parametrize(("records", "activities", "spread", "found"), [
    (20, 5, dt.timedelta(minutes=5), True),
    (19, 5, dt.timedelta(minutes=4), False),
    (20, 4, dt.timedelta(minutes=4), False),
    (20, 5, dt.timedelta(minutes=5, seconds=19), False),  # no 5-minute window holds all 20
])
def test_a_burst_of_entries_is_many_records_for_many_activities_within_minutes(
        records: int, activities: int, spread: dt.timedelta, found: bool) -> None:
    report = precheck(burst(records, activities, spread))
    assert ("burst_of_entries" in codes(report, "matches_reality")) is found
    if found:
        hit = finding(report, "matches_reality", "burst_of_entries")
        assert hit.count == records and len(hit.record_ids) == records and len(set(hit.activity_ids)) == activities


def test_paper_records_entered_together_are_no_burst_unless_the_rules_count_them() -> None:
    data = burst(20, 5, dt.timedelta(minutes=1), paper=True)
    assert "burst_of_entries" not in codes(precheck(data), "matches_reality")
    counted = precheck(data, PrecheckRules(burst_counts_paper_records=True))
    assert "burst_of_entries" in codes(counted, "matches_reality")


def norm(extra_hours: str, count: int = 12) -> tuple[PrecheckInput, RecordFacts]:
    """``count`` records of 2 hours and one of ``extra_hours`` on a 12-hour activity."""
    long_day = activity("2024-10-14T08:00:00+08:00", "2024-10-14T20:00:00+08:00")
    people = [volunteer() for _ in range(count + 1)]
    made = [record(p, long_day, "2", entered="2024-10-15T10:00:00+08:00") for p in people[:-1]]
    odd = record(people[-1], long_day, extra_hours, entered="2024-10-15T10:00:00+08:00")
    return PrecheckInput(org_id=ORG, period_start=dt.date(2024, 10, 1), period_end=dt.date(2024, 10, 31),
                         volunteers=people, activities=[long_day], records=[*made, odd]), odd


@pytest.mark.parametrize(("hours", "flagged"), [("8", False), ("8.01", True), ("11", True)])
def test_hours_far_above_the_norm_are_flagged_above_the_floor(hours: str, flagged: bool) -> None:
    # Median 2, MAD 0 taken as 0.5: 2 + 5 × 0.5 = 4.5, below the 8-hour floor, so the bound is 8 hours.
    data, odd = norm(hours)
    report = precheck(data)
    assert ("hours_far_above_norm" in codes(report, "matches_reality")) is flagged
    if flagged:
        assert finding(report, "matches_reality", "hours_far_above_norm").record_ids == (odd.id,)
        assert report.suggested_result is Result.ORDER_TO_CORRECT


def test_a_lower_floor_lets_the_mad_bound_decide_and_too_few_records_make_no_norm() -> None:
    data, odd = norm("4.6")
    assert "hours_far_above_norm" not in codes(precheck(data), "matches_reality")
    lower = PrecheckRules(outlier_min_hours=Decimal(0))
    assert finding(precheck(data, lower), "matches_reality", "hours_far_above_norm").record_ids == (odd.id,)
    few, _ = norm("11", count=8)  # 9 records in all
    report = precheck(few)
    assert "hours_far_above_norm" not in codes(report, "matches_reality")
    assert codes(report, "matches_reality", problem=False) == ["too_few_records_for_norm"]


def test_evidence_is_capped_but_the_count_is_complete() -> None:
    data = burst(20, 5, dt.timedelta(minutes=1))
    late = [replace(r, entered_at=at("2024-12-20T10:00:00+08:00")) for r in data.records]
    report = precheck(replace(data, records=late), PrecheckRules(max_evidence=3))
    found = finding(report, "within_10_working_days", "late_record")
    assert found.count == 20 and len(found.record_ids) == 3 and found.truncated


def test_rules_refuse_thresholds_that_make_no_sense() -> None:
    for bad in ({"burst_min_records": 1}, {"burst_window": dt.timedelta(0)}, {"outlier_min_records": 2},
                {"max_evidence": 0}, {"required_volunteer_fields": ("phone",)}):
        with pytest.raises(ValueError):
            PrecheckRules(**bad)  # type: ignore[arg-type]

