"""Who may call what (DESIGN §7, §8): every endpoint × every role, as one table and one test.

Roles: no token, a bad token, the registry, the organization that owns the data, another organization, the
volunteer the data is about, and another volunteer of the same organization. Refused requests write nothing.
Tokens are kept only as hashes: no secret is anywhere in the instance's files.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute

import api.routers
from api.application import VledgerApplication
from api.http import create_app
from api.settings import Settings
from tests.api.http_world import World, assert_error_body, bearer, build_world, code_of, make_client

ROLES = ("none", "bad_token", "registry", "own_org", "other_org", "volunteer", "other_volunteer")


def token_of(world: World, role: str) -> str | None:
    return {
        "none": None,
        "bad_token": "vl_" + "A" * 43,
        "registry": world.registry_token,
        "own_org": world.org["token"],
        "other_org": world.other_org["token"],
        "volunteer": world.volunteer["token"],
        "other_volunteer": world.other_volunteer["token"],
    }[role]


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str  # the route template, as the app declares it
    request: Callable[[World], tuple[str, dict[str, Any] | None]]  # world → (path, JSON body)
    expected: dict[str, int]


def protected(registry: int, own_org: int, other_org: int, volunteer: int, other_volunteer: int) -> dict[str, int]:
    return {"none": 401, "bad_token": 401, "registry": registry, "own_org": own_org, "other_org": other_org,
            "volunteer": volunteer, "other_volunteer": other_volunteer}


PUBLIC = dict.fromkeys(ROLES, 200)
ORGANIZATION_WRITES = protected(registry=403, own_org=201, other_org=403, volunteer=403, other_volunteer=403)
# Personal data is for its organization, the volunteer themself and inspectors — not the registry (DESIGN §8).
HOLDER_READS = protected(registry=403, own_org=200, other_org=403, volunteer=200, other_volunteer=403)

MATRIX: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/v1/organizations",
             lambda w: ("/api/v1/organizations", {"name": "新志愿者协会", "charter_purpose": "志愿服务"}),
             protected(registry=201, own_org=403, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("POST", "/api/v1/organizations/{org_id}/volunteers",
             lambda w: (f"/api/v1/organizations/{w.org_id}/volunteers",
                        {"name": "赵六", "id_number": "110105200501010012"}),
             ORGANIZATION_WRITES),
    Endpoint("POST", "/api/v1/organizations/{org_id}/activities",
             lambda w: (f"/api/v1/organizations/{w.org_id}/activities",
                        {"name": "植树", "start": "2026-03-12T08:00:00+08:00", "end": "2026-03-12T11:00:00+08:00",
                         "place": "奥森公园", "recipients": "公众", "content": "植树", "leader": "李四",
                         "recorder": "王五"}),
             ORGANIZATION_WRITES),
    Endpoint("POST", "/api/v1/activities/{activity_id}/records",
             lambda w: (f"/api/v1/activities/{w.activity['id']}/records",
                        # the world's volunteer already has a record there: one record per volunteer and activity
                        {"volunteer_id": w.other_volunteer["id"], "hours": "1"}),
             ORGANIZATION_WRITES),
    Endpoint("GET", "/api/v1/records/{record_id}",
             lambda w: (f"/api/v1/records/{w.record['id']}", None),
             HOLDER_READS),
    Endpoint("PATCH", "/api/v1/records/{record_id}",
             lambda w: (f"/api/v1/records/{w.record['id']}", {"hours": "2", "reason": "更正"}),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("GET", "/api/v1/records/{record_id}/history",
             lambda w: (f"/api/v1/records/{w.record['id']}/history", None),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("GET", "/api/v1/volunteers/{volunteer_id}",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}", None),
             HOLDER_READS),
    Endpoint("POST", "/api/v1/volunteers/{volunteer_id}/certificates",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/certificates", {}),
             ORGANIZATION_WRITES),
    Endpoint("GET", "/api/v1/certificates/{certificate_id}/qr.png",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/qr.png", None),
             HOLDER_READS),
    Endpoint("GET", "/api/v1/certificates/{certificate_id}/qr.svg",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/qr.svg", None),
             HOLDER_READS),
    Endpoint("POST", "/api/v1/certificates/{certificate_id}/revoke",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/revoke", {"reason": "出具有误"}),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("POST", "/api/v1/verify",
             lambda w: ("/api/v1/verify", {"code": w.certificate["qr_text"]}), PUBLIC),
    Endpoint("POST", "/api/v1/verify/batch",
             lambda w: ("/api/v1/verify/batch", {"codes": [w.certificate["qr_text"]]}), PUBLIC),
    Endpoint("GET", "/api/v1/keys", lambda w: ("/api/v1/keys", None), PUBLIC),
    Endpoint("GET", "/V/{payload}", lambda w: (f"/V/{code_of(w.certificate['qr_text'])}", None), PUBLIC),
    Endpoint("GET", "/log/checkpoint", lambda w: ("/log/checkpoint", None), PUBLIC),
    Endpoint("GET", "/log/key", lambda w: ("/log/key", None), PUBLIC),
    Endpoint("GET", "/api/v1/log/leaves/{index}", lambda w: ("/api/v1/log/leaves/0", None), PUBLIC),
    Endpoint("GET", "/api/v1/log/proof/inclusion",
             lambda w: ("/api/v1/log/proof/inclusion?index=0&tree_size=1", None), PUBLIC),
    Endpoint("GET", "/api/v1/log/proof/consistency",
             lambda w: ("/api/v1/log/proof/consistency?old_size=1&tree_size=2", None), PUBLIC),
    Endpoint("GET", "/v/{payload}", lambda w: (f"/v/{code_of(w.certificate['qr_text']).lower()}", None), PUBLIC),
    Endpoint("GET", "/healthz", lambda w: ("/healthz", None), PUBLIC),
)

CASES = [pytest.param(e, role, id=f"{e.method} {e.route} as {role}") for e in MATRIX for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_each_role_gets_exactly_its_status_from_each_endpoint(world: World, endpoint: Endpoint, role: str) -> None:
    path, body = endpoint.request(world)
    token = token_of(world, role)
    before = world.app.recorder.max_notification_id()
    response = world.client.request(endpoint.method, path, json=body,
                                    headers=bearer(token) if token is not None else {})
    expected = endpoint.expected[role]
    if expected >= 400:
        error = assert_error_body(response, expected)
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
        assert world.app.recorder.max_notification_id() == before, f"a refused request wrote: {error}"
    else:
        assert response.status_code == expected, response.text


def served_endpoints(service: VledgerApplication) -> set[tuple[str, str]]:
    """(method, path) of every route of every APIRouter in api/routers, and of the app's own routes."""
    routers = [value for info in pkgutil.iter_modules(api.routers.__path__)
               for value in vars(importlib.import_module(f"api.routers.{info.name}")).values()
               if isinstance(value, APIRouter)]
    routes = [r for router in routers for r in router.routes]
    routes += [r for r in create_app(application=service).routes if isinstance(r, APIRoute)]
    return {(method, r.path) for r in routes if isinstance(r, APIRoute) for method in (r.methods or ())}


