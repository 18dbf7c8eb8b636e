"""`vledger audit`: check the whole event log against the trust anchor, trusting nothing else.

The audit does not reuse the application's mapper or its keyring (both are built from the store being
audited). It starts from the root public key in ``instance.json`` and walks the notification log in order,
learning a key only when its ``SigningKey.KeyRegistered`` event verifies with a registry key earlier in the log.

Steps for every stored event (numbered as in the comments below):
  1. the envelope is there and some key known *at this point of the log* verifies the canonical bytes;
  2. the body decodes into the event class its topic names;
  3. the key belongs to the authority the event names, and was valid at the event's time;
  4. the event names the authority that created its aggregate (a signature only proves who made an event,
     not that they may write there), and an organization's volunteer, activity, record or certificate is
     created on behalf of that very organization; the inspection authority creates only what is bound to it
     (read receipts, draws, inspections), and those are created for it alone (domain/base.py
     ``check_authority_scope``);
  5. key registrations must be signed by a registry key; only then is the new key learned. Key retirements and
     revocations likewise (signed by a registry key, naming the key whose aggregate they belong to); from then on
     the walk knows the key's lifecycle, and an event signed by a key after its retirement is tampering: the
     service never signs with a retired key (a revocation retires the key too).
After the walk, when some key was revoked, the audit reports as findings (not tampering: the log is what the
service wrote, but a thief of the key may have written some of it) every event signed by that key, and every
certificate whose code carries its key id, at or after the key's ``compromised_since``. That takes a second
read of the log, only on instances with a revoked key.
Across events: each aggregate's versions run 1, 2, 3, … without holes; on SQLite notification ids
(rowids) run without holes too; no view has applied more of the log than the log now holds; and the
log index view (which event the views applied at which notification id and position) still matches the
log. The views are not trusted: they are a second memory of the log, and where they disagree with it, the
log was changed behind them — e.g. SQLite reuses the rowid of a deleted last row for the next write, which
no check on the log alone can tell from an honest write.

The transparency log (DESIGN §4) is checked the same way, from the events up: while walking the log the audit
recomputes the Merkle tree from the events themselves (one leaf per event, in notification order, kept as a stack
of perfect subtree roots: O(log n) memory) and compares it with every stored checkpoint. Each checkpoint's note
must verify with a log key learned from the log before the checkpoint's tree size, name the instance's origin,
and commit to the recomputed root of its size; successive checkpoints must be consistent through the recomputed
tree (an RFC 9162 consistency proof). Where a checkpoint does not match, the views' leaf hashes (which the views
computed when they applied each event) name the first leaf that differs, once they are shown to hash to the
checkpoint's signed root — and the event there is named as deleted, inserted, reordered or changed. A
difference already named by a check above (a bad signature, a replaced event) is not reported twice.

Every problem is collected; the audit never stops at the first. Messages name events, keys and reasons, and
never the contents of an event's state (ID numbers and names live there).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import re
import struct
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any
from uuid import UUID

from eventsourcing.domain import CanInitAggregate
from eventsourcing.persistence import (
    ApplicationRecorder,
    Environment,
    InfrastructureFactory,
    Mapper,
    Notification,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.utils import get_topic

from api.application import VledgerApplication, event_transcoder, key_info_of
from api.instance import Instance
from api.settings import Settings
from domain.base import REGISTRY, AuthorityMismatchError, check_created_authority, created_classes
from domain.certificate import Certificate
from domain.errors import VledgerError
from domain.signing_key import SigningKey, lifecycle_names_key
from keys.errors import EventSignatureError
from keys.keyring import KeyInfo, Keyring
from keys.mapper import SealedState, check_key_authority, check_stored_signature, signing_bytes_of, unseal
from keys.notes import Note, Verifier, parse_checkpoint, parse_note
from projections import merkle
from projections.runner import Progress
from projections.transparency import TransparencyLogView, leaf_data

PAGE_SIZE = 1000
REGISTERED_TOPIC = get_topic(SigningKey.KeyRegistered)
LIFECYCLE_TOPICS = (get_topic(SigningKey.KeyRetired), get_topic(SigningKey.KeyRevoked))
CERTIFICATE_ISSUED_TOPIC = get_topic(Certificate.Issued)

# Reason codes (stable: scripts read them from `vledger audit --json`).
UNSIGNED = "unsigned"
BAD_SIGNATURE = "bad_signature"
UNKNOWN_KEY = "unknown_key"
KEY_NOT_OF_AUTHORITY = "key_not_of_authority"
KEY_NOT_YET_VALID = "key_not_yet_valid"
UNDECODABLE = "undecodable"
VERSION_GAP = "version_gap"
NOTIFICATION_GAP = "notification_gap"
LOG_SHORTER_THAN_VIEWS = "log_shorter_than_views"
AUTHORITY_MISMATCH = "authority_mismatch"
LOG_REWRITTEN = "log_rewritten"
LOG_INDEX_GAP = "log_index_gap"
CHECKPOINT_BAD_SIGNATURE = "checkpoint_bad_signature"
CHECKPOINT_WRONG_ORIGIN = "checkpoint_wrong_origin"
CHECKPOINT_ROW_MISMATCH = "checkpoint_row_mismatch"
CHECKPOINT_MISMATCH = "checkpoint_mismatch"
CHECKPOINT_BEYOND_LOG = "checkpoint_beyond_log"
CHECKPOINTS_INCONSISTENT = "checkpoints_inconsistent"
SIGNED_AFTER_KEY_RETIRED = "signed_after_key_retired"
KEY_EVENT_MISMATCH = "key_event_mismatch"
# Findings (reported, but the log is intact): what a revoked key signed from its compromise on.
SIGNED_AFTER_KEY_COMPROMISE = "signed_after_key_compromise"
CERTIFICATE_AFTER_KEY_COMPROMISE = "certificate_signed_after_key_compromise"
LOG_KEY_OWNER = "log"  # the log key: registered by the registry for owner "log", purpose "log"

_SAFE_LABEL = re.compile(r"^[A-Za-z0-9_.:/-]{1,80}$")


class AuditError(VledgerError):
    """The audit could not run at all (store unreachable, files missing): not a verdict on the log."""

    code = "audit_error"


@dataclass(frozen=True)
class AuditProblem:
    """One thing wrong with the log. ``notification_id`` is None when the event itself is gone."""

    notification_id: int | None
    originator_id: str | None
    originator_version: int | None
    topic: str | None
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AuditReport:
    """The result of an audit; ``intact`` only when no problem was found. ``findings`` do not make the log less
    intact: they name what a revoked key signed after its compromise, for a person to look at."""

    intact: bool
    events_checked: int
    problems: list[AuditProblem] = field(default_factory=list)
    findings: list[AuditProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        report = {"intact": self.intact, "events_checked": self.events_checked,
                  "problems": [p.as_dict() for p in self.problems]}
        if self.findings:  # only instances with a revoked key have any: the report of every other stays as it was
            report["findings"] = [p.as_dict() for p in self.findings]
        return report


def plain_mapper() -> Mapper[Any]:
    """A mapper that only decodes: the audit checks signatures itself, before decoding."""
    return Mapper(transcoder=event_transcoder())


def audit(settings: Settings, progress: Progress | None = None) -> AuditReport:
    """Verify every stored event from the trust anchor in ``instance.json``; collect every problem.

    Raises NotInitializedError when the data directory holds no instance, AuditError when the store
    cannot be read. Tampering never raises: it is reported.
    """
    try:
        instance = Instance.load(settings.data_dir)
    except (ValueError, KeyError, TypeError) as e:
        raise AuditError(f"{settings.data_dir}/instance.json is unreadable ({type(e).__name__}): "
                         "the trust anchor is missing") from e
    # The views first: what they have applied was in the log before the walk starts, so a service writing
    # during the audit cannot make the views look ahead of the log.
    views = _Views(settings)
    try:
        factory, recorder = _open_log(settings)
        try:
            auditor = _Auditor(instance, contiguous_ids=not settings.uses_postgres,
                               index=views.index(), index_position=views.positions.get(TransparencyLogView.name, 0))
            auditor.tree = _TreeAudit(auditor, instance.origin, views, _lookup_in(recorder))
            try:
                last = recorder.max_notification_id() or 0
                start: int | None = None
                while True:
                    notes = recorder.select_notifications(start=start, limit=PAGE_SIZE, inclusive_of_start=False)
                    for note in notes:
                        auditor.check(note)
                    if notes:
                        start = notes[-1].id
                        if progress is not None:
                            progress(start, max(last, start))
                    if len(notes) < PAGE_SIZE:
                        break
            except PersistenceError as e:
                raise AuditError(f"cannot read the event log: {type(e).__name__}: {e}") from e
            auditor.finish()
            auditor.check_views(views.positions)
            auditor.tree.finish()
            try:
                auditor.find_compromised(recorder, last)
            except PersistenceError as e:
                raise AuditError(f"cannot read the event log: {type(e).__name__}: {e}") from e
        finally:
            factory.close()
    finally:
        views.close()
    if progress is not None and auditor.events_checked == 0:
        progress(0, 0)
    return AuditReport(intact=not auditor.problems, events_checked=auditor.events_checked,
                       problems=auditor.problems, findings=auditor.findings)


# -- opening the store without trusting it ----------------------------------------------------------------


def _open_log(settings: Settings) -> tuple[InfrastructureFactory[Any], ApplicationRecorder]:
    """The application's recorder, configured as the application does, but creating nothing."""
    env = dict(settings.persistence_env())
    if not settings.uses_postgres:
        db = settings.data_dir.resolve() / "events.sqlite"
        if not db.is_file():
            raise AuditError(f"the event store {db} does not exist: nothing to audit")
        # Read ids as text: a tampered row with a malformed id must become a reported problem, not a crash.
        env["ORIGINATOR_ID_TYPE"] = "text"
    env["CREATE_TABLE"] = "false"
    try:
        factory = InfrastructureFactory.construct(Environment(VledgerApplication.name, env))
        return factory, factory.application_recorder()
    except (PersistenceError, OSError) as e:
        raise AuditError(f"cannot open the event store: {type(e).__name__}: {e}") from e


