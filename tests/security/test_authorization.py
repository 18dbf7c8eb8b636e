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
from tests.api.http_world import World, assert_error_body, bearer, build_world, code_of, created, make_client

# One paper record of a person the world does not know yet, at a time no one in the world served.
IMPORT_CSV = ("姓名,证件号码,活动名称,开始时间,结束时间,服务地点,服务对象,服务内容,负责人,记录人,服务时长,"
              "纸质记录日期\r\n"
              "钱七,110105199003071239,社区读书会,2026-02-07 14:00,2026-02-07 16:00,社区活动室,社区居民,读书分享,"
              "李四,王五,2,2026-02-07\r\n").encode()
ROLES = ("none", "bad_token", "registry", "own_org", "other_org", "volunteer", "other_volunteer", "inspector")


@pytest.fixture
def inspector_token(world: World) -> str:
    """An inspector appointed by the registry over HTTP."""
    return world.appoint_inspector()


def token_of(world: World, role: str, inspector: str | None = None) -> str | None:
    return {
        "inspector": inspector,
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
    request: Callable[[World], tuple[str, dict[str, Any] | bytes | None]]  # world → (path, JSON body or a file)
    expected: dict[str, int]


def protected(registry: int, own_org: int, other_org: int, volunteer: int, other_volunteer: int,
              inspector: int = 403) -> dict[str, int]:
    return {"none": 401, "bad_token": 401, "registry": registry, "own_org": own_org, "other_org": other_org,
            "volunteer": volunteer, "other_volunteer": other_volunteer, "inspector": inspector}


PUBLIC = dict.fromkeys(ROLES, 200)
ORGANIZATION_WRITES = protected(registry=403, own_org=201, other_org=403, volunteer=403, other_volunteer=403)
REGISTRY_ONLY = protected(registry=200, own_org=403, other_org=403, volunteer=403, other_volunteer=403)
# Personal data is for its organization, the volunteer themself and inspectors — not the registry (DESIGN §8).
PERSONAL_READS = protected(registry=403, own_org=200, other_org=403, volunteer=200, other_volunteer=403,
                           inspector=200)
# A certificate's files are for the organization and the volunteer it names (inspectors verify the log instead).
HOLDER_FILES = protected(registry=403, own_org=200, other_org=403, volunteer=200, other_volunteer=403)
# What an organization keeps, readable by it and by inspectors (抽查), not by volunteers.
ORGANIZATION_READS = protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403,
                               inspector=200)

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
             PERSONAL_READS),
    Endpoint("PATCH", "/api/v1/records/{record_id}",
             lambda w: (f"/api/v1/records/{w.record['id']}", {"hours": "2", "reason": "更正"}),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("GET", "/api/v1/records/{record_id}/history",
             lambda w: (f"/api/v1/records/{w.record['id']}/history", None),
             ORGANIZATION_READS),
    Endpoint("GET", "/api/v1/volunteers/{volunteer_id}",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}", None),
             PERSONAL_READS),
    Endpoint("POST", "/api/v1/volunteers/{volunteer_id}/certificates",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/certificates", {}),
             ORGANIZATION_WRITES),
    Endpoint("GET", "/api/v1/certificates/{certificate_id}/qr.png",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/qr.png", None),
             HOLDER_FILES),
    Endpoint("GET", "/api/v1/certificates/{certificate_id}/qr.svg",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/qr.svg", None),
             HOLDER_FILES),
    Endpoint("POST", "/api/v1/certificates/{certificate_id}/revoke",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/revoke", {"reason": "出具有误"}),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    # Organizations and identification (Hunan notice 001 二(一)); the published list is public.
    Endpoint("GET", "/api/v1/organizations", lambda w: ("/api/v1/organizations?identified=true", None), PUBLIC),
    Endpoint("GET", "/api/v1/organizations/{org_id}", lambda w: (f"/api/v1/organizations/{w.org_id}", None), PUBLIC),
    Endpoint("POST", "/api/v1/organizations/{org_id}/identification-requests",
             lambda w: (f"/api/v1/organizations/{w.org_id}/identification-requests", None), ORGANIZATION_WRITES),
    Endpoint("POST", "/api/v1/organizations/{org_id}/identification",
             lambda w: (pending_identification_request(w),
                        (f"/api/v1/organizations/{w.org_id}/identification",
                         {"decision": "refuse", "reason": "未在民政部门登记为社会组织"}))[1],
             REGISTRY_ONLY),
    Endpoint("POST", "/api/v1/organizations/{org_id}/charter",
             lambda w: (f"/api/v1/organizations/{w.org_id}/charter",
                        {"charter_purpose": "开展社区文体活动", "reason": "会员大会修改章程"}),
             REGISTRY_ONLY),
    # Inspectors, and the volunteer's view of what inspectors read about them.
    Endpoint("POST", "/api/v1/inspectors", lambda w: ("/api/v1/inspectors", {"name": "李督查"}),
             protected(registry=201, own_org=403, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("GET", "/api/v1/volunteers/{volunteer_id}/reads",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/reads", None),
             protected(registry=403, own_org=403, other_org=403, volunteer=200, other_volunteer=403, inspector=200)),
    # Activities and the organization's records with their screening warnings.
    Endpoint("GET", "/api/v1/activities/{activity_id}",
             lambda w: (f"/api/v1/activities/{w.activity['id']}", None), ORGANIZATION_READS),
    Endpoint("GET", "/api/v1/organizations/{org_id}/records",
             lambda w: (f"/api/v1/organizations/{w.org_id}/records", None), ORGANIZATION_READS),
    # A volunteer's training, awards and evaluations (条例 art.19), kept by their organization.
    Endpoint("POST", "/api/v1/volunteers/{volunteer_id}/trainings",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/trainings",
                        {"title": "急救技能培训", "provider": "红十字会", "date": "2026-03-01", "hours": "2"}),
             ORGANIZATION_WRITES),
    Endpoint("POST", "/api/v1/volunteers/{volunteer_id}/awards",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/awards",
                        {"title": "优秀志愿者", "awarded_by": "文明办", "date": "2025-12-05", "level": "county"}),
             ORGANIZATION_WRITES),
    Endpoint("POST", "/api/v1/volunteers/{volunteer_id}/evaluations",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/evaluations",
                        {"period_start": "2025-01-01", "period_end": "2025-12-31", "rating": "good"}),
             ORGANIZATION_WRITES),
    Endpoint("POST", "/api/v1/volunteers/{volunteer_id}/tokens",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/tokens", None), ORGANIZATION_WRITES),
    # Paper records (纸质记录录入): a CSV upload by the organization itself; the template is public.
    Endpoint("POST", "/api/v1/organizations/{org_id}/imports",
             lambda w: (f"/api/v1/organizations/{w.org_id}/imports", IMPORT_CSV), ORGANIZATION_WRITES),
    Endpoint("GET", "/api/v1/imports/template.csv", lambda w: ("/api/v1/imports/template.csv", None), PUBLIC),
    # Portability: the complete data, with the full ID number, for the volunteer alone.
    Endpoint("GET", "/api/v1/volunteers/{volunteer_id}/export",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/export", None),
             protected(registry=403, own_org=403, other_org=403, volunteer=200, other_volunteer=403)),
    # Corrections: the volunteer asks, the organization amends or declines.
    Endpoint("POST", "/api/v1/records/{record_id}/corrections",
             lambda w: (f"/api/v1/records/{w.record['id']}/corrections", {"hours": "3", "reason": "实际3小时"}),
             protected(registry=403, own_org=403, other_org=403, volunteer=201, other_volunteer=403)),
    Endpoint("GET", "/api/v1/records/{record_id}/corrections",
             lambda w: (f"/api/v1/records/{w.record['id']}/corrections", None), PERSONAL_READS),
    Endpoint("POST", "/api/v1/records/{record_id}/corrections/{correction_id}/decline",
             lambda w: (f"/api/v1/records/{w.record['id']}/corrections/{open_correction(w)}/decline",
                        {"reason": "经核实记录无误"}),
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

def pending_identification_request(w: World) -> None:
    """The registry decides on a request: make one first (the organization asks)."""
    created(w.client.post(f"/api/v1/organizations/{w.org_id}/identification-requests", headers=w.as_org()))


def open_correction(w: World) -> str:
    """The organization declines a request: the volunteer makes one first."""
    return str(created(w.client.post(f"/api/v1/records/{w.record['id']}/corrections",
                                     json={"hours": "3", "reason": "实际3小时"},
                                     headers=bearer(w.volunteer["token"])))["id"])


CASES = [pytest.param(e, role, id=f"{e.method} {e.route} as {role}") for e in MATRIX for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_each_role_gets_exactly_its_status_from_each_endpoint(world: World, inspector_token: str, endpoint: Endpoint,
                                                             role: str) -> None:
    path, body = endpoint.request(world)
    token = token_of(world, role, inspector_token)
    before = world.app.recorder.max_notification_id()
    headers = bearer(token) if token is not None else {}
    if isinstance(body, bytes):  # a file upload (paper-record import), sent as the raw body
        response = world.client.request(endpoint.method, path, content=body,
                                        headers={**headers, "Content-Type": "text/csv"})
    else:
        response = world.client.request(endpoint.method, path, json=body, headers=headers)
    expected = endpoint.expected[role]
    if expected >= 400:
        error = assert_error_body(response, expected)
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"
        assert world.app.recorder.max_notification_id() == before, f"a refused request wrote: {error}"
    else:
        assert response.status_code == expected, response.text


def served_routes(service: VledgerApplication) -> list[APIRoute]:
    """Every route of every APIRouter in api/routers, and the app's own routes."""
    routers = [value for info in pkgutil.iter_modules(api.routers.__path__)
               for value in vars(importlib.import_module(f"api.routers.{info.name}")).values()
               if isinstance(value, APIRouter)]
    routes = [r for router in routers for r in router.routes]
    routes += [r for r in create_app(application=service).routes if isinstance(r, APIRoute)]
    return [r for r in routes if isinstance(r, APIRoute)]


def served_endpoints(service: VledgerApplication) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves."""
    return {(method, r.path) for r in served_routes(service) for method in (r.methods or ())}


def test_the_matrix_names_every_endpoint_the_app_serves(service: VledgerApplication) -> None:
    served = served_endpoints(service)
    assert len(served) > 10  # the routers were found
    assert served == {(e.method, e.route) for e in MATRIX}
    for endpoint in MATRIX:
        assert set(endpoint.expected) == set(ROLES)


# Which matrix column stands for which role named in the OpenAPI document's `x-roles` (api/deps.py `roles`).
ROLE_COLUMNS = {"public": "none", "registry": "registry", "organization": "own_org", "volunteer": "volunteer",
                "inspector": "inspector"}


def test_the_openapi_document_names_exactly_the_roles_the_matrix_allows(service: VledgerApplication) -> None:
    """DESIGN §7 / issue 4 item 12: each endpoint's roles are published, and they are the ones enforced."""
    app = create_app(application=service)
    operations = {(method.upper(), path): op for path, item in app.openapi()["paths"].items()
                  for method, op in item.items()}
    hidden = {(m, r.path) for r in served_routes(service) if not r.include_in_schema for m in (r.methods or ())}
    for endpoint in MATRIX:
        key = (endpoint.method, endpoint.route)
        if key in hidden:
            continue
        assert key in operations, f"{key} is not in the OpenAPI document"
        published = set(operations[key].get("x-roles", ()))
        allowed = {role for role, column in ROLE_COLUMNS.items()
                   if column in endpoint.expected and endpoint.expected[column] < 400}
        if "public" in allowed:
            allowed = {"public"}  # anyone: the other roles add nothing
        assert published == allowed, f"{key}: OpenAPI says {sorted(published)}, the matrix allows {sorted(allowed)}"


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
