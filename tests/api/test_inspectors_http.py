"""Inspectors over HTTP: the registry appoints them; they read any organization's records and histories; every
read of a volunteer's personal data they make is recorded as a signed event the volunteer can see.

Sources: Hunan notice 001 二(二) (the bureau's inspection group checks records; leaking volunteers' information is
punished under 条例 art.36); Gangcheng plan 000 四 (inspectors act in their own name, with credentials) and
七(一)3(2) (leaking record information is a penalty-level finding); DESIGN §3 (the inspection key), §7.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.application import VledgerApplication
from domain.inspector import INSPECTION
from keys.ids import fingerprint
from keys.mapper import unseal
from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    PHONE,
    World,
    assert_error_body,
    bearer,
    created,
    make_client,
)


def appoint(world: World, name: str = "王督查", **body: Any) -> dict[str, Any]:
    return created(world.client.post("/api/v1/inspectors", json={"name": name, **body},
                                     headers=bearer(world.registry_token)))


def reads(world: World, token: str, volunteer_id: str | None = None) -> list[dict[str, Any]]:
    response = world.client.get(f"/api/v1/volunteers/{volunteer_id or world.volunteer['id']}/reads",
                                headers=bearer(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["volunteer_id"] == (volunteer_id or world.volunteer["id"])
    result: list[dict[str, Any]] = body["reads"]
    return result


def written(world: World) -> int:
    return world.app.recorder.max_notification_id() or 0


def test_the_registry_appoints_an_inspector_who_gets_a_token_with_the_inspector_role(world: World) -> None:
    inspector = appoint(world, region_code="110105")
    assert set(inspector) == {"id", "token"}
    assert UUID(inspector["id"]) and inspector["token"].startswith("vl_")
    principal = world.app.authenticate(inspector["token"])
    assert (principal.role, principal.subject) == ("inspector", inspector["id"])


@pytest.mark.parametrize("who", ["none", "bad_token", "own_org", "volunteer"])
def test_only_the_registry_appoints_inspectors(world: World, who: str) -> None:
    token = {"none": None, "bad_token": "vl_" + "C" * 43, "own_org": world.org_token,
             "volunteer": world.volunteer["token"]}[who]
    before = written(world)
    response = world.client.post("/api/v1/inspectors", json={"name": "冒名督查"},
                                 headers=bearer(token) if token else {})
    assert_error_body(response, 401 if who in ("none", "bad_token") else 403)
    assert written(world) == before


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "王督查", "region_code": "11"}, {"name": "x" * 101}])
def test_a_bad_appointment_is_a_422_that_writes_nothing(world: World, body: dict[str, Any]) -> None:
    before = written(world)
    assert_error_body(world.client.post("/api/v1/inspectors", json=body, headers=bearer(world.registry_token)), 422)
    assert written(world) == before


def test_an_inspector_reads_any_organizations_records_and_histories(world: World) -> None:
    """DESIGN §7; Hunan notice 001 二(二): 查验志愿服务记录 — inspectors see every organization's records."""
    inspector = appoint(world)
    as_inspector = bearer(inspector["token"])
    volunteer = world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=as_inspector)
    assert volunteer.status_code == 200 and volunteer.json()["name"] == FULL_NAME
    assert world.client.get(f"/api/v1/records/{world.record['id']}", headers=as_inspector).status_code == 200
    history = world.client.get(f"/api/v1/records/{world.record['id']}/history", headers=as_inspector)
    assert history.status_code == 200 and history.json()["intact"] is True


def test_every_read_of_personal_data_by_an_inspector_is_shown_to_the_volunteer(world: World) -> None:
    """Gangcheng plan 000 七(一)3(2), 条例 art.20/36: the inspectors' own access to personal data is accounted for."""
    inspector = appoint(world, name="王督查")
    as_inspector = bearer(inspector["token"])
    assert reads(world, world.volunteer["token"]) == []
    world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=as_inspector)
    world.client.get(f"/api/v1/records/{world.record['id']}", headers=as_inspector)
    world.client.get(f"/api/v1/records/{world.record['id']}/history", headers=as_inspector)

    seen = reads(world, world.volunteer["token"])
    assert [r["what"] for r in seen] == ["volunteer", "record", "history"]
    for read in seen:
        assert read["inspector_id"] == inspector["id"] and read["inspector_name"] == "王督查"
        assert read["at"]
    # Another volunteer's data was not read: their account is empty.
    assert reads(world, world.other_volunteer["token"], world.other_volunteer["id"]) == []