@dataclass(frozen=True)
class _IndexRow:
    """One row of view_log_index: the views applied ``originator_id`` v``originator_version`` at ``nid``."""

    position: int
    nid: int
    originator_id: str
    originator_version: int


@dataclass(frozen=True)
class _Event:
    """An event as the tree audit names it: from the log (with its topic) or from the views (without)."""

    nid: int | None
    originator_id: str | None
    originator_version: int | None
    topic: str | None = None

    def same_event(self, other: _Event) -> bool:
        return (self.originator_id, self.originator_version) == (other.originator_id, other.originator_version)

    def name(self) -> str:
        return f"event {_label(self.originator_id)} v{self.originator_version}"

    def text(self) -> str:
        return f"{self.name()} (notification {self.nid})"


@dataclass(frozen=True)
class _ViewLeaf:
    """Leaf ``position`` as the views hashed it, and the event they applied there (None if its index row is gone)."""

    position: int
    hash: bytes | None
    event: _Event | None


def _hex_or_none(value: Any) -> bytes | None:
    try:
        digest = bytes.fromhex(str(value))
    except ValueError:
        return None
    return digest if len(digest) == 32 else None


class _Views:
    """The view store, read only: how far each view has applied the log, and the log index view's rows.

    Absent views (dropped before a rebuild, never built, or from before the index kept event ids) leave
    nothing to compare; that is not a verdict on the log.
    """

    def __init__(self, settings: Settings) -> None:
        from projections.store import PostgresViewStore, SQLiteViewStore

        self.positions: dict[str, int] = {}
        self.factory: Any = None
        self.store: Any = None
        self.checkpoint_limit: int | None = None  # the largest checkpoint when the audit began (None: none)
        env = dict(settings.views_env())
        if not settings.uses_postgres and not (settings.data_dir.resolve() / "views.sqlite").is_file():
            return
        env["CREATE_TABLE"] = "false"
        try:
            # Constructed exactly as the application constructs its view store (same unnamed environment).
            self.factory = InfrastructureFactory.construct(env)
        except (PersistenceError, OSError) as e:
            raise AuditError(f"cannot open the view store: {type(e).__name__}: {e}") from e
        try:
            self.store = self.factory.tracking_recorder(
                PostgresViewStore if settings.uses_postgres else SQLiteViewStore)
            try:
                with self.store.datastore.transaction(commit=False) as c:
                    table = ("tracking" if not settings.uses_postgres
                             else f'"{self.store.datastore.schema}"."{self.store.tracking_table_name}"')
                    c.execute(f"SELECT DISTINCT application_name FROM {table}")
                    names = [row["application_name"] for row in c.fetchall()]
            except PersistenceError:
                return  # no tracking table: the views were never built
            skip = getattr(self.store, "table_migration_identifier", "__migration__")
            wanted = [name for name in names if name != skip]
            self.positions = dict(sorted(self.store.positions(wanted).items())) if wanted else {}
        except PersistenceError as e:
            self.close()
            raise AuditError(f"cannot read the views' positions: {type(e).__name__}: {e}") from e
        # Checkpoints are signed after the views applied the events they cover, so every checkpoint that exists
        # now covers events that were in the log before the walk starts. Later ones are not this audit's business.
        try:
            with self.store.transaction(commit=False) as c:
                row = c.execute("SELECT MAX(tree_size) AS last FROM log_checkpoints").fetchone()
            self.checkpoint_limit = int(row["last"]) if row and row["last"] is not None else None
        except PersistenceError:
            self.checkpoint_limit = None  # no checkpoint table: an instance from before the transparency log

    def index(self) -> Iterator[_IndexRow] | None:
        """The log index up to the position its view had reached, in notification order; None if absent."""
        limit = self.positions.get(TransparencyLogView.name, 0)
        if self.store is None or limit <= 0:
            return None
        try:
            first = self._page(0, limit)
        except PersistenceError:
            return None  # no such table, or one without the event ids: nothing to compare
        return self._rows(first, limit)

    def _rows(self, page: list[_IndexRow], limit: int) -> Iterator[_IndexRow]:
        while page:
            yield from page
            if len(page) < PAGE_SIZE:
                return
            try:
                page = self._page(page[-1].nid, limit)
            except PersistenceError as e:
                raise AuditError(f"cannot read the log index view: {type(e).__name__}: {e}") from e

    def _page(self, after: int, limit: int) -> list[_IndexRow]:
        with self.store.transaction(commit=False) as c:
            rows = c.execute(
                "SELECT position, notification_id, originator_id, originator_version FROM view_log_index "
                "WHERE notification_id > ? AND notification_id <= ? ORDER BY notification_id LIMIT ?",
                (after, limit, PAGE_SIZE)).fetchall()
        return [_IndexRow(int(r["position"]), int(r["notification_id"]), str(r["originator_id"]),
                          int(r["originator_version"])) for r in rows]

    def leaves(self) -> Iterator[_ViewLeaf] | None:
        """The views' leaf hashes (view_merkle_nodes level 0) with the event each was applied for, in position
        order; None if the views hold no tree."""
        if self.store is None:
            return None
        try:
            first = self._leaf_page(-1)
        except PersistenceError:
            return None
        return self._leaf_rows(first)

    def _leaf_rows(self, page: list[_ViewLeaf]) -> Iterator[_ViewLeaf]:
        while page:
            yield from page
            if len(page) < PAGE_SIZE:
                return
            try:
                page = self._leaf_page(page[-1].position)
            except PersistenceError as e:
                raise AuditError(f"cannot read the views' Merkle tree: {type(e).__name__}: {e}") from e

    def _leaf_page(self, after: int) -> list[_ViewLeaf]:
        with self.store.transaction(commit=False) as c:
            rows = c.execute(
                "SELECT n.idx AS position, n.hash AS hash, i.notification_id AS nid, i.originator_id AS oid, "
                "i.originator_version AS version FROM view_merkle_nodes n "
                "LEFT JOIN view_log_index i ON i.position = n.idx "
                "WHERE n.level = 0 AND n.idx > ? ORDER BY n.idx LIMIT ?", (after, PAGE_SIZE)).fetchall()
        return [_ViewLeaf(int(r["position"]), _hex_or_none(r["hash"]),
                          None if r["nid"] is None else _Event(int(r["nid"]), str(r["oid"]), int(r["version"])))
                for r in rows]

    def position_of(self, event: _Event) -> int | None:
        """Where the views put ``event`` (by originator id and version) in their tree, if anywhere."""
        if self.store is None:
            return None
        try:
            with self.store.transaction(commit=False) as c:
                row = c.execute("SELECT MIN(position) AS position FROM view_log_index "
                                "WHERE originator_id = ? AND originator_version = ?",
                                (event.originator_id, event.originator_version)).fetchone()
        except PersistenceError:
            return None
        return int(row["position"]) if row and row["position"] is not None else None

    def checkpoints(self) -> Iterator[dict[str, Any]]:
        """Every stored checkpoint row up to the largest one there was when the audit began, by tree size."""
        if self.store is None or self.checkpoint_limit is None:
            return
        after = -1
        while True:
            try:
                with self.store.transaction(commit=False) as c:
                    rows = c.execute("SELECT tree_size, root, note FROM log_checkpoints WHERE tree_size > ? "
                                     "AND tree_size <= ? ORDER BY tree_size LIMIT ?",
                                     (after, self.checkpoint_limit, PAGE_SIZE)).fetchall()
            except PersistenceError as e:
                raise AuditError(f"cannot read the log's checkpoints: {type(e).__name__}: {e}") from e
            yield from rows
            if len(rows) < PAGE_SIZE:
                return
            after = int(rows[-1]["tree_size"])

    def close(self) -> None:
        if self.factory is not None:
            self.factory.close()
            self.factory = None


