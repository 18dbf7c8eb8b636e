"""Screening: soft rules that accept a record and attach warnings with rule codes and their sources.

Sources: the Hunan notice, seed 001_… 二(二) — the four kinds of activity that must not be recorded as volunteer
service (①–④) and what spot checks look at (抽查内容①); the Gangcheng inspection plan, seed 000_… 五(1) — the
checklist: (7) records within 10 working days, (8) paper records entered promptly, (10) no pay beyond necessary
subsidies, (11) no job duty recorded as service, (12) no profit-making in the name of volunteering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.errors import InvalidFieldError
from domain.screening import (
    ActivityCategory,
    ScreeningWarning,
    parse_category,
    screen_activity,
    screen_record,
)
from domain.workdays import calendar_covers

CST = dt.timezone(dt.timedelta(hours=8))
D = dt.date
FIRST_UNKNOWN_YEAR = next(y for y in range(2024, 2200) if not calendar_covers(y))


def at(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=CST)


# A Saturday morning in 2026: outside working hours.
SATURDAY = (at(2026, 3, 7, 9), at(2026, 3, 7, 12))
# A Tuesday morning in 2026: a working day, in working hours.
TUESDAY = (at(2026, 3, 10, 10), at(2026, 3, 10, 12))


def activity_codes(*, category: str | None = None, name: str = "社区助老服务", content: str = "陪伴聊天、打扫卫生",
                   fee: str = "0", subsidy: str = "0",
                   span: tuple[dt.datetime, dt.datetime] = SATURDAY) -> list[str]:
    found = screen_activity(category=category, name=name, content=content, fee=Decimal(fee),
                            subsidy=Decimal(subsidy), start=span[0], end=span[1])
    assert all(isinstance(w, ScreeningWarning) and w.message and w.source for w in found)
    return [w.code for w in found]


def record_warnings(*, end: dt.datetime, entered: dt.datetime, paper: dt.date | None = None,
                    subsidy: str | None = "0", payment: str | None = None) -> list[ScreeningWarning]:
    return screen_record(activity_end=end, subsidy=None if subsidy is None else Decimal(subsidy),
                         payment=None if payment is None else Decimal(payment), paper_recorded_on=paper,
                         entered_at=entered)


def record_codes(**kwargs: object) -> list[str]:
    return [w.code for w in record_warnings(**kwargs)]  # type: ignore[arg-type]


# -- the warning itself ---------------------------------------------------------------------------------------


def test_a_warning_is_a_code_a_message_and_a_source_and_round_trips_as_a_plain_dict() -> None:
    warning = ScreeningWarning("late_record", "late", "钢城 000 五(1)1(7)")
    assert warning.as_dict() == {"code": "late_record", "message": "late", "source": "钢城 000 五(1)1(7)"}
    assert ScreeningWarning.from_dict(warning.as_dict()) == warning


def test_an_ordinary_activity_has_no_warnings() -> None:
    assert activity_codes() == []
    assert activity_codes(category="elder_care", subsidy="30", span=TUESDAY) == []
    # Accompanying elders to a museum is service: a visit is only suspect when participants pay for it.
    assert activity_codes(name="陪同老人参观博物馆", content="陪同行动不便的老人参观、讲解展品") == []


# -- Hunan 001_… 二(二) ① job duties in working hours (职务行为); Gangcheng 000_… 五(1)2(11) ---------------------------


def test_hunan_001_two_two_1_a_declared_job_duty_is_warned() -> None:
    assert activity_codes(category="job_duty") == ["ineligible_job_duty"]
    assert activity_codes(category="职务行为") == ["ineligible_job_duty"]


def test_hunan_001_two_two_1_words_naming_ones_own_job_are_warned_at_any_time() -> None:
    assert activity_codes(name="网格员本职工作", content="入户走访") == ["ineligible_job_duty"]


def test_hunan_001_two_two_1_daily_community_work_is_warned_only_in_working_hours_on_a_working_day() -> None:
    """"社区工作人员在工作日参与社区日常服务活动" — the same words on a Saturday are not a job duty."""
    daily = {"name": "社区日常服务", "content": "协助居民办理事务"}
    assert activity_codes(**daily, span=TUESDAY) == ["ineligible_job_duty"]
    assert activity_codes(**daily, span=SATURDAY) == []
    # Sunday 29 September 2024 was a working day (调休 for National Day); Tuesday 1 October was not.
    assert activity_codes(**daily, span=(at(2024, 9, 29, 10), at(2024, 9, 29, 11))) == ["ineligible_job_duty"]
    assert activity_codes(**daily, span=(at(2024, 10, 1, 10), at(2024, 10, 1, 11))) == []
    # Evenings of working days are off working hours.
    assert activity_codes(**daily, span=(at(2026, 3, 10, 18), at(2026, 3, 10, 20))) == []


# -- Hunan 001_… 二(二) ② activities a unit or school requires internally ------------------------------------------


@pytest.mark.parametrize("words", ["部门团建", "资料整理", "日常值班", "工作会议", "班级卫生清扫", "主题班会",
                                   "实验室清洁", "学生会工作", "打扫教室"])
def test_hunan_001_two_two_2_internal_mandated_activities_are_warned(words: str) -> None:
    assert activity_codes(content=words) == ["ineligible_internal_activity"]


def test_hunan_001_two_two_2_a_declared_internal_activity_is_warned() -> None:
    assert activity_codes(category="internal_activity") == ["ineligible_internal_activity"]


# -- Hunan 001_… 二(二) ③ hours for donations, as rewards, for reposting ------------------------------------------


@pytest.mark.parametrize("words", ["捐款50元记录1小时", "捐衣服1件记录1小时", "完成任务给予奖励时长",
                                   "转发公益宣传到朋友圈", "微博转发"])
def test_hunan_001_two_two_3_hours_for_donations_rewards_or_reposting_are_warned(words: str) -> None:
    assert activity_codes(name="爱心活动", content=words) == ["ineligible_donation_or_reposting"]


def test_hunan_001_two_two_3_a_declared_donation_or_reposting_activity_is_warned() -> None:
    assert activity_codes(category="donation_or_reposting") == ["ineligible_donation_or_reposting"]


# -- Hunan 001_… 二(二) ④ fee-charging trips, visits, conferences, study tours, camps; Gangcheng 五(1)2(12) -----------


@pytest.mark.parametrize("name", ["暑期研学", "志愿者夏令营", "冬令营", "海外游学"])
def test_hunan_001_two_two_4_study_tours_and_camps_are_warned_even_without_a_declared_fee(name: str) -> None:
    assert activity_codes(name=name) == ["ineligible_fee_charging_trip"]


def test_hunan_001_two_two_4_a_visit_or_conference_is_warned_when_participants_pay() -> None:
    assert activity_codes(name="红色教育基地参观", fee="200") == ["ineligible_fee_charging_trip",
                                                                 "fee_charging_activity"]
    assert activity_codes(name="红色教育基地参观") == []


def test_hunan_001_two_two_4_a_declared_fee_charging_trip_is_warned() -> None:
    assert activity_codes(category="fee_charging_trip") == ["ineligible_fee_charging_trip"]
    assert activity_codes(category=ActivityCategory.FEE_CHARGING_TRIP.label) == ["ineligible_fee_charging_trip"]


def test_gangcheng_000_five_1_2_12_any_fee_charged_to_participants_is_warned() -> None:
    assert activity_codes(fee="0.01") == ["fee_charging_activity"]
    (warning,) = screen_activity(category=None, name="社区助老服务", content="陪伴聊天", fee=Decimal("80.00"),
                                 subsidy=None, start=SATURDAY[0], end=SATURDAY[1])
    assert "80.00" in warning.message and "000" in warning.source


def test_every_excluded_kind_is_a_category_and_only_those_are_ineligible() -> None:
    ineligible = {c for c in ActivityCategory if c.ineligible}
    assert ineligible == {ActivityCategory.JOB_DUTY, ActivityCategory.INTERNAL_ACTIVITY,
                          ActivityCategory.DONATION_OR_REPOSTING, ActivityCategory.FEE_CHARGING_TRIP}
    for category in ineligible:
        (code,) = activity_codes(category=category.value)
        assert code.startswith("ineligible_")


def test_an_unknown_category_is_refused_not_screened() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        parse_category("旅游度假")
    assert caught.value.code == "unknown_category"
    assert parse_category(None) is None and parse_category("  ") is None


# -- Gangcheng 000_… 五(1)2(10): no pay beyond necessary subsidies -----------------------------------------------

ENDED = at(2026, 3, 7, 12)
SAME_DAY = at(2026, 3, 7, 18)


def test_gangcheng_000_five_1_2_10_pay_above_the_declared_subsidy_is_warned() -> None:
    (warning,) = record_warnings(end=ENDED, entered=SAME_DAY, subsidy="30", payment="50")
    assert warning.code == "pay_beyond_subsidy"
    assert "50" in warning.message and "30" in warning.message and "五(1)2(10)" in warning.source


def test_gangcheng_000_five_1_2_10_pay_within_the_subsidy_or_none_declared_is_not_warned() -> None:
    assert record_codes(end=ENDED, entered=SAME_DAY, subsidy="30", payment="30") == []
    assert record_codes(end=ENDED, entered=SAME_DAY, subsidy="30", payment=None) == []
    assert record_codes(end=ENDED, entered=SAME_DAY, subsidy="0", payment="0") == []


def test_gangcheng_000_five_1_2_10_any_pay_where_no_subsidy_was_declared_is_warned() -> None:
    assert record_codes(end=ENDED, entered=SAME_DAY, subsidy=None, payment="10") == ["pay_beyond_subsidy"]


# -- Gangcheng 000_… 五(1)1(7): records within 10 working days after the activity ends ----------------------------


def test_gangcheng_000_five_1_1_7_national_day_2024_pushes_the_deadline_to_18_october() -> None:
    """Ended Monday 30 September 2024: the deadline is 18 October (1–7 off, Saturday 12 worked), not 14 October."""
    end = at(2024, 9, 30, 17)
    assert record_codes(end=end, entered=at(2024, 10, 14, 10)) == []
    assert record_codes(end=end, entered=at(2024, 10, 18, 23, 59)) == []
    (late,) = record_warnings(end=end, entered=at(2024, 10, 19, 0, 1))
    assert late.code == "late_record" and "2024-10-18" in late.message and "五(1)1(7)" in late.source


def test_gangcheng_000_five_1_1_7_the_spring_festival_2025_pushes_the_deadline_to_13_february() -> None:
    end = at(2025, 1, 24, 17)
    assert record_codes(end=end, entered=at(2025, 2, 13, 20)) == []
    assert record_codes(end=end, entered=at(2025, 2, 14, 9)) == ["late_record"]


def test_gangcheng_000_five_1_1_7_days_are_counted_in_china_time() -> None:
    """The activity ended at 01:00 on 24 January 2025 in Beijing (17:00 UTC on the 23rd): counting from the UTC
    date would end a day early, on 12 February, and wrongly flag an entry on the 13th."""
    end = dt.datetime(2025, 1, 23, 17, 0, tzinfo=dt.UTC)
    entered = dt.datetime(2025, 2, 13, 3, 0, tzinfo=dt.UTC)  # 11:00 on 13 February in Beijing
    assert record_codes(end=end, entered=entered) == []
    # 16:30 UTC on 13 February is already 14 February in Beijing.
    assert record_codes(end=end, entered=dt.datetime(2025, 2, 13, 16, 30, tzinfo=dt.UTC)) == ["late_record"]


def test_gangcheng_000_five_1_1_7_a_year_beyond_the_calendar_counts_monday_to_friday_with_a_note() -> None:
    """domain.md "Service time": for a year chinese-calendar does not know, Monday–Friday, and say so."""
    end = at(2099, 9, 30, 17)  # a Wednesday; National Day 2099 is not known, so 1 October counts as working
    found = record_warnings(end=end, entered=at(2099, 10, 14, 12))
    assert [w.code for w in found] == ["workday_calendar_unknown"]
    assert "2099" in found[0].message and "Monday to Friday" in found[0].message
    assert record_codes(end=end, entered=at(2099, 10, 15, 12)) == ["late_record", "workday_calendar_unknown"]


def test_the_calendar_note_is_only_given_when_an_unknown_day_decides_the_answer() -> None:
    end = at(FIRST_UNKNOWN_YEAR - 1, 12, 24, 17)
    # Entered the next day: every day that decides it is known, though the deadline itself lies in the next year.
    assert record_codes(end=end, entered=at(FIRST_UNKNOWN_YEAR - 1, 12, 25, 12)) == []
    assert record_codes(end=end, entered=at(FIRST_UNKNOWN_YEAR, 1, 5, 12)) == ["workday_calendar_unknown"]
    # Entered on the day it ended: nothing to count at all.
    assert record_codes(end=at(2099, 3, 2, 12), entered=at(2099, 3, 2, 18)) == []


# -- Gangcheng 000_… 五(1)1(8): paper records keep the paper date and are entered promptly ----------------------------


def test_gangcheng_000_five_1_1_8_a_paper_record_is_judged_on_time_by_its_paper_date() -> None:
    """Entered a month after National Day 2024, but written on paper on 18 October, the last day: not late."""
    end = at(2024, 9, 30, 17)
    assert record_codes(end=end, paper=D(2024, 10, 18), entered=at(2024, 11, 1, 10)) == []
    assert record_codes(end=end, paper=D(2024, 10, 21), entered=at(2024, 10, 21, 18)) == ["late_record"]


def test_gangcheng_000_five_1_1_8_a_paper_record_entered_more_than_10_working_days_later_is_flagged() -> None:
    end = at(2024, 9, 30, 17)
    found = record_warnings(end=end, paper=D(2024, 10, 18), entered=at(2024, 11, 4, 9))
    assert [w.code for w in found] == ["paper_entered_late"]
    assert "2024-10-18" in found[0].message and "2024-11-01" in found[0].message
    assert "五(1)1(8)" in found[0].source
    # Late on paper and late into the system: both.
    assert record_codes(end=end, paper=D(2024, 10, 21), entered=at(2024, 12, 2, 9)) == ["late_record",
                                                                                         "paper_entered_late"]

