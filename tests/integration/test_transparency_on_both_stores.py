"""The transparency log on both stores: one leaf per stored event, in notification order, exactly once; leaf
positions counted, never derived from PostgreSQL's notification ids (which have gaps); a rebuild that gives back
the same tree, whose roots equal every checkpoint ever signed.

Expected roots are computed with RFC 9162 written out independently (tests/unit/test_merkle_vectors.py) from
the leaf bytes of the stored events; checkpoints are checked by the C2SP rules (tests/unit/test_signed_notes.py).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from psycopg import sql

from api.application import VledgerApplication
from api.settings import Settings
from projections import merkle
from projections.transparency import fetch_nodes, leaf_data
from tests.api.test_log_endpoints import spec_parse_leaf
from tests.unit.test_merkle_vectors import spec_mth, spec_path, spec_verify_inclusion
from tests.unit.test_signed_notes import spec_checkpoint

from .support import REGISTRY, THRESHOLDS, World, add_org, all_notifications, raw_rows
from .test_views_on_both_stores import unprojected_records


def leaves_of(app: VledgerApplication) -> list[bytes]:
    """The leaf bytes of every stored event, in notification order, read from the event store itself."""
    return [leaf_data(n) for n in all_notifications(app)]


def assert_one_leaf_per_event(app: VledgerApplication) -> None:
    """Leaf i is the i-th stored event, every event has exactly one leaf, and the stored tree is RFC 9162's."""
    events = all_notifications(app)
    index = raw_rows(app, "SELECT * FROM view_log_index ORDER BY position")
    [count] = raw_rows(app, "SELECT COUNT(*) AS n FROM view_log_index")
    assert count["n"] == len(index) == len(events)
    assert [r["position"] for r in index] == list(range(len(events)))
    assert [r["notification_id"] for r in index] == [e.id for e in events]
    assert [(UUID(r["originator_id"]), r["originator_version"]) for r in index] == \
        [(UUID(str(e.originator_id)), e.originator_version) for e in events]
    # The leaf bytes name their event (the real notification id inside, whatever the position).
    leaves = [leaf_data(e) for e in events]
    for data, event in zip(leaves, events, strict=True):
        fields = spec_parse_leaf(data)
        assert (fields["notification_id"], fields["originator_id"], fields["originator_version"],
                fields["topic"]) == (event.id, UUID(str(event.originator_id)), event.originator_version, event.topic)
    # Stored nodes: exactly the complete subtrees of those leaves, each its RFC 9162 hash.
    n = len(leaves)
    stored = {(r["level"], r["idx"]): r["hash"] for r in raw_rows(app, "SELECT * FROM view_merkle_nodes")}
    assert stored == {(level, i): spec_mth(leaves[i << level:(i + 1) << level]).hex()
                      for level in range(n.bit_length()) for i in range(n >> level)}


def tree_root(app: VledgerApplication, size: int) -> bytes:
    with app.views.store.transaction(commit=False) as c:
        return merkle.root(size, lambda keys: fetch_nodes(c, keys))


def tree_tables(app: VledgerApplication) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return (raw_rows(app, "SELECT * FROM view_log_index ORDER BY position"),
            raw_rows(app, "SELECT * FROM view_merkle_nodes ORDER BY level, idx"))


def assert_checkpoints_match_the_events(app: VledgerApplication) -> None:
    """Every checkpoint kept is signed by the log key and its root is the root of the first events."""
    leaves = leaves_of(app)
    vkey = app.log_verifier_key()
    kept = app.checkpoints.all()
    assert kept and kept[-1].tree_size == len(leaves)
    for stored in kept:
        assert spec_checkpoint(stored.note, vkey) == (app.instance.origin, stored.tree_size, stored.root)
        assert spec_mth(leaves[:stored.tree_size]) == stored.root == tree_root(app, stored.tree_size)


def some_writes(world: World) -> None:
    app, a, b = world.app, world.a, world.b
    rid = UUID(app.record_service(a.principal, a.activity_id, volunteer_id=a.volunteer_id, hours="6")["id"])
    app.record_service(b.principal, b.activity_id, volunteer_id=b.volunteer_id, hours="8")
    app.amend_record(a.principal, rid, hours="5", reason="签到表核对后更正")
    app.issue_certificate(a.principal, a.volunteer_id)


# -- both stores -------------------------------------------------------------------------------------------------


def test_every_stored_event_is_one_leaf_at_its_position_in_notification_order(world: World) -> None:
    some_writes(world)
    assert_one_leaf_per_event(world.app)
    assert_checkpoints_match_the_events(world.app)


def test_catching_up_again_or_from_a_second_instance_adds_no_leaf(
        world: World, open_app: Callable[[], VledgerApplication]) -> None:
    app = world.app
    before = tree_tables(app)
    assert app.views.catch_up() == 0
    assert tree_tables(app) == before

    second = open_app()
    second.record_service(world.b.principal, world.b.activity_id, volunteer_id=world.b.volunteer_id, hours="2")
    app.views.catch_up()
    assert tree_tables(app) == tree_tables(second)
    assert_one_leaf_per_event(app)
    assert_checkpoints_match_the_events(app)


