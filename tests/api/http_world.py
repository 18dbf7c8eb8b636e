"""A small world built over HTTP for the API and security tiers: two organizations, their volunteers, an
activity, a record and a certificate; and the fixtures that make it. Shared by tests/api and tests/security
(both conftests import and re-export the fixtures).

Every request here goes through the public HTTP contract, so the world itself is a first check of it.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image

from api.application import VledgerApplication
from api.http import create_app
from api.settings import Settings

# Valid resident ID numbers (GB 11643 check characters computed independently in tests/unit).
ID_NUMBER = "11010519491231002X"  # the example printed in GB 11643 itself
OTHER_ID_NUMBER = "110108199003074527"
THIRD_ID_NUMBER = "310104198812046910"
PHONE = "13800138000"
OTHER_PHONE = "13912345678"
FULL_NAME = "张三明"
MASKED_NAME = "张*明"

ACTIVITY_HOURS = "4"  # 09:00 to 13:00


def activity_body(**overrides: Any) -> dict[str, Any]:
    body = {"name": "社区助老服务", "start": "2026-03-01T09:00:00+08:00", "end": "2026-03-01T13:00:00+08:00",
            "place": "北京市朝阳区和平街社区", "recipients": "社区独居老人", "content": "陪伴聊天、打扫卫生",
            "leader": "李四", "recorder": "王五"}
    body.update(overrides)
    return body


class MovableClock:
    """The service's clock, moved forward by the test (never back: keys are valid from the instance's start)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, iso: str) -> None:
        moved = dt.datetime.fromisoformat(iso)
        assert moved >= self.now
        self.now = moved


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_client(app: VledgerApplication) -> TestClient:
    """A TestClient that answers with the service's own 500 body instead of raising, so tests can assert
    "never 500" as a status."""
    return TestClient(create_app(application=app), raise_server_exceptions=False)


