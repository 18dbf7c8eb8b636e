"""Screening over HTTP: records are accepted with warnings that carry rule codes and sources, and the organization,
the volunteer and inspectors all see them — in the POST answers, a record, the volunteer's records, the activity
and the organization's record list. Bad input is a 4xx that writes nothing.

Sources: the Hunan notice, seed 001_… 二(二) (the four excluded kinds ①–④; 抽查内容①), the Gangcheng checklist,
seed 000_… 五(1)1(7) (10 working days), 1(8) (paper records entered promptly), 2(10) (no pay beyond necessary
subsidies), 2(12) (no profit-making); the Beijing activity fields, seed 004_… 三(三) (participants: count and each
one's basic information — here masked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.application import VledgerApplication
from api.http import create_app
from api.settings import Settings
from domain.access import Principal
from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    MASKED_NAME,
    OTHER_ID_NUMBER,
    activity_body,
    assert_error_body,
    bearer,
    created,
)
from tests.api.http_world import MovableClock as Clock

CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2024, 9, 1, 9, 0, tzinfo=CST))


@pytest.fixture
def initialized(settings: Settings, clock: Clock) -> Iterator[tuple[VledgerApplication, str]]:
    """The http_world fixture of the same name, on this module's clock."""
    app, token, _ = VledgerApplication.initialize(settings, clock)
    try:
        yield app, token
    finally:
        app.close()


@dataclass
class Scene:
    """An organization with two volunteers, another organization, an inspector; all over HTTP but the inspector."""

    client: TestClient
    app: VledgerApplication
    clock: Clock
    registry: str
    org: dict[str, Any]
    other_org: dict[str, Any]
    volunteer: dict[str, Any]
    other_volunteer: dict[str, Any]
    inspector: str

    @property
    def as_org(self) -> dict[str, str]:
        return bearer(self.org["token"])

    def activity(self, **overrides: Any) -> dict[str, Any]:
        return created(self.client.post(f"/api/v1/organizations/{self.org['id']}/activities", headers=self.as_org,
                                        json=activity_body(**overrides)))

    def record(self, activity_id: str, volunteer: dict[str, Any], hours: str = "3", **extra: Any) -> Response:
        return self.client.post(f"/api/v1/activities/{activity_id}/records", headers=self.as_org,
                                json={"volunteer_id": volunteer["id"], "hours": hours, **extra})

    def written(self) -> int | None:
        return self.app.recorder.max_notification_id()


@pytest.fixture
def scene(client: TestClient, service: VledgerApplication, registry_token: str, clock: Clock) -> Scene:
    registry = bearer(registry_token)
    org = created(client.post("/api/v1/organizations", headers=registry,
                              json={"name": "阳光志愿者协会", "charter_purpose": "为社区老人提供志愿服务"}))
    other_org = created(client.post("/api/v1/organizations", headers=registry,
                                    json={"name": "蓝天救援队", "charter_purpose": "应急救援"}))
    volunteers = [created(client.post(f"/api/v1/organizations/{org['id']}/volunteers", headers=bearer(org["token"]),
                                      json={"name": name, "id_number": number}))
                  for name, number in ((FULL_NAME, ID_NUMBER), ("李小红", OTHER_ID_NUMBER))]
    inspector = service.appoint_inspector(Principal(role="registry", subject="registry"), name="抽查员甲")
    return Scene(client, service, clock, registry_token, org, other_org, *volunteers, inspector=inspector["token"])


def codes(warnings: list[dict[str, str]]) -> list[str]:
    assert all(set(w) == {"code", "message", "source"} and all(w.values()) for w in warnings), warnings
    return [w["code"] for w in warnings]


# National Day 2024: 1–7 October off, Sunday 29 September and Saturday 12 October worked.
ELDER_CARE = {"name": "国庆敬老院探访", "start": "2024-09-30T09:00:00+08:00", "end": "2024-09-30T12:00:00+08:00",
              "category": "敬老助残", "subsidy": "30"}
STUDY_TOUR = {"name": "暑期研学营", "start": "2024-09-28T09:00:00+08:00", "end": "2024-09-28T17:00:00+08:00",
              "content": "参观博物馆、研学旅行", "category": "fee_charging_trip", "fee": "800"}


def test_an_excluded_kind_and_a_fee_are_accepted_with_warnings_that_the_activity_shows(scene: Scene) -> None:
    """Hunan 001_… 二(二)④ and Gangcheng 000_… 五(1)2(12): a fee-charging study tour is warned, not refused."""
    tour = scene.activity(**STUDY_TOUR)
    assert codes(tour["warnings"]) == ["ineligible_fee_charging_trip", "fee_charging_activity"]
    assert "湖南 001 二(二)" in tour["warnings"][0]["source"]
    ordinary = scene.activity(**ELDER_CARE)
    assert ordinary["warnings"] == []

    shown = scene.client.get(f"/api/v1/activities/{tour['id']}", headers=scene.as_org)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["warnings"] == tour["warnings"]
    assert (body["category"], body["category_label"]) == ("fee_charging_trip", "收费旅游、参观、会议、研学、夏令营")
    assert (body["fee"], body["subsidy"], body["participant_count"], body["participants"]) == ("800.00", "0.00", 0, [])
    beijing = ("name", "start", "end", "place", "recipients", "content", "leader", "recorder")
    assert all(body[f] for f in beijing)
    assert dt.datetime.fromisoformat(body["start"]) == dt.datetime.fromisoformat(STUDY_TOUR["start"])


