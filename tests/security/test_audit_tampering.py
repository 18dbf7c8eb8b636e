"""Someone edits the SQLite event store behind the service's back; `vledger audit` must catch it.

Each test copies one pristine instance, changes `events.sqlite` directly with sqlite3, runs the real command
`vledger audit --data-dir D --json` in a subprocess and reads its exit code and report. The reads at the end
check that the application itself refuses a tampered event instead of decoding it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, StoredEvent, UUIDAsHex

from api.application import DateAsISO, VledgerApplication
from api.settings import Settings
from domain.access import Principal
from domain.activity import Activity
from domain.record import ServiceRecord
from domain.signing_key import SigningKey
from domain.volunteer import Volunteer
from keys.canonical import event_signing_bytes, state_hash
from keys.errors import EventSignatureError
from keys.ids import key_id
from keys.mapper import seal, unseal
from projections.runner import LogShrankError

NAME = "张三丰"
ID_NUMBER = "11010519491231002X"  # the example printed in GB 11643-1999
PERSONAL = (NAME, ID_NUMBER, "1949-12-31")


# -- the instance --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """A closed instance and what the tests need to name its events."""

    data_dir: Path
    org_a: UUID
    org_b: UUID
    volunteer: UUID
    activity: UUID
    record: UUID  # versions 1 (recorded), 2 and 3 (amended)
    certificate: UUID
    org_a_key: bytes  # raw private keys, taken while the application held them, to forge "valid" envelopes
    org_b_key: bytes


def settings_for(data_dir: Path) -> Settings:
    # Explicit: a VLEDGER_DATABASE_URL in the environment (CI's PostgreSQL) must not redirect these tests.
    return Settings(data_dir=data_dir, database_url=None, environment="development")


def raw_private(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> World:
    data_dir = tmp_path_factory.mktemp("audit") / "instance"
    app, _, _ = VledgerApplication.initialize(settings_for(data_dir))
    try:
        registry = Principal("registry", "registry")
        org_a = UUID(app.register_organization(registry, name="阳光志愿服务队", charter_purpose="社区服务")["id"])
        org_b = UUID(app.register_organization(registry, name="蓝天救援队", charter_purpose="应急救援")["id"])
        as_a = Principal("organization", str(org_a), org_a)
        volunteer = UUID(app.register_volunteer(as_a, org_a, name=NAME, id_number=ID_NUMBER)["id"])
        cst = dt.timezone(dt.timedelta(hours=8))
        activity = UUID(app.create_activity(
            as_a, org_a, name="公园清洁", start=dt.datetime(2026, 5, 1, 9, tzinfo=cst),
            end=dt.datetime(2026, 5, 1, 17, tzinfo=cst), place="朝阳公园", recipients="公众", content="清理垃圾",
            leader="李四", recorder="王五")["id"])
        record = UUID(app.record_service(as_a, activity, volunteer_id=volunteer, hours="3")["id"])
        app.amend_record(as_a, record, reason="纸质记录核对", hours="4")
        app.amend_record(as_a, record, reason="再次核对", hours="5")
        certificate = UUID(app.issue_certificate(as_a, volunteer)["id"])
        key_a = app.key_store.private_key(app.keyring.current(str(org_a)).public_key)
        key_b = app.key_store.private_key(app.keyring.current(str(org_b)).public_key)
    finally:
        app.close()
    return World(data_dir, org_a, org_b, volunteer, activity, record, certificate, raw_private(key_a),
                 raw_private(key_b))


@pytest.fixture
def world(pristine: World, tmp_path: Path) -> World:
    """A private copy of the pristine instance: each test tampers with its own."""
    copy = tmp_path / "instance"
    shutil.copytree(pristine.data_dir, copy)
    return World(copy, *(getattr(pristine, f) for f in (
        "org_a", "org_b", "volunteer", "activity", "record", "certificate", "org_a_key", "org_b_key")))


# -- the event store, edited directly -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    rowid: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class EventsFile:
    """`events.sqlite`, opened with nothing but sqlite3."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "events.sqlite"
        with self.connect() as c:
            tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        events = [t for t in tables if t.endswith("events")]
        assert len(events) == 1, f"expected one events table, found {tables}"
        self.table = events[0]

    def connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        c = self.connect()
        try:
            with c:
                c.execute(sql.replace("EVENTS", self.table), params)
        finally:
            c.close()

    def rows(self) -> list[Row]:
        c = self.connect()
        try:
            return [Row(r[0], UUID(r[1]), r[2], r[3], bytes(r[4])) for r in c.execute(
                f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.table} ORDER BY rowid")]
        finally:
            c.close()

    def row(self, originator_id: UUID, version: int) -> Row:
        found = [r for r in self.rows() if r.originator_id == originator_id and r.originator_version == version]
        assert len(found) == 1, f"no row for {originator_id} v{version}"
        return found[0]

    def set_state(self, rowid: int, state: bytes) -> None:
        self.execute("UPDATE EVENTS SET state = ? WHERE rowid = ?", (state, rowid))

    def delete(self, rowid: int) -> None:
        self.execute("DELETE FROM EVENTS WHERE rowid = ?", (rowid,))

    def append(self, originator_id: UUID, version: int, topic: str, state: bytes) -> int:
        # Stored ids are in whatever text form the recorder used: copy it from an existing row.
        c = self.connect()
        try:
            sample = c.execute(f"SELECT originator_id FROM {self.table} LIMIT 1").fetchone()[0]
            text = originator_id.hex if "-" not in sample else str(originator_id)
            with c:
                cur = c.execute(f"INSERT INTO {self.table} (originator_id, originator_version, topic, state) "
                                "VALUES (?, ?, ?, ?)", (text, version, topic, state))
            return int(cur.lastrowid or 0)
        finally:
            c.close()


def flipped(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]


def body_of(state: bytes) -> dict[str, Any]:
    sealed = unseal(state)
    assert sealed is not None
    return json.loads(sealed.body)


def signed_state(row_oid: UUID, version: int, topic: str, body: bytes, private: Ed25519PrivateKey,
                 name: str) -> bytes:
    """A well-formed envelope: canonical bytes signed by ``private`` under the key id of ``name``."""
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    kid = key_id(name, public)
    message = event_signing_bytes(row_oid, version, topic, state_hash(body), kid)
    return seal(kid, private.sign(message), body)


def org_key_name(data_dir: Path, org: UUID) -> str:
    origin = json.loads((data_dir / "instance.json").read_text())["origin"]
    return f"{origin}/org/{org}"


def plain_mapper() -> Mapper[Any]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def signed_by_registered_key(app: VledgerApplication, authority: str, event: Any) -> StoredEvent:
    """``event`` transcoded and sealed exactly as the service would, with the current key of ``authority``
    (its real private key, from the instance's key store): an envelope every signature check accepts."""
    plain = plain_mapper().to_stored_event(event)
    info = app.keyring.current(authority)
    private = app.key_store.private_key(info.public_key)
    message = event_signing_bytes(plain.originator_id, plain.originator_version, plain.topic,
                                  state_hash(plain.state), info.key_id)
    return StoredEvent(originator_id=plain.originator_id, originator_version=plain.originator_version,
                       topic=plain.topic, state=seal(info.key_id, private.sign(message), plain.state))


def amendment_for_another_organization(app: VledgerApplication, record_id: UUID, activity_id: UUID,
                                       other_org: UUID, hours: str = "8") -> StoredEvent:
    """The next version of ``record_id``: a real ServiceRecord.Amended, but made on behalf of ``other_org`` and
    signed by other_org's registered key. Only the authority was edited; every signature check passes."""
    record: ServiceRecord = app.repository.get(record_id)
    activity: Activity = app.repository.get(activity_id)
    record.amend(now=dt.datetime.now(dt.UTC), actor=f"organization:{other_org}", reason="跨组织改写",
                 activity_hours=activity.duration_hours, hours=hours)
    (event,) = record.collect_events()
    object.__setattr__(event, "authority", str(other_org))
    return signed_by_registered_key(app, str(other_org), event)


# -- running the real command ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audit:
    code: int
    report: dict[str, Any]

    def problems(self, reason: str | None = None) -> list[dict[str, Any]]:
        return [p for p in self.report.get("problems", []) if reason is None or p["reason"] == reason]

    def names(self, originator_id: UUID, version: int, reason: str) -> bool:
        return any(p["originator_id"] == str(originator_id) and p["originator_version"] == version
                   and p["reason"] == reason for p in self.problems())


def vledger_command() -> list[str]:
    script = Path(sys.executable).parent / "vledger"
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def run_audit(data_dir: Path, database_url: str | None = None) -> Audit:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}
    if database_url:
        env["VLEDGER_DATABASE_URL"] = database_url
    done = subprocess.run([*vledger_command(), "audit", "--data-dir", str(data_dir), "--json"],
                          capture_output=True, text=True, env=env, timeout=120)
    # Whatever was tampered with, the report never repeats personal data from an event's state.
    for secret in PERSONAL:
        assert secret not in done.stdout and secret not in done.stderr
    assert done.stdout.strip(), f"no JSON on stdout; stderr: {done.stderr}"
    return Audit(done.returncode, json.loads(done.stdout))


