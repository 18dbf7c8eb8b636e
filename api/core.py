"""The core of the application service: the signed event store, the views that follow it and the keys.

Use cases live in ``api/usecases`` (one module per resource); every write goes through ``save_and_project``,
which returns after the views have caught up (read your writes)."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any, Self, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, Recording
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    InfrastructureFactory,
    JSONTranscoder,
    Mapper,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic

from api.instance import ADMIN_TOKEN_FILE, AlreadyInitializedError, Instance
from api.settings import Settings
from domain.access import (
    AccessToken,
    Principal,
    token_hash,
)
from domain.base import REGISTRY, VledgerAggregate
from domain.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    VledgerError,
)
from domain.inspector import INSPECTION
from domain.signing_key import SigningKey, lifecycle_names_key
from domain.succession import check_events_allowed
from keys.errors import EventSignatureError
from keys.ids import key_id
from keys.keyring import KeyInfo, Keyring, Signer
from keys.mapper import SigningMapper
from keys.notes import Checkpoint, signature_line, signed_note
from keys.store import IdDigester, KeyStore, load_or_create_secret, resolve_passphrase, write_private_file
from projections import merkle
from projections.authority import AuthorityGuardView
from projections.certificate_requests import CertificateRequestsView, SuccessionView, successors_of
from projections.certificates import CertificatesView
from projections.checkpoints import CheckpointStore, StoredCheckpoint
from projections.directory import DirectoryView, find_token
from projections.history import HistoryView
from projections.inspections import SpotChecksView
from projections.inspectors import InspectorsView
from projections.records import RecordsView
from projections.runner import Phases, ViewRunner
from projections.store import PostgresViewStore, SQLiteViewStore
from projections.transparency import TransparencyLogView, fetch_nodes, tree_size
from projections.verification_failures import VerificationFailureStore
from projections.volunteer_record import VolunteerRecordView
from projections.volunteers import VolunteerTotalsView

log = logging.getLogger("vledger")
A = TypeVar("A", bound=VledgerAggregate)
T = TypeVar("T")


class ViewsBehindError(VledgerError):
    """A write was saved but the views could not catch up (HTTP 503; the write is not lost)."""

    code = "views_behind"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DateAsISO(Transcoding):
    """Dates (birth dates, certificate periods) as ISO strings; eventsourcing registers only datetimes."""

    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


def event_transcoder() -> JSONTranscoder:
    """The one transcoder of stored event bodies (the application's mapper and the audit's both use it)."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        transcoder.register(transcoding)
    return transcoder


def key_info_of(event: SigningKey.KeyRegistered) -> KeyInfo:
    return KeyInfo(key_id=bytes.fromhex(event.key_id), name=event.name, public_key=base64.b64decode(event.public_key),
                   owner=event.owner, purpose=event.purpose, valid_from=event.valid_from)


KeyEvent = TypeVar("KeyEvent", SigningKey.KeyRegistered, SigningKey.KeyRetired, SigningKey.KeyRevoked)


def check_registered_by_registry(event: KeyEvent) -> KeyEvent:
    """Only the registry registers, retires and revokes keys. The mapper has checked the signer owns
    ``event.authority``; this makes sure that authority is the registry, so an organization's key cannot mint
    keys, nor retire a rival's, nor un-revoke its own."""
    if event.authority != REGISTRY:
        raise EventSignatureError(
            f"key event {event.originator_id} v{event.originator_version} was made for {event.authority}, "
            "not the registry",
            originator_id=event.originator_id, originator_version=event.originator_version,
            reason="key_not_registered_by_registry")
    return event


def apply_key_event(keyring: Keyring, event: Any) -> None:
    """Bring the keyring up to a key event read from the log (checked: made for the registry, signed by its key).
    A lifecycle event is applied only to the key it both names and belongs to (``lifecycle_names_key``)."""
    if isinstance(event, SigningKey.KeyRegistered):
        keyring.add(key_info_of(check_registered_by_registry(event)))
    elif isinstance(event, SigningKey.KeyRetired):
        check_registered_by_registry(event)
        if lifecycle_names_key(event):
            keyring.update(bytes.fromhex(event.key_id), base64.b64decode(event.public_key), status="retired",
                           retired_at=event.retired_at)
    elif isinstance(event, SigningKey.KeyRevoked):
        check_registered_by_registry(event)
        if lifecycle_names_key(event):
            keyring.update(bytes.fromhex(event.key_id), base64.b64decode(event.public_key), status="revoked",
                           retired_at=event.retired_at, compromised_since=event.compromised_since)