def test_two_instances_catching_up_at_once_append_each_event_once(
        world: World, open_app: Callable[[], VledgerApplication]) -> None:
    first, second = world.app, open_app()
    unprojected_records(first, world.a, ["0.5", "1", "1.5", "2"] * 10)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(app: VledgerApplication) -> None:
        try:
            start.wait()
            app.views.catch_up(batch_size=3)
            app.sign_checkpoint()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(app,)) for app in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_one_leaf_per_event(first)
    assert_checkpoints_match_the_events(first)


def test_a_rebuild_gives_back_the_same_tree_and_every_checkpoint_still_matches(world: World) -> None:
    app = world.app
    some_writes(world)
    before, kept = tree_tables(app), app.checkpoints.all()
    assert len(kept) >= 5

    app.views.rebuild()

    assert tree_tables(app) == before
    assert app.checkpoints.all() == kept  # signed history is not a view: the rebuild keeps it
    assert_checkpoints_match_the_events(app)
    # The rebuilt tree goes on growing consistently with what was signed before.
    app.register_organization(REGISTRY, name="重建后志愿者协会", charter_purpose="组织开展志愿服务活动")
    latest = app.checkpoints.all()
    assert len(latest) == len(kept) + 1 and latest[:-1] == kept
    with app.views.store.transaction(commit=False) as c:
        proof = merkle.consistency_proof(kept[-1].tree_size, latest[-1].tree_size, lambda k: fetch_nodes(c, k))
    assert merkle.verify_consistency(kept[-1].tree_size, latest[-1].tree_size, kept[-1].root, latest[-1].root, proof)
    assert_one_leaf_per_event(app)


# -- PostgreSQL: notification ids with gaps -----------------------------------------------------------------------


def burn_notification_ids(app: VledgerApplication) -> None:
    """Leave gaps in PostgreSQL's notification ids, the two ways they happen in practice."""
    recorder: Any = app.recorder
    # 1. A write that loses a race: its batch inserts a row, then collides with an existing event and rolls
    #    back — the sequence values it drew are gone.
    existing = all_notifications(app)[-1]
    with pytest.raises(IntegrityError):
        recorder.insert_events([
            StoredEvent(originator_id=uuid4(), originator_version=1, topic="tests:Lost", state=b"{}"),
            StoredEvent(originator_id=existing.originator_id, originator_version=existing.originator_version,
                        topic=existing.topic, state=existing.state),
        ])
    # 2. Any other draw on the events table's sequence (notification_id is a bigserial).
    table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(sql.SQL("SELECT pg_get_serial_sequence(%s, 'notification_id') AS seq"),
                     (table.as_string(curs),))
        sequence = curs.fetchone()["seq"]
        assert sequence
        for _ in range(3):
            curs.execute("SELECT nextval(%s)", (sequence,))


@pytest.mark.postgres
def test_on_postgresql_a_gap_in_notification_ids_leaves_positions_contiguous(
        postgres_url: str, tmp_path: Path, opened: list[VledgerApplication]) -> None:
    settings = Settings(data_dir=tmp_path / "instance", database_url=postgres_url, star_thresholds=THRESHOLDS)
    app, _, _ = VledgerApplication.initialize(settings)
    opened.append(app)
    org = add_org(app, "朝阳区阳光志愿者协会", "张三明", "11010520000615001")
    before = len(all_notifications(app))

    burn_notification_ids(app)
    assert len(all_notifications(app)) == before  # nothing was stored by the failed write
    app.record_service(org.principal, org.activity_id, volunteer_id=org.volunteer_id, hours="6")
    burn_notification_ids(app)
    certificate = app.issue_certificate(org.principal, org.volunteer_id)

    events = all_notifications(app)
    ids = [e.id for e in events]
    assert ids[before] - ids[before - 1] > 1 and ids[-1] - ids[-2] > 1, ids  # the gaps are real
    assert_one_leaf_per_event(app)  # positions 0..n-1 all the same

    # The certificate's leaf: its index is its position, the id inside the leaf data is the real one.
    index = certificate["log_index"]
    assert index == len(events) - 1 and ids[index] > index + 1
    answer = app.log_leaf(index)
    fields = spec_parse_leaf(base64.b64decode(answer["leaf_data"]))
    assert fields["notification_id"] == answer["notification_id"] == ids[index]
    assert fields["originator_id"] == UUID(certificate["id"])
    leaves = leaves_of(app)
    size = len(leaves)
    proof = [base64.b64decode(h) for h in app.inclusion_proof(index, size)]
    assert proof == spec_path(index, leaves)
    assert spec_verify_inclusion(spec_mth([leaves[index]]), index, size, proof, spec_mth(leaves))
    assert_checkpoints_match_the_events(app)

    # A rebuild over the gappy log gives back the same tree.
    tables = tree_tables(app)
    app.views.rebuild()
    assert tree_tables(app) == tables
    assert_checkpoints_match_the_events(app)
