"""Who may call what (DESIGN §7, §8): every endpoint × every role, as one table and one test.

Roles: no token, a bad token, the registry, the organization that owns the data, another organization, the
volunteer the data is about, and another volunteer of the same organization. Refused requests write nothing.
Tokens are kept only as hashes: no secret is anywhere in the instance's files.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import importlib
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import api.routers
from api.application import VledgerApplication
from api.http import create_app
from api.settings import Settings
from domain.workdays import china_date
from tests.api.http_world import World, assert_error_body, bearer, build_world, code_of, created, make_client

# One paper record of a person the world does not know yet, at a time no one in the world served.
IMPORT_CSV = ("姓名,证件号码,活动名称,开始时间,结束时间,服务地点,服务对象,服务内容,负责人,记录人,服务时长,"
              "纸质记录日期\r\n"
              "钱七,110105199003071239,社区读书会,2026-02-07 14:00,2026-02-07 16:00,社区活动室,社区居民,读书分享,"
              "李四,王五,2,2026-02-07\r\n").encode()
REGION = "370117"  # a district (钢城区): the draws' region
# Findings on a row of the on-site form: before the visit only the online pre-check's; on site, an inspector's own.
PRECHECK_FINDING = {"row_id": "within_10_working_days", "problem": "记录录入晚于活动结束后10个工作日",
                    "source": "precheck"}
ON_SITE_FINDING = {"row_id": "service_content", "problem": "服务内容与活动签到表不一致"}
ROLES = ("none", "bad_token", "registry", "own_org", "other_org", "volunteer", "other_volunteer", "inspector")


# The matrix runs ~800 cases, each on a world of its own (a refused request must be seen to write nothing, and an
# allowed one changes the world). Building that world over HTTP costs ~0.3 s; copying a finished one costs ~5 ms.
# So the world is built once per module — on SQLite, with its inspector — and every case opens a fresh copy of the
# instance directory: the same ids and tokens, its own files.


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A finished instance directory and what the world knows of it (everything but the client and the app)."""
    data_dir = tmp_path_factory.mktemp("matrix-template") / "data"
    app, token, _ = VledgerApplication.initialize(Settings(data_dir=data_dir))
    try:
        built = build_world(make_client(app), app, token)
        built.appoint_inspector()
        state = {f.name: getattr(built, f.name) for f in dataclasses.fields(built) if f.name not in ("client", "app")}
    finally:
        app.close()
    return data_dir, state


@pytest.fixture
def initialized(template: tuple[Path, dict[str, Any]],
                tmp_path: Path) -> Iterator[tuple[VledgerApplication, str]]:
    """A fresh copy of the template instance, opened."""
    data_dir = tmp_path / "data"
    shutil.copytree(template[0], data_dir)
    app = VledgerApplication(Settings(data_dir=data_dir))
    try:
        yield app, str(template[1]["registry_token"])
    finally:
        app.close()


@pytest.fixture
def world(client: TestClient, service: VledgerApplication, template: tuple[Path, dict[str, Any]]) -> World:
    state = copy.deepcopy(template[1])
    return World(client=client, app=service, **state)


@pytest.fixture
def inspector_token(world: World) -> str:
    """The inspector the registry appointed over HTTP when the template was built."""
    return str(world.inspectors[0]["token"])


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
class Form:
    """A urlencoded form body (the public verification page's form)."""

    fields: dict[str, str]


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str  # the route template, as the app declares it
    # world → (path, JSON body, a file, or a form)
    request: Callable[[World], tuple[str, dict[str, Any] | bytes | Form | None]]
    expected: dict[str, int]
    # Browser pages answer some requests with a redirect (303): it is checked as it is, not followed.
    follow: bool = True


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
# Spot checks (issue 6): the bureau's side — the registry and inspectors, never organizations or volunteers.
BUREAU = protected(registry=200, own_org=403, other_org=403, volunteer=403, other_volunteer=403, inspector=200)
# An inspector's own acts on an inspection (the matrix's inspector is on its team and, on site, present).
INSPECTOR_ONLY = protected(registry=403, own_org=403, other_org=403, volunteer=403, other_volunteer=403,
                           inspector=200)