# -- the cases ------------------------------------------------------------------------------------------------


def test_an_untouched_instance_is_intact(world: World) -> None:
    result = run_audit(world.data_dir)
    assert result.code == 0, result.report
    assert result.report == {"intact": True, "events_checked": len(EventsFile(world.data_dir).rows()),
                             "problems": []}


def test_a_directory_that_holds_no_instance_is_an_error_not_a_verdict(tmp_path: Path) -> None:
    result = run_audit(tmp_path / "nothing-here")
    assert result.code == 2
    assert result.report["error"]["code"] == "not_initialized"


def test_an_instance_whose_event_store_is_missing_is_an_error(world: World) -> None:
    (world.data_dir / "events.sqlite").unlink()
    result = run_audit(world.data_dir)
    assert result.code == 2
    assert "error" in result.report
    assert not (world.data_dir / "events.sqlite").exists(), "the audit must not create an empty store"


@pytest.mark.parametrize(("part", "reason"), [
    ("body", "bad_signature"),
    ("signature", "bad_signature"),
    ("key_id", "unknown_key"),
    ("magic", "unsigned"),
])
def test_one_flipped_byte_in_a_stored_event_is_named(world: World, part: str, reason: str) -> None:
    events = EventsFile(world.data_dir)
    row = events.row(world.volunteer, 1)
    index = {"magic": 1, "key_id": 5, "signature": 4 + 4 + 30, "body": 4 + 4 + 64 + len(row.state[72:]) // 2}[part]
    events.set_state(row.rowid, flipped(row.state, index))

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.report["intact"] is False
    assert result.names(world.volunteer, 1, reason), result.problems()
    named = [p for p in result.problems() if p["originator_id"] == str(world.volunteer)]
    assert named[0]["notification_id"] == row.rowid
    assert named[0]["topic"] == row.topic


def test_a_flipped_byte_in_an_amendment_names_that_version(world: World) -> None:
    events = EventsFile(world.data_dir)
    row = events.row(world.record, 2)
    events.set_state(row.rowid, flipped(row.state, len(row.state) - 5))

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.record, 2, "bad_signature")
    assert not result.names(world.record, 1, "bad_signature") and not result.names(world.record, 3, "bad_signature")