# -- the checks ----------------------------------------------------------------------------------------------


def _oid_text(value: Any) -> str:
    """Ids as the API writes them (canonical UUID text), whatever form the store keeps them in."""
    return str(_as_uuid(value))


def _as_uuid(value: Any) -> UUID | str:
    """The id as the signer saw it (a UUID); a malformed id stays text and will fail verification."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return str(value)


def _where(note: Notification) -> str:
    return f"event {_oid_text(note.originator_id)} v{note.originator_version}"


def _label(value: Any) -> str:
    """An authority or owner for a message: ids and role names only, never free text from a state."""
    text = str(value)
    return text if _SAFE_LABEL.match(text) else "(an unexpected value)"


@dataclass
class _Pending:
    """An event signed by a key id nobody had registered when it was written."""

    index: int
    stored: StoredEvent
    sealed: SealedState


class _Auditor:
    def __init__(self, instance: Instance, *, contiguous_ids: bool, index: Iterator[_IndexRow] | None = None,
                 index_position: int = 0) -> None:
        # The only key trusted from the start: the root key in instance.json, not in the store.
        self.keyring = Keyring([instance.root_key])
        self.mapper = plain_mapper()
        self.contiguous_ids = contiguous_ids
        self.problems: list[AuditProblem] = []
        self.findings: list[AuditProblem] = []
        self.events_checked = 0
        # Revoked keys as the walk met their revocation: (key id, public key) → the key with its lifecycle.
        self.revoked: dict[tuple[bytes, bytes], KeyInfo] = {}
        self.last_id = 0
        # Versions: the contiguous prefix seen so far, and versions seen beyond a hole (version → nid).
        self.next_version: dict[str, int] = {}
        self.stray: dict[str, dict[int, int]] = {}
        self.pending: dict[bytes, list[_Pending]] = {}
        # Authorities: the one named by each aggregate's creating event, with that event's notification id.
        self.authorities: dict[str, tuple[str, int]] = {}
        # The log index view, merged with the walk: both run in notification order.
        self.index = index
        self.index_position = index_position if index is not None else 0
        self.index_next: _IndexRow | None = next(index, None) if index is not None else None
        self.next_position = 0
        self.tree: _TreeAudit | None = None  # the transparency log's checks, fed every event in log order

    def problem(self, note: Notification | None, reason: str, message: str, *, originator_id: str | None = None,
                originator_version: int | None = None, notification_id: int | None = None) -> None:
        if note is not None:
            notification_id = note.id
            originator_id = _oid_text(note.originator_id)
            originator_version = note.originator_version
        self.problems.append(AuditProblem(
            notification_id=notification_id, originator_id=originator_id, originator_version=originator_version,
            topic=note.topic if note is not None else None, reason=reason, message=message))

    def check(self, note: Notification) -> None:
        self.events_checked += 1
        before = len(self.problems)
        self._check_notification_id(note)
        self._track_version(note)
        self._check_index(note)
        try:
            self._check_event(note)
        except Exception as e:  # a row mangled beyond what the checks expect is still only a reported problem
            self.problem(note, UNDECODABLE, f"{_where(note)}: "
                                            f"row cannot be checked ({type(e).__name__})")
        if self.tree is not None:
            self.tree.add(note, named=any(p.notification_id == note.id for p in self.problems[before:]))

    def _check_notification_id(self, note: Notification) -> None:
        # SQLite rowids are handed out as max + 1 and never skipped, so a hole is a deleted row.
        # PostgreSQL sequences skip ids on rolled-back inserts: holes there mean nothing.
        if self.contiguous_ids and note.id != self.last_id + 1 and note.id > self.last_id:
            first, last = self.last_id + 1, note.id - 1
            span = f"notification {first}" if first == last else f"notifications {first}..{last}"
            self.problem(None, NOTIFICATION_GAP, f"{span} missing from the log: rows were deleted",
                         notification_id=first)
        self.last_id = max(self.last_id, note.id)

    def _track_version(self, note: Notification) -> None:
        oid = _oid_text(note.originator_id)
        version = note.originator_version
        if not isinstance(version, int):
            return  # reported by the event check (it cannot be signed bytes)
        expected = self.next_version.get(oid, 1)
        if version == expected:
            expected += 1
            stray = self.stray.get(oid)
            while stray and expected in stray:
                del stray[expected]
                expected += 1
            self.next_version[oid] = expected
        elif version > expected:
            self.stray.setdefault(oid, {})[version] = note.id
            self.next_version.setdefault(oid, expected)

    def _check_event(self, note: Notification) -> None:
        state = note.state
        if isinstance(state, (bytearray, memoryview)):
            state = bytes(state)
        if not isinstance(state, bytes) or not isinstance(note.originator_version, int):
            self.problem(note, UNSIGNED, f"{_where(note)}: "
                                         "stored state is not a signed envelope")
            return
        stored = StoredEvent(originator_id=_as_uuid(note.originator_id), originator_version=note.originator_version,
                             topic=str(note.topic), state=state)
        # 1. Envelope and signature, by a key learned earlier in the log (or the root key).
        try:
            sealed, info = check_stored_signature(stored, self.keyring)
        except EventSignatureError as e:
            self._signature_problem(note, stored, e)
            return
        # 2. Decode the body only now that it is known to be what the key signed.
        try:
            event = self.mapper.to_domain_event(StoredEvent(
                originator_id=stored.originator_id, originator_version=stored.originator_version,
                topic=stored.topic, state=sealed.body))
        except Exception as e:
            self.problem(note, UNDECODABLE, f"{_where(note)}: signed body "
                                            f"does not decode as {_label(note.topic)} ({type(e).__name__})")
            return
        # 3. The key speaks for the event's authority, and was valid when the event was made.
        try:
            check_key_authority(event, info, (stored.originator_id, stored.originator_version))
        except EventSignatureError as e:
            if e.reason == KEY_NOT_OF_AUTHORITY:
                message = (f"signed by key {info.kid} of {_label(info.owner)}, but made on behalf of "
                           f"{_label(getattr(event, 'authority', None))}")
            else:
                message = f"dated before key {info.kid} became valid"
            self.problem(note, e.reason, f"{_where(note)}: {message}")
            return
        # 3b. A key retired earlier in the log (the keyring learned it in log order) signs nothing more.
        timestamp = getattr(event, "timestamp", None)
        if info.retired_at is not None and isinstance(timestamp, dt.datetime) and timestamp >= info.retired_at:
            self.problem(note, SIGNED_AFTER_KEY_RETIRED,
                         f"{_where(note)}: signed by key {info.kid} of {_label(info.owner)}, which was retired "
                         "earlier in the log; the service never signs with a retired key")
            return
        # 4. The event belongs where it was put: its authority is the one that created the aggregate.
        if not self._check_authority(note, event):
            return
        # 5. Only registry keys may register keys; a key is learned from the first registration that passes.
        if isinstance(event, SigningKey.KeyRegistered) and stored.topic == REGISTERED_TOPIC:
            if info.owner != REGISTRY:
                self.problem(note, KEY_NOT_OF_AUTHORITY,
                             f"{_where(note)}: key registration signed by "
                             f"key {info.kid} of {_label(info.owner)}; only a registry key may register keys")
                return
            try:
                new_key = key_info_of(event)
            except (ValueError, TypeError) as e:
                self.problem(note, UNDECODABLE, f"{_where(note)}: "
                                                f"key registration is inconsistent ({type(e).__name__})")
                return
            self.keyring.add(new_key)
            self._resolve_pending(new_key, note.id)
            if self.tree is not None:
                self.tree.learn(new_key)
        if isinstance(event, (SigningKey.KeyRetired, SigningKey.KeyRevoked)) and stored.topic in LIFECYCLE_TOPICS:
            self._learn_lifecycle(note, event, info)

    def _learn_lifecycle(self, note: Notification, event: SigningKey.KeyRetired | SigningKey.KeyRevoked,
                         info: KeyInfo) -> None:
        """Step 5 for a retirement or revocation: a registry key signed it, and it names its own key."""
        if info.owner != REGISTRY:
            self.problem(note, KEY_NOT_OF_AUTHORITY,
                         f"{_where(note)}: key lifecycle event signed by key {info.kid} of {_label(info.owner)}; "
                         "only a registry key may retire or revoke keys")
            return
        try:
            kid, public = bytes.fromhex(event.key_id), base64.b64decode(event.public_key)
            names_its_key = lifecycle_names_key(event)
        except (ValueError, TypeError) as e:
            self.problem(note, UNDECODABLE, f"{_where(note)}: key lifecycle event is inconsistent "
                                            f"({type(e).__name__})")
            return
        if not names_its_key:
            self.problem(note, KEY_EVENT_MISMATCH,
                         f"{_where(note)}: names key {_label(event.key_id)}, but belongs to another key's history")
            return
        if isinstance(event, SigningKey.KeyRetired):
            self.keyring.update(kid, public, status="retired", retired_at=event.retired_at)
            return
        updated = self.keyring.update(kid, public, status="revoked", retired_at=event.retired_at,
                                      compromised_since=event.compromised_since)
        if updated is not None:
            self.revoked[(kid, public)] = updated

    def find_compromised(self, recorder: ApplicationRecorder, last: int) -> None:
        """Findings: events a revoked key signed, and certificates whose code names its key id, at or after the
        key's ``compromised_since`` — wherever they are in the log, since a compromise is found out (and
        revoked) only after the fact. Events already reported as problems are not named again."""
        if not self.revoked:
            return
        by_kid: dict[bytes, list[KeyInfo]] = {}
        for key in self.revoked.values():
            by_kid.setdefault(key.key_id, []).append(key)
        reported = {p.notification_id for p in self.problems if p.notification_id is not None}
        start: int | None = None
        while True:
            notes = recorder.select_notifications(start=start, limit=PAGE_SIZE, stop=last, inclusive_of_start=False)
            for note in notes:
                if note.id not in reported:
                    self._compromise_finding(note, by_kid)
            if len(notes) < PAGE_SIZE:
                return
            start = notes[-1].id

    def _compromise_finding(self, note: Notification, by_kid: dict[bytes, list[KeyInfo]]) -> None:
        state = bytes(note.state) if isinstance(note.state, (bytearray, memoryview)) else note.state
        sealed = unseal(state) if isinstance(state, bytes) else None
        if sealed is None:
            return
        certificate = note.topic == CERTIFICATE_ISSUED_TOPIC
        if sealed.key_id not in by_kid and not certificate:
            return
        stored = StoredEvent(originator_id=_as_uuid(note.originator_id), originator_version=note.originator_version,
                             topic=str(note.topic), state=state)
        try:
            event = self.mapper.to_domain_event(StoredEvent(
                originator_id=stored.originator_id, originator_version=stored.originator_version,
                topic=stored.topic, state=sealed.body))
        except Exception:  # reported by the walk, which decoded the same bytes
            return
        timestamp = getattr(event, "timestamp", None)
        if not isinstance(timestamp, dt.datetime):
            return
        for key in by_kid.get(sealed.key_id, ()):
            assert key.compromised_since is not None
            if timestamp >= key.compromised_since and key.verifies(signing_bytes_of(stored, sealed),
                                                                   sealed.signature):
                self.findings.append(self._finding(note, SIGNED_AFTER_KEY_COMPROMISE,
                                                   f"{_where(note)}: signed by key {key.kid} of {_label(key.owner)} "
                                                   f"at or after its compromise ({key.compromised_since.isoformat()})"))
                break
        if not certificate:
            return
        code_kid = getattr(event, "key_id", None)
        for key in by_kid.get(bytes.fromhex(code_kid) if isinstance(code_kid, str) and len(code_kid) == 8 else b"",
                              ()):
            assert key.compromised_since is not None
            if key.owner == str(getattr(event, "authority", None)) and timestamp >= key.compromised_since:
                self.findings.append(self._finding(
                    note, CERTIFICATE_AFTER_KEY_COMPROMISE,
                    f"certificate {_oid_text(note.originator_id)}: its code names key {key.kid} of "
                    f"{_label(key.owner)}, issued at or after the key's compromise "
                    f"({key.compromised_since.isoformat()}); verification calls it forged"))
                return

    @staticmethod
    def _finding(note: Notification, reason: str, message: str) -> AuditProblem:
        return AuditProblem(notification_id=note.id, originator_id=_oid_text(note.originator_id),
                            originator_version=note.originator_version, topic=note.topic, reason=reason,
                            message=message)

    def _check_authority(self, note: Notification, event: Any) -> bool:
        """Step 4: a valid signature proves who made an event, not that they may write to this aggregate."""
        oid = _oid_text(note.originator_id)
        authority = str(getattr(event, "authority", None))
        created = isinstance(event, CanInitAggregate)
        if created:
            try:
                check_created_authority(event, _where(note))
            except AuthorityMismatchError:
                # The rule's message quotes the state as written; the report names values only via _label.
                made = ", ".join(sorted({c.__name__ for c in created_classes(event)})) or "an unknown aggregate"
                org = f" of organization {_label(event.org_id)}" if hasattr(event, "org_id") else ""
                self.problem(note, AUTHORITY_MISMATCH, f"{_where(note)}: creates {made}{org} on behalf of "
                                                       f"{_label(authority)}, which may not create it")
                self.authorities.setdefault(oid, (sys.intern(authority), note.id))
                return False
        owner = self.authorities.get(oid)
        if owner is None:
            if created:
                self.authorities[oid] = (sys.intern(authority), note.id)
            # Otherwise its creating event failed an earlier check or is missing: reported there.
            return True
        if authority != owner[0]:
            self.problem(note, AUTHORITY_MISMATCH,
                         f"{_where(note)}: made on behalf of {_label(authority)}, but the aggregate was created "
                         f"by {_label(owner[0])} (notification {owner[1]})")
            return False
        return True

    def _check_index(self, note: Notification) -> None:
        """The views' memory of the log: the event at each notification id must be the one they applied."""
        if self.index is None:
            return
        while self.index_next is not None and self.index_next.nid < note.id:
            row = self._take_index_row()
            self.problem(None, LOG_REWRITTEN,
                         f"notification {row.nid}, where the views applied event {_label(row.originator_id)} "
                         f"v{row.originator_version}, is missing from the log",
                         notification_id=row.nid, originator_id=_label(row.originator_id),
                         originator_version=row.originator_version)
        if self.index_next is not None and self.index_next.nid == note.id:
            row = self._take_index_row()
            if (row.originator_id, row.originator_version) != (_oid_text(note.originator_id),
                                                               note.originator_version):
                self.problem(note, LOG_REWRITTEN,
                             f"notification {note.id} now holds {_where(note)}, but the views applied event "
                             f"{_label(row.originator_id)} v{row.originator_version} there: that event was "
                             "replaced (on SQLite: deleted, and its rowid reused by a later write)")
        elif note.id <= self.index_position:
            self.problem(note, LOG_REWRITTEN,
                         f"notification {note.id} holds {_where(note)}, which the views never applied though they "
                         f"read the log up to {self.index_position}: it was inserted behind them, or its index "
                         "row was removed")

    def _take_index_row(self) -> _IndexRow:
        row = self.index_next
        assert row is not None and self.index is not None
        if row.position != self.next_position:
            expected = self.next_position
            self.problem(None, LOG_INDEX_GAP,
                         f"the log index view puts notification {row.nid} at position {row.position}, where "
                         f"position {expected} was due (positions run 0, 1, 2, … in notification order): "
                         "index rows were removed, added or reordered",
                         notification_id=row.nid)
        self.next_position = row.position + 1
        self.index_next = next(self.index, None)
        return row

    def _signature_problem(self, note: Notification, stored: StoredEvent, error: EventSignatureError) -> None:
        where = f"{_where(note)}"
        sealed = unseal(stored.state)
        if error.reason == UNKNOWN_KEY and sealed is not None:
            message = f"{where}: signed by key {sealed.key_id.hex()}, which no registry key had registered before it"
            self.problem(note, UNKNOWN_KEY, message)
            # If the key turns up later in the log, this becomes "used before its registration".
            self.pending.setdefault(sealed.key_id, []).append(_Pending(len(self.problems) - 1, stored, sealed))
            return
        if error.reason == UNSIGNED:
            message = f"{where}: stored state carries no signature envelope"
        elif error.reason == BAD_SIGNATURE and sealed is not None:
            message = (f"{where}: signature by key {sealed.key_id.hex()} does not verify: the row's state, id, "
                       "version or topic changed after signing")
        else:
            message = f"{where}: signature check failed"
        self.problem(note, error.reason, message)

    def _resolve_pending(self, key: KeyInfo, registered_at: int) -> None:
        for pending in self.pending.pop(key.key_id, []):
            if not key.verifies(signing_bytes_of(pending.stored, pending.sealed), pending.sealed.signature):
                self.pending.setdefault(key.key_id, []).append(pending)  # another key sharing the id
                continue
            old = self.problems[pending.index]
            self.problems[pending.index] = AuditProblem(
                notification_id=old.notification_id, originator_id=old.originator_id,
                originator_version=old.originator_version, topic=old.topic, reason=KEY_NOT_YET_VALID,
                message=(f"event {old.originator_id} v{old.originator_version}: signed by key {key.kid}, which was "
                         f"registered only later in the log (notification {registered_at})"))

    def finish(self) -> None:
        """Report every hole in an aggregate's versions (a deleted event in the middle of its history)."""
        for oid, stray in self.stray.items():
            if not stray:
                continue
            first = self.next_version[oid]
            present = sorted(stray)
            for version in range(first, present[-1]):
                if version in stray:
                    continue
                after = min(v for v in present if v > version)
                self.problem(None, VERSION_GAP,
                             f"aggregate {oid} has no version {version}, though version {after} exists "
                             f"(notification {stray[after]}): an event was deleted",
                             originator_id=oid, originator_version=version)

    def check_views(self, positions: dict[str, int]) -> None:
        """Views that applied more of the log than it now holds saw events since deleted from its end."""
        ahead = {name: pos for name, pos in positions.items() if pos > self.last_id}
        if not ahead:
            return
        furthest = max(ahead.values())
        names = ", ".join(f"{name} (at {pos})" for name, pos in sorted(ahead.items()))
        self.problem(None, LOG_SHORTER_THAN_VIEWS,
                     f"the log ends at notification {self.last_id}, but views applied events up to {furthest}: "
                     f"{names}; events were deleted from the end of the log", notification_id=self.last_id + 1)


