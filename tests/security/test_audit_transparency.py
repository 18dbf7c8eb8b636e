"""`vledger audit` against the transparency log: the tree recomputed from the events, every signed checkpoint.

Each test copies the pristine instance of test_audit_tampering.py (initialized, then one write after another, so
one checkpoint per write), tampers with `events.sqlite` or with the checkpoints in `views.sqlite` directly, and runs
the real command `vledger audit --data-dir D --json` in a subprocess. Several of the rewrites here keep every event
signature valid (a reorder, a deletion followed by a rebuild and a freshly signed checkpoint, a checkpoint re-signed
with the real log key): only the tree and the signed checkpoints can tell.
"""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.application import VledgerApplication
from domain.volunteer import Volunteer
from keys.notes import Checkpoint, parse_checkpoint, parse_note, signature_line, signed_note
from tests.api.test_server import clean_env
from tests.security import test_audit_tampering
from tests.security.test_audit_tampering import (
    ID_NUMBER,
    NAME,
    Audit,
    EventsFile,
    World,
    flipped,
    postgres_instance,
    run_audit,
    settings_for,
    signed_by_registered_key,
    vledger_command,
)

# The instance of test_audit_tampering.py (initialized, then one write after another): a private copy per test.
pristine = test_audit_tampering.pristine
world = test_audit_tampering.world

# -- the checkpoints, edited directly --------------------------------------------------------------------------


class CheckpointsFile:
    """The `log_checkpoints` table in `views.sqlite`, opened with nothing but sqlite3."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "views.sqlite"

    def rows(self) -> list[dict[str, Any]]:
        c = sqlite3.connect(self.path)
        c.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in c.execute("SELECT * FROM log_checkpoints ORDER BY tree_size")]
        finally:
            c.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        c = sqlite3.connect(self.path)
        try:
            with c:
                c.execute(sql, params)
        finally:
            c.close()

    def set_note(self, tree_size: int, note: str, root: bytes | None = None) -> None:
        self.execute("UPDATE log_checkpoints SET note = ? WHERE tree_size = ?", (note, tree_size))
        if root is not None:
            self.execute("UPDATE log_checkpoints SET root = ? WHERE tree_size = ?", (root.hex(), tree_size))


def log_signer(data_dir: Path) -> tuple[str, bytes, Ed25519PrivateKey]:
    """The instance's real log key (name, key id, private key), from its own key store: what an insider has."""
    app = VledgerApplication(settings_for(data_dir))
    try:
        info = app.keyring.current("log")
        return info.name, info.key_id, app.key_store.private_key(info.public_key)
    finally:
        app.close()


def signed_checkpoint(data_dir: Path, origin: str, size: int, root: bytes) -> str:
    """A C2SP checkpoint note signed with the real log key: its signature verifies."""
    name, kid, private = log_signer(data_dir)
    body = Checkpoint(origin, size, root).body()
    return signed_note(body, [signature_line(name, kid, private.sign(body.encode()))])


def origin_of(note: str) -> str:
    return parse_checkpoint(parse_note(note).text).origin


def swap_rows(events: EventsFile, first: int, second: int) -> None:
    """Exchange two whole rows (every column) between their rowids: each event keeps its valid signature."""
    events.execute("UPDATE EVENTS SET rowid = -1 WHERE rowid = ?", (first,))
    events.execute("UPDATE EVENTS SET rowid = ? WHERE rowid = ?", (first, second))
    events.execute("UPDATE EVENTS SET rowid = ? WHERE rowid = -1", (second,))


def leaf_of(data_dir: Path, rowid: int) -> int:
    """The tree position the views gave the event at ``rowid``."""
    c = sqlite3.connect(data_dir / "views.sqlite")
    try:
        return int(c.execute("SELECT position FROM view_log_index WHERE notification_id = ?", (rowid,)).fetchone()[0])
    finally:
        c.close()


def one(result: Audit, reason: str) -> dict[str, Any]:
    found = result.problems(reason)
    assert len(found) == 1, result.problems()
    return found[0]


# -- the cases ------------------------------------------------------------------------------------------------


def test_an_untouched_instance_matches_every_checkpoint(world: World) -> None:
    checkpoints = CheckpointsFile(world.data_dir).rows()
    assert len(checkpoints) >= 5  # one per write
    assert checkpoints[-1]["tree_size"] == len(EventsFile(world.data_dir).rows())

    result = run_audit(world.data_dir)

    assert result.code == 0, result.report
    assert result.problems() == []


def test_rebuilt_views_still_match_every_checkpoint(world: World) -> None:
    done = subprocess.run([*vledger_command(), "rebuild", "--data-dir", str(world.data_dir)],
                          capture_output=True, text=True, timeout=120, env=clean_env())
    assert done.returncode == 0, done.stderr

    result = run_audit(world.data_dir)

    assert result.code == 0, result.report


