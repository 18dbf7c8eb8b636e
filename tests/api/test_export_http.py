"""Portability (issue 4 item 13): GET /api/v1/volunteers/{id}/export gives the volunteer all their data as JSON.

PIPL art.45: an individual may consult and copy their personal information, and have it transferred. The answer
carries the full ID number and contact (the volunteer's own, 条例 art.20 forbids disclosing them to anyone else),
so it is the volunteer's alone and is never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.api.http_world import FULL_NAME, ID_NUMBER, PHONE, World, assert_error_body, bearer, code_of, created


def export(world: World, token: str | None = None, volunteer_id: str | None = None) -> Any:
    vid = volunteer_id or world.volunteer["id"]
    headers = bearer(token) if token else {}
    return world.client.get(f"/api/v1/volunteers/{vid}/export", headers=headers)


def test_the_volunteer_exports_everything_and_no_cache_may_keep_it(world: World) -> None:
    org, vid, rid = world.as_org(), world.volunteer["id"], world.record["id"]
    created(world.client.post(f"/api/v1/volunteers/{vid}/trainings", headers=org,
                              json={"title": "急救技能培训", "provider": "红十字会", "date": "2026-03-01", "hours": 2}))
    created(world.client.post(f"/api/v1/volunteers/{vid}/awards", headers=org,
                              json={"title": "优秀志愿者", "awarded_by": "文明办", "date": "2025-12-05",
                                    "level": "county"}))
    created(world.client.post(f"/api/v1/volunteers/{vid}/evaluations", headers=org,
                              json={"period_start": "2025-01-01", "period_end": "2025-12-31", "rating": "good"}))
    correction = created(world.client.post(f"/api/v1/records/{rid}/corrections",
                                           json={"hours": "4", "reason": "实际服务4小时"},
                                           headers=bearer(world.volunteer["token"])))

    response = export(world, world.volunteer["token"])

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    data = response.json()
    me = data["volunteer"]
    assert (me["id"], me["name"], me["id_type"], me["id_number"], me["phone"]) == \
        (vid, FULL_NAME, "resident_id", ID_NUMBER, PHONE)  # their own, in full
    assert (me["gender"], me["birth_date"], me["volunteer_number"]) == \
        ("female", "1949-12-31", world.volunteer["volunteer_number"])
    assert me["organization"] == {"id": world.org_id, "name": "阳光志愿者协会"}
    assert (data["total_hours"], data["record_count"], data["star_level"]) == ("3.50", 1, 0)
    (record,) = data["records"]
    assert (record["id"], record["hours"], record["activity"]["name"]) == (rid, "3.50", "社区助老服务")
    assert [(h["version"], h["type"]) for h in record["history"]] == [(1, "Recorded"), (2, "CorrectionRequested")]
    assert [t["title"] for t in data["trainings"]] == ["急救技能培训"]
    assert [a["level"] for a in data["awards"]] == ["county"]
    assert [e["rating"] for e in data["evaluations"]] == ["good"]
    (certificate,) = data["certificates"]
    assert (certificate["number"], certificate["hours"], certificate["status"]) == \
        (world.certificate["number"], "3.50", "valid")
    assert certificate["verification_url"].endswith(f"/V/{code_of(world.certificate['qr_text'])}")
    (asked,) = data["corrections"]
    assert (asked["id"], asked["status"], asked["reason"]) == (correction["id"], "open", "实际服务4小时")
    assert data["personal_data_reads"] == []


def test_the_verification_url_opens_the_certificates_page(world: World) -> None:
    (certificate,) = export(world, world.volunteer["token"]).json()["certificates"]
    path = certificate["verification_url"].split("://", 1)[1].split("/", 1)[1]
    page = world.client.get("/" + path)
    assert page.status_code == 200 and world.certificate["number"] in page.text


def test_a_revoked_certificate_is_exported_as_revoked_with_its_reason(world: World) -> None:
    world.client.post(f"/api/v1/certificates/{world.certificate['id']}/revoke", json={"reason": "出具有误"},
                      headers=world.as_org())
    (certificate,) = export(world, world.volunteer["token"]).json()["certificates"]
    assert (certificate["status"], certificate["revocation_reason"]) == ("revoked", "出具有误")


@pytest.mark.parametrize("who", ["own organization", "other organization", "other volunteer", "registry",
                                 "inspector"])
def test_nobody_but_the_volunteer_exports_their_data(world: World, who: str) -> None:
    """条例 art.20 and PIPL art.45: the full ID number and contact go to the person they belong to, no one else
    (the organization reads what it needs elsewhere, without them)."""
    token = {"own organization": world.org_token, "other organization": world.other_org["token"],
             "other volunteer": world.other_volunteer["token"], "registry": world.registry_token}.get(who)
    response = export(world, token or world.appoint_inspector())
    assert assert_error_body(response, 403)["code"] == "export_is_the_volunteers"
    assert ID_NUMBER not in response.text and PHONE not in response.text


def test_without_a_token_it_is_a_401_and_an_unknown_volunteer_a_403_not_a_hint(world: World) -> None:
    assert_error_body(export(world), 401)
    # The volunteer's token names one id: any other, existing or not, is simply not theirs.
    assert_error_body(export(world, world.volunteer["token"], "00000000-0000-4000-8000-000000000000"), 403)
    assert_error_body(export(world, world.volunteer["token"], "not-a-uuid"), 422)


def test_inspectors_reads_of_the_volunteers_data_are_in_the_export(world: World) -> None:
    """Issue 4 item 9: every read of a volunteer's personal data by an inspector is visible to the volunteer."""
    inspector = bearer(world.appoint_inspector())
    assert world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=inspector).status_code == 200
    assert world.client.get(f"/api/v1/records/{world.record['id']}/corrections", headers=inspector).status_code == 200
    reads = export(world, world.volunteer["token"]).json()["personal_data_reads"]
    assert [r["what"] for r in reads] == ["volunteer", "record"]


def test_exporting_writes_no_id_or_phone_number_to_the_log(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    assert export(world, world.volunteer["token"]).status_code == 200
    assert any(r.name.startswith("vledger") for r in caplog.records)
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue
        line = record.getMessage()
        assert ID_NUMBER not in line and PHONE not in line, line