# -- the transparency log: the tree recomputed from the events, against every signed checkpoint ----------------

UNREADABLE_LEAF = b"vledger/audit/unreadable\n"  # never the start of real leaf data (projections/transparency.py)


class _Range:
    """A compact range: the perfect subtrees tiling leaves [start, end), as (level, index, hash), left to right.

    A leaf appended merges with its left sibling while that sibling is on the stack, so at most
    log2(end - start) + 1 nodes are held. From start 0 their right fold is the RFC 9162 root of ``end`` leaves;
    a consistency proof from size a to size b only needs the nodes of the ranges [0, a) and [a, b).
    """

    def __init__(self, start: int = 0) -> None:
        self.end = start
        self.nodes: list[tuple[int, int, bytes]] = []

    def append(self, leaf: bytes) -> None:
        level, index, digest = 0, self.end, leaf
        self.end += 1
        while index & 1 and self.nodes and self.nodes[-1][:2] == (level, index - 1):
            digest = merkle.node_hash(self.nodes.pop()[2], digest)
            level, index = level + 1, index >> 1
        self.nodes.append((level, index, digest))

    def root(self) -> bytes:
        """The root of leaves [0, end) (meaningful for a range that starts at 0)."""
        return merkle.fold([digest for _, _, digest in self.nodes]) if self.nodes else merkle.EMPTY_ROOT

    def hashes(self) -> dict[merkle.Node, bytes]:
        return {(level, index): digest for level, index, digest in self.nodes}


