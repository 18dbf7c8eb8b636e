"""Screening: soft rules that accept a record but attach warnings with rule codes.

Hard rules (``domain.record``) refuse what cannot be true; these flag what an inspector would question
(the checklist of seed ``000_…`` 五 and the Hunan notice ``001_…`` 二(二)). A warning never blocks a write: it is
kept in the signed event, so the organization, the volunteer and inspectors all see what was known when the
record was made.

- Activities (``screen_activity``): the four kinds the Hunan notice says are not volunteer service, flagged by
  the declared category and by words in the name or content; a fee charged to participants.
- Records (``screen_record``): pay beyond the activity's declared necessary subsidy; completion more than
  10 Chinese working days after the activity ended; paper records entered more than 10 working days after the
  paper date; and a note when working days had to be counted Monday–Friday.

Pure: no clock; callers pass the instants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.errors import InvalidFieldError
from domain.workdays import (
    CHINA_TIME,
    add_working_days,
    calendar_covers,
    calendar_known_between,
    china_date,
    is_working_day,
)

# -- sources: seed document and article, as the warnings cite them ---------------------------------------------

HUNAN_JOB_DUTY = "湖南 001 二(二) 不得认定的4类活动①; 钢城 000 五(1)2(11)"
HUNAN_INTERNAL = "湖南 001 二(二) 不得认定的4类活动②"
HUNAN_DONATION = "湖南 001 二(二) 不得认定的4类活动③"
HUNAN_FEE_TRIP = "湖南 001 二(二) 不得认定的4类活动④"
FEE_CHARGING = "湖南 001 二(二) 不得认定的4类活动④; 钢城 000 五(1)2(12)"
PAY_BEYOND_SUBSIDY = "钢城 000 五(1)2(10); 湖南 001 二(二) 抽查内容①"
LATE_RECORD = "钢城 000 五(1)1(7); 湖南 001 二(二) 抽查内容①"
PAPER_ENTERED_LATE = "钢城 000 五(1)1(8); 湖南 001 二(二) 抽查内容①"

# "在志愿服务活动结束后10个工作日内完成志愿服务记录" (000_… 五(1)1(7)). The seeds give no separate deadline for
# entering paper records ("及时", promptly, 000_… 五(1)1(8)); the same 10 working days are used, from the paper date.
RECORD_DEADLINE_WORKING_DAYS = 10
PAPER_ENTRY_WORKING_DAYS = 10



@dataclass(frozen=True)
class ScreeningWarning:
    """One finding of a soft rule: a machine code, a human message and the seed article it comes from."""

    code: str
    message: str
    source: str

    def as_dict(self) -> dict[str, str]:
        """The plain form stored in events and views (transcodes as JSON)."""
        return {"code": self.code, "message": self.message, "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScreeningWarning:
        return cls(code=str(data["code"]), message=str(data["message"]), source=str(data["source"]))




def as_dicts(warnings: Iterable[ScreeningWarning]) -> list[dict[str, str]]:
    """Warnings as the list of plain dicts that events and views keep."""
    return [w.as_dict() for w in warnings]


# -- categories ---------------------------------------------------------------------------------------------


class ActivityCategory(StrEnum):
    """What kind of service an activity is. The last four are the kinds the Hunan notice (001_… 二(二)) says
    must not be recorded as volunteer service: they are accepted, so the declaration itself is on record, and
    always warned."""

    ELDER_CARE = "elder_care"
    CHILDREN = "children"
    COMMUNITY = "community"
    ENVIRONMENT = "environment"
    EDUCATION = "education"
    HEALTH = "health"
    CULTURE = "culture"
    SCIENCE = "science"
    POVERTY_RELIEF = "poverty_relief"
    EMERGENCY = "emergency"
    LARGE_EVENTS = "large_events"
    LEGAL_AID = "legal_aid"
    OTHER = "other"
    # Not volunteer service (001_… 二(二) ①–④):
    JOB_DUTY = "job_duty"
    INTERNAL_ACTIVITY = "internal_activity"
    DONATION_OR_REPOSTING = "donation_or_reposting"
    FEE_CHARGING_TRIP = "fee_charging_trip"

    @property
    def label(self) -> str:
        """The Chinese name shown to people."""
        return _LABELS[self][0]

    @property
    def ineligible(self) -> bool:
        """Whether the Hunan notice excludes this kind from volunteer service records."""
        return self in _INELIGIBLE_CODES


# Chinese label first, then other names organizations use for the same kind (all accepted on input).
_LABELS: dict[ActivityCategory, tuple[str, ...]] = {
    ActivityCategory.ELDER_CARE: ("敬老助残", "敬老助老", "助老", "助残", "养老服务", "关爱老人"),
    ActivityCategory.CHILDREN: ("关爱儿童", "关爱未成年人", "儿童关爱", "儿童服务"),
    ActivityCategory.COMMUNITY: ("社区服务", "邻里互助", "邻里守望", "便民服务"),
    ActivityCategory.ENVIRONMENT: ("环境保护", "生态环保", "环保", "环境清洁"),
    ActivityCategory.EDUCATION: ("支教助学", "教育", "助学", "支教"),
    ActivityCategory.HEALTH: ("卫生健康", "医疗卫生", "健康服务", "医疗服务"),
    ActivityCategory.CULTURE: ("文化服务", "文化艺术", "文化"),
    ActivityCategory.SCIENCE: ("科技科普", "科普"),
    ActivityCategory.POVERTY_RELIEF: ("扶贫济困", "扶贫减贫", "乡村振兴"),
    ActivityCategory.EMERGENCY: ("应急救援", "应急", "抢险救灾"),
    ActivityCategory.LARGE_EVENTS: ("大型赛会", "大型活动", "赛会服务"),
    ActivityCategory.LEGAL_AID: ("法律援助", "法律服务", "普法"),
    ActivityCategory.OTHER: ("其他", "其它"),
    ActivityCategory.JOB_DUTY: ("职务行为", "本职工作"),
    ActivityCategory.INTERNAL_ACTIVITY: ("单位或学校内部要求的活动", "内部活动", "团建"),
    ActivityCategory.DONATION_OR_REPOSTING: ("捐赠、奖励或转发折算时长", "捐赠折算时长", "转发宣传"),
    ActivityCategory.FEE_CHARGING_TRIP: ("收费旅游、参观、会议、研学、夏令营", "研学", "夏令营", "收费旅游"),
}
_INELIGIBLE_CODES = frozenset({ActivityCategory.JOB_DUTY, ActivityCategory.INTERNAL_ACTIVITY,
                               ActivityCategory.DONATION_OR_REPOSTING, ActivityCategory.FEE_CHARGING_TRIP})
_BY_NAME: dict[str, ActivityCategory] = {
    **{name: category for category, names in _LABELS.items() for name in names},
    **{category.value: category for category in ActivityCategory},
}


def parse_category(value: ActivityCategory | str | None) -> ActivityCategory | None:
    """A category from its code (``elder_care``) or a Chinese name (``敬老助残``); None or blank gives None."""
    if value is None or isinstance(value, ActivityCategory):
        return value
    text = value.strip()
    if not text:
        return None
    found = _BY_NAME.get(text) or _BY_NAME.get(text.lower())
    if found is None:
        raise InvalidFieldError(
            "category", "expected one of " + ", ".join(f"{c.value} ({c.label})" for c in ActivityCategory),
            code="unknown_category")
    return found


def category_label(stored: str | None) -> str | None:
    """The label of a stored category; categories stored as free text before the set existed show as they are."""
    if stored is None:
        return None
    found = _BY_NAME.get(stored)
    return found.label if found else stored


# -- activities ---------------------------------------------------------------------------------------------

# Words that name an excluded kind outright, whatever the time or fee.
_JOB_DUTY_WORDS = ("本职工作", "职务行为", "岗位职责", "工作职责", "履职")
_INTERNAL_WORDS = ("团建", "团队建设", "资料整理", "整理资料", "档案整理", "日常值班", "工作会议", "班级卫生",
                   "教室卫生", "打扫教室", "清扫教室", "主题班会", "班会", "实验室清洁", "实验室卫生",
                   "打扫实验室", "学生会")
_DONATION_WORDS = ("捐款", "捐衣", "捐物", "捐钱", "转发", "朋友圈", "微博", "点赞", "奖励时长", "折算时长",
                   "赠送时长", "兑换时长")
_TRIP_WORDS = ("研学", "夏令营", "冬令营", "游学")
# Words that are only suspect in context: daily community work is a job duty when done in working hours on a
# working day (001_… 二(二)①, "社区工作人员在工作日参与社区日常服务活动"); a visit, trip or conference is
# excluded when participants pay for it (④), while accompanying elders to a museum is service.
_JOB_DUTY_WORDS_IN_WORKING_HOURS = ("社区日常", "日常服务", "日常工作", "下沉")
_TRIP_WORDS_WITH_FEE = ("旅游", "旅行", "参观", "观光", "会议", "考察")

WORKING_HOURS = (dt.time(9, 0), dt.time(17, 0))


def _first_word(text: str, words: Iterable[str]) -> str | None:
    return next((w for w in words if w in text), None)


def _in_working_hours(start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the activity overlaps 09:00–17:00 (China time) on some working day."""
    day, last = china_date(start), china_date(end)
    while day <= last:
        if is_working_day(day)[0]:
            opens = dt.datetime.combine(day, WORKING_HOURS[0], CHINA_TIME)
            closes = dt.datetime.combine(day, WORKING_HOURS[1], CHINA_TIME)
            if start < closes and opens < end:
                return True
        day += dt.timedelta(days=1)
    return False