def test_a_deleted_event_in_the_middle_of_a_history_is_named(world: World) -> None:
    events = EventsFile(world.data_dir)
    row = events.row(world.record, 2)
    events.delete(row.rowid)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.record, 2, "version_gap"), result.problems()
    # SQLite hands out rowids without holes: the missing notification is named too.
    assert [p["notification_id"] for p in result.problems("notification_gap")] == [row.rowid]


def test_a_deleted_row_that_leaves_no_version_gap_is_found_by_its_notification_id(world: World) -> None:
    events = EventsFile(world.data_dir)
    activity_row = events.row(world.activity, 1)  # the activity's only event: versions alone cannot tell
    events.delete(activity_row.rowid)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert [p["notification_id"] for p in result.problems("notification_gap")] == [activity_row.rowid]


def test_a_deleted_first_event_of_an_aggregate_is_a_version_gap(world: World) -> None:
    events = EventsFile(world.data_dir)
    events.delete(events.row(world.record, 1).rowid)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.record, 1, "version_gap")


def test_events_deleted_from_the_end_of_the_log_are_found_by_the_views(world: World) -> None:
    events = EventsFile(world.data_dir)
    rows = events.rows()
    for row in rows[-3:]:
        events.delete(row.rowid)

    result = run_audit(world.data_dir)

    assert result.code == 1
    found = result.problems("log_shorter_than_views")
    assert len(found) == 1 and found[0]["notification_id"] == rows[-3].rowid
    assert str(rows[-1].rowid) in found[0]["message"]