def _leaf_of(note: Notification) -> bytes:
    """The leaf hash of an event as the log holds it now; a row too mangled to encode gets a leaf of its own that
    no real leaf can equal (it is reported by the event checks)."""
    try:
        if isinstance(note.state, (bytearray, memoryview)):
            note = replace(note, state=bytes(note.state))
        return merkle.leaf_hash(leaf_data(note))
    except Exception:
        return merkle.leaf_hash(UNREADABLE_LEAF + struct.pack(">q", note.id))


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _lookup_in(recorder: ApplicationRecorder) -> Callable[[_Event], bool | None]:
    """Whether an event (by originator id and version) is anywhere in the log: one indexed query."""

    def in_log(event: _Event) -> bool | None:
        try:
            oid, version = UUID(str(event.originator_id)), int(event.originator_version or 0)
        except (ValueError, TypeError):
            return None
        try:
            return bool(recorder.select_events(oid, gt=version - 1, lte=version, limit=1))
        except PersistenceError:
            return None

    return in_log


@dataclass(frozen=True)
class _Checkpoint:
    size: int
    root: bytes
    origin: str
    note: Note


@dataclass(frozen=True)
class _Difference:
    """Leaf ``position`` is not the leaf the views hashed there: the event the log holds now, and the one
    the views applied there (None if their index row is gone)."""

    position: int
    now: _Event
    was: _Event | None


