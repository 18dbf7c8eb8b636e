"""An upgraded instance rebuilds exactly the views whose definition changed, from the log, on its own.

Views are ``CREATE TABLE IF NOT EXISTS``: without this, a release that adds a column would meet the old table and
fail (or a view that fills its rows differently would keep the old rows). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any, ClassVar

from domain.record import ServiceRecord
from projections.base import View
from projections.runner import ViewRunner, fingerprint
from projections.store import ViewCursor, ViewStore

from .support import World, raw_rows


class RecordCountV1(View):
    """Counts recorded service records (one row per record)."""

    name = "test_record_count"
    tables = ("view_test_record_count",)
    schema = ("CREATE TABLE IF NOT EXISTS view_test_record_count (id TEXT PRIMARY KEY)",)
    applied: ClassVar[int] = 0

    def __init__(self, view: ViewStore) -> None:
        super().__init__(view)

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: ServiceRecord.Recorded, c: ViewCursor, nid: int) -> None:
        type(self).applied += 1
        c.execute("INSERT INTO view_test_record_count VALUES (?)", (str(event.originator_id),))


class RecordCountV2(RecordCountV1):
    """The same view in a later release: a new column for the hours."""

    name = RecordCountV1.name  # eventsourcing names a projection after its class unless told
    schema = ("CREATE TABLE IF NOT EXISTS view_test_record_count (id TEXT PRIMARY KEY, centi_hours BIGINT)",)

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: ServiceRecord.Recorded, c: ViewCursor, nid: int) -> None:
        type(self).applied += 1
        c.execute("INSERT INTO view_test_record_count VALUES (?, ?)",
                  (str(event.originator_id), int(event.hours * 100)))


class Untouched(RecordCountV1):
    """A sibling view whose definition does not change between the two releases."""

    name = "test_untouched"
    tables = ("view_test_untouched",)
    schema = ("CREATE TABLE IF NOT EXISTS view_test_untouched (id TEXT PRIMARY KEY)",)

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    @apply.register
    def _(self, event: ServiceRecord.Recorded, c: ViewCursor, nid: int) -> None:
        type(self).applied += 1
        c.execute("INSERT INTO view_test_untouched VALUES (?)", (str(event.originator_id),))


def test_a_changed_view_is_rebuilt_from_the_log_and_an_unchanged_one_is_left_alone(world: World) -> None:
    app = world.app
    store = app.views.store
    a, b = world.a, world.b
    Untouched.applied = RecordCountV1.applied = RecordCountV2.applied = 0
    app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="2.5")
    app.record_service(b.principal, b.activity_id, volunteer_id=b.volunteer_id, hours="1")
    records = len(raw_rows(app, "SELECT id FROM view_records"))
    assert records == 2  # the world holds none before these two

    old = ViewRunner(app.recorder, app.mapper, store, [RecordCountV1(store), Untouched(store)])
    old.catch_up()
    assert Untouched.applied == records
    assert raw_rows(app, "SELECT COUNT(*) AS n FROM view_test_record_count")[0]["n"] == records

    # The next release opens the same store: only the changed view is dropped and applied again.
    assert fingerprint(RecordCountV2(store)) != fingerprint(RecordCountV1(store))
    untouched_before = Untouched.applied
    new = ViewRunner(app.recorder, app.mapper, store, [RecordCountV2(store), Untouched(store)])
    assert new.positions()["test_record_count"] == 0
    assert new.positions()["test_untouched"] == app.recorder.max_notification_id()
    new.catch_up()
    assert Untouched.applied == untouched_before  # not a single event applied twice
    rows = raw_rows(app, "SELECT centi_hours FROM view_test_record_count ORDER BY centi_hours")
    assert [r["centi_hours"] for r in rows] == [100, 250]

    # Opening the same release again changes nothing.
    again = ViewRunner(app.recorder, app.mapper, store, [RecordCountV2(store), Untouched(store)])
    assert again.positions() == new.positions()


def test_a_revision_bump_alone_rebuilds_the_view(world: World) -> None:
    app = world.app
    store = app.views.store
    ViewRunner(app.recorder, app.mapper, store, [Untouched(store)]).catch_up()

    class Revised(Untouched):
        name = Untouched.name
        revision = 2

    runner = ViewRunner(app.recorder, app.mapper, store, [Revised(store)])
    assert runner.positions()["test_untouched"] == 0
    runner.catch_up()
    assert runner.positions()["test_untouched"] == app.recorder.max_notification_id()