def test_the_warnings_of_records_reach_the_organization_the_volunteer_and_inspectors(scene: Scene) -> None:
    """Gangcheng 000_… 五(1)1(7), 1(8), 2(10): pay beyond the subsidy, late records and paper records entered late are
    accepted with warnings; each reader sees them, names masked wherever a list shows them."""
    elder = scene.activity(**ELDER_CARE)
    tour = scene.activity(**STUDY_TOUR)

    # 18 October is the 10th working day after 30 September 2024: on time; 50 yuan against a 30 yuan subsidy is not.
    scene.clock.set("2024-10-18T20:00:00+08:00")
    paid = created(scene.record(elder["id"], scene.volunteer, payment="50"))
    assert codes(paid["warnings"]) == ["pay_beyond_subsidy"]
    within = created(scene.record(elder["id"], scene.other_volunteer, payment="30"))
    assert within["warnings"] == []

    # The tour ended on Saturday 28 September: its 10th working day was 16 October.
    scene.clock.set("2024-10-23T09:00:00+08:00")
    late = created(scene.record(tour["id"], scene.volunteer, hours="8"))
    assert codes(late["warnings"]) == ["ineligible_fee_charging_trip", "fee_charging_activity", "late_record"]
    # On paper on 8 October (on time), entered on the 23rd: more than 10 working days after the paper date.
    paper = created(scene.record(tour["id"], scene.other_volunteer, hours="8", paper_recorded_on="2024-10-08"))
    assert codes(paper["warnings"]) == ["ineligible_fee_charging_trip", "fee_charging_activity",
                                        "paper_entered_late"]

    # A record, read by its organization, its volunteer and an inspector.
    for token in (scene.org["token"], scene.volunteer["token"], scene.inspector):
        got = scene.client.get(f"/api/v1/records/{paid['id']}", headers=bearer(token))
        assert got.status_code == 200, got.text
        assert (got.json()["payment"], codes(got.json()["warnings"])) == ("50.00", ["pay_beyond_subsidy"])
    shown = scene.client.get(f"/api/v1/records/{paper['id']}", headers=bearer(scene.other_volunteer["token"])).json()
    assert (shown["paper_recorded_on"], shown["payment"]) == ("2024-10-08", None)
    assert dt.datetime.fromisoformat(shown["recorded_at"]) == dt.datetime(2024, 10, 23, 9, 0, tzinfo=CST)

    # The volunteer's own records.
    mine = scene.client.get(f"/api/v1/volunteers/{scene.volunteer['id']}",
                            headers=bearer(scene.volunteer["token"])).json()
    assert {r["id"]: codes(r["warnings"]) for r in mine["records"]} == {
        paid["id"]: ["pay_beyond_subsidy"],
        late["id"]: ["ineligible_fee_charging_trip", "fee_charging_activity", "late_record"]}

    # The activity: its participants, masked.
    for token in (scene.org["token"], scene.inspector):
        activity = scene.client.get(f"/api/v1/activities/{tour['id']}", headers=bearer(token))
        assert activity.status_code == 200, activity.text
        body = activity.json()
        assert body["participant_count"] == 2
        assert {(p["masked_name"], p["volunteer_number"], p["hours"]) for p in body["participants"]} == {
            (MASKED_NAME, scene.volunteer["volunteer_number"], "8.00"),
            ("李*红", scene.other_volunteer["volunteer_number"], "8.00")}
        assert FULL_NAME not in activity.text and "李小红" not in activity.text and ID_NUMBER not in activity.text

    # The organization's list, and only what an inspector would question.
    for token in (scene.org["token"], scene.inspector):
        listed = scene.client.get(f"/api/v1/organizations/{scene.org['id']}/records", headers=bearer(token))
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == 4 and len(listed.json()["records"]) == 4
        assert FULL_NAME not in listed.text and ID_NUMBER not in listed.text
        flagged = scene.client.get(f"/api/v1/organizations/{scene.org['id']}/records?warnings_only=true",
                                   headers=bearer(token)).json()
        assert [r["id"] for r in flagged["records"]] == [paid["id"], late["id"], paper["id"]]
        assert flagged["total"] == 3 and flagged["warnings_only"] is True
        assert {r["masked_name"] for r in flagged["records"]} == {MASKED_NAME, "李*红"}
        assert flagged["records"][1]["activity_name"] == "暑期研学营"

    page = scene.client.get(f"/api/v1/organizations/{scene.org['id']}/records?limit=2&offset=1",
                            headers=scene.as_org).json()
    assert ([r["id"] for r in page["records"]], page["total"]) == ([within["id"], late["id"]], 4)


