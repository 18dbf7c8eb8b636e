"""`vledger audit` over an instance with spot checks: complaints (the registry's record), a draw and an inspection
(the inspection authority's, signed with the inspection key). The audit accepts them as the service wrote them,
names any of them changed behind its back, and refuses them made for, or signed by, the wrong authority.

Same method as test_audit_tampering.py: a pristine instance copied per test, the event store edited with sqlite3,
the real `vledger audit --json` run in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from api.application import VledgerApplication
from domain.base import REGISTRY, AuthorityMismatchError
from domain.complaint import PUBLIC_ACTOR, Complaint
from domain.inspection import Inspection
from domain.inspector import INSPECTION
from tests.integration.test_spot_checks_on_both_stores import season
from tests.security.test_audit_tampering import EventsFile, flipped, run_audit, settings_for, signed_by_registered_key


@dataclass(frozen=True)
class Instance:
    data_dir: Path
    inspection: UUID
    draw: UUID
    org: UUID  # the inspected organization


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    data_dir = tmp_path_factory.mktemp("audit-spot-checks") / "instance"
    app, _, _ = VledgerApplication.initialize(settings_for(data_dir))
    try:
        made = season(app)
    finally:
        app.close()
    return Instance(data_dir, made["inspection"], UUID(made["draw"]), made["orgs"][1])


@pytest.fixture
def instance(pristine: Instance, tmp_path: Path) -> Instance:
    copy = tmp_path / "instance"
    shutil.copytree(pristine.data_dir, copy)
    return Instance(copy, pristine.inspection, pristine.draw, pristine.org)


def forge(instance: Instance, signer: str, event: Any) -> tuple[UUID, int]:
    """Append ``event`` signed by ``signer``'s registered key (every signature check passes)."""
    app = VledgerApplication(settings_for(instance.data_dir))
    try:
        stored = signed_by_registered_key(app, signer, event)
    finally:
        app.close()
    rowid = EventsFile(instance.data_dir).append(UUID(str(stored.originator_id)), 1, stored.topic, stored.state)
    return UUID(str(stored.originator_id)), rowid


def versions_of(instance: Instance, originator_id: UUID) -> dict[str, int]:
    """The aggregate's event type (the topic's last part) → its version."""
    return {r.topic.rsplit(".", 1)[-1]: r.originator_version for r in EventsFile(instance.data_dir).rows()
            if r.originator_id == originator_id}


def test_an_instance_with_complaints_draws_and_inspections_is_intact(instance: Instance) -> None:
    result = run_audit(instance.data_dir)
    assert result.code == 0, result.report
    topics = {r.topic.rsplit(":", 1)[-1] for r in EventsFile(instance.data_dir).rows()}
    for expected in ("Complaint.ComplaintFiled", "Draw.DrawSeedPublished", "Draw.TargetsDrawn",
                     "Draw.InspectorsDrawn", "Inspection.InspectionPlanned", "Inspection.ConflictDeclared",
                     "Inspection.OnSiteStarted", "Inspection.FindingRecorded",
                     "Inspection.RepresentativeOpinionRecorded", "Inspection.ResultDecided",
                     "Inspection.InspectionClosed"):
        assert expected in topics, (expected, sorted(topics))
    assert result.report["events_checked"] == len(EventsFile(instance.data_dir).rows())


@pytest.mark.parametrize("event", ["ResultDecided", "InspectionClosed", "FindingRecorded"])
def test_a_flipped_byte_in_an_inspection_event_is_named(instance: Instance, event: str) -> None:
    """E.g. a 予以处罚 turned into 合格, or a finding's text edited after the fact."""
    events = EventsFile(instance.data_dir)
    version = versions_of(instance, instance.inspection)[event]
    row = events.row(instance.inspection, version)
    events.set_state(row.rowid, flipped(row.state, len(row.state) - 7))

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert result.names(instance.inspection, version, "bad_signature"), result.problems()


def test_a_changed_seed_of_a_published_draw_is_named(instance: Instance) -> None:
    events = EventsFile(instance.data_dir)
    row = events.row(instance.draw, 1)
    at = row.state.index(b"seed_hex") + len(b'seed_hex":"') + 3
    events.set_state(row.rowid, flipped(row.state, at))

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert result.names(instance.draw, 1, "bad_signature"), result.problems()


def test_an_inspection_made_for_the_registry_with_the_root_key_is_named(instance: Instance) -> None:
    """Only the inspection authority makes an inspection: the registry cannot write one (nor a result) itself."""
    made = Inspection.plan(now=dt.datetime.now(dt.UTC), actor="registry:registry", org_id=instance.org,
                           period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 5, 31),
                           planned_on=dt.date(2026, 6, 1), place="伪造地点", inspectors=[uuid4(), uuid4()],
                           basis="manual", note="伪造")
    (event,) = made.collect_events()
    object.__setattr__(event, "authority", REGISTRY)
    oid, rowid = forge(instance, REGISTRY, event)

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert [(p["notification_id"], p["originator_id"], p["reason"]) for p in result.problems()] == [
        (rowid, str(oid), "authority_mismatch")]
    with pytest.raises(AuthorityMismatchError):
        VledgerApplication(settings_for(instance.data_dir))


def test_a_complaint_signed_by_the_inspection_key_is_named(instance: Instance) -> None:
    """The inspection key signs inspections, draws and read receipts, never a complaint."""
    made = Complaint.file(now=dt.datetime.now(dt.UTC), actor=PUBLIC_ACTOR, org_id=instance.org, about="records",
                          text="伪造的投诉", filed_by="public")
    (event,) = made.collect_events()
    object.__setattr__(event, "authority", INSPECTION)
    oid, rowid = forge(instance, INSPECTION, event)

    result = run_audit(instance.data_dir)

    assert result.code == 1
    assert [(p["notification_id"], p["originator_id"], p["reason"]) for p in result.problems()] == [
        (rowid, str(oid), "authority_mismatch")]
