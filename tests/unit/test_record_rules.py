"""Service records: positive hours within the activity's duration; amendments need a reason and a change;
no two records of one volunteer for one activity or overlapping activities, at most 24 hours a day (hard rules:
refused with a rule code); payment, paper date and screening warnings kept in the signed event (soft rules).

Sources of the hard rules: the inspection checklist of seed 000_… (Gangcheng 2023) 五(1)1(2)
"记录的志愿者服务时间是否完整准确" and 五(1)2(9) "志愿服务时间…是否与志愿服务活动实际情况相一致"; 条例 art.19 (hours of
service actually given, ../shared/domain.md "Service time")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper

from api.core import event_transcoder
from domain.errors import InvalidFieldError, RuleViolationError
from domain.record import (
    ServiceRecord,
    check_day_total,
    check_no_overlap,
    check_not_recorded_twice,
    service_day,
)

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=1)
ORG = uuid4()
ACTOR = f"organization:{ORG}"
EIGHT = Decimal(8)


def record(**overrides: object) -> ServiceRecord:
    fields: dict[str, object] = {"now": NOW, "actor": ACTOR, "org_id": ORG, "activity_id": uuid4(),
                                 "activity_hours": EIGHT, "activity_end": NOW - dt.timedelta(hours=2),
                                 "volunteer_id": uuid4(), "hours": "6",
                                 "content": "陪伴老人", "evaluation": "良好"}
    fields.update(overrides)
    return ServiceRecord.record(**fields)  # type: ignore[arg-type]


def test_a_record_keeps_its_hours_as_an_exact_decimal() -> None:
    assert record(hours="2.5").hours == Decimal("2.5")
    assert record(hours=3).hours == Decimal(3)


@pytest.mark.parametrize("hours", ["0", 0, "-1", "-0.01"])
def test_hours_of_zero_or_less_are_rejected(hours: object) -> None:
    """Gangcheng 000_… 五(1)1(2): recorded service time must be accurate; no service, no record."""
    with pytest.raises(InvalidFieldError) as caught:
        record(hours=hours)
    assert caught.value.field == "hours"
    assert caught.value.code == "hours_not_positive"


@pytest.mark.parametrize("hours", ["abc", "", "NaN", "Infinity", "1.005"])
def test_hours_that_are_not_a_finite_two_place_number_are_rejected(hours: object) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        record(hours=hours)
    assert caught.value.field == "hours"


def test_hours_above_the_activitys_duration_are_rejected() -> None:
    """Gangcheng 000_… 五(1)2(9): recorded time must match what really happened — no more than the activity lasted."""
    with pytest.raises(RuleViolationError) as caught:
        record(hours="8.01")
    assert caught.value.code == "hours_above_activity_duration"


def test_hours_equal_to_the_activitys_duration_are_accepted() -> None:
    assert record(hours="8").hours == EIGHT


def test_a_paper_record_cannot_be_dated_in_the_future() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        record(paper_recorded_on=NOW.date() + dt.timedelta(days=1))
    assert caught.value.field == "paper_recorded_on"
    assert record(paper_recorded_on=NOW.date()).paper_recorded_on == NOW.date()


def test_the_record_event_is_made_for_the_organization_by_its_actor() -> None:
    (event,) = record().collect_events()
    assert isinstance(event, ServiceRecord.Recorded)
    assert event.authority == str(ORG)
    assert event.actor == ACTOR


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_amendment_requires_a_reason(reason: str | None) -> None:
    service = record()
    with pytest.raises(InvalidFieldError) as caught:
        service.amend(now=LATER, actor=ACTOR, reason=reason, activity_hours=EIGHT, hours="7")
    assert caught.value.field == "reason"
    assert service.version == 1


@pytest.mark.parametrize("same", [{"hours": "6"}, {"hours": "6.00"}, {"content": "陪伴老人"}, {}])
def test_an_amendment_that_changes_nothing_is_rejected(same: dict[str, str]) -> None:
    service = record()
    with pytest.raises(RuleViolationError) as caught:
        service.amend(now=LATER, actor=ACTOR, reason="核对", activity_hours=EIGHT, **same)
    assert caught.value.code == "amendment_without_change"
    assert service.version == 1


def test_an_amendment_above_the_activitys_duration_is_rejected() -> None:
    service = record()
    with pytest.raises(RuleViolationError) as caught:
        service.amend(now=LATER, actor=ACTOR, reason="补录", activity_hours=EIGHT, hours="9")
    assert caught.value.code == "hours_above_activity_duration"
    assert service.hours == Decimal(6)


def test_an_amendment_records_each_changed_field_from_and_to_with_its_reason() -> None:
    service = record()
    service.collect_events()
    service.amend(now=LATER, actor=ACTOR, reason="签到表核对后更正", activity_hours=EIGHT, hours="7.5",
                  content="陪伴老人", evaluation="优秀")
    (event,) = service.collect_events()
    assert isinstance(event, ServiceRecord.Amended)
    # content was given but unchanged, so it is not a change
    assert event.changes == {"hours": {"from": Decimal(6), "to": Decimal("7.5")},
                             "evaluation": {"from": "良好", "to": "优秀"}}
    assert event.reason == "签到表核对后更正"
    assert event.authority == str(ORG) and event.actor == ACTOR
    assert (service.hours, service.evaluation, service.version) == (Decimal("7.5"), "优秀", 2)


def test_hours_can_be_amended_down_but_not_to_zero() -> None:
    service = record()
    service.amend(now=LATER, actor=ACTOR, reason="多记", activity_hours=EIGHT, hours="1")
    assert service.hours == Decimal(1)
    with pytest.raises(InvalidFieldError):
        service.amend(now=LATER, actor=ACTOR, reason="多记", activity_hours=EIGHT, hours="0")


def test_hours_cannot_be_recorded_before_the_activity_has_ended() -> None:
    with pytest.raises(RuleViolationError) as caught:
        record(activity_end=NOW + dt.timedelta(minutes=1))
    assert caught.value.code == "activity_not_ended"
    assert record(activity_end=NOW).hours == Decimal("6")  # at the very end it may be recorded


# -- rules across one volunteer's records ----------------------------------------------------------------------
# Source: the inspection checklist of seed 000_… (Gangcheng 2023), 五(1)1(2) "记录的志愿者服务时间是否完整准确" and
# 五(1)2(9) "志愿服务时间…是否与志愿服务活动实际情况相一致": one person cannot serve at two activities at once, nor
# more than the 24 hours a day has (../shared/domain.md, "Service time").

CST = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=CST)


MORNING = (at(1, 9), at(1, 12))


@pytest.mark.parametrize("other", [
    (at(1, 11), at(1, 14)),  # starts inside
    (at(1, 8), at(1, 10)),  # ends inside
    (at(1, 10), at(1, 11)),  # within
    (at(1, 8), at(1, 13)),  # around
    (at(1, 9), at(1, 12)),  # the same span
    # the same instants written in another offset still overlap
    (dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, 4, 0, tzinfo=dt.UTC)),
])
def test_an_activity_overlapping_one_the_volunteer_already_has_a_record_for_is_rejected(
        other: tuple[dt.datetime, dt.datetime]) -> None:
    """Gangcheng 000_… 五(1)2(9): one person cannot serve at two activities at once."""
    with pytest.raises(RuleViolationError) as caught:
        check_no_overlap(MORNING, [(at(2, 9), at(2, 12)), other])
    assert caught.value.code == "overlapping_activities"


@pytest.mark.parametrize("other", [
    (at(1, 12), at(1, 15)),  # starts when this one ends
    (at(1, 6), at(1, 9)),  # ends when this one starts
    (at(1, 13), at(1, 14)),
    (at(2, 9), at(2, 12)),
])
def test_adjacent_and_separate_activities_do_not_overlap(other: tuple[dt.datetime, dt.datetime]) -> None:
    check_no_overlap(MORNING, [other])
    check_no_overlap(MORNING, [])


def test_the_same_activity_cannot_be_recorded_twice_for_one_volunteer() -> None:
    """Gangcheng 000_… 五(1)1(2): one activity's hours are counted once."""
    activity, other = uuid4(), uuid4()
    check_not_recorded_twice(activity, [other])
    with pytest.raises(RuleViolationError) as caught:
        check_not_recorded_twice(activity, [other, activity])
    assert caught.value.code == "duplicate_record"


