"""Service records: positive hours within the activity's duration; amendments need a reason and a change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.errors import InvalidFieldError, RuleViolationError
from domain.record import ServiceRecord

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