def test_a_deleted_event_is_named_where_the_signed_tree_had_it(world: World) -> None:
    events = EventsFile(world.data_dir)
    row = events.row(world.record, 2)
    position = leaf_of(world.data_dir, row.rowid)
    events.delete(row.rowid)

    result = run_audit(world.data_dir)

    assert result.code == 1
    mismatch = one(result, "checkpoint_mismatch")
    assert (mismatch["notification_id"], mismatch["originator_id"], mismatch["originator_version"]) == (
        row.rowid, str(world.record), 2)
    assert "deleted" in mismatch["message"] and f"leaf {position}" in mismatch["message"]
    # Every checkpoint from the one that first held it: one problem for the run, not one per checkpoint.
    later = [c["tree_size"] for c in CheckpointsFile(world.data_dir).rows() if c["tree_size"] > position]
    assert f"tree size {later[0]}" in mismatch["message"]
    # The newest checkpoint commits to more events than the log now holds.
    beyond = one(result, "checkpoint_beyond_log")
    assert f"tree size {later[-1]}" in beyond["message"]
    assert result.problems("checkpoints_inconsistent")
    # The event checks see it too.
    assert result.names(world.record, 2, "version_gap")


def test_two_events_swapped_between_rows_keep_their_signatures_but_not_their_places(world: World) -> None:
    events = EventsFile(world.data_dir)
    second, third = events.row(world.record, 2), events.row(world.record, 3)
    swap_rows(events, second.rowid, third.rowid)
    assert events.row(world.record, 2).rowid == third.rowid

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert not result.problems("bad_signature") and not result.problems("version_gap")
    mismatch = one(result, "checkpoint_mismatch")
    # The first differing leaf is the second version's old place, which now holds the third version.
    assert (mismatch["notification_id"], mismatch["originator_id"], mismatch["originator_version"]) == (
        second.rowid, str(world.record), 3)
    assert "reordered" in mismatch["message"]
    assert f"{world.record} v2" in mismatch["message"] and f"{world.record} v3" in mismatch["message"]
    assert result.problems("checkpoints_inconsistent")


def test_a_validly_signed_event_slipped_into_the_middle_of_the_log_is_named_as_inserted(world: World) -> None:
    # Organization A registers one more volunteer with its own key, and the row is put back in time: every row
    # from the first volunteer's on moves up one rowid, so rowids and versions still run without holes.
    app = VledgerApplication(settings_for(world.data_dir))
    try:
        volunteer = Volunteer.register(now=dt.datetime.now(dt.UTC), actor=f"organization:{world.org_a}",
                                       org_id=world.org_a, name=NAME, id_number=ID_NUMBER)
        (event,) = volunteer.collect_events()
        forged = signed_by_registered_key(app, str(world.org_a), event)
    finally:
        app.close()
    events = EventsFile(world.data_dir)
    at = events.row(world.volunteer, 1).rowid
    events.execute("UPDATE EVENTS SET rowid = rowid + 1000000 WHERE rowid >= ?", (at,))
    events.execute("UPDATE EVENTS SET rowid = rowid - 999999 WHERE rowid >= 1000000")
    rowid = events.append(volunteer.id, 1, forged.topic, forged.state)  # stored as the recorder stores ids
    events.execute("UPDATE EVENTS SET rowid = ? WHERE rowid = ?", (at, rowid))
    assert [r.rowid for r in events.rows()] == list(range(1, len(events.rows()) + 1))

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert not result.problems("bad_signature") and not result.problems("notification_gap")
    mismatch = one(result, "checkpoint_mismatch")
    assert (mismatch["notification_id"], mismatch["originator_id"], mismatch["originator_version"]) == (
        at, str(volunteer.id), 1)
    assert "inserted" in mismatch["message"] and str(world.volunteer) in mismatch["message"]


def test_two_distant_events_swapped_are_named_as_reordered(world: World) -> None:
    events = EventsFile(world.data_dir)
    volunteer, record = events.row(world.volunteer, 1), events.row(world.record, 1)
    swap_rows(events, volunteer.rowid, record.rowid)

    result = run_audit(world.data_dir)

    assert result.code == 1
    mismatch = one(result, "checkpoint_mismatch")
    assert (mismatch["notification_id"], mismatch["originator_id"], mismatch["originator_version"]) == (
        volunteer.rowid, str(world.record), 1)
    assert "reordered" in mismatch["message"] and str(world.volunteer) in mismatch["message"]


def test_a_flipped_byte_in_a_checkpoint_signature_is_named(world: World) -> None:
    checkpoints = CheckpointsFile(world.data_dir)
    target = checkpoints.rows()[2]
    text, _, signature = target["note"].rpartition(" ")
    raw = base64.b64decode(signature)
    checkpoints.set_note(target["tree_size"], f"{text} {base64.b64encode(flipped(raw, 20)).decode()}\n")

    result = run_audit(world.data_dir)

    assert result.code == 1
    # Only that checkpoint: its neighbours are still consistent with each other through the log.
    assert [p["reason"] for p in result.problems()] == ["checkpoint_bad_signature"], result.problems()
    assert f"tree size {target['tree_size']}" in result.problems()[0]["message"]