def test_a_deleted_last_event_whose_rowid_the_next_write_reused_is_named(world: World) -> None:
    events = EventsFile(world.data_dir)
    last = events.rows()[-1]  # the certificate's only event
    assert (last.originator_id, last.originator_version) == (world.certificate, 1)
    # The write after the deletion is an honest one, made by the application's own domain model, mapper (it is
    # signed by A's key) and recorder: a service that was running when the row was deleted. It is saved with
    # eventsourcing's plain Application.save, without the views' catch-up that follows every write through the
    # API: that catch-up, and a fresh process's start, refuse (tests/security/test_log_rewrites.py); here the
    # point is that the audit, reading the files afterwards, finds it too. SQLite hands the freed rowid to it.
    app = VledgerApplication(settings_for(world.data_dir))
    try:
        record: ServiceRecord = app.repository.get(world.record)
        activity: Activity = app.repository.get(world.activity)
        events.delete(last.rowid)
        record.amend(now=dt.datetime.now(dt.UTC), actor=f"organization:{world.org_a}", reason="再次核对",
                     activity_hours=activity.duration_hours, hours="6")
        app.save(record)
        with pytest.raises(LogShrankError):
            app.views.catch_up()
    finally:
        app.close()
    reused = events.rows()[-1]
    assert (reused.rowid, reused.originator_id, reused.originator_version) == (last.rowid, world.record, 4)

    result = run_audit(world.data_dir)

    assert result.code == 1
    # Nothing in the log alone shows it: rowids and versions run without holes, the log is as long as the views.
    # Only the views' memory of which event they applied at that notification id does.
    assert [(p["notification_id"], p["originator_id"], p["originator_version"], p["reason"])
            for p in result.problems()] == [(last.rowid, str(world.record), 4, "log_rewritten")]
    assert str(world.certificate) in result.problems()[0]["message"]


def test_a_row_removed_from_the_log_index_view_is_named(world: World) -> None:
    views = sqlite3.connect(world.data_dir / "views.sqlite")
    try:
        index = views.execute("SELECT position, notification_id FROM view_log_index ORDER BY position").fetchall()
        with views:
            views.execute("DELETE FROM view_log_index WHERE position = 3")
    finally:
        views.close()
    assert [position for position, _ in index] == list(range(len(index)))

    result = run_audit(world.data_dir)

    assert result.code == 1
    # Positions must run 0, 1, 2, … and every event the views read must be in the index.
    assert [p["notification_id"] for p in result.problems("log_index_gap")] == [index[4][1]]
    assert [p["notification_id"] for p in result.problems("log_rewritten")] == [index[3][1]]
    assert len(result.problems()) == 2


def test_an_instance_whose_views_were_dropped_is_intact(world: World) -> None:
    for path in world.data_dir.glob("views.sqlite*"):
        path.unlink()

    result = run_audit(world.data_dir)

    assert result.code == 0, result.report
    assert not (world.data_dir / "views.sqlite").exists(), "the audit must not create the views"


def test_two_rows_with_their_states_swapped_are_both_named(world: World) -> None:
    events = EventsFile(world.data_dir)
    first, second = events.row(world.record, 2), events.row(world.record, 3)
    events.set_state(first.rowid, second.state)
    events.set_state(second.rowid, first.state)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.record, 2, "bad_signature")
    assert result.names(world.record, 3, "bad_signature")


def test_states_swapped_between_aggregates_are_both_named(world: World) -> None:
    events = EventsFile(world.data_dir)
    first, second = events.row(world.volunteer, 1), events.row(world.activity, 1)
    events.set_state(first.rowid, second.state)
    events.set_state(second.rowid, first.state)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.volunteer, 1, "bad_signature")
    assert result.names(world.activity, 1, "bad_signature")


def forged_amendment(events: EventsFile, world: World, private: Ed25519PrivateKey, name: str,
                     version: int = 3) -> tuple[Row, bytes]:
    """Record version 3 with its hours raised to 8, correctly signed by ``private`` under ``name``."""
    row = events.row(world.record, version if version <= 3 else 3)
    body = body_of(row.state)
    body["changes"]["hours"]["to"]["_data_"] = "8.00"
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return row, signed_state(world.record, version, row.topic, raw, private, name)