def _kind_warning(code: str, source: str, what: str, declared: bool, word: str | None) -> ScreeningWarning:
    why = "declared as this category" if declared else f'the name or content mentions "{word}"'
    return ScreeningWarning(code, f"{what} is not volunteer service and may not be recorded as such ({why})", source)


def screen_activity(*, category: ActivityCategory | str | None, name: str, content: str,
                    fee: Decimal | None, subsidy: Decimal | None,
                    start: dt.datetime, end: dt.datetime) -> list[ScreeningWarning]:
    """Warnings for an activity as declared: an excluded kind (by category or by words in the name or content)
    and a fee charged to participants. ``subsidy`` is the necessary subsidy per volunteer; it is judged against
    each record's payment (``screen_record``), not here."""
    kind = parse_category(category)
    fee = fee or Decimal(0)
    text = f"{name}\n{content}"
    found: list[ScreeningWarning] = []

    word = _first_word(text, _JOB_DUTY_WORDS)
    if word is None and _in_working_hours(start, end):
        word = _first_word(text, _JOB_DUTY_WORDS_IN_WORKING_HOURS)
    if kind is ActivityCategory.JOB_DUTY or word:
        found.append(_kind_warning("ineligible_job_duty", HUNAN_JOB_DUTY,
                                   "Work in working hours closely tied to one's own job (职务行为)",
                                   kind is ActivityCategory.JOB_DUTY, word))

    word = _first_word(text, _INTERNAL_WORDS)
    if kind is ActivityCategory.INTERNAL_ACTIVITY or word:
        found.append(_kind_warning("ineligible_internal_activity", HUNAN_INTERNAL,
                                   "An activity a unit or school requires internally (团建, 值班, 工作会议, 班会, "
                                   "班级或实验室清洁, 学生会工作…)", kind is ActivityCategory.INTERNAL_ACTIVITY, word))

    word = _first_word(text, _DONATION_WORDS)
    if kind is ActivityCategory.DONATION_OR_REPOSTING or word:
        found.append(_kind_warning("ineligible_donation_or_reposting", HUNAN_DONATION,
                                   "Hours for a donation, as a reward, or for reposting publicity "
                                   "(捐赠/奖励/转发折算时长)",
                                   kind is ActivityCategory.DONATION_OR_REPOSTING, word))

    word = _first_word(text, _TRIP_WORDS)
    if word is None and fee > 0:
        word = _first_word(text, _TRIP_WORDS_WITH_FEE)
    if kind is ActivityCategory.FEE_CHARGING_TRIP or word:
        found.append(_kind_warning("ineligible_fee_charging_trip", HUNAN_FEE_TRIP,
                                   "A fee-charging trip, visit, conference, study tour or camp organized in the name "
                                   "of volunteering (收费旅游、参观、会议、研学、夏令营)",
                                   kind is ActivityCategory.FEE_CHARGING_TRIP, word))

    if fee > 0:
        found.append(ScreeningWarning(
            "fee_charging_activity",
            f"participants are charged {fee} yuan: volunteer service is given free of charge, and charging for an "
            "activity in the name of volunteering may be profit-making (营利性活动)", FEE_CHARGING))
    return found