def test_a_checkpoint_root_re_signed_with_the_real_log_key_is_named(world: World) -> None:
    checkpoints = CheckpointsFile(world.data_dir)
    target = checkpoints.rows()[3]
    forged_root = bytes(32)
    checkpoints.set_note(target["tree_size"], signed_checkpoint(
        world.data_dir, origin_of(target["note"]), target["tree_size"], forged_root), root=forged_root)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert not result.problems("checkpoint_bad_signature")  # the signature is genuine
    mismatch = one(result, "checkpoint_mismatch")
    assert f"checkpoint of tree size {target['tree_size']} does not match" in mismatch["message"]
    assert "agree with the log, not with the checkpoint" in mismatch["message"]
    inconsistent = one(result, "checkpoints_inconsistent")
    assert str(target["tree_size"]) in inconsistent["message"]
    # The log itself is intact: no event is blamed.
    assert {p["reason"] for p in result.problems()} == {"checkpoint_mismatch", "checkpoints_inconsistent"}


def test_a_checkpoint_for_another_origin_is_named(world: World) -> None:
    checkpoints = CheckpointsFile(world.data_dir)
    target = checkpoints.rows()[1]
    parsed = parse_checkpoint(parse_note(target["note"]).text)
    checkpoints.set_note(target["tree_size"], signed_checkpoint(
        world.data_dir, "elsewhere.example/vledger", parsed.size, parsed.root))

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert [p["reason"] for p in result.problems()] == ["checkpoint_wrong_origin"], result.problems()


def test_a_stored_root_that_is_not_the_signed_one_is_named(world: World) -> None:
    checkpoints = CheckpointsFile(world.data_dir)
    target = checkpoints.rows()[1]
    checkpoints.execute("UPDATE log_checkpoints SET root = ? WHERE tree_size = ?", ("00" * 32, target["tree_size"]))

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert [p["reason"] for p in result.problems()] == ["checkpoint_row_mismatch"], result.problems()


def test_history_rewritten_rebuilt_and_re_signed_with_the_real_log_key_is_caught(world: World) -> None:
    # An insider with the files and the keys: deletes an event, rebuilds the views from the shortened log (so the
    # views agree with it), drops the checkpoints that no longer fit and signs a fresh one with the real log key.
    events = EventsFile(world.data_dir)
    row = events.row(world.record, 2)
    position = leaf_of(world.data_dir, row.rowid)
    events.delete(row.rowid)
    done = subprocess.run([*vledger_command(), "rebuild", "--data-dir", str(world.data_dir)],
                          capture_output=True, text=True, timeout=120, env=clean_env())
    assert done.returncode == 0, done.stderr
    size = len(events.rows())
    checkpoints = CheckpointsFile(world.data_dir)
    checkpoints.execute("DELETE FROM log_checkpoints WHERE tree_size >= ?", (size,))
    app = VledgerApplication(settings_for(world.data_dir))
    try:
        fresh = app.sign_checkpoint()
    finally:
        app.close()
    assert fresh is not None and fresh.tree_size == size
    older = [c["tree_size"] for c in checkpoints.rows() if position < c["tree_size"] < size]
    assert older, "the test needs checkpoints signed between the deleted event and the fresh one"

    result = run_audit(world.data_dir)

    assert result.code == 1
    # The fresh checkpoint is genuine and matches the rewritten log; the older ones do not.
    assert not result.problems("checkpoint_bad_signature")
    mismatch = one(result, "checkpoint_mismatch")
    named = (f"tree size {older[0]} does not match" if len(older) == 1
             else f"tree sizes {older[0]} to {older[-1]}")
    assert named in mismatch["message"], mismatch["message"]
    assert "agree with the log, not with the checkpoint" in mismatch["message"]
    inconsistent = one(result, "checkpoints_inconsistent")
    assert f"up to tree size {size}" in inconsistent["message"]
    # The views were rebuilt, so they no longer remember the event; the log's own holes still name it.
    assert result.names(world.record, 2, "version_gap")


# -- PostgreSQL: the same tree, leaf positions counted across the ids' holes ------------------------------------


@pytest.mark.postgres
def test_on_postgresql_a_deleted_event_is_named_by_the_checkpoints(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    pg = postgres_instance(tmp_path, postgres_url)
    settings, record, server_url, table = pg.settings, pg.record, pg.server_url, pg.table

    untouched = run_audit(settings.data_dir, postgres_url)
    assert untouched.code == 0, untouched.report

    with psycopg.connect(server_url, autocommit=True) as conn:
        returned = conn.execute(f"DELETE FROM {table} WHERE originator_id = %s AND originator_version = 2 "
                                "RETURNING notification_id", (record,)).fetchone()
    assert returned is not None
    deleted = returned[0]

    result = run_audit(settings.data_dir, postgres_url)

    assert result.code == 1
    mismatch = one(result, "checkpoint_mismatch")
    assert (mismatch["notification_id"], mismatch["originator_id"], mismatch["originator_version"]) == (
        deleted, str(record), 2)
    assert "deleted" in mismatch["message"]
    assert result.problems("checkpoint_beyond_log")
