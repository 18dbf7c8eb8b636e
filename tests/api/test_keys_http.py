"""The key lifecycle routes over HTTP: rotate, retire, revoke, and what GET /api/v1/keys then lists.

POST /api/v1/organizations/{org_id}/keys/rotate, POST /api/v1/keys/{kid}/retire and POST /api/v1/keys/{kid}/revoke
are for the registry and the organization that owns the key; every refusal is a 4xx with an error body, and a
refused request changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.api.http_world import World, assert_error_body, bearer, created, decode_qr


def keys(w: World) -> dict[str, dict[str, Any]]:
    response = w.client.get("/api/v1/keys")
    assert response.status_code == 200, response.text
    return {k["kid"]: k for k in response.json()["keys"]}


def active_key_of(w: World, org_id: str) -> dict[str, Any]:
    (key,) = [k for k in keys(w).values() if k["authority"] == org_id and k["status"] == "active"]
    return key


def log_size(w: World) -> int:
    return int(w.app.recorder.max_notification_id() or 0)


def verdict_of(w: World, qr_text: str) -> str:
    response = w.client.post("/api/v1/verify", json={"code": qr_text})
    assert response.status_code == 200, response.text
    return str(response.json()["verdict"])


def revocation(since: dt.datetime | str, reason: str | None = "私钥泄露") -> dict[str, Any]:
    body: dict[str, Any] = {"compromised_since": since if isinstance(since, str) else since.isoformat()}
    if reason is not None:
        body["reason"] = reason
    return body


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- rotate ------------------------------------------------------------------------------------------------------


def test_an_organization_rotates_its_key_and_the_directory_shows_both(world: World) -> None:
    old = active_key_of(world, world.org_id)
    result = created(world.client.post(f"/api/v1/organizations/{world.org_id}/keys/rotate", headers=world.as_org()))
    assert result["retired"]["kid"] == old["kid"] and result["retired"]["status"] == "retired"
    listed = keys(world)
    assert listed[old["kid"]]["status"] == "retired"
    assert listed[old["kid"]]["retired_at"] is not None and listed[old["kid"]]["compromised_since"] is None
    new = active_key_of(world, world.org_id)
    assert new["kid"] == result["key"]["kid"] != old["kid"]
    assert new["jwk"]["kid"] == new["kid"] and new["retired_at"] is None
    # the organization goes on: a certificate by the new key, and the one before still valid
    fresh = world.issue_certificate()
    assert verdict_of(world, fresh["qr_text"]) == verdict_of(world, world.certificate["qr_text"]) == "valid"


def test_the_registry_rotates_an_organizations_key(world: World) -> None:
    old = active_key_of(world, world.other_org["id"])
    result = created(world.client.post(f"/api/v1/organizations/{world.other_org['id']}/keys/rotate",
                                       headers=bearer(world.registry_token)))
    assert result["retired"]["kid"] == old["kid"]
    assert active_key_of(world, world.other_org["id"])["kid"] == result["key"]["kid"]


def test_rotation_is_refused_to_anyone_else_and_changes_nothing(world: World) -> None:
    path = f"/api/v1/organizations/{world.org_id}/keys/rotate"
    before = log_size(world)
    assert_error_body(world.client.post(path), 401)
    assert_error_body(world.client.post(path, headers=bearer("vl_not-a-token")), 401)
    assert_error_body(world.client.post(path, headers=bearer(world.other_org["token"])), 403)
    assert_error_body(world.client.post(path, headers=bearer(world.volunteer["token"])), 403)
    assert_error_body(world.client.post(path, headers=bearer(world.appoint_inspector())), 403)
    appointed = log_size(world)  # appointing the inspector wrote; the refusals did not
    assert_error_body(world.client.post("/api/v1/organizations/00000000-0000-4000-8000-000000000000/keys/rotate",
                                        headers=bearer(world.registry_token)), 404)
    assert_error_body(world.client.post("/api/v1/organizations/not-a-uuid/keys/rotate",
                                        headers=bearer(world.registry_token)), 422)
    assert log_size(world) == appointed > before


# -- retire ------------------------------------------------------------------------------------------------------


def test_retiring_the_only_key_stops_signing_until_a_rotation(world: World) -> None:
    kid = active_key_of(world, world.org_id)["kid"]
    retired = world.client.post(f"/api/v1/keys/{kid}/retire", headers=world.as_org(), json={"reason": "停止活动"})
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "retired"
    refused = world.client.post(f"/api/v1/volunteers/{world.volunteer['id']}/certificates", headers=world.as_org())
    assert assert_error_body(refused, 409)["code"] == "no_active_key"
    assert verdict_of(world, world.certificate["qr_text"]) == "valid"
    created(world.client.post(f"/api/v1/organizations/{world.org_id}/keys/rotate", headers=world.as_org()))
    assert verdict_of(world, world.issue_certificate()["qr_text"]) == "valid"


def test_retire_takes_no_body_at_all(world: World) -> None:
    kid = active_key_of(world, world.org_id)["kid"]
    response = world.client.post(f"/api/v1/keys/{kid}/retire", headers=bearer(world.registry_token))
    assert response.status_code == 200, response.text


def test_retirement_refusals(world: World) -> None:
    kid = active_key_of(world, world.org_id)["kid"]
    root = next(k for k in keys(world).values() if k["purpose"] == "root")
    log_key = next(k for k in keys(world).values() if k["purpose"] == "log")
    before = log_size(world)
    assert_error_body(world.client.post(f"/api/v1/keys/{kid}/retire"), 401)
    other = world.client.post(f"/api/v1/keys/{kid}/retire", headers=bearer(world.other_org["token"]))
    assert assert_error_body(other, 403)["code"] == "not_your_key"
    assert_error_body(world.client.post(f"/api/v1/keys/{kid}/retire", headers=bearer(world.volunteer["token"])), 403)
    assert assert_error_body(world.client.post("/api/v1/keys/xyz/retire", headers=world.as_org()),
                             422)["field"] == "kid"
    unknown = "00000000" if "00000000" not in keys(world) else "ffffffff"
    assert_error_body(world.client.post(f"/api/v1/keys/{unknown}/retire", headers=world.as_org()), 404)
    bad_public = world.client.post(f"/api/v1/keys/{kid}/retire", headers=world.as_org(),
                                   json={"public_key": "not base64!"})
    assert assert_error_body(bad_public, 422)["field"] == "public_key"
    for fixed in (root, log_key):
        refused = world.client.post(f"/api/v1/keys/{fixed['kid']}/retire", headers=bearer(world.registry_token))
        assert assert_error_body(refused, 422)["code"] == "key_not_rotatable"
        # an organization may not even ask
        assert_error_body(world.client.post(f"/api/v1/keys/{fixed['kid']}/retire", headers=world.as_org()), 403)
    assert log_size(world) == before
    assert world.client.post(f"/api/v1/keys/{kid}/retire", headers=world.as_org()).status_code == 200
    again = world.client.post(f"/api/v1/keys/{kid}/retire", headers=world.as_org())
    assert assert_error_body(again, 409)["code"] == "key_already_retired"


# -- revoke ------------------------------------------------------------------------------------------------------


def test_revoking_the_current_key_replaces_it_and_lists_the_compromise(world: World) -> None:
    kid = active_key_of(world, world.org_id)["kid"]
    since = now() - dt.timedelta(days=3)
    response = world.client.post(f"/api/v1/keys/{kid}/revoke", headers=world.as_org(), json=revocation(since))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "revoked"
    assert dt.datetime.fromisoformat(result["compromised_since"]) == since
    listed = keys(world)
    assert listed[kid]["status"] == "revoked"
    assert dt.datetime.fromisoformat(listed[kid]["compromised_since"]) == since
    assert listed[kid]["retired_at"] is not None
    assert active_key_of(world, world.org_id)["kid"] == result["replaced_by"]["kid"]
    # signed by the key after it was compromised: the certificate issued today is forged now
    assert verdict_of(world, world.certificate["qr_text"]) == "forged"
    fresh = world.issue_certificate()
    assert verdict_of(world, fresh["qr_text"]) == "valid"
    assert decode_qr(world.client.get(f"/api/v1/certificates/{fresh['id']}/qr.png",
                                      headers=world.as_org()).content).text == fresh["qr_text"]


def test_the_registry_revokes_a_retired_key_without_a_replacement(world: World) -> None:
    old = active_key_of(world, world.org_id)["kid"]
    rotated = created(world.client.post(f"/api/v1/organizations/{world.org_id}/keys/rotate", headers=world.as_org()))
    response = world.client.post(f"/api/v1/keys/{old}/revoke", headers=bearer(world.registry_token),
                                 json=revocation(now()))
    assert response.status_code == 200, response.text
    assert response.json()["replaced_by"] is None
    assert active_key_of(world, world.org_id)["kid"] == rotated["key"]["kid"]
    # compromised only now, after the certificate was issued (and after the rotation): valid, with a warning
    assert verdict_of(world, world.certificate["qr_text"]) == "valid_with_warnings"


def test_revocation_refusals_change_nothing(world: World) -> None:
    kid = active_key_of(world, world.org_id)["kid"]
    path = f"/api/v1/keys/{kid}/revoke"
    before = log_size(world)
    assert_error_body(world.client.post(path, json=revocation(now())), 401)
    assert assert_error_body(world.client.post(path, headers=bearer(world.other_org["token"]),
                                               json=revocation(now())), 403)["code"] == "not_your_key"
    assert_error_body(world.client.post(path, headers=bearer(world.volunteer["token"]), json=revocation(now())), 403)
    no_reason = world.client.post(path, headers=world.as_org(), json=revocation(now(), reason=None))
    assert_error_body(no_reason, 422)
    blank = world.client.post(path, headers=world.as_org(), json=revocation(now(), reason="   "))
    assert assert_error_body(blank, 422)["field"] == "reason"
    naive = world.client.post(path, headers=world.as_org(), json=revocation("2026-05-01T09:00:00"))
    assert assert_error_body(naive, 422)["field"] == "compromised_since"
    future = world.client.post(path, headers=world.as_org(), json=revocation(now() + dt.timedelta(hours=1)))
    assert assert_error_body(future, 422)["field"] == "compromised_since"
    assert_error_body(world.client.post(path, headers=world.as_org(), json=revocation("yesterday")), 422)
    assert_error_body(world.client.post(path, headers=world.as_org()), 422)
    assert log_size(world) == before
    assert active_key_of(world, world.org_id)["kid"] == kid
    assert world.client.post(path, headers=world.as_org(), json=revocation(now())).status_code == 200
    again = world.client.post(path, headers=bearer(world.registry_token), json=revocation(now()))
    assert assert_error_body(again, 409)["code"] == "key_already_revoked"
    retire = world.client.post(f"/api/v1/keys/{kid}/retire", headers=world.as_org())
    assert assert_error_body(retire, 409)["code"] == "key_revoked"


def test_the_routes_publish_their_roles(world: World) -> None:
    paths = world.client.get("/openapi.json").json()["paths"]
    assert paths["/api/v1/organizations/{org_id}/keys/rotate"]["post"]["x-roles"] == ["registry", "organization"]
    assert paths["/api/v1/keys/{kid}/retire"]["post"]["x-roles"] == ["registry", "organization"]
    assert paths["/api/v1/keys/{kid}/revoke"]["post"]["x-roles"] == ["registry", "organization"]
    assert paths["/api/v1/keys"]["get"]["x-roles"] == ["public"]