# An inspection is read by the bureau and by the inspected organization, not by another one.
INSPECTION_READS = protected(registry=200, own_org=200, other_org=403, volunteer=403, other_volunteer=403,
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
    Endpoint("GET", "/api/v1/certificates/{certificate_id}/pdf",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/pdf", None),
             HOLDER_FILES),
    Endpoint("POST", "/api/v1/certificates/{certificate_id}/revoke",
             lambda w: (f"/api/v1/certificates/{w.certificate['id']}/revoke", {"reason": "出具有误"}),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    # Certificate requests and succession (issue 5 item 8).
    Endpoint("POST", "/api/v1/volunteers/{volunteer_id}/certificate-requests",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/certificate-requests", {"purpose": "升学"}),
             protected(registry=403, own_org=403, other_org=403, volunteer=201, other_volunteer=403)),
    Endpoint("GET", "/api/v1/volunteers/{volunteer_id}/certificate-requests",
             lambda w: (f"/api/v1/volunteers/{w.volunteer['id']}/certificate-requests", None),
             PERSONAL_READS),
    Endpoint("GET", "/api/v1/organizations/{org_id}/certificate-requests",
             lambda w: (f"/api/v1/organizations/{w.org_id}/certificate-requests?status=open", None),
             ORGANIZATION_READS),
    Endpoint("GET", "/api/v1/certificate-requests/{request_id}",
             lambda w: (f"/api/v1/certificate-requests/{open_certificate_request(w)}", None),
             PERSONAL_READS),
    Endpoint("POST", "/api/v1/certificate-requests/{request_id}/issue",
             lambda w: (f"/api/v1/certificate-requests/{open_certificate_request(w)}/issue", {"handler": "王五"}),
             ORGANIZATION_WRITES),
    Endpoint("POST", "/api/v1/certificate-requests/{request_id}/decline",
             lambda w: (f"/api/v1/certificate-requests/{open_certificate_request(w)}/decline",
                        {"reason": "所选期间内没有服务记录"}),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("POST", "/api/v1/organizations/{org_id}/dissolve",
             lambda w: (f"/api/v1/organizations/{w.org_id}/dissolve",
                        {"successor_id": str(w.other_org["id"]), "reason": "经理事会决议注销"}),
             REGISTRY_ONLY),
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
    Endpoint("GET", "/api/v1/keys/directory", lambda w: ("/api/v1/keys/directory", None), PUBLIC),
    # Key lifecycle (DESIGN §3): the registry, or the organization for its own key.
    Endpoint("POST", "/api/v1/organizations/{org_id}/keys/rotate",
             lambda w: (f"/api/v1/organizations/{w.org_id}/keys/rotate", None),
             protected(registry=201, own_org=201, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("POST", "/api/v1/keys/{kid}/retire",
             lambda w: (f"/api/v1/keys/{w.app.keyring.current(w.org_id).kid}/retire", {"reason": "组织停止活动"}),
             protected(registry=200, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("POST", "/api/v1/keys/{kid}/revoke",
             lambda w: (f"/api/v1/keys/{w.app.keyring.current(w.org_id).kid}/revoke",
                        {"compromised_since": "2026-05-01T09:00:00+08:00", "reason": "私钥泄露"}),
             protected(registry=200, own_org=200, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("GET", "/V/{payload}", lambda w: (f"/V/{code_of(w.certificate['qr_text'])}", None), PUBLIC),
    Endpoint("GET", "/log/checkpoint", lambda w: ("/log/checkpoint", None), PUBLIC),
    Endpoint("GET", "/log/key", lambda w: ("/log/key", None), PUBLIC),
    Endpoint("GET", "/api/v1/log/leaves/{index}", lambda w: ("/api/v1/log/leaves/0", None), PUBLIC),
    Endpoint("GET", "/api/v1/log/proof/inclusion",
             lambda w: ("/api/v1/log/proof/inclusion?index=0&tree_size=1", None), PUBLIC),
    Endpoint("GET", "/api/v1/log/proof/consistency",
             lambda w: ("/api/v1/log/proof/consistency?old_size=1&tree_size=2", None), PUBLIC),
    Endpoint("GET", "/v/{payload}", lambda w: (f"/v/{code_of(w.certificate['qr_text']).lower()}", None), PUBLIC),
    Endpoint("GET", "/V/{payload}/changes",
             lambda w: (f"/V/{code_of(w.certificate['qr_text'])}/changes", None), PUBLIC),
    Endpoint("GET", "/v/{payload}/changes",
             lambda w: (f"/v/{code_of(w.certificate['qr_text']).lower()}/changes", None), PUBLIC),
    Endpoint("GET", "/verify", lambda w: ("/verify", None), PUBLIC),
    Endpoint("POST", "/verify", lambda w: ("/verify", Form({"code": w.certificate["qr_text"]})), PUBLIC),
    Endpoint("POST", "/verify/batch.csv",
             lambda w: ("/verify/batch.csv", f"code\r\n{w.certificate['qr_text']}\r\n".encode()), PUBLIC),
    Endpoint("GET", "/healthz", lambda w: ("/healthz", None), PUBLIC),
    # The inspectors' pages (issue 6 item 6): a bearer header is judged as by the API; no credentials at all is a
    # browser without a session, sent to the sign-in page.
    Endpoint("GET", "/inspect/login", lambda w: ("/inspect/login", None), PUBLIC),
    Endpoint("POST", "/inspect/login", lambda w: ("/inspect/login", Form({"token": w.inspectors[0]["token"]})),
             dict.fromkeys(ROLES, 303), follow=False),
    Endpoint("POST", "/inspect/logout", lambda w: ("/inspect/logout", None), dict.fromkeys(ROLES, 303),
             follow=False),
    Endpoint("GET", "/inspect", lambda w: ("/inspect", None),
             {**protected(registry=200, own_org=403, other_org=403, volunteer=403, other_volunteer=403,
                          inspector=200), "none": 303}, follow=False),
    Endpoint("GET", "/inspect/organizations/{org_id}",
             lambda w: (f"/inspect/organizations/{w.org_id}?period_start=2026-01-01&period_end=2026-06-30", None),
             {**protected(registry=200, own_org=403, other_org=403, volunteer=403, other_volunteer=403,
                          inspector=200), "none": 303}, follow=False),
    Endpoint("GET", "/inspect/inspections/{inspection_id}/form.pdf",
             lambda w: (f"/inspect/inspections/{inspection_on_site(w)}/form.pdf", None),
             {**protected(registry=200, own_org=403, other_org=403, volunteer=403, other_volunteer=403,
                          inspector=200), "none": 303}, follow=False),
    # A record's history is for inspectors (and the organization, through the API), not the registry.
    Endpoint("GET", "/inspect/records/{record_id}", lambda w: (f"/inspect/records/{w.record['id']}", None),
             {**protected(registry=403, own_org=403, other_org=403, volunteer=403, other_volunteer=403,
                          inspector=200), "none": 303}, follow=False),
    # Complaints (issue 6 item 1): filed by the public without a token or by any volunteer with theirs — not by
    # organizations, the registry or inspectors; listed by the bureau; assessed by an inspector.
    Endpoint("POST", "/api/v1/complaints",
             lambda w: ("/api/v1/complaints", {"org_id": w.org_id, "about": "records", "text": "活动未举办却记时长"}),
             {**protected(registry=403, own_org=403, other_org=403, volunteer=201, other_volunteer=201),
              "none": 201}),
    Endpoint("GET", "/api/v1/complaints", lambda w: ("/api/v1/complaints?year=2026", None), BUREAU),
    Endpoint("POST", "/api/v1/complaints/{complaint_id}/assessment",
             lambda w: (f"/api/v1/complaints/{filed_complaint(w)}/assessment",
                        {"founded": False, "reason": "核对签到表，服务时长属实"}),
             INSPECTOR_ONLY),
    # Draws (双随机、一公开, item 2): made by the registry, read by anyone; the quota is the bureau's.
    Endpoint("POST", "/api/v1/draws", lambda w: ("/api/v1/draws", {"region": REGION, "year": 2026}),
             protected(registry=201, own_org=403, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("POST", "/api/v1/draws/{draw_id}/targets",
             lambda w: (f"/api/v1/draws/{published_draw(w)}/targets", None), REGISTRY_ONLY),
    Endpoint("POST", "/api/v1/draws/{draw_id}/inspectors",
             lambda w: inspector_draw(w),
             protected(registry=201, own_org=403, other_org=403, volunteer=403, other_volunteer=403)),
    Endpoint("GET", "/api/v1/draws", lambda w: ("/api/v1/draws?year=2026", None), PUBLIC),
    Endpoint("GET", "/api/v1/draws/{draw_id}", lambda w: (f"/api/v1/draws/{published_draw(w)}", None), PUBLIC),
    Endpoint("GET", "/api/v1/quotas/{region}/{year}", lambda w: (f"/api/v1/quotas/{REGION}/2026", None), BUREAU),
    # The online pre-check (item 3): never the organization itself (it would learn what will be questioned).
    Endpoint("GET", "/api/v1/organizations/{org_id}/precheck",
             lambda w: (f"/api/v1/organizations/{w.org_id}/precheck?period_start=2026-01-01&period_end=2026-05-31",
                        None), BUREAU),
    # Inspections (item 4): the bureau plans and adds inspectors; each on-site act is an inspector's own; the
    # inspected organization reads its inspection and reports its rectification.
    Endpoint("POST", "/api/v1/inspections",
             lambda w: ("/api/v1/inspections", plan_body(w, [i["id"] for i in two_inspectors(w)])),
             protected(registry=201, own_org=403, other_org=403, volunteer=403, other_volunteer=403, inspector=201)),
    # An organization lists its own inspections (the other organization: its own, none).
    Endpoint("GET", "/api/v1/inspections", lambda w: ("/api/v1/inspections", None),
             protected(registry=200, own_org=200, other_org=200, volunteer=403, other_volunteer=403, inspector=200)),
    Endpoint("GET", "/api/v1/inspections/{inspection_id}",
             lambda w: (f"/api/v1/inspections/{planned_inspection(w)}", None), INSPECTION_READS),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/inspectors",
             lambda w: (f"/api/v1/inspections/{planned_inspection(w)}/inspectors",
                        {"inspectors": [appointed(w, "赵核查")], "reason": "原检查人员回避"}), BUREAU),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/conflict-declarations",
             lambda w: (f"/api/v1/inspections/{planned_inspection(w)}/conflict-declarations", {"conflict": False}),
             INSPECTOR_ONLY),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/on-site",
             lambda w: (f"/api/v1/inspections/{declared_inspection(w)}/on-site", {"credentials_shown": True}),
             INSPECTOR_ONLY),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/precheck-findings",
             lambda w: (f"/api/v1/inspections/{planned_inspection(w)}/precheck-findings", None), INSPECTOR_ONLY),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/findings",
             lambda w: (f"/api/v1/inspections/{planned_inspection(w)}/findings", PRECHECK_FINDING),
             protected(registry=403, own_org=403, other_org=403, volunteer=403, other_volunteer=403, inspector=201)),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/findings/{finding_id}/withdrawal",
             lambda w: ("/api/v1/inspections/{}/findings/{}/withdrawal".format(*finding_to_withdraw(w)),
                        {"reason": "核实为会员自费活动"}), INSPECTOR_ONLY),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/opinion",
             lambda w: (f"/api/v1/inspections/{inspection_on_site(w)}/opinion",
                        {"opinion": "认可检查结果", "name": "张会长"}), INSPECTOR_ONLY),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/decision",
             lambda w: (f"/api/v1/inspections/{inspection_with_opinion(w)}/decision",
                        {"result": "合格", "reason": "未发现问题"}), INSPECTOR_ONLY),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/rectification-order",
             lambda w: (f"/api/v1/inspections/{decided_inspection(w)}/rectification-order",
                        {"deadline": rectification_deadline(w), "instructions": "补录并更正服务内容"}),
             INSPECTOR_ONLY),
    # The organization reports its own rectification; an inspector may enter the report it handed in.
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/rectification-report",
             lambda w: (f"/api/v1/inspections/{rectifying_inspection(w)}/rectification-report",
                        {"report": "已补录全部记录并更正服务内容"}),
             protected(registry=403, own_org=200, other_org=403, volunteer=403, other_volunteer=403, inspector=200)),
    Endpoint("POST", "/api/v1/inspections/{inspection_id}/follow-up",
             lambda w: (f"/api/v1/inspections/{reported_inspection(w)}/follow-up",
                        {"done": True, "reason": "复查台账，整改到位"}), INSPECTOR_ONLY),
    # Reports (items 5, 7): the filled form also for the inspected organization once the visit began; the annual
    # summary for the bureau; the list of identified organizations for anyone.
    Endpoint("GET", "/api/v1/inspections/{inspection_id}/form.pdf",
             lambda w: (f"/api/v1/inspections/{inspection_on_site(w)}/form.pdf", None), INSPECTION_READS),
    Endpoint("GET", "/api/v1/reports/spot-checks/{year}.csv",
             lambda w: ("/api/v1/reports/spot-checks/2026.csv", None), BUREAU),
    Endpoint("GET", "/api/v1/reports/spot-checks/{year}.pdf",
             lambda w: ("/api/v1/reports/spot-checks/2026.pdf", None), BUREAU),
    Endpoint("GET", "/api/v1/reports/identified-organizations/{year}",
             lambda w: ("/api/v1/reports/identified-organizations/2026", None), PUBLIC),
    Endpoint("GET", "/api/v1/reports/identified-organizations/{year}.csv",
             lambda w: ("/api/v1/reports/identified-organizations/2026.csv", None), PUBLIC),
)

