"""The inspection authority on SQLite and PostgreSQL: its key, the receipts it signs, and instances from before it.

DESIGN §3 names an inspection key; every read of a volunteer's personal data by an inspector is a signed event
(Gangcheng plan 000 七(一)3(2): leaking volunteers' record information is a penalty-level finding, so the
inspectors' own reads are accounted for). New instances register the key at `vledger init`; instances made
before it get one, registered by the root key, the first time a receipt must be signed.
"""

from __future__ import annotations

from collections.abc import Callable

from api.application import VledgerApplication, utc_now
from api.audit import audit
from api.instance import Instance
from api.settings import Settings
from api.usecases.inspectors import FIRST_NEED_ACTOR
from domain.access import Principal
from domain.base import REGISTRY
from domain.inspector import INSPECTION, ReadReceipt
from domain.signing_key import SigningKey
from keys.store import KeyStore, resolve_passphrase

from .support import World, add_org, all_notifications, raw_rows, volunteer_principal


def inspector_of(app: VledgerApplication, name: str = "王督查") -> Principal:
    appointed = app.appoint_inspector(Principal("registry", "registry"), name=name)
    principal = app.authenticate(appointed["token"])
    assert principal.role == "inspector"
    return principal


def inspection_keys(app: VledgerApplication) -> list[SigningKey.KeyRegistered]:
    events = [app.mapper.to_domain_event(n) for n in all_notifications(app)]
    return [e for e in events if isinstance(e, SigningKey.KeyRegistered) and e.owner == INSPECTION]


def receipts(app: VledgerApplication) -> list[ReadReceipt.PersonalDataRead]:
    events = [app.mapper.to_domain_event(n) for n in all_notifications(app)]
    return [e for e in events if isinstance(e, ReadReceipt.PersonalDataRead)]


def initialize_as_before_inspection_keys(settings: Settings) -> VledgerApplication:
    """`vledger init` as it was before the inspection key: root and log keys, the registry token, nothing more."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, mode=0o700)
    passphrase, _ = resolve_passphrase(data_dir, None, create=True)
    store = KeyStore(data_dir, passphrase)
    now = utc_now()
    root = store.generate(f"{settings.origin}/root")
    log_key = store.generate(settings.origin)
    Instance(origin=settings.origin, root_name=root.name, root_public_key=root.public_key,
             created_at=now).save(data_dir)
    app = VledgerApplication(settings)
    actor = "registry:init"
    token, _ = app._new_token(now, actor, REGISTRY, "registry", "registry", None)
    app.save_and_project(app._register_key(now, actor, root.name, REGISTRY, "root", root.public_key),
                         app._register_key(now, actor, log_key.name, "log", "log", log_key.public_key), token)
    return app


def test_init_registers_an_inspection_key_signed_by_the_root(app: VledgerApplication) -> None:
    """DESIGN §3: the inspection key is one of the instance's keys, registered by the registry."""
    (registered,) = inspection_keys(app)
    assert (registered.authority, registered.purpose) == (REGISTRY, "inspection")
    listed = [k for k in app.list_keys() if k["owner"] == INSPECTION]
    assert [k["key_id"] for k in listed] == [registered.key_id]


def test_an_inspectors_read_is_signed_by_the_inspection_key_and_seen_from_a_second_process(
        world: World, open_app: Callable[[], VledgerApplication]) -> None:
    app = world.app
    inspector = inspector_of(app)
    app.get_volunteer(inspector, world.b.volunteer_id)  # another organization's volunteer: inspectors read all

    (receipt,) = receipts(app)
    assert (receipt.authority, receipt.actor) == (INSPECTION, inspector.actor)
    assert (receipt.volunteer_id, receipt.what) == (world.b.volunteer_id, "volunteer")
    again = open_app()
    shown = again.reads_of_volunteer(volunteer_principal(world.b.volunteer_id, world.b.id), world.b.volunteer_id)
    assert [(r["inspector_id"], r["inspector_name"], r["what"]) for r in shown["reads"]] == [
        (inspector.subject, "王督查", "volunteer")]
    assert again.reads_of_volunteer(volunteer_principal(world.a.volunteer_id, world.a.id),
                                    world.a.volunteer_id)["reads"] == []


def test_the_audit_accepts_inspection_events(world: World) -> None:
    inspector = inspector_of(world.app)
    world.app.get_volunteer(inspector, world.a.volunteer_id)
    world.app.get_volunteer(inspector, world.b.volunteer_id)
    assert len(receipts(world.app)) == 2
    report = audit(world.app.settings)
    assert report.intact, report.problems
    assert report.events_checked == len(all_notifications(world.app))


def test_an_instance_from_before_inspection_keys_gets_one_on_first_need_and_stays_auditable(
        settings: Settings, opened: list[VledgerApplication], open_app: Callable[[], VledgerApplication]) -> None:
    old = initialize_as_before_inspection_keys(settings)
    opened.append(old)
    assert inspection_keys(old) == []
    org = add_org(old, "朝阳区阳光志愿者协会", "张三明", "11010520000615001")
    inspector = inspector_of(old)

    old.get_volunteer(inspector, org.volunteer_id)

    (registered,) = inspection_keys(old)
    assert (registered.actor, registered.authority) == (FIRST_NEED_ACTOR, REGISTRY)
    (receipt,) = receipts(old)
    assert receipt.authority == INSPECTION
    # A second process finds the key in the log and registers no other one.
    other = open_app()
    other.get_volunteer(inspector, org.volunteer_id)
    assert len(inspection_keys(other)) == 1 and len(receipts(other)) == 2
    report = audit(settings)
    assert report.intact, report.problems


def test_reads_by_organizations_and_volunteers_leave_no_receipt(world: World) -> None:
    before = world.app.recorder.max_notification_id()
    world.app.get_volunteer(world.a.principal, world.a.volunteer_id)
    world.app.get_volunteer(volunteer_principal(world.a.volunteer_id, world.a.id), world.a.volunteer_id)
    assert world.app.recorder.max_notification_id() == before


def test_a_page_of_several_volunteers_is_accounted_for_in_one_atomic_save(world: World) -> None:
    """A list an inspector reads (e.g. an organization's records) names several volunteers: each gets a receipt,
    all saved together with one signed checkpoint."""
    app = world.app
    inspector = inspector_of(app)

    def checkpoint_count() -> int:
        return int(raw_rows(app, "SELECT COUNT(*) AS n FROM log_checkpoints")[0]["n"])

    before = checkpoint_count()
    app.account_for_reads(inspector, [world.a.volunteer_id, world.b.volunteer_id, world.a.volunteer_id], "record")
    made = receipts(app)
    assert sorted(str(r.volunteer_id) for r in made) == sorted([str(world.a.volunteer_id), str(world.b.volunteer_id)])
    assert {r.what for r in made} == {"record"} and len({r.timestamp for r in made}) == 1
    assert checkpoint_count() == before + 1
