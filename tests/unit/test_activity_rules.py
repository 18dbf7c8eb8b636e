"""Activities: the Beijing minimum fields (seed 004_… 三(三)), aware times, order of start and end, duration; a category
from an enumerated set; declared fees and subsidies; the screening warnings kept in the signed event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import JSONTranscoder, Mapper

from api.core import event_transcoder
from domain.activity import Activity, ActivityCategory
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
    """Seed 004_… 三(三): 项目名称、日期、地点、服务对象、服务内容、服务时间、负责人、记录人 (participants are the
    records made against it)."""
    activity = create(category="敬老助残")
    kept = (activity.name, activity.place, activity.recipients, activity.content, activity.leader,
            activity.recorder, activity.category)
    assert kept == ("社区敬老院陪伴", "朝阳区某敬老院", "敬老院老人", "陪伴聊天、读报", "王五", "赵六", "elder_care")
    assert activity.start == START
    assert activity.warnings == []


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


# -- category, fee and subsidy ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "kept"), [
    ("elder_care", ActivityCategory.ELDER_CARE), ("敬老助残", ActivityCategory.ELDER_CARE),
    (" 环境保护 ", ActivityCategory.ENVIRONMENT), ("LEGAL_AID", ActivityCategory.LEGAL_AID),
    (ActivityCategory.LARGE_EVENTS, ActivityCategory.LARGE_EVENTS), (None, None), ("", None),
])
def test_a_category_is_given_by_its_code_or_its_chinese_name_and_stays_optional(
        given: object, kept: ActivityCategory | None) -> None:
    activity = create(category=given)
    assert activity.category == (kept.value if kept else None)


def test_every_category_has_a_chinese_label() -> None:
    for category in ActivityCategory:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in category.label), category
    assert ActivityCategory.ELDER_CARE.label == "敬老助残"


def test_an_unknown_category_is_rejected_with_the_list_of_known_ones() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        create(category="捡钱")
    assert (caught.value.field, caught.value.code) == ("category", "unknown_category")
    assert "elder_care (敬老助残)" in caught.value.message


def test_fee_and_subsidy_default_to_zero_and_keep_two_places() -> None:
    activity = create()
    assert (activity.fee, activity.subsidy) == (Decimal("0.00"), Decimal("0.00"))
    activity = create(fee="0", subsidy="30.5")
    assert (activity.fee, activity.subsidy) == (Decimal("0.00"), Decimal("30.50"))
    assert activity.warnings == []


@pytest.mark.parametrize("field", ["fee", "subsidy"])
@pytest.mark.parametrize("value", ["-1", "-0.01", "abc", "NaN", "Infinity", "1.005", "1000000.01", True])
def test_a_fee_or_subsidy_must_be_a_non_negative_amount_of_yuan(field: str, value: object) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        create(**{field: value})
    assert caught.value.field == field


def test_an_excluded_kind_is_accepted_with_a_warning_kept_in_the_signed_event() -> None:
    """Hunan notice, seed 001_… 二(二) 不得认定的4类活动④: an organization that declares a fee-charging study tour is
    warned, not refused and not silently accepted."""
    activity = create(category="fee_charging_trip", name="暑期研学营", fee="800", subsidy="0")
    (event,) = activity.collect_events()
    assert isinstance(event, Activity.Created)
    codes = [w["code"] for w in event.warnings]
    assert codes == ["ineligible_fee_charging_trip", "fee_charging_activity"]
    assert all(set(w) == {"code", "message", "source"} for w in event.warnings)
    assert event.fee == Decimal("800.00") and activity.warnings == event.warnings


def test_an_activity_event_stored_before_fees_and_warnings_existed_still_decodes() -> None:
    """Version 1 events carry no fee, subsidy or warnings: eventsourcing upcasts them when they are read."""
    mapper: Mapper[object] = Mapper(transcoder=event_transcoder())
    (event,) = create(category="敬老助残").collect_events()
    stored = mapper.to_stored_event(event)
    transcoder: JSONTranscoder = event_transcoder()
    state = transcoder.decode(stored.state)
    assert state.pop("class_version") == 2
    for field in ("fee", "subsidy", "warnings"):
        del state[field]
    old = type(stored)(originator_id=stored.originator_id, originator_version=stored.originator_version,
                       topic=stored.topic, state=transcoder.encode(state))
    decoded = mapper.to_domain_event(old)
    assert isinstance(decoded, Activity.Created)
    assert (decoded.fee, decoded.subsidy, decoded.warnings) == (Decimal(0), Decimal(0), [])
    activity = decoded.mutate(None)
    assert isinstance(activity, Activity) and activity.fee == 0 and activity.warnings == []