def pending_identification_request(w: World) -> dict[str, Any]:
    """The registry decides on a request: make one first (the organization asks)."""
    return created(w.client.post(f"/api/v1/organizations/{w.org_id}/identification-requests", headers=w.as_org()))


def open_certificate_request(w: World) -> str:
    """The organization decides on a request: the volunteer asks first."""
    return str(created(w.client.post(f"/api/v1/volunteers/{w.volunteer['id']}/certificate-requests",
                                     json={"purpose": "求职"}, headers=bearer(w.volunteer["token"])))["id"])


def open_correction(w: World) -> str:
    """The organization declines a request: the volunteer makes one first."""
    return str(created(w.client.post(f"/api/v1/records/{w.record['id']}/corrections",
                                     json={"hours": "3", "reason": "实际3小时"},
                                     headers=bearer(w.volunteer["token"])))["id"])


# -- spot checks: state each row needs, made over HTTP before the request under test -------------------------


def filed_complaint(w: World) -> str:
    """An inspector assesses a complaint: the public files one first."""
    return str(created(w.client.post("/api/v1/complaints", json={"org_id": w.org_id, "about": "certificates",
                                                                 "text": "证明所列时长与实际不符"}))["id"])


def published_draw(w: World) -> str:
    """The registry's draw of the district's targets for this year (the year complaints are counted in), seed
    published."""
    year = china_date(w.app.clock()).year
    return str(created(w.client.post("/api/v1/draws", json={"region": REGION, "year": year},
                                     headers=bearer(w.registry_token)))["id"])