def test_reads_by_the_organization_or_the_volunteer_are_not_inspections(world: World) -> None:
    before = written(world)
    world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=world.as_org())
    world.client.get(f"/api/v1/records/{world.record['id']}", headers=bearer(world.volunteer["token"]))
    world.client.get(f"/api/v1/records/{world.record['id']}/history", headers=world.as_org())
    assert written(world) == before
    assert reads(world, world.volunteer["token"]) == []


def test_a_refused_or_missing_read_is_not_accounted_as_a_read(world: World) -> None:
    inspector = appoint(world)
    before = written(world)
    missing = "00000000-0000-0000-0000-000000000000"
    assert_error_body(world.client.get(f"/api/v1/volunteers/{missing}", headers=bearer(inspector["token"])), 404)
    assert written(world) == before


def test_each_read_is_a_signed_event_of_the_inspection_authority_signed_by_the_inspection_key(world: World) -> None:
    """DESIGN §3: the inspection key signs the account of inspectors' reads — not the registry's root key."""
    inspector = appoint(world)
    before = written(world)
    world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=bearer(inspector["token"]))
    (note,) = world.app.recorder.select_notifications(start=before, limit=10, inclusive_of_start=False)
    assert note.topic.endswith("ReadReceipt.PersonalDataRead")
    event = world.app.mapper.to_domain_event(note)
    assert (event.authority, event.actor) == (INSPECTION, f"inspector:{inspector['id']}")
    assert str(event.volunteer_id) == world.volunteer["id"]
    sealed = unseal(note.state)
    assert sealed is not None
    keys = world.client.get("/api/v1/keys").json()["keys"]
    (inspection_key,) = [k for k in keys if k["authority"] == INSPECTION]
    assert sealed.key_id.hex() == inspection_key["kid"]
    # The receipt names the volunteer by id only: nothing personal is copied into it.
    for secret in (FULL_NAME, ID_NUMBER, PHONE):
        assert secret.encode() not in note.state


def test_no_read_is_returned_that_could_not_be_accounted_for(world: World, tmp_path: Path) -> None:
    """Accountability first: if the receipt cannot be signed and saved, the inspector gets no data."""
    inspector = appoint(world)
    settings = world.app.settings
    info = world.app.keyring.current(INSPECTION)
    key_files = list((settings.data_dir / "keys").glob("*.pem"))
    # A fresh process whose inspection private key is gone (its file moved away): it cannot sign a receipt.
    target = settings.data_dir / "keys" / f"{fingerprint(info.public_key)}.pem"
    assert target in key_files
    target.rename(tmp_path / "moved.pem")
    other = VledgerApplication(settings)
    try:
        client = make_client(other)
        before = other.recorder.max_notification_id()
        response = client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=bearer(inspector["token"]))
        assert response.status_code == 503, response.text
        assert FULL_NAME not in response.text
        assert other.recorder.max_notification_id() == before
    finally:
        other.close()
        (tmp_path / "moved.pem").rename(target)


@pytest.mark.parametrize(("who", "status"), [
    ("none", 401), ("bad_token", 401), ("registry", 403), ("own_org", 403), ("other_org", 403),
    ("volunteer", 200), ("other_volunteer", 403), ("inspector", 200),
])
def test_the_account_of_reads_is_for_the_volunteer_and_inspectors_only(world: World, who: str, status: int) -> None:
    """The volunteer whose data was read, and inspectors (who answer for each other's reads); not the inspected
    organization, which would learn whom the inspection looked at; not the registry (no personal records)."""
    inspector = appoint(world)
    token = {"none": None, "bad_token": "vl_" + "D" * 43, "registry": world.registry_token,
             "own_org": world.org_token, "other_org": world.other_org["token"],
             "volunteer": world.volunteer["token"], "other_volunteer": world.other_volunteer["token"],
             "inspector": inspector["token"]}[who]
    before = written(world)
    response = world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}/reads",
                                headers=bearer(token) if token else {})
    assert response.status_code == status, response.text
    assert written(world) == before  # looking at the account is not itself a read of personal data


def test_the_account_of_an_unknown_volunteer_is_a_404_for_an_inspector(world: World) -> None:
    inspector = appoint(world)
    response = world.client.get("/api/v1/volunteers/00000000-0000-0000-0000-000000000000/reads",
                                headers=bearer(inspector["token"]))
    assert_error_body(response, 404)
