"""The application service: one method per use case. Each loads aggregates, calls one command, saves,
and returns after the views have caught up (read your writes)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
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

from api import qr
from api.instance import ADMIN_TOKEN_FILE, AlreadyInitializedError, Instance
from api.settings import Settings
from api.verification import LoggedCertificate, verify_code
from domain.access import (
    AccessToken,
    Principal,
    check_acts_for,
    check_history_reader,
    check_holder,
    check_reads,
    check_registry,
    token_hash,
)
from domain.activity import Activity
from domain.base import REGISTRY, VledgerAggregate
from domain.certificate import Certificate, certificate_number, summarize
from domain.certificate_code import CertificateClaims, claims_bytes, encode, signing_message, to_text
from domain.errors import (
    AuthenticationError,
    ConflictError,
    InvalidFieldError,
    LogIntegrityError,
    NotFoundError,
    VledgerError,
)
from domain.organization import Organization
from domain.people import mask_name
from domain.record import ServiceRecord, check_day_total, check_no_overlap, check_not_recorded_twice, service_day
from domain.signing_key import SigningKey
from domain.verdicts import Verdict
from domain.volunteer import Volunteer, new_volunteer_number
from keys.errors import EventSignatureError
from keys.ids import key_id
from keys.keyring import KeyInfo, Keyring, Signer
from keys.mapper import SigningMapper, unseal
from keys.notes import Checkpoint, Verifier, parse_checkpoint, parse_note, signature_line, signed_note
from keys.store import IdDigester, KeyStore, load_or_create_secret, resolve_passphrase, write_private_file
from projections import merkle
from projections.authority import AuthorityGuardView
from projections.base import hours_of
from projections.certificates import CertificatesView
from projections.checkpoints import CheckpointStore, StoredCheckpoint
from projections.directory import DirectoryView, find_token
from projections.history import HistoryView, history_entry, plain
from projections.records import RecordsView
from projections.runner import LogShrankError, ViewRunner
from projections.store import PostgresViewStore, SQLiteViewStore, ViewCursor
from projections.transparency import TransparencyLogView, fetch_nodes, leaf_data, tree_size
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


def check_registered_by_registry(event: SigningKey.KeyRegistered) -> SigningKey.KeyRegistered:
    """Only the registry registers keys. The mapper has checked the signer owns ``event.authority``;
    this makes sure that authority is the registry, so an organization's key cannot mint keys."""
    if event.authority != REGISTRY:
        raise EventSignatureError(
            f"key registration {event.originator_id} was made for {event.authority}, not the registry",
            originator_id=event.originator_id, originator_version=event.originator_version,
            reason="key_not_registered_by_registry")
    return event


ID_SECRET_FILE = "id-digest.key"
KEY_TOPICS = (get_topic(SigningKey.KeyRegistered),)