def test_a_volunteers_hours_on_one_day_may_reach_24_but_not_exceed_it() -> None:
    """Gangcheng 000_… 五(1)1(2) and 五(1)2(9): a day has 24 hours."""
    day = dt.date(2026, 3, 1)
    check_day_total(day, Decimal(8), [Decimal(8), Decimal(8)])
    check_day_total(day, Decimal(24), [])
    with pytest.raises(RuleViolationError) as caught:
        check_day_total(day, Decimal("0.01"), [Decimal(8), Decimal(8), Decimal(8)])
    assert caught.value.code == "more_than_24_hours_in_a_day"
    assert "2026-03-01" in caught.value.message
    with pytest.raises(RuleViolationError):
        check_day_total(day, Decimal("24.01"), [])


def test_the_day_of_an_activity_is_its_start_day_in_china_time_even_past_midnight() -> None:
    assert service_day(at(1, 23)) == dt.date(2026, 3, 1)  # runs into 2 March: still counts toward 1 March
    assert service_day(at(2, 0)) == dt.date(2026, 3, 2)
    # 20:00 UTC on 1 March is 04:00 on 2 March in China
    assert service_day(dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)) == dt.date(2026, 3, 2)
    assert service_day(dt.datetime(2026, 3, 1, 15, 59, tzinfo=dt.UTC)) == dt.date(2026, 3, 1)



