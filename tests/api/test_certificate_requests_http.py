"""Certificate requests over HTTP, on SQLite and PostgreSQL: a volunteer asks, the organization issues from its
records (the request fulfilled in the same write as the certificate) or declines with a reason the volunteer reads;
certificates are issued only from records (no records: 422 ``no_records``, nothing written) and free of charge.

Source: 条例 art.19 (certificates free of charge, truthful, from the records); ../shared/domain.md, "Certificates"
(谁记录谁证明).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from httpx import Response

from api.application import VledgerApplication
from domain.access import Principal
from domain.certificate import Certificate
from tests.api.http_world import (
    World,
    assert_error_body,
    bearer,
    created,
    settings_on_both_stores,  # noqa: F401 (every test on both stores)
)

NOTHING = "00000000-0000-4000-8000-000000000000"


def ask(world: World, volunteer: dict[str, Any] | None = None, token: str | None = None, **body: Any) -> Response:
    who = volunteer or world.volunteer
    return world.client.post(f"/api/v1/volunteers/{who['id']}/certificate-requests", json=body,
                             headers=bearer(token or who["token"]))


def issue(world: World, request_id: str, token: str | None = None, **body: Any) -> Response:
    return world.client.post(f"/api/v1/certificate-requests/{request_id}/issue", json=body,
                             headers=bearer(token or world.org_token))


def decline(world: World, request_id: str, token: str | None = None, reason: str | None = "所选期间内没有服务记录"
            ) -> Response:
    return world.client.post(f"/api/v1/certificate-requests/{request_id}/decline", json={"reason": reason},
                             headers=bearer(token or world.org_token))


def read(world: World, request_id: str, token: str | None = None) -> Response:
    return world.client.get(f"/api/v1/certificate-requests/{request_id}", headers=bearer(token or world.org_token))


def open_requests(world: World) -> list[dict[str, Any]]:
    response = world.client.get(f"/api/v1/organizations/{world.org_id}/certificate-requests?status=open",
                                headers=world.as_org())
    assert response.status_code == 200, response.text
    requests: list[dict[str, Any]] = response.json()["requests"]
    return requests


def volunteers_requests(world: World, volunteer: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    who = volunteer or world.volunteer
    response = world.client.get(f"/api/v1/volunteers/{who['id']}/certificate-requests",
                                headers=bearer(who["token"]))
    assert response.status_code == 200, response.text
    requests: list[dict[str, Any]] = response.json()["requests"]
    return requests


def verdict_of(world: World, qr_text: str) -> str:
    response = world.client.post("/api/v1/verify", json={"code": qr_text})
    assert response.status_code == 200, response.text
    return str(response.json()["verdict"])


def event_count(service: VledgerApplication) -> int:
    return service.recorder.max_notification_id() or 0


def certificate_count(service: VledgerApplication) -> int:
    with service.read() as c:
        return int(c.execute("SELECT COUNT(*) AS n FROM view_certificates").fetchone()["n"])


def keys_of(value: Any) -> set[str]:
    """Every key of a JSON answer, however deep."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def test_the_volunteer_asks_and_the_organization_issues_a_certificate_that_verifies(
        world: World, service: VledgerApplication) -> None:
    request = created(ask(world, purpose="升学", period_start="2026-01-01", period_end="2026-06-30"))
    assert (request["status"], request["purpose"], request["org_id"], request["records_org_id"]) == (
        "open", "升学", world.org_id, world.org_id)
    assert request["records_in_period"] == {"count": 1, "hours": "3.50"}  # what the organization decides on
    assert [r["id"] for r in open_requests(world)] == [request["id"]]

    certificate = created(issue(world, request["id"], person_in_charge="李会长", handler="王五",
                                contact="010-12345678"))
    assert {"id", "number", "qr_text", "log_index", "hours"} <= set(certificate)
    issued = service.load(Certificate, UUID(certificate["id"]), "certificate")
    assert (issued.person_in_charge, issued.handler, issued.contact) == ("李会长", "王五", "010-12345678")
    assert (certificate["hours"], certificate["request_id"]) == ("3.50", request["id"])
    assert (certificate["period_start"], certificate["period_end"]) == ("2026-01-01", "2026-06-30")
    assert verdict_of(world, certificate["qr_text"]) == "valid"

    (mine,) = volunteers_requests(world)
    assert (mine["status"], mine["certificate_id"], mine["certificate_number"]) == (
        "fulfilled", certificate["id"], certificate["number"])
    assert open_requests(world) == []
    # Free of charge: no answer of the flow has anything like a fee.
    assert not {k for k in keys_of([request, certificate, mine]) if "fee" in k or "price" in k}