ID_SECRET_FILE = "id-digest.key"
KEY_TOPICS = tuple(get_topic(cls) for cls in (SigningKey.KeyRegistered, SigningKey.KeyRetired,
                                              SigningKey.KeyRevoked))


class VledgerCore(Application[UUID]):
    """The signed event store, its views and keys: what every use case builds on."""

    name = "vledger"

    def __init__(self, settings: Settings, clock: Callable[[], dt.datetime] = utc_now, *,
                 catch_up: bool = True) -> None:
        """Open an instance. ``catch_up=False`` skips bringing views up to date (``vledger rebuild`` drops
        them anyway, and must work even when they are broken)."""
        self.settings = settings
        self.clock = clock
        self.instance = Instance.load(settings.data_dir)
        secret = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
        passphrase, _ = resolve_passphrase(settings.data_dir, secret, create=False)
        self.key_store = KeyStore(settings.data_dir, passphrase)
        self.keyring = Keyring([self.instance.root_key], reload=self._load_keys)
        self.signer = Signer(self.keyring, self.key_store)
        self.id_digest = IdDigester(load_or_create_secret(settings.data_dir, ID_SECRET_FILE))
        self._keys_lock = threading.RLock()
        self._keys_position: int | None = None
        # The last checkpoint note whose signature was checked, and the root it signs (None: it did not verify).
        # Verifying many certificates checks the same newest checkpoint each time: once is enough.
        self._checked_checkpoint: tuple[str, bytes | None] | None = None
        super().__init__(env=settings.persistence_env())
        self._load_keys()
        store = self._construct_view_store()
        self.views = ViewRunner(self.recorder, self.mapper, store, [
            AuthorityGuardView(store),  # first: it refuses a batch before any other view applies it
            DirectoryView(store), RecordsView(store, self.id_digest),
            VolunteerTotalsView(store, settings.star_thresholds),
            VolunteerRecordView(store),
            CertificatesView(store), HistoryView(store), InspectorsView(store),
            CertificateRequestsView(store), SuccessionView(store), SpotChecksView(store), TransparencyLogView(store),
        ])
        self.checkpoints = CheckpointStore(store)
        # Counts of failed verifications (not a view: kept by `vledger rebuild`; see the module).
        self.verification_failures = VerificationFailureStore(store)
        if catch_up:
            self.views.catch_up()

    # -- construction -------------------------------------------------------------------------------

    def construct_mapper(self) -> Mapper[UUID]:
        return SigningMapper(event_transcoder(), self.signer, self.keyring)

    def _construct_view_store(self) -> Any:
        factory = InfrastructureFactory.construct(self.settings.views_env())
        cls = PostgresViewStore if self.settings.uses_postgres else SQLiteViewStore
        self._view_factory = factory
        return factory.tracking_recorder(cls)

    def _load_keys(self) -> None:
        """Learn registered public keys and their lifecycle from the log (each event verified with the root key).

        Incremental: a verifier presenting an unknown key id, and every signer before it signs (keys/keyring.py),
        triggers a reload, so each reload reads only key events after the last one seen — one indexed query
        when nothing is new. That is how a server learns of a rotation or revocation another process logged.
        """
        with self._keys_lock:
            # Scan up to the log's end as it is now and remember that end, not the last key found: an unknown
            # key id on the public verify endpoint then costs one short query, however long the log is.
            top = self.recorder.max_notification_id() or 0
            while (self._keys_position or 0) < top:
                notes = self.recorder.select_notifications(start=self._keys_position, limit=500, stop=top,
                                                           topics=KEY_TOPICS, inclusive_of_start=False)
                for n in notes:
                    apply_key_event(self.keyring, self.mapper.to_domain_event(n))
                    self._keys_position = n.id
                if len(notes) < 500:
                    self._keys_position = top

    def _notify(self, recordings: Sequence[Any]) -> None:
        for r in recordings:
            apply_key_event(self.keyring, r.domain_event)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """Every save signs its events after one look at the key lifecycle (not one look per event)."""
        with self.signer.batch():
            return super().save(*objs, **kwargs)

    def save_and_project(self, *aggregates: VledgerAggregate, phases: Phases | None = None) -> list[Any]:
        """Save atomically (one transaction: all or nothing), then bring the views up to date before answering.
        ``phases`` draws the progress of a long save (a paper import): "save", then the views' catch-up."""
        self._check_no_dissolved_writer(aggregates)
        # One look at the key lifecycle for the events and the checkpoint that follows them (keys/keyring.py Signer).
        with self.signer.batch():
            saving = phases("save") if phases else None
            if saving is not None:
                saving(0, 1)
            recordings = self.save(*aggregates)
            if saving is not None:
                saving(1, 1)
            try:
                self.views.catch_up(progress=phases("views") if phases else None)
            except Exception as e:
                # The write is in the log and stays there; say so rather than let it look like a failed write.
                raise ViewsBehindError(f"the change was saved (notification {recordings[-1].notification.id}) but "
                                       f"the views could not catch up ({type(e).__name__}); reads may lag until they "
                                       "do") from e
            self.sign_checkpoint()
        return recordings

    def _check_no_dissolved_writer(self, aggregates: Sequence[VledgerAggregate]) -> None:
        """Refuse (before anything is written) any event made for or by a dissolved organization: one check for
        every path that writes — HTTP, a paper import, a CLI — however the write came to be (domain.succession)."""
        with self.read() as c:
            successors = successors_of(c)
        check_events_allowed([event for aggregate in aggregates for event in aggregate.pending_events], successors)

    def sign_checkpoint(self) -> StoredCheckpoint | None:
        """Sign a C2SP checkpoint of the tree as the views now hold it, if it grew since the last one."""
        with self.views.store.transaction(commit=False) as c:
            size = tree_size(c)
            latest = self.checkpoints.latest()
            if size == 0 or (latest is not None and latest.tree_size >= size):
                return latest
            root = merkle.root(size, lambda keys: fetch_nodes(c, keys))
        body = Checkpoint(self.instance.origin, size, root).body()
        info, signature = self.signer.sign("log", lambda key: body.encode("utf-8"))
        note = signed_note(body, [signature_line(info.name, info.key_id, signature)])
        self.checkpoints.add(size, root, note, self.clock().isoformat())
        return self.checkpoints.latest()

    def _unused(self, make: Callable[[], T], table: str, column: str,
                shown: Callable[[T], str] = str) -> T:
        """A fresh random value whose public form is not yet taken (public numbers must be unique)."""
        return self._unused_many(make, 1, table, column, shown)[0]

    def _unused_many(self, make: Callable[[], T], count: int, table: str, column: str,
                     shown: Callable[[T], str] = str) -> list[T]:
        """``count`` fresh random values, distinct and with public forms not yet taken, in a few queries."""
        found: dict[str, T] = {}
        for _ in range(10):
            if len(found) >= count:
                break
            candidates = {shown(value): value for value in (make() for _ in range(count - len(found)))}
            candidates = {k: v for k, v in candidates.items() if k not in found}
            with self.read() as c:
                taken = {r[column] for r in c.select_in(f"SELECT {column} FROM {table} WHERE {column} IN ({{marks}})",
                                                         list(candidates))}
            found.update((k, v) for k, v in candidates.items() if k not in taken)
        if len(found) < count:
            raise ConflictError(f"could not find {count} unused values of {column} in 10 rounds")
        return list(found.values())[:count]

    def close(self) -> None:
        super().close()
        factory = getattr(self, "_view_factory", None)
        if factory is not None:
            factory.close()

    # -- helpers --------------------------------------------------------------------------------------

    def load(self, cls: type[A], aggregate_id: UUID, what: str) -> A:
        """An aggregate of the expected type, or NotFoundError naming what was looked for."""
        try:
            aggregate: VledgerAggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFoundError(f"no {what} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(f"no {what} with id {aggregate_id}")
        return aggregate

    def read(self) -> Any:
        """A read-only cursor on fresh views (catching up first if another process wrote)."""
        self.views.ensure_fresh()
        return self.views.store.transaction(commit=False)

    def _new_token(self, now: dt.datetime, actor: str, authority: str, role: str, subject: str,
                   org_id: UUID | None) -> tuple[AccessToken, str]:
        secret = "vl_" + secrets.token_urlsafe(32)
        return AccessToken.issue(now=now, actor=actor, authority=authority, secret=secret, role=role,
                                 subject=subject, org_id=org_id), secret

    def _register_key(self, now: dt.datetime, actor: str, name: str, owner: str, purpose: str,
                      public_key: bytes) -> SigningKey:
        return SigningKey.register(now=now, actor=actor, key_id=key_id(name, public_key).hex(), name=name,
                                   public_key=base64.b64encode(public_key).decode(), owner=owner, purpose=purpose)

    def _new_key_for(self, now: dt.datetime, actor: str, owner: str, purpose: str) -> SigningKey:
        """A fresh key for an organization (or the inspection authority), generated into the key store; its
        registration is saved by the caller (signed by the root key)."""
        if purpose == "inspection" and owner == INSPECTION:
            return self._new_inspection_key(now, actor)
        new_key = self.key_store.generate(f"{self.instance.origin}/org/{owner}")
        return self._register_key(now, actor, new_key.name, owner, purpose, new_key.public_key)

    def _new_inspection_key(self, now: dt.datetime, actor: str) -> SigningKey:
        """A new inspection key (DESIGN §3): generated into the key store, its registration to be saved (signed by
        the root key). It signs what the inspection authority makes — read receipts, draws, inspections."""
        new_key = self.key_store.generate(f"{self.instance.origin}/{INSPECTION}")
        return self._register_key(now, actor, new_key.name, INSPECTION, "inspection", new_key.public_key)

    # -- bootstrap --------------------------------------------------------------------------------------

    @classmethod
    def initialize(cls, settings: Settings, clock: Callable[[], dt.datetime] = utc_now) -> tuple[
            Self, str, bool]:
        """`vledger init`: keys, their registrations and the registry token. Returns (app, token, generated)."""
        data_dir = settings.data_dir
        if Instance.exists(data_dir):
            raise AlreadyInitializedError(f"{data_dir} already holds a vledger instance; refusing to overwrite it")
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        secret = settings.key_passphrase.get_secret_value() if settings.key_passphrase else None
        passphrase, generated = resolve_passphrase(data_dir, secret, create=True)
        store = KeyStore(data_dir, passphrase)
        now = clock()
        root = store.generate(f"{settings.origin}/root")
        log_key = store.generate(settings.origin)
        instance = Instance(origin=settings.origin, root_name=root.name, root_public_key=root.public_key,
                            created_at=now)
        instance.save(data_dir)
        try:
            app = cls(settings, clock)
            actor = "registry:init"
            token, token_secret = app._new_token(now, actor, REGISTRY, "registry", "registry", None)
            app.save_and_project(
                app._register_key(now, actor, root.name, REGISTRY, "root", root.public_key),
                app._register_key(now, actor, log_key.name, "log", "log", log_key.public_key),
                app._new_inspection_key(now, actor),
                token,
            )
            write_private_file(data_dir / ADMIN_TOKEN_FILE, (token_secret + "\n").encode())
        except BaseException:
            # A half-made instance would be refused by every later `init`: undo the marker so init can retry.
            instance.remove(data_dir)
            raise
        return app, token_secret, generated

    # -- access ----------------------------------------------------------------------------------------------

    def authenticate(self, secret: str) -> Principal:
        """The principal of a bearer token, looked up by hash only."""
        with self.read() as c:
            row = find_token(c, token_hash(secret))
        if row is None:
            raise AuthenticationError("unknown or revoked token")
        return Principal(role=row["role"], subject=row["subject"],
                         org_id=UUID(row["org_id"]) if row["org_id"] else None)
