"""Rewrites of the log that every signature check accepts, seen from the running application.

Two holes a review found: (1) an organization writing into another organization's record with its own,
validly registered key; (2) on SQLite, deleting the newest event and letting the next write take its rowid,
which leaves no hole in rowids or versions. The audit's side of both is in test_audit_tampering.py; here the
application must refuse to build on such a log, and its HTTP answers must stay answers (never a 500).

The world is the HTTP world of tests/api/http_world.py, always on SQLite: these tests edit its files.
"""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from httpx import Response

from api.application import VledgerApplication
from api.audit import audit
from api.settings import Settings
from domain.base import AuthorityMismatchError
from domain.errors import LogIntegrityError
from projections.runner import LogShrankError
from tests.api.http_world import World, assert_error_body, code_of
from tests.security.test_audit_tampering import EventsFile, amendment_for_another_organization, flipped


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Explicitly SQLite: a VLEDGER_DATABASE_URL in the environment (CI's PostgreSQL) must not redirect these."""
    return Settings(data_dir=tmp_path / "data", database_url=None)


def ids(world: World) -> tuple[UUID, UUID, UUID]:
    return UUID(world.record["id"]), UUID(world.activity["id"]), UUID(world.other_org["id"])


def write_foreign_amendment(world: World, settings: Settings) -> int:
    """Organization B's amendment of organization A's record, signed with B's registered key, stored as the
    record's next version directly in the SQLite file; returns its rowid."""
    record_id, activity_id, other_org = ids(world)
    forged = amendment_for_another_organization(world.app, record_id, activity_id, other_org, hours="4")
    assert forged.originator_version == 2
    return EventsFile(settings.data_dir).append(record_id, 2, forged.topic, forged.state)


# -- (1) an event for another authority ----------------------------------------------------------------------


def test_loading_a_record_with_another_organizations_amendment_is_refused(world: World, settings: Settings) -> None:
    write_foreign_amendment(world, settings)
    record_id, _, other_org = ids(world)

    with pytest.raises(AuthorityMismatchError) as raised:
        world.app.repository.get(record_id)

    assert isinstance(raised.value, LogIntegrityError)
    assert raised.value.code == "authority_mismatch"
    assert str(other_org) in raised.value.message and world.org_id in raised.value.message


def refused(response: Response) -> None:
    """The views' authority guard refuses to read past the event: 503 naming the rule, never a 500."""
    assert assert_error_body(response, 503)["code"] == "authority_mismatch"


def test_reading_the_history_past_another_organizations_amendment_is_refused(world: World,
                                                                             settings: Settings) -> None:
    write_foreign_amendment(world, settings)

    refused(world.client.get(f"/api/v1/records/{world.record['id']}/history", headers=world.as_org()))


def test_the_history_marks_an_event_tampered_after_the_views_applied_it(world: World, settings: Settings) -> None:
    # The views applied v1 long ago and will not read it again; the history decodes the stored rows itself.
    events = EventsFile(settings.data_dir)
    row = events.row(UUID(world.record["id"]), 1)
    events.set_state(row.rowid, flipped(row.state, len(row.state) - 3))

    response = world.client.get(f"/api/v1/records/{world.record['id']}/history", headers=world.as_org())

    assert response.status_code == 200, response.text
    history = response.json()
    assert history["intact"] is False
    (tampered,) = history["events"]
    assert tampered["version"] == 1
    assert tampered["signature_valid"] is False
    assert tampered["signature_problem"] == "bad_signature"
    assert tampered["changes"] == {} and tampered["authority"] is None  # nothing of the tampered event is shown


def test_verifying_a_certificate_built_on_that_record_is_refused_not_misanswered(world: World,
                                                                                 settings: Settings) -> None:
    write_foreign_amendment(world, settings)
    qr_text = world.certificate["qr_text"]

    refused(world.client.post("/api/v1/verify", json={"code": qr_text}))
    page = world.client.get(f"/V/{code_of(qr_text)}")
    assert page.status_code == 503, page.text


def test_the_owner_amending_that_record_gets_503_naming_the_integrity_failure(world: World,
                                                                               settings: Settings) -> None:
    write_foreign_amendment(world, settings)

    response = world.client.patch(f"/api/v1/records/{world.record['id']}", headers=world.as_org(),
                                  json={"reason": "核对", "hours": "3"})

    error = assert_error_body(response, 503)
    assert error["code"] == "authority_mismatch"


# -- (2) the newest event deleted, its rowid taken by the next write ---------------------------------------------


def test_a_write_into_a_deleted_last_events_rowid_stops_the_views(world: World, settings: Settings) -> None:
    events = EventsFile(settings.data_dir)
    last = events.rows()[-1]
    assert last.originator_id == UUID(world.certificate["id"])  # the newest event: the certificate's issue
    events.delete(last.rowid)

    # The next write goes through the running service, all the way: SQLite gives it the freed rowid and the
    # save commits; the views' catch-up right after it sees another event where they applied the certificate.
    response = world.client.patch(f"/api/v1/records/{world.record['id']}", headers=world.as_org(),
                                  json={"reason": "核对", "hours": "4"})
    assert response.status_code == 503, response.text  # saved, but the views refuse to go on: never a 500
    reused = events.rows()[-1]
    assert (reused.rowid, reused.originator_id, reused.originator_version) == (
        last.rowid, UUID(world.record["id"]), 2)

    # (a) The view runner refuses on every catch-up, in this process and in any new one.
    with pytest.raises(LogShrankError) as raised:
        world.app.views.catch_up()
    assert isinstance(raised.value, LogIntegrityError)
    assert str(last.rowid) in raised.value.message
    with pytest.raises(LogShrankError):
        VledgerApplication(settings)

    # (b) The audit names the notification whose event was replaced.
    report = audit(settings)
    assert not report.intact
    assert [(p.notification_id, p.reason) for p in report.problems] == [(last.rowid, "log_rewritten")]


def test_the_views_do_not_show_another_organizations_amendment(world: World, settings: Settings) -> None:
    write_foreign_amendment(world, settings)

    response = world.client.get(f"/api/v1/records/{world.record['id']}", headers=world.as_org())

    # The views stop (503, as for a bad signature) rather than show the forged hours.
    refused(response)