def test_a_row_re_signed_with_a_key_the_root_never_registered_is_named(world: World) -> None:
    events = EventsFile(world.data_dir)
    row, state = forged_amendment(events, world, Ed25519PrivateKey.generate(), org_key_name(world.data_dir,
                                                                                             world.org_a))
    events.set_state(row.rowid, state)

    result = run_audit(world.data_dir)

    assert result.code == 1
    # The envelope is well formed and the signature sound: only the registration is missing.
    assert [(p["originator_id"], p["originator_version"], p["reason"]) for p in result.problems()] == [
        (str(world.record), 3, "unknown_key")]


def test_a_row_re_signed_by_another_organizations_registered_key_is_named(world: World) -> None:
    events = EventsFile(world.data_dir)
    key_b = Ed25519PrivateKey.from_private_bytes(world.org_b_key)
    row, state = forged_amendment(events, world, key_b, org_key_name(world.data_dir, world.org_b))
    events.set_state(row.rowid, state)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.record, 3, "key_not_of_authority"), result.problems()


def test_an_amendment_made_on_behalf_of_another_organization_with_its_own_key_is_named(world: World) -> None:
    # Organization B writes into organization A's record: the event names B as its authority and is signed by
    # B's registered key, so the signature and the key's ownership both check out. Only the aggregate's
    # authority (A, from its creating event) betrays it.
    app = VledgerApplication(settings_for(world.data_dir))
    try:
        forged = amendment_for_another_organization(app, world.record, world.activity, world.org_b)
    finally:
        app.close()
    assert forged.originator_version == 4
    events = EventsFile(world.data_dir)
    rowid = events.append(world.record, 4, forged.topic, forged.state)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert [(p["notification_id"], p["originator_id"], p["originator_version"], p["reason"])
            for p in result.problems()] == [(rowid, str(world.record), 4, "authority_mismatch")]
    message = result.problems()[0]["message"]
    assert str(world.org_b) in message and str(world.org_a) in message


def test_a_volunteer_created_for_one_organization_on_behalf_of_another_is_named(world: World) -> None:
    # Organization B registers a volunteer "of organization A" (org_id A), signed with B's own key: that would
    # put a person on A's list without A. Org-owned aggregates must be created by their organization.
    app = VledgerApplication(settings_for(world.data_dir))
    try:
        volunteer = Volunteer.register(now=dt.datetime.now(dt.UTC), actor=f"organization:{world.org_b}",
                                       org_id=world.org_a, name=NAME, id_number=ID_NUMBER)
        (event,) = volunteer.collect_events()
        object.__setattr__(event, "authority", str(world.org_b))
        forged = signed_by_registered_key(app, str(world.org_b), event)
    finally:
        app.close()
    events = EventsFile(world.data_dir)
    rowid = events.append(volunteer.id, 1, forged.topic, forged.state)

    result = run_audit(world.data_dir)  # also asserts that the name and ID number appear nowhere

    assert result.code == 1
    assert [(p["notification_id"], p["originator_id"], p["originator_version"], p["reason"])
            for p in result.problems()] == [(rowid, str(volunteer.id), 1, "authority_mismatch")]


def test_an_event_signed_before_its_key_was_registered_is_named(world: World) -> None:
    # Move organization A's key registration to the end of the log: its events now precede it.
    events = EventsFile(world.data_dir)
    registration = next(r for r in events.rows() if r.topic.endswith("SigningKey.KeyRegistered")
                        and body_of(r.state)["owner"] == str(world.org_a))
    last = events.rows()[-1].rowid
    events.execute("UPDATE EVENTS SET rowid = ? WHERE rowid = ?", (last + 1, registration.rowid))

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.volunteer, 1, "key_not_yet_valid"), result.problems()
    assert result.names(world.record, 3, "key_not_yet_valid")
    assert not result.problems("unknown_key")