@dataclass
class _MismatchRun:
    """Successive signed checkpoints that do not match the recomputed tree: reported as one problem."""

    first: int
    last: int
    count: int
    signed_root: bytes
    log_root: bytes
    views_root: bytes | None
    difference: _Difference | None  # the first unexplained differing leaf, when the views reproduce the root
    since: int  # the size of the last checkpoint the log still matched (0: none)
    since_nid: int | None  # the notification at leaf ``since`` and at leaf ``first - 1``
    until_nid: int | None


@dataclass
class _InconsistentRun:
    """Successive pairs of checkpoints that no consistency proof from the recomputed tree links."""

    old: int
    new: int
    count: int
    last: int


class _TreeAudit:
    """Recomputes the Merkle tree from the events as the walk meets them, and checks every stored checkpoint
    when the walk reaches its tree size: its signature (by a log key the log registered before that size), its
    origin, its root against the recomputed one, and its consistency with the previous valid checkpoint.

    Memory: two compact ranges (the log's tree, and the views' leaves for comparison) and the nodes of the last
    valid checkpoint's range, all O(log n); problems are reported per run of successive checkpoints, so a deletion
    early in a long log is one problem, not one per later checkpoint.
    """

    def __init__(self, auditor: _Auditor, origin: str, views: _Views,
                 in_log: Callable[[_Event], bool | None]) -> None:
        self.auditor = auditor
        self.origin = origin
        self.views = views
        self.in_log = in_log
        self.tree = _Range()
        self.view_leaves = views.leaves()
        self.view_next = next(self.view_leaves, None) if self.view_leaves is not None else None
        self.view_tree = _Range()  # grows while the views' leaves are contiguous
        self.first_difference: _Difference | None = None
        self.unexplained: _Difference | None = None
        self.annotated = False
        self.last: tuple[int, bytes, bool] | None = None  # (size, signed root, agrees) of the last valid checkpoint
        self.last_nodes: dict[merkle.Node, bytes] = {}
        self.since_last = _Range()
        self.matched: int = 0
        self.matched_nid: int | None = None
        self.last_nid: int | None = None
        self.mismatch: _MismatchRun | None = None
        self.inconsistent: _InconsistentRun | None = None
        self.log_keys: list[KeyInfo] = []  # log keys the walk has learned so far, in log order
        self.checkpoint_rows = views.checkpoints()
        self.pending = self._next_checkpoint()
        self._due()

    def learn(self, key: KeyInfo) -> None:
        """A key registration the event checks accepted (signed by a registry key)."""
        if key.owner == LOG_KEY_OWNER and key.purpose == LOG_KEY_OWNER and key not in self.log_keys:
            self.log_keys.append(key)

    # -- the walk -------------------------------------------------------------------------------------------

    def add(self, note: Notification, *, named: bool) -> None:
        """Leaf ``tree.end`` is ``note``; ``named`` if a check above reported a problem at this notification."""
        position = self.tree.end
        leaf = _leaf_of(note)
        self.tree.append(leaf)
        self.since_last.append(leaf)
        if position == self.matched:
            self.matched_nid = note.id
        self.last_nid = note.id
        view = self._view_leaf(position)
        if view is not None and view.hash is not None:
            if self.view_tree.end == position:
                self.view_tree.append(view.hash)
            if view.hash != leaf:
                now = _Event(note.id, _oid_text(note.originator_id), note.originator_version, str(note.topic))
                self._differs(_Difference(position, now, view.event), named)
        self._due()

    def _view_leaf(self, position: int) -> _ViewLeaf | None:
        while self.view_next is not None and self.view_next.position < position:
            self.view_next = next(self.view_leaves, None) if self.view_leaves is not None else None
        return self.view_next if self.view_next is not None and self.view_next.position == position else None

    def _differs(self, difference: _Difference, named: bool) -> None:
        if self.first_difference is None:
            self.first_difference = difference
        if self.unexplained is None and not self._explained(difference, named):
            self.unexplained = difference

    def _explained(self, difference: _Difference, named: bool) -> bool:
        """A changed leaf that a check above already named at this very notification: the event there fails
        its signature or another check, or replaced an event that is gone from the log. A reordered event is not
        explained: the checks above see it replaced, only the tree sees that it moved."""
        was, now = difference.was, difference.now
        if not named or was is None or was.nid != now.nid:
            return False
        return was.same_event(now) or self.in_log(was) is False

    # -- checkpoints ------------------------------------------------------------------------------------------

    def _next_checkpoint(self) -> _Checkpoint | None:
        for row in self.checkpoint_rows:
            size = int(row["tree_size"])
            try:
                note = parse_note(str(row["note"]))
                body = parse_checkpoint(note.text)
            except VledgerError as e:
                self._problem(CHECKPOINT_BAD_SIGNATURE, f"the stored checkpoint of tree size {size} is not a "
                                                        f"well-formed signed checkpoint note: {e.message}")
                continue
            if body.size != size:
                self._problem(CHECKPOINT_ROW_MISMATCH, f"the checkpoint stored under tree size {size} is a note "
                                                       f"for tree size {body.size}: the row was edited")
                continue
            if _hex_or_none(row["root"]) != body.root:
                self._problem(CHECKPOINT_ROW_MISMATCH, f"the stored root of the checkpoint of tree size {size} is "
                                                       "not the root its signed note commits to: the row was edited")
            return _Checkpoint(size, body.root, body.origin, note)
        return None

    def _due(self) -> None:
        """Check every checkpoint of the size the walk has reached (sizes are unique, read in order)."""
        while self.pending is not None and self.pending.size <= self.tree.end:
            checkpoint, self.pending = self.pending, self._next_checkpoint()
            if self._signed(checkpoint):
                self._compare(checkpoint)

    def _signed(self, checkpoint: _Checkpoint) -> bool:
        """Signed by a log key that the log registered (through a registry key) before this tree size, for this
        instance's origin."""
        keys = self.log_keys
        if not any(Verifier(k.name, k.key_id, k.public_key).verifies(checkpoint.note) for k in keys):
            known = (f"log key(s) {', '.join(k.kid for k in keys)}" if keys else "no log key at all")
            self._problem(CHECKPOINT_BAD_SIGNATURE,
                          f"the checkpoint of tree size {checkpoint.size} carries no signature that verifies with a "
                          f"log key registered in the log before it (the log registered {known}): the note was "
                          "edited or forged")
            return False
        if checkpoint.origin != self.origin:
            self._problem(CHECKPOINT_WRONG_ORIGIN, f"the checkpoint of tree size {checkpoint.size} is for origin "
                                                   f"{_label(checkpoint.origin)}, not this instance's "
                                                   f"{_label(self.origin)}")
            return False
        return True

    def _compare(self, checkpoint: _Checkpoint) -> None:
        size = checkpoint.size
        root = self.tree.root()
        views_root = self.view_tree.root() if self.view_tree.end == size else None
        if root == checkpoint.root:
            agrees = True
            self._close_mismatch()
            self.matched, self.matched_nid = size, None
        elif (views_root == checkpoint.root and self.first_difference is not None
              and self.first_difference.position < size
              and (self.unexplained is None or self.unexplained.position >= size)):
            # The views reproduce the signed root, so their leaves are the signed ones: every leaf that differs
            # from them is an event a check above already named. Say it there, once, instead of again here.
            agrees = True
            self._close_mismatch()
            self._annotate(size)
        else:
            agrees = False
            self._mismatch(checkpoint, root, views_root)
        self._check_consistency(checkpoint, agrees)
        self.last = (size, checkpoint.root, agrees)
        self.last_nodes = self.tree.hashes()
        self.since_last = _Range(size)

    def _mismatch(self, checkpoint: _Checkpoint, root: bytes, views_root: bytes | None) -> None:
        run = self.mismatch
        if run is not None:
            run.last, run.count = checkpoint.size, run.count + 1
            return
        authenticated = views_root is not None and views_root == checkpoint.root
        self.mismatch = _MismatchRun(
            first=checkpoint.size, last=checkpoint.size, count=1, signed_root=checkpoint.root, log_root=root,
            views_root=views_root, difference=self.unexplained if authenticated else None, since=self.matched,
            since_nid=self.matched_nid, until_nid=self.last_nid)

    def _check_consistency(self, checkpoint: _Checkpoint, agrees: bool) -> None:
        """RFC 9162: a consistency proof from the previous valid checkpoint to this one, computed from the
        recomputed tree, must link both signed roots."""
        if self.last is None:
            return
        old, old_root, old_agrees = self.last
        nodes = {**self.last_nodes, **self.since_last.hashes()}
        try:
            proof = merkle.consistency_proof(old, checkpoint.size,
                                             lambda keys: {k: nodes[k] for k in keys if k in nodes})
            consistent = merkle.verify_consistency(old, checkpoint.size, old_root, checkpoint.root, proof)
        except merkle.ProofError:
            consistent = False
        if consistent or (old_agrees and agrees):  # consistent, or only through events named above
            self._close_inconsistent()
            return
        run = self.inconsistent
        if run is not None and run.last == old:
            run.last, run.count = checkpoint.size, run.count + 1
            return
        self._close_inconsistent()
        self.inconsistent = _InconsistentRun(old, checkpoint.size, 1, checkpoint.size)

    def _annotate(self, size: int) -> None:
        if self.annotated or self.first_difference is None:
            return
        self.annotated = True
        nid = self.first_difference.now.nid
        for i, p in enumerate(self.auditor.problems):
            if p.notification_id == nid:
                self.auditor.problems[i] = replace(p, message=(
                    f"{p.message}; the signed checkpoints from tree size {size} on commit to what this "
                    "notification held when it was logged, not to what it holds now"))
                return

    # -- reports ------------------------------------------------------------------------------------------------

    def _problem(self, reason: str, message: str, event: _Event | None = None) -> None:
        self.auditor.problems.append(AuditProblem(
            notification_id=event.nid if event else None,
            originator_id=_label(event.originator_id) if event and event.originator_id is not None else None,
            originator_version=event.originator_version if event else None,
            topic=event.topic if event else None, reason=reason, message=message))

    def _describe(self, difference: _Difference) -> tuple[_Event, str]:
        """What happened at the first differing leaf, and which event to name for it."""
        p, now, was = difference.position, difference.now, difference.was
        if was is None:
            return now, (f"leaf {p} now holds {now.text()}, and the views' record of which event they hashed "
                         "there is gone")
        if was.same_event(now):
            if was.nid == now.nid:
                return now, (f"{now.text()} changed after it was logged: its stored state, signature or topic is "
                             "not what the signed tree holds")
            return now, f"{now.text()} was moved there from notification {was.nid}"
        in_log = self.in_log(was) is True
        at = self.views.position_of(now)
        if at is not None and in_log:
            return now, (f"events were reordered: leaf {p} now holds {now.text()}, which the signed tree has at "
                         f"leaf {at}, while {was.name()}, which the signed tree has there (at notification "
                         f"{was.nid}), is still in the log but elsewhere")
        if at is not None and at > p:
            more = f", as were the {at - p - 1} event(s) after it" if at - p > 1 else ""
            return was, (f"{was.text()}, leaf {p} of the signed tree, was deleted{more}: leaf {p} now holds "
                         f"{now.text()}, which the signed tree has at leaf {at}")
        if in_log:
            return now, (f"{now.text()} was inserted at leaf {p}, before {was.name()}, which the signed tree "
                         f"has there (at notification {was.nid}) and the log now holds later")
        return now, (f"{was.text()}, leaf {p} of the signed tree, is gone from the log, and {now.text()}, which "
                     "the signed tree does not hold, took its place")

    def _close_mismatch(self) -> None:
        run, self.mismatch = self.mismatch, None
        if run is None:
            return
        if run.count == 1:
            head = f"the signed checkpoint of tree size {run.first} does not match"
        else:
            head = f"{run.count} signed checkpoints, of tree sizes {run.first} to {run.last}, do not match"
        head += (f" the tree recomputed from the log (at tree size {run.first}: signed root "
                 f"{_b64(run.signed_root)}, recomputed {_b64(run.log_root)})")
        if run.difference is not None:
            event, what = self._describe(run.difference)
            self._problem(CHECKPOINT_MISMATCH, f"{head}; the views' leaf hashes reproduce the signed root, and the "
                                               f"first leaf that differs is leaf {run.difference.position}: {what}",
                          event)
            return
        if run.views_root is None:
            why, rebuilt = "the views hold no tree of that size to compare leaves with", ""
        elif run.views_root == run.log_root:
            why, rebuilt = "the views' leaf hashes agree with the log, not with the checkpoint", \
                " (and the views rebuilt from the log)"
        else:
            why, rebuilt = "the views' leaf hashes do not reproduce the signed root either", ""
        if run.first - run.since == 1:
            where = f"leaf {run.since} (notification {run.until_nid}) was"
        else:
            where = (f"events among leaves {run.since} to {run.first - 1} (notifications {run.since_nid} to "
                     f"{run.until_nid}) were")
        since = (f"after the last checkpoint the log still matches (tree size {run.since})" if run.since
                 else "and no earlier checkpoint matches")
        self._problem(CHECKPOINT_MISMATCH,
                      f"{head}; {why}, so no leaf can be named: either {where} deleted, inserted, reordered or "
                      f"changed{rebuilt}, {since}, or the checkpoint was signed over a tree this log never held")

    def _close_inconsistent(self) -> None:
        run, self.inconsistent = self.inconsistent, None
        if run is None:
            return
        more = (f"; {run.count - 1} later pair(s) of successive checkpoints, up to tree size {run.last}, are "
                "inconsistent too" if run.count > 1 else "")
        self._problem(CHECKPOINTS_INCONSISTENT,
                      f"the signed checkpoints of tree sizes {run.old} and {run.new} are inconsistent: no RFC 9162 "
                      f"consistency proof from the tree recomputed from the log links their roots, so the log as "
                      f"it is now does not extend the one signed at tree size {run.old} to the one signed at "
                      f"{run.new}{more}")

    def finish(self) -> None:
        """Checkpoints the walk never reached commit to events the log no longer holds."""
        size = self.tree.end
        first, last, count = None, None, 0
        while self.pending is not None:
            checkpoint, self.pending = self.pending, self._next_checkpoint()
            if self._signed(checkpoint):
                first, last, count = first if first is not None else checkpoint.size, checkpoint.size, count + 1
        self._close_mismatch()
        self._close_inconsistent()
        if not count:
            return
        span = (f"the signed checkpoint of tree size {first} commits" if count == 1 else
                f"{count} signed checkpoints, of tree sizes {first} to {last}, commit")
        # When the log is a prefix of the views' tree, the views' next leaf is the first event the log lacks.
        view = self._view_leaf(size) if self.first_difference is None and self.view_tree.end == size else None
        missing = view.event if view is not None else None
        self._problem(CHECKPOINT_BEYOND_LOG,
                      f"{span} to more events than the log holds ({size}): events were deleted from the log"
                      + (f"; the views applied {missing.text()} at leaf {size}, the first one the log lacks"
                         if missing is not None else ""), missing)



