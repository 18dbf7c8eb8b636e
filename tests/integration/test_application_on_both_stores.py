"""The use cases end to end on the real event store: SQLite and PostgreSQL (see conftest.settings).

Each test runs once per store. Every write goes through VledgerApplication's use-case methods with a
Principal, exactly as the HTTP layer calls them; the views are checked through the read methods and, where
the point is what the store holds at that moment, by reading the view tables directly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from api.application import VledgerApplication
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError, RuleViolationError
from keys.mapper import unseal

from .support import (
    ACTIVITY_END,
    ACTIVITY_START,
    REGISTRY,
    World,
    all_notifications,
    dump_views,
    raw_rows,
    volunteer_principal,
    with_check_char,
)


def history(app: VledgerApplication, aggregate_id: UUID | str) -> list[dict[str, Any]]:
    with app.read() as c:
        return c.execute("SELECT * FROM view_history WHERE aggregate_id = ? ORDER BY version",
                         (str(aggregate_id),)).fetchall()


def certificate_row(app: VledgerApplication, certificate_id: str) -> dict[str, Any]:
    with app.read() as c:
        row = c.execute("SELECT * FROM view_certificates WHERE id = ?", (certificate_id,)).fetchone()
    assert row is not None
    return row


# Further activities on the day of a's activity (09:00-17:00), for further records of its volunteer: one record per
# volunteer and activity, and no overlapping activities.
EXTRA_SLOTS = ((ACTIVITY_START - dt.timedelta(hours=9), ACTIVITY_START),
               (ACTIVITY_END, ACTIVITY_END + dt.timedelta(hours=7)))


def record(world: World, hours: str, **fields: Any) -> dict[str, Any]:
    """A record for a's volunteer: at a's activity first, then at a new activity in the next free slot that day."""
    app, a = world.app, world.a
    with app.read() as c:
        taken = len(c.execute("SELECT id FROM view_records WHERE volunteer_id = ?", (str(a.volunteer_id),)).fetchall())
    activity_id = a.activity_id
    if taken:
        start, end = EXTRA_SLOTS[taken - 1]
        activity_id = UUID(app.create_activity(a.principal, a.id, name="社区敬老院陪伴", start=start, end=end,
                                               place="朝阳区某敬老院", recipients="敬老院老人",
                                               content="陪伴聊天、读报", leader="王五", recorder="赵六")["id"])
    return app.record_service(a.principal, activity_id, volunteer_id=a.volunteer_id, hours=hours, **fields)


class TestApplicationOnBothStores:
    """One test case, run on SQLite and on PostgreSQL."""

    def test_recorded_hours_show_in_the_volunteers_totals_and_star_level(self, world: World) -> None:
        app, a = world.app, world.a
        first = record(world, "6")
        record(world, "7.25", content="读报", evaluation="良好")
        volunteer = app.get_volunteer(a.principal, a.volunteer_id)
        assert volunteer["total_hours"] == "13.25"
        assert volunteer["record_count"] == 2
        # thresholds (5, 10, 15, 20, 25) are configured: 13.25 hours reach two of them
        assert volunteer["star_level"] == 2
        assert volunteer["masked_name"] == "张*明"
        assert {r["hours"] for r in volunteer["records"]} == {"6.00", "7.25"}
        assert app.get_record(a.principal, UUID(first["id"]))["version"] == 1

    def test_a_volunteers_totals_cross_a_threshold_exactly_at_it(self, world: World) -> None:
        app, a = world.app, world.a
        record(world, "4.99")
        assert app.get_volunteer(a.principal, a.volunteer_id)["star_level"] == 0
        record(world, "0.01")
        volunteer = app.get_volunteer(a.principal, a.volunteer_id)
        assert (volunteer["total_hours"], volunteer["star_level"]) == ("5.00", 1)

    def test_an_amendment_raises_the_version_and_history_keeps_who_when_what_and_why(self, world: World) -> None:
        app, a = world.app, world.a
        rid = UUID(record(world, "6")["id"])
        assert app.amend_record(a.principal, rid, reason="签到表核对后更正", hours="7.5") == \
            {"id": str(rid), "version": 2}
        current = app.get_record(a.principal, rid)
        assert (current["version"], current["hours"]) == (2, "7.50")
        assert current["amended_at"] is not None
        assert app.get_volunteer(a.principal, a.volunteer_id)["total_hours"] == "7.50"

        rows = history(app, rid)
        assert [(r["version"], r["type"]) for r in rows] == [(1, "Recorded"), (2, "Amended")]
        amended = rows[1]
        assert amended["reason"] == "签到表核对后更正"
        assert amended["actor"] == a.principal.actor
        assert amended["authority"] == str(a.id)
        changes = json.loads(amended["changes"])
        assert list(changes) == ["hours"]
        assert (Decimal(changes["hours"]["from"]), Decimal(changes["hours"]["to"])) == (Decimal(6), Decimal("7.5"))
        created = json.loads(rows[0]["changes"])["hours"]
        assert created["from"] is None and Decimal(created["to"]) == Decimal(6)

    def test_an_amendment_without_a_reason_or_without_a_change_is_refused_and_stores_nothing(
            self, world: World) -> None:
        app, a = world.app, world.a
        rid = UUID(record(world, "6")["id"])
        before = app.recorder.max_notification_id()
        with pytest.raises(InvalidFieldError):
            app.amend_record(a.principal, rid, reason=" ", hours="7")
        with pytest.raises(RuleViolationError):
            app.amend_record(a.principal, rid, reason="核对", hours="6.00")
        assert app.recorder.max_notification_id() == before
        assert app.get_record(a.principal, rid)["version"] == 1

    def test_a_certificate_is_issued_from_the_current_record_versions_and_then_revoked(self, world: World) -> None:
        app, a = world.app, world.a
        r1 = record(world, "6")
        r2 = record(world, "3")
        app.amend_record(a.principal, UUID(r2["id"]), reason="补记", hours="4")
        issued = app.issue_certificate(a.principal, a.volunteer_id)
        assert Decimal(issued["hours"]) == Decimal(10)
        assert issued["period_start"] == issued["period_end"] == "2026-03-01"
        assert issued["qr_text"].startswith(app.settings.public_url.upper() + "/V/")

        row = certificate_row(app, issued["id"])
        assert row["status"] == "valid"
        assert row["number"] == issued["number"]
        assert row["masked_name"] == "张*明"
        assert row["centi_hours"] == 1000
        assert sorted((r["id"], r["version"]) for r in json.loads(row["records"])) == \
            sorted([(r1["id"], 1), (r2["id"], 2)])

        assert app.revoke_certificate(a.principal, UUID(issued["id"]), "记录核查有误")["status"] == "revoked"
        row = certificate_row(app, issued["id"])
        assert (row["status"], row["revocation_reason"]) == ("revoked", "记录核查有误")
        assert [(h["type"], h["reason"]) for h in history(app, issued["id"])] == \
            [("Issued", None), ("Revoked", "记录核查有误")]

    def test_revoking_a_certificate_twice_is_a_conflict_and_adds_no_event(self, world: World) -> None:
        app, a = world.app, world.a
        record(world, "6")
        cid = UUID(app.issue_certificate(a.principal, a.volunteer_id)["id"])
        app.revoke_certificate(a.principal, cid, "记录核查有误")
        before = app.recorder.max_notification_id()
        with pytest.raises(ConflictError):
            app.revoke_certificate(a.principal, cid, "again")
        assert app.recorder.max_notification_id() == before

    def test_a_certificate_needs_records_in_the_period(self, world: World) -> None:
        app, a = world.app, world.a
        with pytest.raises(RuleViolationError) as caught:
            app.issue_certificate(a.principal, a.volunteer_id)
        assert caught.value.code == "no_records"

    def test_the_log_index_of_a_certificate_is_its_position_in_the_log(self, world: World) -> None:
        app, a = world.app, world.a
        record(world, "6")
        issued = app.issue_certificate(a.principal, a.volunteer_id)
        notes = all_notifications(app)
        position = next(i for i, n in enumerate(notes) if n.originator_id == UUID(issued["id"]))
        assert issued["log_index"] == position

    @pytest.mark.parametrize("action", [
        "register_volunteer", "create_activity", "record_service", "amend_record", "issue_certificate",
        "revoke_certificate", "get_volunteer", "get_record",
    ])
    def test_an_organization_cannot_act_for_another_organization(self, world: World, action: str) -> None:
        app, a, b = world.app, world.a, world.b
        rid = UUID(record(world, "6")["id"])
        cid = UUID(app.issue_certificate(a.principal, a.volunteer_id)["id"])
        intruder = b.principal
        attempts: dict[str, Callable[[], object]] = {
            "register_volunteer": lambda: app.register_volunteer(
                intruder, a.id, name="李四", id_number=with_check_char("11010520010101001")),
            "create_activity": lambda: app.create_activity(
                intruder, a.id, name="x", start=ACTIVITY_START, end=ACTIVITY_END, place="p", recipients="r",
                content="c", leader="l", recorder="r"),
            "record_service": lambda: app.record_service(intruder, a.activity_id, volunteer_id=a.volunteer_id,
                                                         hours="1"),
            "amend_record": lambda: app.amend_record(intruder, rid, reason="改", hours="7"),
            "issue_certificate": lambda: app.issue_certificate(intruder, a.volunteer_id),
            "revoke_certificate": lambda: app.revoke_certificate(intruder, cid, "撤销"),
            "get_volunteer": lambda: app.get_volunteer(intruder, a.volunteer_id),
            "get_record": lambda: app.get_record(intruder, rid),
        }
        before = app.recorder.max_notification_id()
        with pytest.raises(ForbiddenError):
            attempts[action]()
        assert app.recorder.max_notification_id() == before
        assert certificate_row(app, str(cid))["status"] == "valid"
        assert app.get_record(a.principal, rid)["version"] == 1

    def test_organizations_may_not_register_organizations(self, world: World) -> None:
        with pytest.raises(ForbiddenError):
            world.app.register_organization(world.a.principal, name="伪协会", charter_purpose="志愿服务")

    def test_a_volunteer_reads_their_own_data_but_not_anothers_and_writes_nothing(self, world: World) -> None:
        app, a, b = world.app, world.a, world.b
        rid = UUID(record(world, "6")["id"])
        me = volunteer_principal(a.volunteer_id, a.id)
        assert app.get_volunteer(me, a.volunteer_id)["total_hours"] == "6.00"
        assert app.get_record(me, rid)["hours"] == "6.00"
        with pytest.raises(ForbiddenError):
            app.get_volunteer(me, b.volunteer_id)
        with pytest.raises(ForbiddenError):
            app.amend_record(me, rid, reason="我想多记", hours="8")
        with pytest.raises(ForbiddenError):
            app.record_service(me, a.activity_id, volunteer_id=a.volunteer_id, hours="1")

    def test_a_volunteer_of_another_organization_cannot_be_recorded_at_this_ones_activity(
            self, world: World) -> None:
        app, a, b = world.app, world.a, world.b
        with pytest.raises(InvalidFieldError) as caught:
            app.record_service(a.principal, a.activity_id, volunteer_id=b.volunteer_id, hours="1")
        assert caught.value.code == "volunteer_of_other_organization"

    def test_a_wrong_check_digit_is_refused_and_nothing_is_stored(self, world: World) -> None:
        app, a = world.app, world.a
        good = with_check_char("11010520010101001")
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        before = app.recorder.max_notification_id()
        with pytest.raises(InvalidFieldError) as caught:
            app.register_volunteer(a.principal, a.id, name="李四", id_number=bad)
        assert caught.value.field == "id_number"
        assert bad not in str(caught.value)
        assert app.recorder.max_notification_id() == before
        assert not raw_rows(app, "SELECT id FROM view_volunteers WHERE name = ?", ("李四",))

    def test_hours_above_the_activitys_duration_are_refused_and_nothing_is_stored(self, world: World) -> None:
        app, a = world.app, world.a
        before = app.recorder.max_notification_id()
        with pytest.raises(RuleViolationError) as caught:
            record(world, "8.5")
        assert caught.value.code == "hours_above_activity_duration"
        assert app.recorder.max_notification_id() == before
        assert app.get_volunteer(a.principal, a.volunteer_id)["record_count"] == 0

    def test_a_write_is_in_the_views_as_soon_as_the_call_returns(self, world: World) -> None:
        app, a = world.app, world.a
        # Read the tables directly, bypassing the read path's own catch-up: the write path must have projected.
        rid = record(world, "6")["id"]
        assert raw_rows(app, "SELECT centi_hours, version FROM view_records WHERE id = ?", (rid,)) == \
            [{"centi_hours": 600, "version": 1}]
        app.amend_record(a.principal, UUID(rid), reason="更正", hours="5")
        assert raw_rows(app, "SELECT centi_hours, version FROM view_records WHERE id = ?", (rid,)) == \
            [{"centi_hours": 500, "version": 2}]
        assert raw_rows(app, "SELECT centi_hours FROM view_volunteer_totals WHERE volunteer_id = ?",
                        (str(a.volunteer_id),)) == [{"centi_hours": 500}]
        cid = app.issue_certificate(a.principal, a.volunteer_id)["id"]
        assert raw_rows(app, "SELECT status FROM view_certificates WHERE id = ?", (cid,)) == [{"status": "valid"}]
        app.revoke_certificate(a.principal, UUID(cid), "撤销")
        assert raw_rows(app, "SELECT status FROM view_certificates WHERE id = ?", (cid,)) == [{"status": "revoked"}]
        assert set(app.views.positions().values()) == {app.recorder.max_notification_id()}

    def test_everything_acknowledged_survives_closing_and_reopening(
            self, world: World, open_app: Callable[[], VledgerApplication]) -> None:
        app, a = world.app, world.a
        rid = UUID(record(world, "6")["id"])
        app.amend_record(a.principal, rid, reason="更正", hours="7")
        cid = app.issue_certificate(a.principal, a.volunteer_id)["id"]
        app.revoke_certificate(a.principal, UUID(cid), "撤销")
        volunteer = app.get_volunteer(a.principal, a.volunteer_id)
        views = dump_views(app)
        events = [(n.id, n.originator_id, n.originator_version, n.topic, n.state) for n in all_notifications(app)]
        app.close()

        again = open_app()
        assert [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in all_notifications(again)] == events
        assert again.get_volunteer(a.principal, a.volunteer_id) == volunteer
        assert again.get_record(a.principal, rid)["version"] == 2
        assert certificate_row(again, cid)["status"] == "revoked"
        assert dump_views(again) == views
        # and the reopened instance can still write, with the keys it found on disk
        record(World(again, a, world.b), "1")
        assert again.get_volunteer(a.principal, a.volunteer_id)["total_hours"] == "8.00"

    def test_every_stored_event_is_signed_and_reads_back_after_reopening(
            self, world: World, open_app: Callable[[], VledgerApplication]) -> None:
        app = world.app
        record(world, "6")
        app.close()
        again = open_app()
        notes = all_notifications(again)
        assert notes
        kinds = set()
        for note in notes:
            sealed = unseal(note.state)
            assert sealed is not None, note.topic
            event = again.mapper.to_domain_event(note)
            kinds.add(type(event).__qualname__)
        assert {"Organization.Registered", "Volunteer.Registered", "Activity.Created",
                "ServiceRecord.Recorded", "SigningKey.KeyRegistered", "AccessToken.Issued"} <= kinds

    def test_registering_an_organization_gives_it_a_key_and_a_token(self, app: VledgerApplication) -> None:
        created = app.register_organization(REGISTRY, name="东城区志愿服务联合会", charter_purpose="推动志愿服务",
                                            credit_code="51110105MJ0000002R")  # registered with civil affairs (5…)
        assert created["identified"] is True
        keys = [k for k in app.list_keys() if k["owner"] == created["id"]]
        assert [k["key_id"] for k in keys] == [created["key_id"]]
        assert created["token"] not in json.dumps(dump_views(app))  # stored only as a hash