class VledgerApplication(Application[UUID]):
    """vledger's use cases over the signed event store."""

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
        super().__init__(env=settings.persistence_env())
        self._load_keys()
        store = self._construct_view_store()
        self.views = ViewRunner(self.recorder, self.mapper, store, [
            AuthorityGuardView(store),  # first: it refuses a batch before any other view applies it
            DirectoryView(store), RecordsView(store, self.id_digest),
            VolunteerTotalsView(store, settings.star_thresholds),
            CertificatesView(store), HistoryView(store), TransparencyLogView(store),
        ])
        self.checkpoints = CheckpointStore(store)
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
        """Learn registered public keys from the log (each registration verified with the root key).

        Incremental: a verifier presenting an unknown key id triggers a reload, so each reload reads
        only registrations after the last one seen — one indexed query when nothing is new.
        """
        with self._keys_lock:
            # Scan up to the log's end as it is now and remember that end, not the last key found: an unknown
            # key id on the public verify endpoint then costs one short query, however long the log is.
            top = self.recorder.max_notification_id() or 0
            while (self._keys_position or 0) < top:
                notes = self.recorder.select_notifications(start=self._keys_position, limit=500, stop=top,
                                                           topics=KEY_TOPICS, inclusive_of_start=False)
                for n in notes:
                    event = self.mapper.to_domain_event(n)
                    assert isinstance(event, SigningKey.KeyRegistered)
                    self.keyring.add(key_info_of(check_registered_by_registry(event)))
                    self._keys_position = n.id
                if len(notes) < 500:
                    self._keys_position = top

    def _notify(self, recordings: Sequence[Any]) -> None:
        for r in recordings:
            if isinstance(r.domain_event, SigningKey.KeyRegistered):
                self.keyring.add(key_info_of(check_registered_by_registry(r.domain_event)))

    def save_and_project(self, *aggregates: VledgerAggregate) -> list[Any]:
        """Save atomically, then bring the views up to date before answering."""
        recordings = self.save(*aggregates)
        try:
            self.views.catch_up()
        except Exception as e:
            # The write is in the log and stays there; say so rather than let it look like a failed write.
            raise ViewsBehindError(f"the change was saved (notification {recordings[-1].notification.id}) but the "
                                   f"views could not catch up ({type(e).__name__}); reads may lag until they do") from e
        self.sign_checkpoint()
        return recordings

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
        for _ in range(10):
            candidate = make()
            with self.read() as c:
                if c.execute(f"SELECT 1 AS taken FROM {table} WHERE {column} = ?", (shown(candidate),)).fetchone() \
                        is None:
                    return candidate
        raise ConflictError(f"could not find an unused {column} in 10 tries")

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

    # -- bootstrap --------------------------------------------------------------------------------------

    @classmethod
    def initialize(cls, settings: Settings, clock: Callable[[], dt.datetime] = utc_now) -> tuple[
            VledgerApplication, str, bool]:
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

    # -- organizations ------------------------------------------------------------------------------------

    def register_organization(self, principal: Principal, *, name: str, charter_purpose: str,
                              credit_code: str | None = None, region_code: str | None = None) -> dict[str, Any]:
        """The registry registers an organization, its signing key and its first token."""
        check_registry(principal)
        now = self.clock()
        org = Organization.register(now=now, actor=principal.actor, name=name, charter_purpose=charter_purpose,
                                    credit_code=credit_code, region_code=region_code)
        new_key = self.key_store.generate(f"{self.instance.origin}/org/{org.id}")
        key = self._register_key(now, principal.actor, new_key.name, str(org.id), "organization", new_key.public_key)
        token, secret = self._new_token(now, principal.actor, REGISTRY, "organization", str(org.id), org.id)
        self.save_and_project(key, org, token)
        log.info("organization registered id=%s key=%s", org.id, new_key.key_id.hex())
        return {"id": str(org.id), "token": secret, "key_id": new_key.key_id.hex(), "identified": org.identified}

    # -- volunteers ------------------------------------------------------------------------------------------

    def register_volunteer(self, principal: Principal, org_id: UUID, *, name: str, id_number: str,
                           id_type: str = "resident_id", gender: str | None = None,
                           phone: str | None = None, guardian_consent: bool = False) -> dict[str, Any]:
        """An organization registers a volunteer; the volunteer gets a token for their own data."""
        check_acts_for(principal, org_id)
        self.load(Organization, org_id, "organization")
        now = self.clock()
        number = self._unused(lambda: new_volunteer_number(now), "view_volunteers", "volunteer_number")
        volunteer = Volunteer.register(now=now, actor=principal.actor, org_id=org_id, name=name,
                                       id_number=id_number, id_type=id_type, gender=gender, phone=phone,
                                       volunteer_number=number, guardian_consent=guardian_consent)
        with self.read() as c:
            if c.execute("SELECT 1 AS found FROM view_volunteers WHERE org_id = ? AND id_digest = ?",
                         (str(org_id), self.id_digest(volunteer.id_type, volunteer.id_number))).fetchone():
                raise ConflictError("a volunteer with this ID document is already registered with this organization",
                                    code="duplicate_volunteer")
        token, secret = self._new_token(now, principal.actor, str(org_id), "volunteer", str(volunteer.id), org_id)
        self.save_and_project(volunteer, token)
        log.info("volunteer registered id=%s org=%s", volunteer.id, org_id)
        return {"id": str(volunteer.id), "volunteer_number": volunteer.volunteer_number,
                "masked_name": volunteer.masked_name, "token": secret}

    def get_volunteer(self, principal: Principal, volunteer_id: UUID) -> dict[str, Any]:
        """Totals, star level and current records of one volunteer."""
        with self.read() as c:
            row = c.execute("SELECT v.*, t.centi_hours, t.record_count, t.star_level FROM view_volunteers v "
                            "JOIN view_volunteer_totals t ON t.volunteer_id = v.id WHERE v.id = ?",
                            (str(volunteer_id),)).fetchone()
            if row is None:
                raise NotFoundError(f"no volunteer with id {volunteer_id}")
            check_reads(principal, UUID(row["org_id"]), volunteer_id)
            records = c.execute("SELECT * FROM view_records WHERE volunteer_id = ? ORDER BY recorded_at",
                                (str(volunteer_id),)).fetchall()
        return {
            "id": row["id"], "org_id": row["org_id"], "name": row["name"], "masked_name": row["masked_name"],
            "volunteer_number": row["volunteer_number"], "id_type": row["id_type"],
            "id_number_tail": row["id_tail"], "gender": row["gender"],
            "total_hours": str(hours_of(row["centi_hours"])), "record_count": row["record_count"],
            "star_level": row["star_level"], "records": [record_json(r) for r in records],
        }

    # -- activities and records ------------------------------------------------------------------------------

    def create_activity(self, principal: Principal, org_id: UUID, **fields: Any) -> dict[str, Any]:
        """An organization records an activity with the Beijing minimum fields."""
        check_acts_for(principal, org_id)
        self.load(Organization, org_id, "organization")
        activity = Activity.create(now=self.clock(), actor=principal.actor, org_id=org_id, **fields)
        self.save_and_project(activity)
        return {"id": str(activity.id), "warnings": []}

    def record_service(self, principal: Principal, activity_id: UUID, *, volunteer_id: UUID, hours: Any,
                       content: str | None = None, evaluation: str | None = None,
                       paper_recorded_on: dt.date | None = None) -> dict[str, Any]:
        """The organization that ran the activity records a volunteer's hours (谁组织谁记录)."""
        activity = self.load(Activity, activity_id, "activity")
        check_acts_for(principal, activity.org_id)
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        if volunteer.org_id != activity.org_id:
            raise InvalidFieldError("volunteer_id", "the volunteer is not registered with this organization",
                                    code="volunteer_of_other_organization")
        # Built first so that the command's own fields are checked first; nothing is saved until the rules
        # across the volunteer's other records below have passed.
        record = ServiceRecord.record(now=self.clock(), actor=principal.actor, org_id=activity.org_id,
                                      activity_id=activity.id, activity_hours=activity.duration_hours,
                                      activity_end=activity.end,
                                      volunteer_id=volunteer.id, hours=hours, content=content,
                                      evaluation=evaluation, paper_recorded_on=paper_recorded_on)
        others = self._service_of(volunteer.id)
        check_not_recorded_twice(activity.id, [o["activity_id"] for o in others])
        check_no_overlap((activity.start, activity.end), [(o["start"], o["end"]) for o in others])
        day = service_day(activity.start)
        check_day_total(day, record.hours, [o["hours"] for o in others if service_day(o["start"]) == day])
        self.save_and_project(record)
        return {"id": str(record.id), "version": record.version, "warnings": []}

    def amend_record(self, principal: Principal, record_id: UUID, *, reason: str | None, hours: Any = None,
                     content: str | None = None, evaluation: str | None = None) -> dict[str, Any]:
        """Correct a record with a reason; the old values stay in its history."""
        record = self.load(ServiceRecord, record_id, "service record")
        check_acts_for(principal, record.org_id)
        activity = self.load(Activity, record.activity_id, "activity")
        before = record.hours
        record.amend(now=self.clock(), actor=principal.actor, reason=reason, activity_hours=activity.duration_hours,
                     hours=hours, content=content, evaluation=evaluation)
        if record.hours > before:
            # Only a rise can break the 24-hour rule; lowering hours stays possible even on a day recorded before
            # the rule existed. The record itself is left out of the day's other hours (its old value is replaced).
            day = service_day(activity.start)
            check_day_total(day, record.hours, [o["hours"] for o in self._service_of(record.volunteer_id)
                                                if o["id"] != str(record.id) and service_day(o["start"]) == day])
        self.save_and_project(record)
        return {"id": str(record.id), "version": record.version}

    def _service_of(self, volunteer_id: UUID) -> list[dict[str, Any]]:
        """Every current record of one volunteer with its activity's span, in one query over the views.

        Per volunteer id, across organizations: a person registered with two organizations is two Volunteer
        aggregates with two ids, so hours recorded under the other id are not seen here (there is no identity
        across organizations to join on). Read from the views before saving, as for unique public numbers:
        two requests racing for the same volunteer can both pass.
        """
        with self.read() as c:
            rows = c.execute("SELECT r.id AS id, r.activity_id AS activity_id, r.centi_hours AS centi_hours, "
                             "a.start_at AS start_at, a.end_at AS end_at FROM view_records r "
                             "JOIN view_activities a ON a.id = r.activity_id WHERE r.volunteer_id = ?",
                             (str(volunteer_id),)).fetchall()
        return [{"id": r["id"], "activity_id": UUID(r["activity_id"]), "hours": hours_of(r["centi_hours"]),
                 "start": dt.datetime.fromisoformat(r["start_at"]), "end": dt.datetime.fromisoformat(r["end_at"])}
                for r in rows]

    def get_record(self, principal: Principal, record_id: UUID) -> dict[str, Any]:
        with self.read() as c:
            row = c.execute("SELECT * FROM view_records WHERE id = ?", (str(record_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no service record with id {record_id}")
        check_reads(principal, UUID(row["org_id"]), UUID(row["volunteer_id"]))
        return record_json(row)

    def record_history(self, principal: Principal, record_id: UUID) -> dict[str, Any]:
        """Every event of a record: who, when, what changed, why, and whether it still verifies.

        Built from the stored rows themselves, each decoded through the verifying mapper and replayed
        under the aggregate's authority rule: what is shown is exactly what was checked.
        """
        with self.read() as c:
            head = c.execute("SELECT org_id FROM view_records WHERE id = ?", (str(record_id),)).fetchone()
            if head is None:
                raise NotFoundError(f"no service record with id {record_id}")
            check_history_reader(principal, UUID(head["org_id"]))
            indexed = c.execute("SELECT version FROM view_history WHERE aggregate_id = ? ORDER BY version",
                                (str(record_id),)).fetchall()
            certs = c.execute("SELECT id, number, issued_at, records FROM view_certificates WHERE org_id = ?",
                              (head["org_id"],)).fetchall()
        events: list[dict[str, Any]] = []
        record: Any = None
        for stored in self.recorder.select_events(record_id):
            entry: dict[str, Any] = {"version": stored.originator_version, "type": stored.topic.rsplit(".", 1)[-1],
                                     "at": None, "actor": None, "authority": None, "key_id": None, "changes": {},
                                     "reason": None, "signature_valid": False, "signature_problem": None}
            events.append(entry)
            sealed = unseal(stored.state)
            entry["key_id"] = sealed.key_id.hex() if sealed else None
            try:
                event: Any = self.mapper.to_domain_event(stored)
                record = event.mutate(record)  # refuses an event made for another authority
            except LogIntegrityError as e:
                entry["signature_problem"] = e.code
                continue
            described = history_entry(event) or ({}, None)
            entry.update(at=event.timestamp.isoformat(), actor=event.actor, authority=event.authority,
                         changes=plain(described[0]), reason=described[1], signature_valid=True)
        issued = [{"certificate_id": cert["id"], "number": cert["number"], "issued_at": cert["issued_at"],
                   "record_version": ref["version"]}
                  for cert in certs for ref in json.loads(cert["records"]) if ref["id"] == str(record_id)]
        versions = [e["version"] for e in events]
        intact = (all(e["signature_valid"] for e in events) and versions == list(range(1, len(events) + 1))
                  and versions == [r["version"] for r in indexed])
        return {"record_id": str(record_id), "intact": intact, "events": events, "certificates": issued}

    # -- certificates ------------------------------------------------------------------------------------------

    def issue_certificate(self, principal: Principal, volunteer_id: UUID, *, period_start: dt.date | None = None,
                          period_end: dt.date | None = None) -> dict[str, Any]:
        """Issue a certificate from the volunteer's records kept by this organization (谁记录谁证明)."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        check_acts_for(principal, volunteer.org_id)
        with self.read() as c:
            ids = [r["id"] for r in c.execute("SELECT id FROM view_records WHERE volunteer_id = ? AND org_id = ?",
                                              (str(volunteer_id), str(volunteer.org_id))).fetchall()]
        # The views say which records exist; the signed log says what they hold and at which version.
        activities: dict[UUID, Activity] = {}
        candidates = []
        for rid in ids:
            record = self.load(ServiceRecord, UUID(rid), "service record")
            if record.activity_id not in activities:
                activities[record.activity_id] = self.load(Activity, record.activity_id, "activity")
            candidates.append({"id": record.id, "version": record.version, "hours": record.hours,
                               "day": activities[record.activity_id].start.date()})
        chosen, total, start, end = summarize(candidates, period_start, period_end)
        now = self.clock()
        issue_date = now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        certificate_id = self._unused(uuid4, "view_certificates", "number",
                                      lambda cid: certificate_number(cid, issue_date))

        def claims_by(key: KeyInfo) -> CertificateClaims:
            return CertificateClaims(certificate_id=certificate_id, key_id=key.key_id,
                                     masked_name=mask_name(volunteer.name), hours=total, period_start=start,
                                     period_end=end, issue_date=issue_date)

        info, signature = self.signer.sign(str(volunteer.org_id),
                                           lambda key: signing_message(claims_bytes(claims_by(key))))
        claims = claims_by(info)
        code = to_text(encode(claims, signature))
        qr.checked_symbol(self.qr_text(code))  # a code that cannot be printed as a QR is refused before saving
        certificate = Certificate.issue(
            now=now, actor=principal.actor, id=certificate_id, org_id=volunteer.org_id, volunteer_id=volunteer.id,
            masked_name=claims.masked_name, hours=total, period_start=start, period_end=end, issue_date=issue_date,
            records=[{"id": r["id"], "version": r["version"], "hours": r["hours"]} for r in chosen],
            key_id=info.kid, code=code)
        recordings = self.save_and_project(certificate)
        return {"id": str(certificate.id), "number": certificate.number, "qr_text": self.qr_text(code),
                "hours": str(total), "period_start": start.isoformat(), "period_end": end.isoformat(),
                "log_index": self.log_position(recordings[0].notification.id)["index"]}

    def revoke_certificate(self, principal: Principal, certificate_id: UUID, reason: str | None) -> dict[str, Any]:
        certificate = self.load(Certificate, certificate_id, "certificate")
        check_acts_for(principal, certificate.org_id)
        certificate.revoke(now=self.clock(), actor=principal.actor, reason=reason)
        self.save_and_project(certificate)
        return {"id": str(certificate.id), "status": "revoked"}

    def certificate_for_holder(self, principal: Principal, certificate_id: UUID) -> dict[str, Any]:
        """The certificate row for its organization or its volunteer (QR and PDF downloads)."""
        with self.read() as c:
            row = c.execute("SELECT * FROM view_certificates WHERE id = ?", (str(certificate_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no certificate with id {certificate_id}")
        check_holder(principal, UUID(row["org_id"]), UUID(row["volunteer_id"]))
        return {**row, "qr_text": self.qr_text(row["code"])}

    def qr_text(self, code: str) -> str:
        """The uppercase URL a phone camera opens (alphanumeric QR mode needs uppercase)."""
        return f"{self.settings.public_url.upper()}/V/{code}"

    def log_position(self, notification_id: int) -> dict[str, int | None]:
        """Index of an event in the log and the current tree size (events so far)."""
        with self.read() as c:
            return position_in_log(c, notification_id)

    # -- verification -----------------------------------------------------------------------------------------

    def verify(self, text: Any) -> Verdict:
        """Verify a QR text or bare code against the keyring and the log (anyone may ask)."""
        self.views.ensure_fresh()  # once per code; the lookup below then reads the views directly
        seen: list[LoggedCertificate] = []

        def lookup(certificate_id: UUID) -> LoggedCertificate | None:
            logged = self._logged_certificate(certificate_id)
            seen.extend([logged] if logged else [])
            return logged

        verdict = verify_code(text, public_url=self.settings.public_url, keyring=self.keyring, lookup=lookup)
        if verdict.certificate is not None and seen and seen[0].log_index is not None:
            evidence, included = self._log_evidence(seen[0])
            verdict = replace(verdict, details={**verdict.details, "log": evidence})
            if verdict.trusted_by_log and not included:
                # The issuance is in the event store but not provably in the signed tree: the log was altered.
                verdict = replace(verdict, verdict="altered", reasons=(*verdict.reasons, "log_inclusion_failed"))
        return verdict

    def _logged_certificate(self, certificate_id: UUID) -> LoggedCertificate | None:
        try:
            certificate: VledgerAggregate = self.repository.get(certificate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(certificate, Certificate):
            return None
        ids = [str(r["id"]) for r in certificate.records]
        with self.views.store.transaction(commit=False) as c:
            org = c.execute("SELECT name FROM view_organizations WHERE id = ?", (str(certificate.org_id),)).fetchone()
            versions = {r["id"]: r["version"] for r in c.execute(
                f"SELECT id, version FROM view_records WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()}
            issued = c.execute("SELECT l.position, l.notification_id FROM view_certificates v "
                               "JOIN view_log_index l ON l.notification_id = v.notification_id WHERE v.id = ?",
                               (str(certificate_id),)).fetchone()
        return LoggedCertificate(certificate=certificate, organization_name=org["name"] if org else None,
                                 record_versions=versions, log_index=issued["position"] if issued else None,
                                 notification_id=issued["notification_id"] if issued else None)

    # -- transparency log --------------------------------------------------------------------------------------

    def latest_checkpoint(self) -> str:
        """The newest signed checkpoint note (C2SP tlog-checkpoint)."""
        self.views.ensure_fresh()
        latest = self.checkpoints.latest()
        if latest is None:
            raise NotFoundError("no checkpoint has been signed yet")
        return latest.note

    def log_verifier_key(self) -> str:
        """The log's note verifier key ``name+hex8+base64``."""
        return self.keyring.current("log").verifier_key

    def log_leaf(self, index: int) -> dict[str, Any]:
        """The exact bytes hashed into leaf ``index``, and which event they stand for."""
        with self.read() as c:
            size = tree_size(c)
            check_log_index(index, size)
            row = c.execute("SELECT notification_id, originator_id, originator_version FROM view_log_index "
                            "WHERE position = ?", (index,)).fetchone()
        note = self.recorder.select_notifications(start=row["notification_id"], limit=1)
        if not note or note[0].id != row["notification_id"]:
            raise LogShrankError(f"leaf {index} names notification {row['notification_id']}, which the log "
                                 "no longer holds; run `vledger audit`")
        return {"index": index, "leaf_data": base64.b64encode(leaf_data(note[0])).decode(),
                "notification_id": row["notification_id"], "originator_id": row["originator_id"],
                "originator_version": row["originator_version"]}

    def inclusion_proof(self, index: int, size: int) -> list[str]:
        """RFC 9162 audit path of leaf ``index`` in the tree of ``size`` leaves (base64)."""
        with self.read() as c:
            check_log_size(size, tree_size(c))
            check_log_index(index, size)
            return [base64.b64encode(h).decode()
                    for h in merkle.inclusion_proof(index, size, lambda keys: fetch_nodes(c, keys))]

    def consistency_proof(self, old_size: int, size: int) -> list[str]:
        """RFC 9162 consistency proof from the tree of ``old_size`` leaves to the tree of ``size`` (base64)."""
        with self.read() as c:
            check_log_size(size, tree_size(c))
            if not 0 <= old_size <= size:
                raise LogRequestError(f"old_size must be between 0 and tree_size ({size}), found {old_size}")
            return [base64.b64encode(h).decode()
                    for h in merkle.consistency_proof(old_size, size, lambda keys: fetch_nodes(c, keys))]

    def _log_evidence(self, logged: LoggedCertificate) -> tuple[dict[str, Any], bool]:
        """Inclusion of the issuance in the newest checkpoint covering it, checked here: the leaf is rebuilt
        from the stored event, the checkpoint's signature verified with the log key."""
        index = logged.log_index
        assert index is not None and logged.notification_id is not None
        checkpoint = self.checkpoints.covering(index)
        if checkpoint is None:
            return {"index": index, "tree_size": None, "inclusion": None, "checkpoint": None}, False
        with self.views.store.transaction(commit=False) as c:
            proof = merkle.inclusion_proof(index, checkpoint.tree_size, lambda keys: fetch_nodes(c, keys))
        note = self.recorder.select_notifications(start=logged.notification_id, limit=1)
        parsed = parse_note(checkpoint.note)
        signed_root = parse_checkpoint(parsed.text).root
        ok = (bool(note) and Verifier.parse(self.log_verifier_key()).verifies(parsed)
              and merkle.verify_inclusion(merkle.leaf_hash(leaf_data(note[0])), index, checkpoint.tree_size,
                                          proof, signed_root))
        return {"index": index, "tree_size": checkpoint.tree_size,
                "inclusion": [base64.b64encode(h).decode() for h in proof], "checkpoint": checkpoint.note}, ok

    # -- keys --------------------------------------------------------------------------------------------------

    def list_keys(self) -> list[dict[str, Any]]:
        with self.read() as c:
            rows = c.execute("SELECT * FROM view_keys ORDER BY notification_id").fetchall()
        return rows


class LogRequestError(VledgerError):
    """A leaf index or tree size the log cannot answer for (HTTP 400)."""

    code = "bad_log_request"


def check_log_size(size: int, current: int) -> None:
    if not 0 <= size <= current:
        raise LogRequestError(f"tree_size must be between 0 and the current size {current}, found {size}")


def check_log_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise LogRequestError(f"leaf index must be between 0 and {size - 1}, found {index}")


def position_in_log(c: ViewCursor, notification_id: int) -> dict[str, int | None]:
    """0-based index of an event and the tree size, from the log index view (two indexed lookups)."""
    row = c.execute("SELECT position FROM view_log_index WHERE notification_id = ?", (notification_id,)).fetchone()
    last = c.execute("SELECT MAX(position) AS last FROM view_log_index").fetchone()
    size = last["last"] + 1 if last and last["last"] is not None else 0
    return {"index": row["position"] if row else None, "tree_size": size}


def record_json(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "org_id": row["org_id"], "activity_id": row["activity_id"],
            "volunteer_id": row["volunteer_id"], "hours": str(hours_of(row["centi_hours"])),
            "content": row["content"], "evaluation": row["evaluation"],
            "paper_recorded_on": row["paper_recorded_on"], "version": row["version"],
            "recorded_at": row["recorded_at"], "amended_at": row["amended_at"]}