def drawn_target(w: World) -> tuple[str, str]:
    """(draw, organization): an organization of the district that the draw drew as a target (a complaint makes it
    one), with a second inspector appointed before the seed so that the pool committed with it holds a team."""
    org = created(w.client.post("/api/v1/organizations", headers=bearer(w.registry_token),
                                json={"name": "钢城区义工服务队", "charter_purpose": "组织开展志愿服务活动",
                                      "region_code": REGION}))
    created(w.client.post("/api/v1/complaints", json={"org_id": org["id"], "about": "records", "text": "未举办"}))
    two_inspectors(w)
    draw_id = published_draw(w)
    drawn = w.client.post(f"/api/v1/draws/{draw_id}/targets", headers=bearer(w.registry_token))
    assert drawn.status_code == 200, drawn.text
    assert org["id"] in [t["org_id"] for t in drawn.json()["targets"]]
    return draw_id, str(org["id"])


def inspector_draw(w: World) -> tuple[str, dict[str, Any]]:
    """The registry draws the team of a drawn target from the pool committed with the seed (the matrix's inspector
    and a second one)."""
    draw_id, org_id = drawn_target(w)
    return (f"/api/v1/draws/{draw_id}/inspectors", {"org_id": org_id})


def appointed(w: World, name: str) -> str:
    """The id of a new inspector."""
    w.appoint_inspector(name)
    return str(w.inspectors[-1]["id"])


