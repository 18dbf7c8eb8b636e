"""Screening warnings on both stores: they live in the signed events, so rebuilt views and a second process show
the same warnings, and events stored before screening existed (no fee, subsidy, payment or warnings) still load,
project, rebuild and pass the audit.

Sources: Hunan notice, seed 001_… 二(二)④ (fee-charging study tours); Gangcheng checklist, seed 000_… 五(1)2(10)
(pay beyond necessary subsidies) and 五(1)1(7) (records within 10 working days)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from uuid import UUID

import pytest

from api.application import VledgerApplication, event_transcoder
from api.audit import audit
from domain.activity import Activity
from domain.record import ServiceRecord
from keys.mapper import unseal

from .support import CST, World, dump_views, raw_rows


def codes(warnings: list[dict[str, str]]) -> list[str]:
    return [w["code"] for w in warnings]


def tour(world: World) -> UUID:
    a = world.a
    made = world.app.create_activity(
        a.principal, a.id, name="暑期研学营", start=dt.datetime(2026, 7, 4, 9, 0, tzinfo=CST),
        end=dt.datetime(2026, 7, 4, 17, 0, tzinfo=CST), place="某博物馆", recipients="中小学生",
        content="参观、研学", leader="王五", recorder="赵六", category="研学", fee="800", subsidy="20")
    assert codes(made["warnings"]) == ["ineligible_fee_charging_trip", "fee_charging_activity"]
    return UUID(made["id"])


def test_warnings_come_back_from_the_log_after_a_rebuild_and_in_a_second_process(
        world: World, open_app: Callable[[], VledgerApplication]) -> None:
    app, a = world.app, world.a
    activity_id = tour(world)
    made = app.record_service(a.principal, activity_id, volunteer_id=a.volunteer_id, hours="8", payment="100")
    # Recorded on the real clock (the instance's keys are registered at the real time, so it cannot be set back),
    # which is after 4 July 2026 plus 10 working days (17 July): the record is late too.
    assert app.clock().date() > dt.date(2026, 7, 17)
    expected = ["ineligible_fee_charging_trip", "fee_charging_activity", "pay_beyond_subsidy", "late_record"]
    assert codes(made["warnings"]) == expected

    before = dump_views(app)
    app.views.rebuild()
    assert dump_views(app) == before
    other = open_app()
    record = other.get_record(a.principal, UUID(made["id"]))
    assert (record["payment"], codes(record["warnings"])) == ("100.00", expected)
    listed = other.list_org_records(a.principal, a.id, warnings_only=True)
    assert [r["id"] for r in listed["records"]] == [made["id"]]
    activity = other.get_activity(a.principal, activity_id)
    assert (activity["fee"], activity["subsidy"], activity["participant_count"]) == ("800.00", "20.00", 1)
    assert audit(app.settings).intact


def test_events_stored_before_screening_existed_still_load_project_rebuild_and_audit(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An instance upgraded from before fees, payments and warnings: its version 1 events are upcast on reading."""
    app, b = world.app, world.b
    activity = Activity.create(now=app.clock(), actor=b.principal.actor, org_id=b.id, name="社区清洁",
                               start=dt.datetime(2026, 3, 7, 9, 0, tzinfo=CST),
                               end=dt.datetime(2026, 3, 7, 11, 0, tzinfo=CST), place="和平里社区",
                               recipients="社区居民", content="清理楼道", leader="赵桂兰", recorder="孙晓燕")
    record = ServiceRecord.record(now=app.clock(), actor=b.principal.actor, org_id=b.id, activity_id=activity.id,
                                  activity_hours=activity.duration_hours, activity_end=activity.end,
                                  volunteer_id=b.volunteer_id, hours="2")
    events = [*activity.collect_events(), *record.collect_events()]
    # Store them exactly as the previous release did: class version 1, none of the new attributes.
    for event, fields in zip(events, (("fee", "subsidy", "warnings"), ("payment", "warnings")), strict=True):
        monkeypatch.setattr(type(event), "class_version", 1)
        for name in fields:
            del event.__dict__[name]
    app.save(*events)
    monkeypatch.undo()
    for event, field in zip(events, ("fee", "payment"), strict=True):
        (stored,) = app.recorder.select_events(event.originator_id)
        sealed = unseal(stored.state)
        assert sealed is not None
        body = event_transcoder().decode(sealed.body)
        assert "class_version" not in body and field not in body and "warnings" not in body
    # The new release reads them back (the views decode from the log).
    app.views.catch_up()
    app.sign_checkpoint()

    loaded = app.load(Activity, activity.id, "activity")
    assert (loaded.fee, loaded.subsidy, loaded.warnings) == (Decimal(0), Decimal(0), [])
    loaded_record = app.load(ServiceRecord, record.id, "record")
    assert (loaded_record.payment, loaded_record.warnings) == (None, [])
    shown = app.get_record(b.principal, record.id)
    assert (shown["payment"], shown["warnings"]) == (None, [])
    assert app.get_activity(b.principal, activity.id)["fee"] == "0.00"

    before = dump_views(app)
    app.views.rebuild()
    assert dump_views(app) == before
    assert raw_rows(app, "SELECT warning_count FROM view_records WHERE id = ?", (str(record.id),)) == \
        [{"warning_count": 0}]
    report = audit(app.settings)
    assert report.intact, report.problems