def test_old_callers_without_category_fee_or_payment_get_no_warnings(scene: Scene) -> None:
    activity = scene.activity()  # 1 March 2026: recorded at once below, so on time
    assert activity["warnings"] == []
    scene.clock.set("2026-03-01T14:00:00+08:00")
    record = created(scene.record(activity["id"], scene.volunteer))
    assert record["warnings"] == []
    shown = scene.client.get(f"/api/v1/activities/{activity['id']}", headers=scene.as_org).json()
    assert (shown["category"], shown["category_label"], shown["fee"], shown["subsidy"]) == (None, None, "0.00", "0.00")


# -- bad input: a clear 4xx, never a 500, nothing written ----------------------------------------------------


@pytest.mark.parametrize(("overrides", "code"), [
    ({"category": "旅游度假"}, "unknown_category"),
    ({"fee": "-1"}, "negative_amount"),
    ({"subsidy": "-0.01"}, "negative_amount"),
    ({"fee": "1.005"}, "invalid_field"),
    ({"fee": "abc"}, "invalid_request"),
    ({"fee": "NaN"}, None),
    ({"subsidy": "1e400"}, None),
])
def test_a_bad_category_fee_or_subsidy_is_a_422_that_writes_nothing(scene: Scene, overrides: dict[str, str],
                                                                     code: str | None) -> None:
    before = scene.written()
    response = scene.client.post(f"/api/v1/organizations/{scene.org['id']}/activities", headers=scene.as_org,
                                 json=activity_body(**overrides))
    error = assert_error_body(response, 422)
    if code is not None:
        assert error["code"] == code
    assert scene.written() == before


@pytest.mark.parametrize(("extra", "field"), [
    ({"payment": "-5"}, "payment"),
    ({"payment": "0.001"}, "payment"),
    ({"paper_recorded_on": "2026-02-28"}, "paper_recorded_on"),  # before the activity ended
    ({"paper_recorded_on": "2026-03-02"}, "paper_recorded_on"),  # after today (China time)
])
def test_a_bad_payment_or_paper_date_is_a_422_that_writes_nothing(scene: Scene, extra: dict[str, str],
                                                                  field: str) -> None:
    activity = scene.activity()
    scene.clock.set("2026-03-01T14:00:00+08:00")
    before = scene.written()
    error = assert_error_body(scene.record(activity["id"], scene.volunteer, **extra), 422)
    assert error.get("field") == field
    assert scene.written() == before


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "offset=-1", "limit=x", "warnings_only=maybe"])
def test_a_bad_page_of_the_record_list_is_a_422(scene: Scene, query: str) -> None:
    response = scene.client.get(f"/api/v1/organizations/{scene.org['id']}/records?{query}", headers=scene.as_org)
    assert_error_body(response, 422)


def test_unknown_activities_and_organizations_are_404(scene: Scene) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_error_body(scene.client.get(f"/api/v1/activities/{unknown}", headers=scene.as_org), 404)
    assert_error_body(scene.client.get(f"/api/v1/organizations/{unknown}/records", headers=bearer(scene.inspector)),
                      404)
    # Another organization's id is refused before anything is looked up.
    assert_error_body(scene.client.get(f"/api/v1/organizations/{unknown}/records", headers=scene.as_org), 403)
    assert_error_body(scene.client.get("/api/v1/activities/not-a-uuid", headers=scene.as_org), 422)


# -- who may read: the organization that owns the data and inspectors ------------------------------------------

ROLE_STATUS = {"none": 401, "bad_token": 401, "registry": 403, "own_org": 200, "other_org": 403, "volunteer": 403,
               "other_volunteer": 403, "inspector": 200}


@pytest.mark.parametrize("role", list(ROLE_STATUS))
@pytest.mark.parametrize("what", ["activity", "org_records"])
def test_only_the_owning_organization_and_inspectors_read_activities_and_record_lists(
        scene: Scene, role: str, what: str) -> None:
    activity = scene.activity()
    scene.clock.set("2026-03-01T14:00:00+08:00")
    created(scene.record(activity["id"], scene.volunteer))
    token = {"none": None, "bad_token": "vl_" + "A" * 43, "registry": scene.registry, "own_org": scene.org["token"],
             "other_org": scene.other_org["token"], "volunteer": scene.volunteer["token"],
             "other_volunteer": scene.other_volunteer["token"], "inspector": scene.inspector}[role]
    path = (f"/api/v1/activities/{activity['id']}" if what == "activity"
            else f"/api/v1/organizations/{scene.org['id']}/records")
    before = scene.written()
    response = scene.client.get(path, headers=bearer(token) if token else {})
    if ROLE_STATUS[role] >= 400:
        assert_error_body(response, ROLE_STATUS[role])
        assert scene.written() == before  # a refused read writes nothing
    else:
        assert response.status_code == 200, response.text


def test_the_new_endpoints_publish_their_roles_in_openapi(service: VledgerApplication) -> None:
    paths = create_app(application=service).openapi()["paths"]
    assert paths["/api/v1/activities/{activity_id}"]["get"]["x-roles"] == ["organization", "inspector"]
    assert paths["/api/v1/organizations/{org_id}/records"]["get"]["x-roles"] == ["organization", "inspector"]
