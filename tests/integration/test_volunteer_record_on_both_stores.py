"""A volunteer's whole record on both stores: basic information of every document type, training, awards,
evaluations, corrections and the export, through the use cases as the HTTP layer calls them; the views they
fill are rebuilt from the log to the same rows, and a second process reads what the first wrote.

Sources: 条例 art.19 and 办法 art.4 (what a record holds); PIPL art.28, 31 (guardian consent under 14) and art.45
(the volunteer's copy of their data); 办法 on corrections as the MCA summarized it (2021-01-25).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from uuid import UUID

import pytest

from api.application import VledgerApplication
from domain.errors import ConflictError, ForbiddenError

from .support import World, dump_views, volunteer_principal, with_check_char

MY_TABLES = ("view_trainings", "view_awards", "view_evaluations", "view_corrections", "view_volunteers",
             "view_history")


def fill(world: World) -> dict[str, str]:
    """One of everything this module owns, for a's volunteer; returns the ids made."""
    app, a = world.app, world.a
    me = volunteer_principal(a.volunteer_id, a.id)
    rid = UUID(app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="6")["id"])
    app.issue_certificate(a.principal, a.volunteer_id)
    ids = {"record": str(rid)}
    ids["training"] = app.record_training(a.principal, a.volunteer_id, title="急救技能培训", provider="红十字会",
                                          date=dt.date(2026, 2, 1), hours="3")["id"]
    ids["award"] = app.record_award(a.principal, a.volunteer_id, title="优秀志愿者", awarded_by="文明办",
                                    date=dt.date(2025, 12, 5), level="provincial")["id"]
    ids["evaluation"] = app.record_evaluation(a.principal, a.volunteer_id, period_start=dt.date(2025, 1, 1),
                                              period_end=dt.date(2025, 12, 31), rating="合格")["id"]
    first = app.request_correction(me, rid, reason="实际7小时", hours="7")["id"]
    app.amend_record(a.principal, rid, reason="核实后更正", hours="7", correction_id=UUID(first))
    second = app.request_correction(me, rid, reason="内容漏记读报", content="陪伴、读报")["id"]
    app.decline_correction(a.principal, rid, UUID(second), reason="读报不在本次活动")
    ids.update(amended=first, declined=second)
    passport = app.register_volunteer(a.principal, a.id, name="John Smith", id_type="passport",
                                      id_number="E12345678", birth_date=dt.date(2012, 5, 1), guardian_consent=True,
                                      email="john@example.com")
    ids["passport_holder"] = passport["id"]
    return ids


class TestVolunteerRecordOnBothStores:
    """One test case, run on SQLite and on PostgreSQL."""

    def test_the_whole_record_reads_back_and_the_export_holds_it(self, world: World) -> None:
        app, a = world.app, world.a
        ids = fill(world)
        seen = app.get_volunteer(a.principal, a.volunteer_id)
        assert [t["id"] for t in seen["trainings"]] == [ids["training"]]
        assert [x["level"] for x in seen["awards"]] == ["provincial"]
        assert [e["rating"] for e in seen["evaluations"]] == ["satisfactory"]
        exported = app.export_volunteer(volunteer_principal(a.volunteer_id, a.id), a.volunteer_id)
        assert exported["volunteer"]["id_number"] == with_check_char("11010520000615001")
        assert [(c["id"], c["status"]) for c in exported["corrections"]] == \
            [(ids["amended"], "amended"), (ids["declined"], "declined")]
        (record,) = exported["records"]
        assert [h["type"] for h in record["history"]] == \
            ["Recorded", "CorrectionRequested", "Amended", "CorrectionRequested", "CorrectionDeclined"]
        holder = app.get_volunteer(a.principal, UUID(ids["passport_holder"]))
        assert (holder["birth_date"], holder["guardian_consent"]) == ("2012-05-01", True)
        assert holder["contact"] == {"phone_given": False, "email_given": True}

    def test_the_history_places_the_certificate_by_log_position(self, world: World) -> None:
        ids = fill(world)
        trace = world.app.record_history(world.a.principal, UUID(ids["record"]))
        assert trace["intact"] is True
        assert [bool(e["certificates_issued_before"]) for e in trace["events"]] == [False, True, True, True, True]
        (certificate,) = trace["certificates"]
        assert (certificate["record_version"], certificate["amended_in_versions"]) == (1, [3])

    def test_rebuilt_views_hold_the_same_rows(self, world: World) -> None:
        fill(world)
        live = dump_views(world.app)
        assert all(live[t] for t in MY_TABLES), [t for t in MY_TABLES if not live[t]]
        world.app.views.rebuild()
        rebuilt = dump_views(world.app)
        assert {t: rebuilt[t] for t in MY_TABLES} == {t: live[t] for t in MY_TABLES}

    def test_a_second_process_reads_and_continues_what_the_first_wrote(
            self, world: World, open_app: Callable[[], VledgerApplication]) -> None:
        ids = fill(world)
        a = world.a
        other = open_app()
        rid = UUID(ids["record"])
        assert [c["status"] for c in other.list_corrections(a.principal, rid)["corrections"]] == \
            ["amended", "declined"]
        assert other.export_volunteer(volunteer_principal(UUID(ids["passport_holder"]), a.id),
                                      UUID(ids["passport_holder"]))["volunteer"]["email"] == "john@example.com"
        # The state the second process loads from the log knows which requests are closed.
        with pytest.raises(ConflictError):
            other.decline_correction(a.principal, rid, UUID(ids["declined"]), reason="再次")
        other.request_correction(volunteer_principal(a.volunteer_id, a.id), rid, reason="再核", hours="6.5")

    def test_another_organization_can_neither_add_to_nor_answer_for_the_record(self, world: World) -> None:
        ids = fill(world)
        a, b = world.a, world.b
        before = world.app.recorder.max_notification_id()
        with pytest.raises(ForbiddenError):
            world.app.record_training(b.principal, a.volunteer_id, title="x", provider="y",
                                      date=dt.date(2026, 2, 1), hours="1")
        with pytest.raises(ForbiddenError):
            world.app.request_correction(volunteer_principal(b.volunteer_id, b.id), UUID(ids["record"]),
                                         reason="不是我的", hours="5")
        with pytest.raises(ForbiddenError):
            world.app.export_volunteer(b.principal, a.volunteer_id)
        assert world.app.recorder.max_notification_id() == before