def test_the_certificate_and_the_fulfilment_are_one_write(world: World, service: VledgerApplication) -> None:
    """A fulfilment that cannot be saved takes the certificate with it: here the request is declined by another
    request between loading it and saving the certificate, and neither the certificate nor a second outcome exists."""
    request = created(ask(world))
    original = service.issue_certificate
    org = Principal("organization", world.org_id, UUID(world.org_id))

    def decided_meanwhile(*args: Any, **kwargs: Any) -> dict[str, Any]:
        service.decline_certificate_request(org, UUID(request["id"]), reason="同时被另一位工作人员拒绝")
        return original(*args, **kwargs)

    before = certificate_count(service)
    service.issue_certificate = decided_meanwhile  # type: ignore[method-assign]
    try:
        error = assert_error_body(issue(world, request["id"]), 409)
    finally:
        del service.issue_certificate
    assert error["code"] == "concurrent_change"
    assert certificate_count(service) == before
    after = read(world, request["id"]).json()
    assert (after["status"], after["certificate_id"], after["reason"]) == ("declined", None, "同时被另一位工作人员拒绝")


def test_a_decline_with_its_reason_is_visible_to_the_volunteer(world: World) -> None:
    request = created(ask(world, purpose="求职"))
    error = assert_error_body(decline(world, request["id"], reason="  "), 422)
    assert error["field"] == "reason"
    declined = decline(world, request["id"])
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "declined"
    (mine,) = volunteers_requests(world)
    assert (mine["status"], mine["reason"], mine["certificate_id"]) == ("declined", "所选期间内没有服务记录", None)
    seen = read(world, request["id"], token=world.volunteer["token"])
    assert seen.status_code == 200 and seen.json()["reason"] == "所选期间内没有服务记录"


def test_one_open_request_at_a_time_then_another_after_the_decision(world: World) -> None:
    first = created(ask(world))
    error = assert_error_body(ask(world, purpose="再次申请"), 409)
    assert error["code"] == "request_already_open" and first["id"] in error["message"]
    # Another volunteer of the same organization has requests of their own.
    created(ask(world, volunteer=world.other_volunteer))
    assert decline(world, first["id"]).status_code == 200
    second = created(ask(world))
    assert [r["id"] for r in volunteers_requests(world)] == [first["id"], second["id"]]


@pytest.mark.parametrize("first, second", [("issue", "decline"), ("decline", "issue"), ("decline", "decline"),
                                           ("issue", "issue")])
def test_a_request_is_decided_once(world: World, service: VledgerApplication, first: str, second: str) -> None:
    request = created(ask(world))
    done = issue(world, request["id"]) if first == "issue" else decline(world, request["id"])
    assert done.status_code == (201 if first == "issue" else 200), done.text
    before = event_count(service)
    again = issue(world, request["id"]) if second == "issue" else decline(world, request["id"])
    assert assert_error_body(again, 409)["code"] == "request_closed"
    assert event_count(service) == before