def test_a_key_registration_not_signed_by_a_registry_key_teaches_the_audit_nothing(world: World) -> None:
    # Organization A uses its own key to "register" a second key for itself, then signs with that key.
    events = EventsFile(world.data_dir)
    key_a = Ed25519PrivateKey.from_private_bytes(world.org_a_key)
    rogue = Ed25519PrivateKey.generate()
    rogue_public = rogue.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    rogue_name = org_key_name(world.data_dir, world.org_a) + "/2"
    aggregate = SigningKey.register(now=dt.datetime.now(dt.UTC), actor=f"organization:{world.org_a}",
                                    key_id=key_id(rogue_name, rogue_public).hex(), name=rogue_name,
                                    public_key=base64.b64encode(rogue_public).decode(), owner=str(world.org_a),
                                    purpose="organization")
    event = aggregate.collect_events()[0]
    object.__setattr__(event, "authority", str(world.org_a))  # so that org A's key "speaks for" it
    plain = plain_mapper().to_stored_event(event)
    events.append(aggregate.id, 1, plain.topic, signed_state(
        aggregate.id, 1, plain.topic, plain.state, key_a, org_key_name(world.data_dir, world.org_a)))
    _, forged = forged_amendment(events, world, rogue, rogue_name, version=4)
    events.append(world.record, 4, events.row(world.record, 3).topic, forged)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(aggregate.id, 1, "key_not_of_authority"), result.problems()
    assert result.names(world.record, 4, "unknown_key")


def test_a_signed_body_that_does_not_decode_is_named_without_its_contents(world: World) -> None:
    # Correctly signed by the right key, but the birth date holds the ID number: decoding fails, and the
    # decoder's own message (which would quote the value) must not reach the report.
    events = EventsFile(world.data_dir)
    row = events.row(world.volunteer, 1)
    raw = row.state[72:].replace(b'"1949-12-31"', json.dumps(ID_NUMBER).encode())
    assert raw != row.state[72:]
    events.set_state(row.rowid, signed_state(world.volunteer, 1, row.topic, raw,
                                             Ed25519PrivateKey.from_private_bytes(world.org_a_key),
                                             org_key_name(world.data_dir, world.org_a)))

    result = run_audit(world.data_dir)  # run_audit asserts the ID number appears nowhere in the output

    assert result.code == 1
    assert result.names(world.volunteer, 1, "undecodable"), result.problems()


def test_every_problem_is_reported_not_only_the_first(world: World) -> None:
    events = EventsFile(world.data_dir)
    volunteer_row, activity_row = events.row(world.volunteer, 1), events.row(world.activity, 1)
    events.set_state(volunteer_row.rowid, flipped(volunteer_row.state, 100))
    events.set_state(activity_row.rowid, flipped(activity_row.state, 40))
    events.delete(events.row(world.record, 2).rowid)

    result = run_audit(world.data_dir)

    assert result.code == 1
    assert result.names(world.volunteer, 1, "bad_signature")
    assert result.names(world.activity, 1, "bad_signature")
    assert result.names(world.record, 2, "version_gap")
    assert result.report["events_checked"] == len(events.rows())


def test_the_human_report_names_each_problem(world: World) -> None:
    events = EventsFile(world.data_dir)
    row = events.row(world.record, 2)
    events.set_state(row.rowid, flipped(row.state, 50))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VLEDGER_")}

    done = subprocess.run([*vledger_command(), "audit", "--data-dir", str(world.data_dir)],
                          capture_output=True, text=True, env=env, timeout=120)

    assert done.returncode == 1
    assert "TAMPERED" in done.stdout
    assert f"{world.record} v2" in done.stdout and "bad_signature" in done.stdout
    assert done.stderr == ""  # not a terminal: no progress bar


# -- the application refuses what the audit reports -------------------------------------------------------------


@pytest.fixture
def views_dropped(world: World) -> Iterator[World]:
    for path in world.data_dir.glob("views.sqlite*"):
        path.unlink()
    yield world


def test_a_view_catch_up_refuses_a_tampered_event(views_dropped: World) -> None:
    world = views_dropped
    events = EventsFile(world.data_dir)
    row = events.row(world.record, 2)
    events.set_state(row.rowid, flipped(row.state, len(row.state) - 5))

    # Reopening rebuilds the dropped views from the log, decoding every event on the way.
    with pytest.raises(EventSignatureError) as raised:
        VledgerApplication(settings_for(world.data_dir))

    assert raised.value.originator_id == world.record
    assert raised.value.originator_version == 2
    assert raised.value.reason == "bad_signature"


