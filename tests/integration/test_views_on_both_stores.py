"""Projections on both stores: exactly-once tracking, two instances on one store, crash and resume, rebuild.

Each test runs once on SQLite and once on PostgreSQL (see conftest.settings). "Unprojected" events are saved
with ``Application.save`` alone — what the log holds when a process stops between committing an event and
bringing its views up to date.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.application import VledgerApplication
from api.settings import Settings
from domain.access import Principal
from domain.activity import Activity
from domain.record import ServiceRecord
from domain.volunteer import Volunteer
from domain.workdays import china_date
from projections.base import View
from projections.runner import ViewRunner
from projections.store import ViewCursor, ViewStore

from .support import (
    ACTIVITY_END,
    ACTIVITY_START,
    Org,
    World,
    all_notifications,
    dump_views,
    raw_rows,
    volunteer_principal,
)

REGISTRY_PRINCIPAL = Principal(role="registry", subject="registry")
REGION = "370117"  # a district: the draw's region and its target's


def unprojected_records(app: VledgerApplication, org: Any, hours: list[str]) -> list[UUID]:
    """Save records to the log without projecting them."""
    activity = app.load(Activity, org.activity_id, "activity")
    records = [ServiceRecord.record(now=app.clock(), actor=org.principal.actor, org_id=org.id,
                                    activity_id=org.activity_id, activity_hours=activity.duration_hours,
                                    activity_end=activity.end,
                                    volunteer_id=org.volunteer_id, hours=h) for h in hours]
    app.save(*records)
    return [r.id for r in records]


def totals(app: VledgerApplication, volunteer_id: UUID) -> dict[str, Any]:
    rows = raw_rows(app, "SELECT centi_hours, record_count FROM view_volunteer_totals WHERE volunteer_id = ?",
                    (str(volunteer_id),))
    assert len(rows) == 1
    return rows[0]


def caught_up(app: VledgerApplication) -> bool:
    return set(app.views.positions().values()) == {app.recorder.max_notification_id()}


class TestViewsOnBothStores:
    """One test case, run on SQLite and on PostgreSQL."""

    # -- exactly once -------------------------------------------------------------------------------------

    def test_catching_up_again_applies_nothing_and_changes_nothing(self, world: World) -> None:
        app, a = world.app, world.a
        app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="6")
        before = dump_views(app)
        assert app.views.catch_up() == 0
        assert app.views.catch_up() == 0
        app.views.ensure_fresh()
        assert dump_views(app) == before
        assert totals(app, a.volunteer_id) == {"centi_hours": 600, "record_count": 1}

    def test_catch_up_applies_exactly_the_events_after_the_tracked_position(self, world: World) -> None:
        app, a = world.app, world.a
        position = app.views.positions()
        unprojected_records(app, a, ["1", "2", "3"])
        assert app.views.positions() == position
        assert app.views.catch_up() == 3
        assert app.views.catch_up() == 0
        assert totals(app, a.volunteer_id) == {"centi_hours": 600, "record_count": 3}
        assert caught_up(app)

    # -- two instances on one store -----------------------------------------------------------------------

    def test_a_second_instance_sees_the_first_ones_writes_and_neither_applies_them_twice(
            self, world: World, open_app: Callable[[], VledgerApplication]) -> None:
        first, a = world.app, world.a
        second = open_app()
        first.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="6")
        # The first instance wrote and projected; the second one learns of it through ensure_fresh.
        second.views.ensure_fresh()
        assert second.get_volunteer(a.principal, a.volunteer_id)["total_hours"] == "6.00"

        # Events the first instance saved but did not project: whichever instance looks next applies them.
        unprojected_records(first, a, ["2", "3"])
        assert totals(second, a.volunteer_id)["record_count"] == 1
        second.views.ensure_fresh()
        assert totals(second, a.volunteer_id) == {"centi_hours": 1100, "record_count": 3}
        assert first.views.catch_up() == 0
        assert second.views.catch_up() == 0
        assert first.get_volunteer(a.principal, a.volunteer_id)["total_hours"] == "11.00"
        assert caught_up(first) and caught_up(second)

    def test_a_writer_in_another_process_is_seen_and_nothing_is_applied_twice(
            self, world: World, settings: Settings, tmp_path: Path) -> None:
        app, a = world.app, world.a
        app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="1")
        # One record per volunteer and activity, no overlaps: the other process records at two more activities.
        more_activities = [UUID(app.create_activity(
            a.principal, a.id, name="社区敬老院陪伴", start=ACTIVITY_END + dt.timedelta(hours=4 * i),
            end=ACTIVITY_END + dt.timedelta(hours=4 * i + 4), place="朝阳区某敬老院", recipients="敬老院老人",
            content="陪伴聊天、读报", leader="王五", recorder="赵六")["id"]) for i in (0, 1)]
        script = tmp_path / "writer.py"
        script.write_text(textwrap.dedent("""
            import json, sys
            from pathlib import Path
            from uuid import UUID
            from api.application import VledgerApplication
            from api.settings import Settings
            from domain.access import Principal

            args = json.loads(sys.argv[1])
            settings = Settings(data_dir=Path(args["data_dir"]), database_url=args["database_url"],
                                star_thresholds=tuple(args["thresholds"]))
            app = VledgerApplication(settings)
            org = Principal(role="organization", subject=args["org_id"], org_id=UUID(args["org_id"]))
            ids = [app.record_service(org, UUID(activity), volunteer_id=UUID(args["volunteer_id"]), hours=h)["id"]
                   for activity, h in zip(args["activity_ids"], args["hours"], strict=True)]
            app.close()
            print(json.dumps(ids))
        """), encoding="utf-8")
        args = {"data_dir": str(settings.data_dir), "database_url": settings.database_url,
                "thresholds": list(settings.star_thresholds), "org_id": str(a.id),
                "activity_ids": [str(i) for i in more_activities], "volunteer_id": str(a.volunteer_id),
                "hours": ["2", "3.5"]}
        done = subprocess.run([sys.executable, str(script), json.dumps(args)], capture_output=True, text=True,
                              env=os.environ.copy(), timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        written = json.loads(done.stdout.strip().splitlines()[-1])

        app.views.ensure_fresh()
        volunteer = app.get_volunteer(a.principal, a.volunteer_id)
        assert (volunteer["total_hours"], volunteer["record_count"]) == ("6.50", 3)
        assert set(written) <= {r["id"] for r in volunteer["records"]}
        assert volunteer["star_level"] == 1
        assert app.views.catch_up() == 0
        assert caught_up(app)

    def test_two_instances_catching_up_at_the_same_time_apply_each_event_once(
            self, world: World, open_app: Callable[[], VledgerApplication]) -> None:
        first, a = world.app, world.a
        second = open_app()
        hours = ["0.5", "1", "1.5", "2"] * 10
        unprojected_records(first, a, hours)
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(app: VledgerApplication) -> None:
            try:
                start.wait()
                app.views.catch_up(batch_size=3)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=run, args=(app,)) for app in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert totals(first, a.volunteer_id) == {"centi_hours": 5000, "record_count": 40}
        assert caught_up(first) and caught_up(second)
        assert first.views.catch_up() == 0 and second.views.catch_up() == 0

    # -- crash and resume ---------------------------------------------------------------------------------

    def test_a_fresh_application_resumes_views_from_their_tracked_position(
            self, world: World, open_app: Callable[[], VledgerApplication]) -> None:
        app, a = world.app, world.a
        app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="6")
        app.close()

        # A second process writes and stops before projecting.
        writer = open_app()
        unprojected_records(writer, a, ["1.25", "2.75"])
        behind = writer.views.positions()
        writer.close()
        tracked = max(behind.values())

        fresh = open_app()
        last = fresh.recorder.max_notification_id()
        assert last is not None and tracked < last
        assert fresh.views.positions() == {name: last for name in behind}
        assert totals(fresh, a.volunteer_id) == {"centi_hours": 1000, "record_count": 3}
        assert fresh.get_volunteer(a.principal, a.volunteer_id)["star_level"] == 2

    def test_a_failure_inside_a_batch_leaves_neither_its_rows_nor_its_tracking(self, world: World) -> None:
        app = world.app
        store = app.views.store
        notes = all_notifications(app)
        ids = [n.id for n in notes]
        fail_at = ids[-2]  # inside the last batch of five
        view = FlakyView(store, fail_at=fail_at)
        runner = ViewRunner(app.recorder, app.mapper, store, [view], batch_size=5)

        with pytest.raises(RuntimeError, match="crash while applying"):
            runner.catch_up()
        committed = store.position(FlakyView.name)
        assert committed < fail_at
        assert committed == ids[(ids.index(fail_at) // 5) * 5 - 1]  # the end of the last whole batch
        assert flaky_ids(app) == [i for i in ids if i <= committed]

        view.fail_at = None  # the fault is gone; the next run resumes where tracking says
        assert runner.catch_up() == len([i for i in ids if i > committed])
        assert flaky_ids(app) == ids
        assert store.position(FlakyView.name) == ids[-1]
        assert runner.catch_up() == 0

    # -- rebuild ------------------------------------------------------------------------------------------

    def test_rebuild_drops_and_rebuilds_every_view_equal_to_the_live_ones(self, world: World) -> None:
        app, a, b = world.app, world.a, world.b
        rid = UUID(app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="6")["id"])
        app.record_service(b.principal, b.activity_id, volunteer_id=b.volunteer_id, hours="8")
        app.amend_record(a.principal, rid, reason="更正", hours="7", evaluation="优秀")
        cid = app.issue_certificate(a.principal, a.volunteer_id)["id"]
        app.issue_certificate(b.principal, b.volunteer_id)
        app.revoke_certificate(a.principal, UUID(cid), "撤销")
        app.record_training(a.principal, a.volunteer_id, title="急救", provider="红十字会", date=dt.date(2026, 2, 1),
                            hours="2")
        app.record_award(a.principal, a.volunteer_id, title="优秀志愿者", awarded_by="文明办",
                         date=dt.date(2025, 12, 5), level="county")
        app.record_evaluation(a.principal, a.volunteer_id, period_start=dt.date(2025, 1, 1),
                              period_end=dt.date(2025, 12, 31), rating="good")
        app.request_correction(volunteer_principal(a.volunteer_id, a.id), rid, reason="实际7.5小时", hours="7.5")
        inspector = app.authenticate(app.appoint_inspector(REGISTRY_PRINCIPAL, name="王督查")["token"])
        app.get_volunteer(inspector, a.volunteer_id)
        spot_check_season(app, a, b, inspector)
        live = dump_views(app)
        assert all(live[t] for t in live), [t for t in live if not live[t]]  # every view has rows to compare

        # Damage the views behind the runner's back: a rebuild must derive them from the log, not keep them.
        with app.views.store.transaction() as c:
            c.execute("UPDATE view_volunteer_totals SET centi_hours = 0")
            c.execute("DELETE FROM view_history")
            c.execute("INSERT INTO view_record_hours VALUES ('bogus', 'bogus', 1)")
        assert dump_views(app) != live

        applied = app.views.rebuild()
        assert applied == len(all_notifications(app))
        assert dump_views(app) == live
        assert caught_up(app)

    def test_rebuild_leaves_the_event_log_untouched(self, world: World) -> None:
        app, a = world.app, world.a
        app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="6")
        log = [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in all_notifications(app)]
        app.views.rebuild()
        assert [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in all_notifications(app)] == log

    def test_a_rebuild_over_many_events_applies_them_in_large_batches(
            self, app: VledgerApplication, world: World) -> None:
        a = world.a
        activities = [Activity.create(now=app.clock(), actor=a.principal.actor, org_id=a.id, name=f"活动{i}",
                                      start=ACTIVITY_START, end=ACTIVITY_END, place="社区", recipients="居民",
                                      content="服务", leader="王五", recorder="赵六") for i in range(10)]
        volunteers = [Volunteer.register(now=app.clock(), actor=a.principal.actor, org_id=a.id, name=f"志愿者{i}",
                                         id_type="passport", id_number=f"E{i:08d}", birth_date=dt.date(1990, 1, 1))
                      for i in range(30)]
        app.save(*activities, *volunteers)
        records = [ServiceRecord.record(now=app.clock(), actor=a.principal.actor, org_id=a.id, activity_id=act.id,
                                        activity_hours=act.duration_hours, activity_end=act.end,
                                        volunteer_id=v.id, hours="1.25")
                   for v in volunteers for act in activities]
        assert len(records) == 300
        app.save(*records)
        app.views.catch_up()
        live = dump_views(app)
        total_events = len(all_notifications(app))

        calls: list[tuple[int, int]] = []
        assert app.views.rebuild(progress=lambda done, total: calls.append((done, total))) == total_events
        assert dump_views(app) == live
        assert calls and calls[-1][0] == app.recorder.max_notification_id()
        assert len(calls) <= 2, "a rebuild must batch many events per transaction"
        for v in volunteers:
            assert totals(app, v.id) == {"centi_hours": 1250, "record_count": 10}
        assert app.get_volunteer(a.principal, volunteers[0].id)["star_level"] == 2
        assert len(raw_rows(app, "SELECT id FROM view_records")) == 300


def spot_check_season(app: VledgerApplication, a: Org, b: Org, inspector: Principal) -> None:
    """What issues 5 and 6 added, through the use cases, so that their views hold rows too: a certificate request,
    a dissolution with a successor, a complaint, a draw with its targets and inspectors, and the drawn inspection
    taken on site, with a finding recorded and withdrawn, the representative's opinion and the decision."""
    app.request_certificate(volunteer_principal(b.volunteer_id, b.id), b.volunteer_id, purpose="升学")
    gone = UUID(app.register_organization(REGISTRY_PRINCIPAL, name="朝阳区临时志愿服务队",
                                          charter_purpose="组织开展志愿服务活动")["id"])
    app.dissolve_organization(REGISTRY_PRINCIPAL, gone, successor_id=a.id, reason="经理事会决议注销")
    target = UUID(app.register_organization(REGISTRY_PRINCIPAL, name="钢城区义工服务队",
                                            charter_purpose="组织开展志愿服务活动", region_code=REGION)["id"])
    app.file_complaint(None, target, about="records", text="活动未举办却记录了服务时长")
    second = app.authenticate(app.appoint_inspector(REGISTRY_PRINCIPAL, name="李检查")["token"])
    by_id = {p.subject: p for p in (inspector, second)}
    today = china_date(app.clock())
    draw = UUID(app.publish_draw_seed(REGISTRY_PRINCIPAL, region=REGION, year=today.year, quota=1)["id"])
    app.draw_targets(REGISTRY_PRINCIPAL, draw)
    team = app.draw_inspectors_for(REGISTRY_PRINCIPAL, draw, target)["inspectors"]
    iid = UUID(app.plan_inspection(REGISTRY_PRINCIPAL, org_id=target, period_start=dt.date(today.year, 1, 1),
                                   period_end=today, planned_on=today, place="钢城区艾山街道",
                                   inspectors=[UUID(i) for i in team], basis="draw", draw_id=draw)["id"])
    for inspector_id in team:
        app.declare_conflict(by_id[inspector_id], iid, conflict=False)
    lead = by_id[team[0]]
    app.start_on_site(lead, iid, credentials_shown=True)
    finding = UUID(app.record_finding(lead, iid, row_id="profit_under_volunteer_name",
                                      problem="以志愿服务名义组织收费旅游")["finding_id"])
    app.withdraw_finding(lead, iid, finding, reason="核实为会员自费活动，非志愿服务")
    app.record_opinion(lead, iid, opinion="无异议", name="刘负责人")
    app.decide_inspection(lead, iid, result="合格", reason="未发现问题")


class FlakyView(View):
    """A test view that records every notification id and fails once at a chosen one."""

    name = "flaky_test_view"
    tables = ("view_flaky_test",)
    schema = ("CREATE TABLE IF NOT EXISTS view_flaky_test (notification_id BIGINT PRIMARY KEY, "
              "topic TEXT NOT NULL)",)

    def __init__(self, view: ViewStore, fail_at: int | None) -> None:
        super().__init__(view)
        self.fail_at = fail_at

    def apply(self, event: Any, cursor: ViewCursor, notification_id: int) -> None:
        if notification_id == self.fail_at:
            raise RuntimeError("crash while applying")
        cursor.execute("INSERT INTO view_flaky_test VALUES (?, ?)", (notification_id, type(event).__name__))


def flaky_ids(app: VledgerApplication) -> list[int]:
    return [r["notification_id"] for r in raw_rows(app, "SELECT notification_id FROM view_flaky_test "
                                                        "ORDER BY notification_id")]