def created(response: Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def code_of(qr_text: str) -> str:
    """The base32 payload of a QR text `{PUBLIC_URL}/V/{BASE32}`."""
    return qr_text.rsplit("/V/", 1)[1]


def payload_of(qr_text: str) -> bytes:
    code = code_of(qr_text)
    return base64.b32decode(code + "=" * (-len(code) % 8))


def text_of(payload: bytes) -> str:
    return base64.b32encode(payload).decode("ascii").rstrip("=")


def decode_qr(png: bytes) -> Any:
    """The one QR symbol zxing-cpp (an independent decoder) finds in a PNG.

    Only QR symbols are searched for: with every format enabled, about one image in 500 also yields a spurious
    Codabar or ITF "barcode" read across rows of QR modules (seen in CI)."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"expected one QR symbol, zxing-cpp found {len(found)}"
    return found[0]


def version_of(result: Any) -> int:
    """QR version of a zxing-cpp result (zxing-cpp 3 reports it in `extra`; older releases as `version`)."""
    extra = getattr(result, "extra", None) or {}
    return int(extra["Version"] if "Version" in extra else result.version)


def assert_error_body(response: Response, status: int) -> dict[str, Any]:
    """Errors are `{"error": {"code": str, "message": str}}` with the expected 4xx status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"], body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    error: dict[str, Any] = body["error"]
    return error


@dataclass
class World:
    """Ids and tokens of everything the world registered."""

    client: TestClient
    app: VledgerApplication
    registry_token: str
    org: dict[str, Any]
    volunteer: dict[str, Any]
    other_volunteer: dict[str, Any]  # same organization, another person
    other_org: dict[str, Any]
    activity: dict[str, Any]
    record: dict[str, Any]
    certificate: dict[str, Any]
    # Every inspector appoint_inspector made ({"id", "token", …}), in order: tests that need an inspector's id
    # (to put them on an inspection's team) find it here.
    inspectors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def org_id(self) -> str:
        return str(self.org["id"])

    @property
    def org_token(self) -> str:
        return str(self.org["token"])

    def as_org(self) -> dict[str, str]:
        return bearer(self.org_token)

    def register_volunteer(self, name: str, id_number: str, phone: str | None = None) -> dict[str, Any]:
        body = {"name": name, "id_number": id_number}
        if phone is not None:
            body["phone"] = phone
        return created(self.client.post(f"/api/v1/organizations/{self.org_id}/volunteers", json=body,
                                        headers=self.as_org()))

    def record_hours(self, volunteer_id: str, hours: str = "3.5") -> dict[str, Any]:
        return created(self.client.post(f"/api/v1/activities/{self.activity['id']}/records",
                                        json={"volunteer_id": volunteer_id, "hours": hours},
                                        headers=self.as_org()))

    def appoint_inspector(self, name: str = "王督查") -> str:
        """The token of an inspector the registry appoints over HTTP (remembered in ``inspectors``)."""
        made = created(self.client.post("/api/v1/inspectors", json={"name": name},
                                        headers=bearer(self.registry_token)))
        self.inspectors.append(made)
        return str(made["token"])

    def issue_certificate(self, volunteer_id: str | None = None) -> dict[str, Any]:
        vid = volunteer_id or self.volunteer["id"]
        return created(self.client.post(f"/api/v1/volunteers/{vid}/certificates", headers=self.as_org()))


def build_world(client: TestClient, app: VledgerApplication, registry_token: str) -> World:
    """Register two organizations, three volunteers, an activity, one record and one certificate."""
    registry = bearer(registry_token)
    org = created(client.post("/api/v1/organizations", headers=registry,
                              json={"name": "阳光志愿者协会", "charter_purpose": "为社区老人提供志愿服务"}))
    other_org = created(client.post("/api/v1/organizations", headers=registry,
                                    json={"name": "蓝天救援队", "charter_purpose": "应急救援"}))
    as_org = bearer(org["token"])
    volunteer = created(client.post(f"/api/v1/organizations/{org['id']}/volunteers", headers=as_org,
                                    json={"name": FULL_NAME, "id_number": ID_NUMBER, "phone": PHONE}))
    other_volunteer = created(client.post(f"/api/v1/organizations/{org['id']}/volunteers", headers=as_org,
                                          json={"name": "李小红", "id_number": OTHER_ID_NUMBER,
                                                "phone": OTHER_PHONE}))
    activity = created(client.post(f"/api/v1/organizations/{org['id']}/activities", headers=as_org,
                                   json=activity_body()))
    record = created(client.post(f"/api/v1/activities/{activity['id']}/records", headers=as_org,
                                 json={"volunteer_id": volunteer["id"], "hours": "3.5", "content": "陪伴聊天"}))
    certificate = created(client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates", headers=as_org))
    return World(client=client, app=app, registry_token=registry_token, org=org, volunteer=volunteer,
                 other_volunteer=other_volunteer, other_org=other_org, activity=activity, record=record,
                 certificate=certificate)


# -- fixtures (re-exported by tests/api/conftest.py and tests/security/conftest.py) ---------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """SQLite in a fresh data directory; a module may override this fixture (test_flow.py adds PostgreSQL)."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(name="settings", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings_on_both_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """``settings`` for a module whose every test runs on both event stores: import it there by this name."""
    if request.param == "postgres":
        return Settings(data_dir=tmp_path / "data", database_url=request.getfixturevalue("postgres_url"))
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def initialized(settings: Settings) -> Iterator[tuple[VledgerApplication, str]]:
    app, token, _ = VledgerApplication.initialize(settings)
    try:
        yield app, token
    finally:
        app.close()


@pytest.fixture
def service(initialized: tuple[VledgerApplication, str]) -> VledgerApplication:
    return initialized[0]


@pytest.fixture
def registry_token(initialized: tuple[VledgerApplication, str]) -> str:
    return initialized[1]


@pytest.fixture
def client(service: VledgerApplication) -> TestClient:
    return make_client(service)


@pytest.fixture
def world(client: TestClient, service: VledgerApplication, registry_token: str) -> World:
    return build_world(client, service, registry_token)