def test_loading_an_aggregate_refuses_an_event_signed_by_an_unregistered_key(world: World) -> None:
    app = VledgerApplication(settings_for(world.data_dir))
    try:
        assert app.repository.get(world.record).version == 3
        events = EventsFile(world.data_dir)
        row, state = forged_amendment(events, world, Ed25519PrivateKey.generate(),
                                      org_key_name(world.data_dir, world.org_a))
        events.set_state(row.rowid, state)

        with pytest.raises(EventSignatureError) as raised:
            app.repository.get(world.record)
        assert raised.value.reason == "unknown_key"
        assert raised.value.originator_version == 3
    finally:
        app.close()


# -- PostgreSQL: the same checks, except that notification ids may have holes -------------------------------------


@dataclass(frozen=True)
class PostgresInstance:
    """A small instance on PostgreSQL: one volunteer whose record was amended twice (versions 1-3)."""

    settings: Settings
    org: UUID
    volunteer: UUID
    record: UUID
    server_url: str
    table: str  # the events table, schema-qualified

    @property
    def as_org(self) -> Principal:
        return Principal("organization", str(self.org), self.org)


CST = dt.timezone(dt.timedelta(hours=8))


def postgres_instance(tmp_path: Path, postgres_url: str) -> PostgresInstance:
    settings = Settings(data_dir=tmp_path / "instance", database_url=postgres_url, environment="development")
    app, _, _ = VledgerApplication.initialize(settings)
    try:
        registry = Principal("registry", "registry")
        org = UUID(app.register_organization(registry, name="阳光志愿服务队", charter_purpose="社区服务")["id"])
        as_org = Principal("organization", str(org), org)
        volunteer = UUID(app.register_volunteer(as_org, org, name=NAME, id_number=ID_NUMBER)["id"])
        activity = UUID(app.create_activity(
            as_org, org, name="公园清洁", start=dt.datetime(2026, 5, 1, 9, tzinfo=CST),
            end=dt.datetime(2026, 5, 1, 17, tzinfo=CST), place="朝阳公园", recipients="公众", content="清理垃圾",
            leader="李四", recorder="王五")["id"])
        record = UUID(app.record_service(as_org, activity, volunteer_id=volunteer, hours="3")["id"])
        app.amend_record(as_org, record, reason="核对", hours="4")
        app.amend_record(as_org, record, reason="再次核对", hours="5")
    finally:
        app.close()
    server_url, schema = postgres_url.split("?", 1)[0], postgres_url.rsplit("schema=", 1)[1]
    return PostgresInstance(settings, org, volunteer, record, server_url, f'"{schema}".vledger_events')


@pytest.mark.postgres
def test_on_postgresql_tampering_is_named_but_id_holes_are_not_tampering(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    pg = postgres_instance(tmp_path, postgres_url)
    settings, org, volunteer, record, as_org = pg.settings, pg.org, pg.volunteer, pg.record, pg.as_org
    server_url, table, cst = pg.server_url, pg.table, CST

    untouched = run_audit(settings.data_dir, postgres_url)
    assert untouched.code == 0, untouched.report

    with psycopg.connect(server_url, autocommit=True) as conn:
        # A hole in the ids that is not a deleted event: PostgreSQL sequences skip ids on rollbacks.
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'notification_id'), "
                     f"(SELECT max(notification_id) FROM {table}) + 5)")
        state = conn.execute(f"SELECT state FROM {table} WHERE originator_id = %s AND originator_version = 1",
                             (volunteer,)).fetchone()[0]
        conn.execute(f"UPDATE {table} SET state = %s WHERE originator_id = %s AND originator_version = 1",
                     (flipped(bytes(state), 100), volunteer))
        conn.execute(f"DELETE FROM {table} WHERE originator_id = %s AND originator_version = 2", (record,))
    app = VledgerApplication(settings)  # reopening catches the views up to nothing new; writes after the hole
    try:
        app.create_activity(as_org, org, name="第二次活动", start=dt.datetime(2026, 6, 1, 9, tzinfo=cst),
                            end=dt.datetime(2026, 6, 1, 12, tzinfo=cst), place="社区", recipients="老人",
                            content="探访", leader="李四", recorder="王五")
    finally:
        app.close()

    result = run_audit(settings.data_dir, postgres_url)

    assert result.code == 1
    assert result.names(volunteer, 1, "bad_signature")
    assert result.names(record, 2, "version_gap")
    assert not result.problems("notification_gap")