def two_inspectors(w: World) -> list[dict[str, Any]]:
    """The matrix's inspector (appointed first, by the ``inspector_token`` fixture) and a second one: a team."""
    assert w.inspectors, "the inspector_token fixture appoints the matrix's inspector before the request is built"
    if len(w.inspectors) < 2:
        w.appoint_inspector("李检查")
    return w.inspectors[:2]


def plan_body(w: World, team: list[str]) -> dict[str, Any]:
    return {"org_id": w.org_id, "period_start": "2026-01-01", "period_end": "2026-05-31",
            "planned_on": "2026-06-05", "place": "和平街社区服务中心", "inspectors": team, "basis": "manual",
            "note": "年度重点检查"}


def inspection_step(w: World, inspection_id: str, step: str, token: str, body: dict[str, Any],
                    status: int = 200) -> dict[str, Any]:
    response = w.client.post(f"/api/v1/inspections/{inspection_id}/{step}", json=body, headers=bearer(token))
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def planned_inspection(w: World) -> str:
    """The registry plans a check of the world's organization; the team: the matrix's inspector and a second."""
    team = [str(i["id"]) for i in two_inspectors(w)]
    return str(created(w.client.post("/api/v1/inspections", json=plan_body(w, team),
                                     headers=bearer(w.registry_token)))["id"])