# -- records ------------------------------------------------------------------------------------------------


def _deadline(since: dt.date, done: dt.date, n: int) -> tuple[dt.date, list[int]]:
    """The ``n``-th working day after ``since``, and the years counted Monday–Friday that could change whether
    ``done`` is past it: only the days from ``since`` to the earlier of ``done`` and the deadline decide that."""
    deadline, _ = add_working_days(since, n)
    first, last = since + dt.timedelta(days=1), min(done, deadline)
    if last < first or calendar_known_between(first, last):
        return deadline, []
    return deadline, [y for y in range(first.year, last.year + 1) if not calendar_covers(y)]


def screen_record(*, activity_end: dt.datetime, subsidy: Decimal | None, payment: Decimal | None,
                  paper_recorded_on: dt.date | None, entered_at: dt.datetime) -> list[ScreeningWarning]:
    """Warnings for a service record made at ``entered_at``.

    - ``pay_beyond_subsidy``: ``payment`` (元 paid to the volunteer) above the activity's declared necessary
      subsidy per volunteer (none declared counts as 0).
    - ``late_record``: completed more than 10 Chinese working days after the day (China time) the activity
      ended; a paper record is completed on its paper date, any other on entry.
    - ``paper_entered_late``: a paper record entered more than 10 working days after its paper date.
    - ``workday_calendar_unknown``: a deciding day lies in a year the official calendar does not cover, so working
      days were counted Monday–Friday.
    """
    found: list[ScreeningWarning] = []
    allowed = subsidy or Decimal(0)
    if payment is not None and payment > allowed:
        found.append(ScreeningWarning(
            "pay_beyond_subsidy",
            f"the volunteer was paid {payment} yuan, more than the activity's declared necessary subsidy of "
            f"{allowed} yuan (meals, transport, insurance); pay beyond necessary subsidies is not volunteer service",
            PAY_BEYOND_SUBSIDY))

    end_day = china_date(activity_end)
    entry_day = china_date(entered_at)
    completed = paper_recorded_on or entry_day
    unknown: set[int] = set()

    deadline, years = _deadline(end_day, completed, RECORD_DEADLINE_WORKING_DAYS)
    unknown.update(years)
    if completed > deadline:
        how = "dated on paper" if paper_recorded_on else "entered"
        found.append(ScreeningWarning(
            "late_record",
            f"the record was {how} on {completed.isoformat()}, more than {RECORD_DEADLINE_WORKING_DAYS} working "
            f"days after the activity ended on {end_day.isoformat()} (China time); the last day was "
            f"{deadline.isoformat()}", LATE_RECORD))

    if paper_recorded_on is not None:
        deadline, years = _deadline(paper_recorded_on, entry_day, PAPER_ENTRY_WORKING_DAYS)
        unknown.update(years)
        if entry_day > deadline:
            found.append(ScreeningWarning(
                "paper_entered_late",
                f"the paper record of {paper_recorded_on.isoformat()} was entered on {entry_day.isoformat()} (China "
                f"time), more than {PAPER_ENTRY_WORKING_DAYS} working days later; the last day was "
                f"{deadline.isoformat()}", PAPER_ENTERED_LATE))

    if unknown:
        years_text = ", ".join(str(y) for y in sorted(unknown))
        found.append(ScreeningWarning(
            "workday_calendar_unknown",
            f"the official holiday calendar of {years_text} is not known to this service: working days were counted "
            "Monday to Friday, without statutory holidays or adjusted working weekends (调休); check the "
            "10-working-day deadline by hand", LATE_RECORD))
    return found