# -- payment, paper date and screening (soft rules: accepted, warned) ------------------------------------------

TRIP_WARNING = {"code": "ineligible_fee_charging_trip", "message": "研学",
                "source": "湖南 001 二(二) 不得认定的4类活动④"}


def test_a_record_keeps_its_payment_and_its_screening_in_the_signed_event() -> None:
    """Gangcheng 000_… 五(1)2(10): pay beyond the necessary subsidy is warned, and the warning is signed with the
    record; the activity's own warnings are carried onto the record so that its readers see them."""
    service = record(payment="50", activity_subsidy=Decimal(30), activity_warnings=[TRIP_WARNING])
    (event,) = service.collect_events()
    assert isinstance(event, ServiceRecord.Recorded)
    assert event.payment == Decimal("50.00") and service.payment == Decimal("50.00")
    assert [w["code"] for w in event.warnings] == ["ineligible_fee_charging_trip", "pay_beyond_subsidy"]
    assert service.warnings == event.warnings


def test_a_record_on_time_without_payment_has_no_warnings() -> None:
    service = record()
    assert (service.payment, service.warnings) == (None, [])


@pytest.mark.parametrize("payment", ["-1", "abc", "0.001", "NaN"])
def test_a_payment_must_be_a_non_negative_amount_of_yuan(payment: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        record(payment=payment)
    assert caught.value.field == "payment"


def test_a_record_completed_more_than_10_working_days_after_the_activity_is_accepted_with_a_warning() -> None:
    """Gangcheng 000_… 五(1)1(7): the activity ended on 30 September 2024; entered on 21 October, after the
    18 October deadline (National Day and the worked Saturday 12 October counted)."""
    service = record(now=dt.datetime(2024, 10, 21, 2, 0, tzinfo=dt.UTC),
                     activity_end=dt.datetime(2024, 9, 30, 17, 0, tzinfo=CST))
    assert [w["code"] for w in service.warnings] == ["late_record"]


def test_a_paper_record_keeps_its_paper_date_and_is_judged_by_it() -> None:
    """Gangcheng 000_… 五(1)1(8): the paper date and the entry time (the event's timestamp) are both kept."""
    entered = dt.datetime(2024, 11, 4, 2, 0, tzinfo=dt.UTC)
    service = record(now=entered, activity_end=dt.datetime(2024, 9, 30, 17, 0, tzinfo=CST),
                     paper_recorded_on=dt.date(2024, 10, 18))
    (event,) = service.collect_events()
    assert (event.paper_recorded_on, event.timestamp) == (dt.date(2024, 10, 18), entered)
    assert [w["code"] for w in service.warnings] == ["paper_entered_late"]


def test_a_paper_record_dated_today_in_china_is_not_in_the_future_at_utc_midnight() -> None:
    """23:30 UTC on 9 March is 07:30 on 10 March in Beijing: a sheet dated 10 March is today's."""
    now = dt.datetime(2026, 3, 9, 23, 30, tzinfo=dt.UTC)
    assert record(now=now, activity_end=now - dt.timedelta(hours=1),
                  paper_recorded_on=dt.date(2026, 3, 10)).paper_recorded_on == dt.date(2026, 3, 10)


def test_a_paper_record_cannot_be_dated_before_the_activity_ended() -> None:
    """Gangcheng 000_… 五(1)2(9): a record of service cannot predate the service."""
    with pytest.raises(InvalidFieldError) as caught:
        record(activity_end=dt.datetime(2026, 3, 8, 17, 0, tzinfo=CST), paper_recorded_on=dt.date(2026, 3, 7))
    assert (caught.value.field, caught.value.code) == ("paper_recorded_on", "paper_record_before_activity_end")


def test_a_record_event_stored_before_payments_and_warnings_existed_still_decodes() -> None:
    """Version 1 events carry no payment or warnings: eventsourcing upcasts them when they are read."""
    mapper: Mapper[object] = Mapper(transcoder=event_transcoder())
    (event,) = record(paper_recorded_on=NOW.date()).collect_events()
    stored = mapper.to_stored_event(event)
    transcoder: JSONTranscoder = event_transcoder()
    state = transcoder.decode(stored.state)
    assert state.pop("class_version") == 2
    del state["payment"], state["warnings"]
    old = type(stored)(originator_id=stored.originator_id, originator_version=stored.originator_version,
                       topic=stored.topic, state=transcoder.encode(state))
    decoded = mapper.to_domain_event(old)
    assert isinstance(decoded, ServiceRecord.Recorded)
    assert (decoded.payment, decoded.warnings, decoded.paper_recorded_on) == (None, [], NOW.date())
    service = decoded.mutate(None)
    assert isinstance(service, ServiceRecord) and service.hours == Decimal(6) and service.warnings == []