def declared_inspection(w: World) -> str:
    """Planned, and both inspectors declared no conflict of interest: the visit may start."""
    inspection_id = planned_inspection(w)
    for inspector in w.inspectors[:2]:
        inspection_step(w, inspection_id, "conflict-declarations", inspector["token"], {"conflict": False})
    return inspection_id


def second_token(w: World) -> str:
    """The setup acts through the second inspector, leaving the matrix's inspector's own acts to the request."""
    return str(w.inspectors[1]["token"])


def inspection_on_site(w: World) -> str:
    """The visit started with both inspectors present."""
    inspection_id = declared_inspection(w)
    inspection_step(w, inspection_id, "on-site", second_token(w), {"credentials_shown": True})
    return inspection_id


def inspection_with_opinion(w: World) -> str:
    inspection_id = inspection_on_site(w)
    inspection_step(w, inspection_id, "opinion", second_token(w), {"opinion": "认可检查结果", "name": "张会长"})
    return inspection_id


def decided_inspection(w: World) -> str:
    """On site, a finding, the representative's opinion and the decision 责令改正: it waits for an order."""
    inspection_id = inspection_on_site(w)
    inspection_step(w, inspection_id, "findings", second_token(w), ON_SITE_FINDING, status=201)
    inspection_step(w, inspection_id, "opinion", second_token(w), {"opinion": "认可检查结果", "name": "张会长"})
    inspection_step(w, inspection_id, "decision", second_token(w), {"result": "责令改正", "reason": "服务内容不准确"})
    return inspection_id


def rectification_deadline(w: World) -> str:
    """A month after the service's today (China time): within what an order may set."""
    return (china_date(w.app.clock()) + dt.timedelta(days=30)).isoformat()


def rectifying_inspection(w: World) -> str:
    """Ordered to rectify by a deadline: the organization's report is due."""
    inspection_id = decided_inspection(w)
    inspection_step(w, inspection_id, "rectification-order", second_token(w),
                    {"deadline": rectification_deadline(w)})
    return inspection_id


def reported_inspection(w: World) -> str:
    """The organization reported its rectification: the follow-up is due."""
    inspection_id = rectifying_inspection(w)
    inspection_step(w, inspection_id, "rectification-report", w.org_token, {"report": "已补录全部记录"})
    return inspection_id


def finding_to_withdraw(w: World) -> tuple[str, str]:
    """(inspection, finding): a pre-check finding the second inspector recorded before the visit."""
    inspection_id = planned_inspection(w)
    made = inspection_step(w, inspection_id, "findings", second_token(w), PRECHECK_FINDING, status=201)
    return inspection_id, str(made["finding_id"])


CASES = [pytest.param(e, role, id=f"{e.method} {e.route} as {role}") for e in MATRIX for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES)
def test_each_role_gets_exactly_its_status_from_each_endpoint(world: World, inspector_token: str, endpoint: Endpoint,
                                                             role: str) -> None:
    path, body = endpoint.request(world)
    token = token_of(world, role, inspector_token)
    before = world.app.recorder.max_notification_id()
    headers = bearer(token) if token is not None else {}
    if isinstance(body, bytes):  # a file upload (paper-record import), sent as the raw body
        response = world.client.request(endpoint.method, path, content=body, follow_redirects=endpoint.follow,
                                        headers={**headers, "Content-Type": "text/csv"})
    elif isinstance(body, Form):
        response = world.client.request(endpoint.method, path, data=body.fields, headers=headers,
                                        follow_redirects=endpoint.follow)
    else:
        response = world.client.request(endpoint.method, path, json=body, headers=headers,
                                        follow_redirects=endpoint.follow)
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
        # A 303 to the sign-in page refuses a browser without a session; a 303 given to everyone (sign-in, sign-out)
        # is the endpoint's own answer.
        everyone_redirected = set(endpoint.expected.values()) == {303}
        allowed = {role for role, column in ROLE_COLUMNS.items() if column in endpoint.expected
                   and (endpoint.expected[column] < 300 or everyone_redirected)}
        if allowed == set(ROLE_COLUMNS):
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