def test_others_can_neither_see_nor_decide_nor_ask(world: World, service: VledgerApplication) -> None:
    request = created(ask(world))
    other_org = world.other_org["token"]
    other_volunteer = world.other_volunteer["token"]
    before = event_count(service)
    for token in (other_org, other_volunteer, world.registry_token):
        assert_error_body(read(world, request["id"], token=token), 403)
        assert_error_body(issue(world, request["id"], token=token), 403)
        assert_error_body(decline(world, request["id"], token=token), 403)
        assert_error_body(world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}/certificate-requests",
                                           headers=bearer(token)), 403)
        # Only the volunteer asks, for themselves: neither their organization nor anyone else asks for them.
        assert_error_body(ask(world, token=token), 403)
    assert_error_body(ask(world, token=world.org_token), 403)
    assert_error_body(world.client.get(f"/api/v1/organizations/{world.org_id}/certificate-requests",
                                       headers=bearer(other_org)), 403)
    assert_error_body(world.client.get(f"/api/v1/organizations/{world.org_id}/certificate-requests",
                                       headers=bearer(world.volunteer["token"])), 403)
    assert event_count(service) == before
    assert_error_body(read(world, NOTHING), 404)
    assert_error_body(issue(world, NOTHING), 404)
    assert_error_body(ask(world, volunteer={"id": NOTHING, "token": world.volunteer["token"]}), 403)


def test_an_inspector_reads_requests(world: World) -> None:
    request = created(ask(world))
    inspector = world.appoint_inspector()
    listed = world.client.get(f"/api/v1/organizations/{world.org_id}/certificate-requests",
                              headers=bearer(inspector))
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["requests"]] == [request["id"]]
    assert read(world, request["id"], token=inspector).status_code == 200
    assert_error_body(issue(world, request["id"], token=inspector), 403)


def test_a_bad_status_filter_is_a_422(world: World) -> None:
    response = world.client.get(f"/api/v1/organizations/{world.org_id}/certificate-requests?status=paid",
                                headers=world.as_org())
    assert_error_body(response, 422)


# -- certificates only from records --------------------------------------------------------------------------------


def test_issuing_for_a_volunteer_without_records_is_a_422_and_writes_nothing(world: World,
                                                                           service: VledgerApplication) -> None:
    before = event_count(service)
    response = world.client.post(f"/api/v1/volunteers/{world.other_volunteer['id']}/certificates",
                                 headers=world.as_org())
    error = assert_error_body(response, 422)
    assert error["code"] == "no_records"
    assert "only from records" in error["message"]
    assert event_count(service) == before


def test_issuing_for_a_period_without_records_is_a_422_and_writes_nothing(world: World,
                                                                        service: VledgerApplication) -> None:
    before = event_count(service)
    response = world.client.post(f"/api/v1/volunteers/{world.volunteer['id']}/certificates", headers=world.as_org(),
                                 json={"period_start": "2026-04-01", "period_end": "2026-04-30"})
    assert assert_error_body(response, 422)["code"] == "no_records"
    assert event_count(service) == before


def test_a_volunteer_without_records_may_ask_and_issuing_fails_leaving_the_request_open(
        world: World, service: VledgerApplication) -> None:
    request = created(ask(world, volunteer=world.other_volunteer, purpose="升学"))
    assert request["records_in_period"] == {"count": 0, "hours": "0.00"}
    before = (event_count(service), certificate_count(service))
    error = assert_error_body(issue(world, request["id"]), 422)
    assert error["code"] == "no_records"
    assert (event_count(service), certificate_count(service)) == before
    assert read(world, request["id"]).json()["status"] == "open"
    # The organization then declines, with a reason the volunteer reads.
    assert decline(world, request["id"], reason="暂无服务记录，无法出具证明").status_code == 200
    (mine,) = volunteers_requests(world, world.other_volunteer)
    assert (mine["status"], mine["reason"]) == ("declined", "暂无服务记录，无法出具证明")


def test_a_request_for_a_period_without_records_cannot_be_issued(world: World, service: VledgerApplication) -> None:
    request = created(ask(world, period_start="2026-04-01", period_end="2026-04-30"))
    assert request["records_in_period"]["count"] == 0
    before = event_count(service)
    assert assert_error_body(issue(world, request["id"]), 422)["code"] == "no_records"
    assert event_count(service) == before


def test_a_reversed_period_is_refused_when_asking(world: World, service: VledgerApplication) -> None:
    before = event_count(service)
    error = assert_error_body(ask(world, period_start="2026-05-01", period_end="2026-04-01"), 422)
    assert error["code"] == "empty_period"
    assert event_count(service) == before