# -- `vledger audit` -----------------------------------------------------------------------------------------

EXIT_INTACT, EXIT_TAMPERED, EXIT_ERROR = 0, 1, 2


def format_report(report: AuditReport, data_dir: object) -> str:
    """The human report: a verdict line, then one line per problem naming the event and what failed, then the
    findings (what a revoked key signed after its compromise), which do not make the log less intact."""
    if report.intact:
        lines = [f"audit of {data_dir}: intact ({report.events_checked} events verified)"]
    else:
        lines = [f"audit of {data_dir}: TAMPERED ({len(report.problems)} problem(s) in "
                 f"{report.events_checked} events)"]
    lines.extend(_problem_line(p) for p in report.problems)
    if report.findings:
        lines.append(f"{len(report.findings)} finding(s) about revoked keys (not tampering; for review):")
        lines.extend(_problem_line(p) for p in report.findings)
    return "\n".join(lines)


def _problem_line(p: AuditProblem) -> str:
    where = []
    if p.notification_id is not None:
        where.append(f"#{p.notification_id}")
    if p.originator_id is not None:
        where.append(f"{p.originator_id} v{p.originator_version}")
    if p.topic:
        where.append(f"({p.topic})")
    return f"  {p.reason}: {' '.join(where) or '-'}: {p.message}"


def main(args: argparse.Namespace) -> int:
    """The `audit` subcommand: exit 0 intact, 1 tampering found, 2 the audit could not run."""
    from api.cli import settings_from
    from api.progress import progress_bar

    def error(code: str, message: str) -> int:
        if getattr(args, "json", False):
            print(json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False))
        print(f"vledger audit: error: {message}", file=sys.stderr)
        return EXIT_ERROR

    try:
        settings = settings_from(args)
        report = audit(settings, progress=progress_bar("audit"))
    except VledgerError as e:
        return error(e.code, e.message)
    except (PersistenceError, OSError, ValueError) as e:  # settings refused, store unreachable
        return error("audit_error", f"{type(e).__name__}: {e}")
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, settings.data_dir))
    return EXIT_INTACT if report.intact else EXIT_TAMPERED
