"""`vledger audit` and the authority guard with the inspection authority's events (DESIGN §2, §3).

Inspectors' reads of personal data are recorded as `ReadReceipt.PersonalDataRead` events, made for the
`inspection` authority and signed by the inspection key (Gangcheng plan 000 七(一)3(2): leaking volunteers' record
information is a penalty-level finding — the inspectors' own reads are accounted for). The audit must accept them,
name any receipt that was changed or erased, and refuse the inspection key's signature on anything but a receipt,
and anybody else's on a receipt. Same method as test_audit_tampering.py: a pristine instance copied per test, the
event store edited with sqlite3, the real `vledger audit --json` run in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic

from api.application import VledgerApplication
from domain.access import Principal
from domain.base import REGISTRY, AuthorityMismatchError
from domain.inspector import INSPECTION, ReadReceipt
from domain.organization import Organization
from tests.security.test_audit_tampering import (
    EventsFile,
    flipped,
    run_audit,
    settings_for,
    signed_by_registered_key,
)


@dataclass(frozen=True)
class Instance:
    data_dir: Path
    org: UUID
    volunteer: UUID
    inspector: UUID
    receipt: UUID  # the inspector's read of the volunteer's data, followed by more events


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    data_dir = tmp_path_factory.mktemp("audit-inspection") / "instance"
    app, _, _ = VledgerApplication.initialize(settings_for(data_dir))
    try:
        registry = Principal("registry", "registry")
        org = UUID(app.register_organization(registry, name="阳光志愿服务队", charter_purpose="社区志愿服务")["id"])
        as_org = Principal("organization", str(org), org)
        volunteer = UUID(app.register_volunteer(as_org, org, name="张三丰", id_number="11010519491231002X")["id"])
        appointed = app.appoint_inspector(registry, name="王督查")
        inspector = app.authenticate(appointed["token"])
        before = app.recorder.max_notification_id()
        app.get_volunteer(inspector, volunteer)
        (note,) = app.recorder.select_notifications(start=before, limit=1, inclusive_of_start=False)
        app.register_organization(registry, name="蓝天救援队", charter_purpose="应急救援")  # events after it
    finally:
        app.close()
    return Instance(data_dir, org, volunteer, UUID(appointed["id"]), UUID(str(note.originator_id)))


@pytest.fixture
def instance(pristine: Instance, tmp_path: Path) -> Instance:
    copy = tmp_path / "instance"
    shutil.copytree(pristine.data_dir, copy)
    return Instance(copy, pristine.org, pristine.volunteer, pristine.inspector, pristine.receipt)


def forge(instance: Instance, signer: str, make: Callable[[], Any]) -> tuple[UUID, int]:
    """Append one new aggregate's creating event, built by ``make`` and signed by ``signer``'s registered key
    (its real private key): every signature check passes; only the rule binding authorities to aggregates can
    tell. Returns the aggregate id and the row id."""
    app = VledgerApplication(settings_for(instance.data_dir))
    try:
        event = make()
        stored = signed_by_registered_key(app, signer, event)
    finally:
        app.close()
    rowid = EventsFile(instance.data_dir).append(UUID(str(stored.originator_id)), 1, stored.topic, stored.state)
    return UUID(str(stored.originator_id)), rowid


def receipt_event(instance: Instance, authority: str) -> ReadReceipt.PersonalDataRead:
    made = ReadReceipt.record(now=dt.datetime.now(dt.UTC), actor=f"inspector:{instance.inspector}",
                              inspector_id=instance.inspector, volunteer_id=instance.volunteer, what="volunteer")
    (event,) = made.collect_events()
    object.__setattr__(event, "authority", authority)
    assert isinstance(event, ReadReceipt.PersonalDataRead)
    return event


def organization_event(authority: str, originator_topic: str | None = None) -> Organization.Registered:
    org = Organization.register(now=dt.datetime.now(dt.UTC), actor="inspector:x", name="伪造协会",
                                charter_purpose="志愿服务", id=uuid4())
    (event,) = org.collect_events()
    object.__setattr__(event, "authority", authority)
    if originator_topic is not None:
        object.__setattr__(event, "originator_topic", originator_topic)
    assert isinstance(event, Organization.Registered)
    return event


def test_an_instance_with_inspectors_reads_is_intact(instance: Instance) -> None:
    result = run_audit(instance.data_dir)
    assert result.code == 0, result.report
    assert result.report["events_checked"] == len(EventsFile(instance.data_dir).rows())
    topics = [r.topic for r in EventsFile(instance.data_dir).rows()]
    assert any(t.endswith("ReadReceipt.PersonalDataRead") for t in topics)


def test_a_changed_read_receipt_is_named(instance: Instance) -> None:
    events = EventsFile(instance.data_dir)
    row = events.row(instance.receipt, 1)
    events.set_state(row.rowid, flipped(row.state, len(row.state) - 5))

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert result.names(instance.receipt, 1, "bad_signature"), result.problems()


def test_an_erased_read_receipt_is_named(instance: Instance) -> None:
    """Erasing the account of a read would hide it from the volunteer: the gap it leaves is named."""
    events = EventsFile(instance.data_dir)
    row = events.row(instance.receipt, 1)
    events.delete(row.rowid)

    result = run_audit(instance.data_dir)

    assert result.code == 1
    # Both findings name it: the hole in SQLite's rowids, and the signed tree that no longer matches the log.
    assert [p["notification_id"] for p in result.problems("notification_gap")] == [row.rowid], result.problems()
    assert [p["notification_id"] for p in result.problems("log_rewritten")] == [row.rowid], result.problems()


def test_the_inspection_key_cannot_register_an_organization(instance: Instance) -> None:
    oid, rowid = forge(instance, INSPECTION, lambda: organization_event(INSPECTION))

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert [(p["notification_id"], p["originator_id"], p["reason"]) for p in result.problems()] == [
        (rowid, str(oid), "authority_mismatch")]
    # The application's authority guard refuses it too, before any view lists the organization.
    with pytest.raises(AuthorityMismatchError):
        VledgerApplication(settings_for(instance.data_dir))


def test_an_inspection_signed_event_whose_originator_topic_names_a_receipt_is_still_refused(
        instance: Instance) -> None:
    """The event class (whose apply runs) is an organization's registration, the topic a receipt's."""
    oid, rowid = forge(instance, INSPECTION, lambda: organization_event(INSPECTION, get_topic(ReadReceipt)))

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert [(p["notification_id"], p["originator_id"], p["reason"]) for p in result.problems()] == [
        (rowid, str(oid), "authority_mismatch")]
    with pytest.raises(AuthorityMismatchError):
        VledgerApplication(settings_for(instance.data_dir))


def test_a_read_receipt_made_for_the_registry_with_the_root_key_is_named(instance: Instance) -> None:
    """Nobody but the inspection authority makes (or forges) the account of an inspector's read."""
    oid, rowid = forge(instance, REGISTRY, lambda: receipt_event(instance, REGISTRY))

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert [(p["notification_id"], p["originator_id"], p["reason"]) for p in result.problems()] == [
        (rowid, str(oid), "authority_mismatch")]


def test_a_read_receipt_signed_by_an_organizations_key_is_named(instance: Instance) -> None:
    oid, rowid = forge(instance, str(instance.org), lambda: receipt_event(instance, INSPECTION))

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert result.names(oid, 1, "key_not_of_authority"), result.problems()
