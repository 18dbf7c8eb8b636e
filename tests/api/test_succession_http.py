"""Dissolution and succession over HTTP, on SQLite and PostgreSQL: the registry dissolves an organization naming a
successor; the successor issues certificates from the dissolved organization's records (signed with its own key,
naming the records' organization); the dissolved organization's tokens change nothing any more; a third
organization cannot issue from those records; certificates issued before stay valid; the log still audits intact.

Source: ../shared/domain.md, "Certificates": if an organization dissolves, its successor or supervising unit issues
certificates from its records (谁记录谁证明).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from httpx import Response

from api.application import VledgerApplication
from api.audit import audit
from domain.certificate import Certificate
from tests.api.http_world import (
    THIRD_ID_NUMBER,
    World,
    activity_body,
    assert_error_body,
    bearer,
    created,
    settings_on_both_stores,  # noqa: F401 (every test on both stores)
)
from tests.integration.support import dump_views

REASON = "经理事会决议注销，档案移交"


def register_org(world: World, name: str) -> dict[str, Any]:
    return created(world.client.post("/api/v1/organizations", headers=bearer(world.registry_token),
                                     json={"name": name, "charter_purpose": "志愿服务"}))


def dissolve(world: World, org_id: str, successor_id: str, token: str | None = None,
             reason: str | None = REASON) -> Response:
    return world.client.post(f"/api/v1/organizations/{org_id}/dissolve",
                             json={"successor_id": successor_id, "reason": reason},
                             headers=bearer(token or world.registry_token))


def issue_as(world: World, token: str, volunteer_id: str | None = None) -> Response:
    return world.client.post(f"/api/v1/volunteers/{volunteer_id or world.volunteer['id']}/certificates",
                             headers=bearer(token))


def verdict_of(world: World, qr_text: str) -> str:
    response = world.client.post("/api/v1/verify", json={"code": qr_text})
    assert response.status_code == 200, response.text
    return str(response.json()["verdict"])


def event_count(service: VledgerApplication) -> int:
    return service.recorder.max_notification_id() or 0


def test_the_successor_issues_from_the_dissolved_organizations_records(world: World,
                                                                      service: VledgerApplication) -> None:
    successor = world.other_org
    third = register_org(world, "第三志愿服务队")
    dissolved = dissolve(world, world.org_id, successor["id"])
    assert dissolved.status_code == 200, dissolved.text
    body = dissolved.json()
    assert body["dissolved"] is True
    assert (body["dissolution"]["successor_id"], body["dissolution"]["reason"]) == (successor["id"], REASON)
    public = world.client.get(f"/api/v1/organizations/{world.org_id}").json()  # anyone sees who holds the records
    assert public["dissolution"]["successor_id"] == successor["id"]
    assert world.client.get(f"/api/v1/organizations/{successor['id']}").json()["dissolved"] is False

    # The successor issues from the dissolved organization's records, signing with its own key.
    certificate = created(issue_as(world, successor["token"]))
    assert certificate["hours"] == "3.50"
    assert verdict_of(world, certificate["qr_text"]) == "valid"
    issued = service.load(Certificate, UUID(certificate["id"]), "certificate")
    assert (str(issued.org_id), str(issued.records_org_id)) == (successor["id"], world.org_id)
    assert [str(r["id"]) for r in issued.records] == [world.record["id"]]

    # A third organization cannot, and nothing is written when it tries.
    before = event_count(service)
    error = assert_error_body(issue_as(world, third["token"]), 403)
    assert successor["id"] in error["message"]
    assert event_count(service) == before

    # What the dissolved organization issued before stays valid.
    assert verdict_of(world, world.certificate["qr_text"]) == "valid"
    # Every event, the successor's certificate and the registry's dissolution included, passes the audit.
    report = audit(service.settings)
    assert report.intact, report.as_dict()


def test_the_dissolved_organizations_tokens_change_nothing(world: World, service: VledgerApplication) -> None:
    successor = world.other_org
    assert dissolve(world, world.org_id, successor["id"]).status_code == 200
    as_dissolved = world.as_org()
    attempts = {
        "register a volunteer": world.client.post(f"/api/v1/organizations/{world.org_id}/volunteers",
                                                  json={"name": "赵六", "id_number": THIRD_ID_NUMBER},
                                                  headers=as_dissolved),
        "create an activity": world.client.post(f"/api/v1/organizations/{world.org_id}/activities",
                                                json=activity_body(start="2026-03-02T09:00:00+08:00",
                                                                   end="2026-03-02T12:00:00+08:00"),
                                                headers=as_dissolved),
        "record hours": world.client.post(f"/api/v1/activities/{world.activity['id']}/records",
                                          json={"volunteer_id": world.other_volunteer["id"], "hours": "2"},
                                          headers=as_dissolved),
        "amend a record": world.client.patch(f"/api/v1/records/{world.record['id']}",
                                             json={"hours": "3", "reason": "更正"}, headers=as_dissolved),
        "issue a certificate": issue_as(world, world.org_token),
        "revoke a certificate": world.client.post(f"/api/v1/certificates/{world.certificate['id']}/revoke",
                                                  json={"reason": "撤销"}, headers=as_dissolved),
        "give a volunteer a token": world.client.post(f"/api/v1/volunteers/{world.volunteer['id']}/tokens",
                                                      headers=as_dissolved),
        "ask to be identified": world.client.post(f"/api/v1/organizations/{world.org_id}/identification-requests",
                                                  headers=as_dissolved),
    }
    before = event_count(service)
    for what, response in attempts.items():
        error = assert_error_body(response, 403)
        assert error["code"] == "organization_dissolved", what
        assert "dissolved" in error["message"] and successor["id"] in error["message"], what
    assert event_count(service) == before
    # Reading what it kept still works (its records stay where they were kept).
    assert world.client.get(f"/api/v1/records/{world.record['id']}", headers=as_dissolved).status_code == 200
    # And the certificate it issued is still valid: its own token cannot revoke it (its successor can, below).
    assert verdict_of(world, world.certificate["qr_text"]) == "valid"


def test_the_holder_of_the_records_revokes_a_dissolved_organizations_certificate(world: World,
                                                                             service: VledgerApplication) -> None:
    """A certificate the dissolved organization issued and that proves wrong must not stay valid for want of an
    issuer: the organization now holding its records revokes it, as their custodian; nobody else can."""
    successor = world.other_org
    third = register_org(world, "第三志愿服务队")
    assert dissolve(world, world.org_id, successor["id"]).status_code == 200
    path = f"/api/v1/certificates/{world.certificate['id']}/revoke"
    before = event_count(service)
    for token in (world.org_token, third["token"], world.volunteer["token"]):
        refused = world.client.post(path, json={"reason": "时长有误"}, headers=bearer(token))
        assert refused.status_code == 403, refused.text
    assert event_count(service) == before and verdict_of(world, world.certificate["qr_text"]) == "valid"

    revoked = world.client.post(path, json={"reason": "经核实时长有误，由继承组织撤销"},
                                headers=bearer(successor["token"]))
    assert revoked.status_code == 200, revoked.text
    assert verdict_of(world, world.certificate["qr_text"]) == "revoked"
    certificate = service.load(Certificate, UUID(world.certificate["id"]), "certificate")
    assert certificate.revoked and str(certificate.org_id) == world.org_id  # still the issuer's certificate
    # The revocation is the dissolved organization's certificate's own event, made by the successor, and the log
    # stays intact under the audit.
    assert audit(service.settings).intact
    # The dissolved organization still writes nothing else: another of its events is refused as before.
    again = world.client.post(f"/api/v1/organizations/{world.org_id}/activities", headers=world.as_org(),
                              json=activity_body())
    assert again.status_code == 403 and again.json()["error"]["code"] == "organization_dissolved"


def test_requests_after_dissolution_go_to_the_successor(world: World) -> None:
    successor = world.other_org
    volunteer = world.volunteer
    lapsing = created(world.client.post(f"/api/v1/volunteers/{volunteer['id']}/certificate-requests",
                                        json={"purpose": "升学"}, headers=bearer(volunteer["token"])))
    assert dissolve(world, world.org_id, successor["id"]).status_code == 200

    # The request left open with the dissolved organization lapses: nobody can decide it in its name.
    seen = world.client.get(f"/api/v1/certificate-requests/{lapsing['id']}", headers=bearer(volunteer["token"]))
    assert (seen.json()["status"], seen.json()["ask_successor"]) == ("lapsed", successor["id"])
    refused = world.client.post(f"/api/v1/certificate-requests/{lapsing['id']}/issue", headers=world.as_org())
    assert assert_error_body(refused, 403)["code"] == "organization_dissolved"

    # Asking again goes to the successor, which sees what it needs to decide and issues.
    asked = created(world.client.post(f"/api/v1/volunteers/{volunteer['id']}/certificate-requests",
                                      json={"purpose": "升学"}, headers=bearer(volunteer["token"])))
    assert (asked["org_id"], asked["records_org_id"]) == (successor["id"], world.org_id)
    listed = world.client.get(f"/api/v1/organizations/{successor['id']}/certificate-requests?status=open",
                              headers=bearer(successor["token"]))
    assert [r["id"] for r in listed.json()["requests"]] == [asked["id"]]
    detail = world.client.get(f"/api/v1/certificate-requests/{asked['id']}", headers=bearer(successor["token"]))
    assert detail.json()["records_in_period"] == {"count": 1, "hours": "3.50"}
    certificate = created(world.client.post(f"/api/v1/certificate-requests/{asked['id']}/issue",
                                            headers=bearer(successor["token"])))
    assert verdict_of(world, certificate["qr_text"]) == "valid"
    statuses = {r["id"]: r["status"] for r in world.client.get(
        f"/api/v1/volunteers/{volunteer['id']}/certificate-requests", headers=bearer(volunteer["token"])).json()[
        "requests"]}
    assert statuses == {lapsing["id"]: "lapsed", asked["id"]: "fulfilled"}


def test_a_successor_that_dissolves_passes_the_records_on(world: World, service: VledgerApplication) -> None:
    b, c = world.other_org, register_org(world, "丙志愿者协会")
    assert dissolve(world, world.org_id, b["id"]).status_code == 200
    assert dissolve(world, b["id"], c["id"]).status_code == 200
    refused = issue_as(world, b["token"])
    error = assert_error_body(refused, 403)
    assert error["code"] == "organization_dissolved" and c["id"] in error["message"]
    certificate = created(issue_as(world, c["token"]))
    assert verdict_of(world, certificate["qr_text"]) == "valid"
    issued = service.load(Certificate, UUID(certificate["id"]), "certificate")
    assert (str(issued.org_id), str(issued.records_org_id)) == (c["id"], world.org_id)


def test_what_a_successor_must_be(world: World, service: VledgerApplication) -> None:
    b, c = world.other_org, register_org(world, "丙志愿者协会")
    before = event_count(service)
    cases = [
        (dissolve(world, world.org_id, "00000000-0000-4000-8000-000000000000"), 422, "successor_not_registered"),
        (dissolve(world, world.org_id, world.org_id), 422, "successor_is_itself"),
        (dissolve(world, world.org_id, b["id"], reason=" "), 422, "invalid_field"),
        (dissolve(world, world.org_id, b["id"], token=world.org_token), 403, "registry_only"),
        (dissolve(world, world.org_id, b["id"], token=b["token"]), 403, "registry_only"),
        (dissolve(world, "00000000-0000-4000-8000-000000000000", b["id"]), 404, "not_found"),
    ]
    for response, status, code in cases:
        assert assert_error_body(response, status)["code"] == code
    assert event_count(service) == before
    assert dissolve(world, b["id"], c["id"]).status_code == 200
    error = assert_error_body(dissolve(world, world.org_id, b["id"]), 409)
    assert error["code"] == "successor_dissolved" and c["id"] in error["message"]
    assert assert_error_body(dissolve(world, b["id"], world.org_id), 409)["code"] == "already_dissolved"


def test_the_new_views_rebuild_from_the_log_to_the_same_rows(world: World, service: VledgerApplication) -> None:
    """Requests in every state and a dissolution: dropping every view and applying the log again gives the same
    rows (the views hold nothing the log does not say)."""
    volunteer, successor = world.volunteer, world.other_org
    asked = [created(world.client.post(f"/api/v1/volunteers/{v['id']}/certificate-requests", json={"purpose": p},
                                       headers=bearer(v["token"])))
             for v, p in ((volunteer, "升学"), (world.other_volunteer, "求职"))]
    created(world.client.post(f"/api/v1/certificate-requests/{asked[0]['id']}/issue", headers=world.as_org()))
    assert world.client.post(f"/api/v1/certificate-requests/{asked[1]['id']}/decline", json={"reason": "无记录"},
                             headers=world.as_org()).status_code == 200
    created(world.client.post(f"/api/v1/volunteers/{volunteer['id']}/certificate-requests", json={},
                              headers=bearer(volunteer["token"])))
    assert dissolve(world, world.org_id, successor["id"]).status_code == 200
    live = dump_views(service)
    assert len(live["view_certificate_requests"]) == 3 and len(live["view_dissolutions"]) == 1
    service.views.rebuild()
    assert dump_views(service) == live