def test_the_matrix_names_every_endpoint_the_app_serves(service: VledgerApplication) -> None:
    served = served_endpoints(service)
    assert len(served) > 10  # the routers were found
    assert served == {(e.method, e.route) for e in MATRIX}
    for endpoint in MATRIX:
        assert set(endpoint.expected) == set(ROLES)


@pytest.mark.parametrize("authorization", [
    "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token {org}", "{org}", "Bearer {org}x", "Bearer x{org}",
], ids=["empty", "scheme only", "scheme and space", "basic", "other scheme", "no scheme", "suffixed", "prefixed"])
def test_a_bad_authorization_header_is_401(world: World, authorization: str) -> None:
    header = authorization.format(org=world.org["token"])
    response = world.client.get(f"/api/v1/records/{world.record['id']}", headers={"Authorization": header})
    assert_error_body(response, 401)


def test_a_token_of_another_instance_is_401(world: World, tmp_path: Path) -> None:
    foreign_app, foreign_token, _ = VledgerApplication.initialize(Settings(data_dir=tmp_path / "foreign"))
    try:
        foreign = build_world(make_client(foreign_app), foreign_app, foreign_token)
    finally:
        foreign_app.close()
    for token in (foreign.registry_token, foreign.org["token"], foreign.volunteer["token"]):
        response = world.client.get(f"/api/v1/records/{world.record['id']}", headers=bearer(token))
        assert_error_body(response, 401)


def test_the_bearer_scheme_is_case_insensitive(world: World) -> None:
    response = world.client.get(f"/api/v1/records/{world.record['id']}",
                                headers={"Authorization": f"bearer {world.org['token']}"})
    assert response.status_code == 200, response.text


def test_token_secrets_are_nowhere_in_the_instance_files_only_their_hashes(world: World) -> None:
    data_dir = world.app.settings.data_dir
    secrets = {"registry": world.registry_token, "organization": world.org["token"],
               "other organization": world.other_org["token"], "volunteer": world.volunteer["token"],
               "other volunteer": world.other_volunteer["token"]}
    files = {p.relative_to(data_dir).as_posix(): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    stores = [name for name in files if name.startswith(("events.sqlite", "views.sqlite"))]
    assert "events.sqlite" in stores and "views.sqlite" in stores
    for name, content in files.items():
        for who, secret in secrets.items():
            if name == "admin.token" and who == "registry":
                assert secret.encode() in content  # `vledger init` writes it there, and only there
                continue
            assert secret.encode() not in content, f"the {who} token is readable in {name}"
    # Positive control: what the stores do hold is each token's SHA-256.
    views = b"".join(files[n] for n in stores if n.startswith("views.sqlite"))
    for who, secret in secrets.items():
        assert hashlib.sha256(secret.encode()).hexdigest().encode() in views, f"no hash of the {who} token"
