"""Activities: the Beijing minimum fields, aware times, order of start and end, duration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import uuid4

import pytest

from domain.activity import Activity
from domain.errors import InvalidFieldError

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
CST = dt.timezone(dt.timedelta(hours=8))
ORG = uuid4()
START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)


def create(**overrides: object) -> Activity:
    fields: dict[str, object] = {
        "now": NOW, "actor": f"organization:{ORG}", "org_id": ORG, "name": "社区敬老院陪伴", "start": START,
        "end": START + dt.timedelta(hours=8), "place": "朝阳区某敬老院", "recipients": "敬老院老人",
        "content": "陪伴聊天、读报", "leader": "王五", "recorder": "赵六",
    }
    fields.update(overrides)
    return Activity.create(**fields)  # type: ignore[arg-type]


def test_an_activity_keeps_the_beijing_minimum_fields() -> None:
    activity = create(category="敬老助残")
    kept = (activity.name, activity.place, activity.recipients, activity.content, activity.leader,
            activity.recorder, activity.category)
    assert kept == ("社区敬老院陪伴", "朝阳区某敬老院", "敬老院老人", "陪伴聊天、读报", "王五", "赵六", "敬老助残")
    assert activity.start == START


def test_the_duration_is_the_length_of_the_activity_in_hours() -> None:
    assert create().duration_hours == Decimal(8)
    assert create(end=START + dt.timedelta(hours=2, minutes=30)).duration_hours == Decimal("2.5")


def test_times_in_different_offsets_give_the_true_duration() -> None:
    end_utc = (START + dt.timedelta(hours=3)).astimezone(dt.UTC)
    assert create(end=end_utc).duration_hours == Decimal(3)


@pytest.mark.parametrize("end", [START - dt.timedelta(hours=1), START])
def test_an_activity_that_ends_before_or_when_it_starts_is_rejected(end: dt.datetime) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        create(end=end)
    assert caught.value.field == "end"
    assert caught.value.code == "activity_end_before_start"


@pytest.mark.parametrize("field", ["start", "end"])
def test_a_time_without_a_utc_offset_is_rejected(field: str) -> None:
    naive = {"start": START.replace(tzinfo=None), "end": (START + dt.timedelta(hours=8)).replace(tzinfo=None)}
    with pytest.raises(InvalidFieldError) as caught:
        create(**{field: naive[field]})
    assert caught.value.field == field


def test_an_activity_longer_than_a_month_must_be_split() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        create(end=START + dt.timedelta(days=32))
    assert caught.value.field == "end"
    assert create(end=START + dt.timedelta(days=31)).duration_hours == Decimal(31 * 24)


@pytest.mark.parametrize("field", ["name", "place", "recipients", "content", "leader", "recorder"])
def test_every_minimum_field_is_required(field: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        create(**{field: " "})
    assert caught.value.field == field


def test_an_overlong_name_is_rejected() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        create(name="长" * 101)
    assert caught.value.field == "name"


def test_the_activity_event_is_made_for_its_organization() -> None:
    (event,) = create().collect_events()
    assert isinstance(event, Activity.Created)
    assert event.authority == str(ORG)
    assert event.actor == f"organization:{ORG}"
