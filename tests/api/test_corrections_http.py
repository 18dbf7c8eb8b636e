"""Corrections over HTTP, on SQLite and PostgreSQL: the volunteer asks (what and why), the organization amends
or declines with a reason, and the request and its outcome stay in the record's history — next to the
certificates issued before and after.

Source: 《志愿服务记录与证明出具办法（试行）》 (MCA, in force 2021-02-01), as the ministry summarized it on
2021-01-25: a volunteer who finds their record wrong or incomplete may raise it with the organization, which
verifies and corrects it promptly (志愿者发现本人的志愿服务信息记录有错误、缺漏的，可以向相关志愿服务组织提出，
志愿服务组织应当及时核实、修改); ../shared/domain.md "Corrections and history": inspectors trace every
record's history and every certificate back to the record versions it was based on.
"""

from __future__ import annotations

from typing import Any

import pytest
from httpx import Response

from tests.api.http_world import (
    World,
    assert_error_body,
    bearer,
    created,
    settings_on_both_stores,  # noqa: F401 (every test on both stores)
)

NOTHING = "00000000-0000-4000-8000-000000000000"


def ask(world: World, token: str | None = None, **body: Any) -> Response:
    payload = {"hours": "4", "reason": "签到表显示我服务了4小时"}
    payload.update(body)
    return world.client.post(f"/api/v1/records/{world.record['id']}/corrections", json=payload,
                             headers=bearer(token or world.volunteer["token"]))


def listed(world: World, token: str | None = None) -> list[dict[str, Any]]:
    response = world.client.get(f"/api/v1/records/{world.record['id']}/corrections",
                                headers=bearer(token or world.org_token))
    assert response.status_code == 200, response.text
    corrections: list[dict[str, Any]] = response.json()["corrections"]
    return corrections


def amend(world: World, correction_id: str | None, **body: Any) -> Response:
    payload: dict[str, Any] = {"hours": "4", "reason": "核对签到表后更正", "correction_id": correction_id}
    payload.update(body)
    return world.client.patch(f"/api/v1/records/{world.record['id']}", json=payload, headers=world.as_org())


def decline(world: World, correction_id: str, token: str | None = None, **body: Any) -> Response:
    payload = {"reason": "签到表记录为3.5小时"}
    payload.update(body)
    return world.client.post(f"/api/v1/records/{world.record['id']}/corrections/{correction_id}/decline",
                             json=payload, headers=bearer(token or world.org_token))


def history(world: World) -> dict[str, Any]:
    response = world.client.get(f"/api/v1/records/{world.record['id']}/history", headers=world.as_org())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_volunteer_asks_and_the_organization_amends_resolving_the_request(world: World) -> None:
    request = created(ask(world, content="陪伴聊天、读报"))
    assert (request["record_id"], request["status"], request["version"]) == (world.record["id"], "open", 2)
    (open_,) = listed(world)
    assert (open_["id"], open_["status"], open_["reason"]) == (request["id"], "open", "签到表显示我服务了4小时")
    assert open_["proposed"] == {"hours": {"from": "3.50", "to": "4.00"},
                                 "content": {"from": "陪伴聊天", "to": "陪伴聊天、读报"}}
    assert open_["requested_by"] == f"volunteer:{world.volunteer['id']}"
    # The organization verifies and amends what it found true (here: the hours, not the content).
    amended = amend(world, request["id"])
    assert amended.status_code == 200, amended.text
    assert amended.json() == {"id": world.record["id"], "version": 3,
                              "correction": {"id": request["id"], "status": "amended"}}
    (done,) = listed(world, world.volunteer["token"])
    assert (done["status"], done["resolution_reason"], done["resolved_version"]) == ("amended", "核对签到表后更正", 3)
    assert done["resolved_by"] == f"organization:{world.org_id}"
    record = world.client.get(f"/api/v1/records/{world.record['id']}", headers=world.as_org()).json()
    assert (record["hours"], record["content"]) == ("4.00", "陪伴聊天")


def test_the_organization_declines_with_a_reason_and_the_record_stays_as_it_was(world: World) -> None:
    request = created(ask(world))
    assert "reason" in assert_error_body(decline(world, request["id"], reason=" "), 422)["message"]
    declined = decline(world, request["id"])
    assert declined.status_code == 200, declined.text
    assert declined.json() == {"id": request["id"], "record_id": world.record["id"], "status": "declined",
                               "version": 3}
    (done,) = listed(world, world.volunteer["token"])
    assert (done["status"], done["resolution_reason"]) == ("declined", "签到表记录为3.5小时")
    record = world.client.get(f"/api/v1/records/{world.record['id']}", headers=world.as_org()).json()
    assert record["hours"] == "3.50"


def test_a_second_open_request_on_one_record_is_a_409_and_writes_nothing(world: World) -> None:
    created(ask(world))
    before = world.app.recorder.max_notification_id()
    assert assert_error_body(ask(world, hours="3"), 409)["code"] == "correction_already_open"
    assert world.app.recorder.max_notification_id() == before


@pytest.mark.parametrize("first", ["amend", "decline"])
def test_declining_or_resolving_a_closed_request_is_a_409_and_writes_nothing(world: World, first: str) -> None:
    request = created(ask(world))
    done = amend(world, request["id"]) if first == "amend" else decline(world, request["id"])
    assert done.status_code == 200, done.text
    before = world.app.recorder.max_notification_id()
    assert assert_error_body(decline(world, request["id"]), 409)["code"] == "correction_closed"
    assert assert_error_body(amend(world, request["id"], hours="3"), 409)["code"] == "correction_closed"
    assert world.app.recorder.max_notification_id() == before
    created(ask(world, hours="3"))  # a closed request leaves room for the next


def test_an_unknown_request_is_a_404_for_decline_and_amendment(world: World) -> None:
    assert_error_body(decline(world, NOTHING), 404)
    assert_error_body(amend(world, NOTHING), 404)
    assert_error_body(world.client.post(f"/api/v1/records/{NOTHING}/corrections",
                                        json={"hours": "4", "reason": "x"},
                                        headers=bearer(world.volunteer["token"])), 404)


def test_only_the_volunteer_the_record_is_about_may_ask(world: World) -> None:
    before = world.app.recorder.max_notification_id()
    for token in (world.org_token, world.other_org["token"], world.other_volunteer["token"], world.registry_token):
        assert_error_body(ask(world, token), 403)
    assert_error_body(world.client.post(f"/api/v1/records/{world.record['id']}/corrections",
                                        json={"hours": "4", "reason": "x"}), 401)
    assert world.app.recorder.max_notification_id() == before


def test_only_the_records_organization_may_decline(world: World) -> None:
    request = created(ask(world))
    for token in (world.other_org["token"], world.volunteer["token"], world.other_volunteer["token"],
                  world.registry_token):
        assert_error_body(decline(world, request["id"], token), 403)
    (still,) = listed(world)
    assert still["status"] == "open"


def test_the_list_is_for_the_organization_that_volunteer_and_inspectors(world: World) -> None:
    created(ask(world))
    for token in (world.org_token, world.volunteer["token"], world.appoint_inspector()):
        assert len(listed(world, token)) == 1
    for token in (world.other_org["token"], world.other_volunteer["token"], world.registry_token):
        assert_error_body(world.client.get(f"/api/v1/records/{world.record['id']}/corrections",
                                           headers=bearer(token)), 403)


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"reason": None}, 422, "invalid_field"),
    ({"hours": "3.5"}, 422, "correction_without_change"),  # the record already says 3.50
    ({"hours": None}, 422, "correction_without_change"),
    ({"hours": "5"}, 422, "hours_above_activity_duration"),  # the activity lasted 4 hours
    ({"hours": "abc"}, 422, "invalid_request"),
    ({"hours": "0"}, 422, "hours_not_positive"),
    ({"reason": "x" * 1001}, 422, "invalid_request"),
])
def test_a_request_without_a_reason_or_a_real_change_is_a_422_and_writes_nothing(
        world: World, body: dict[str, Any], status: int, code: str) -> None:
    before = world.app.recorder.max_notification_id()
    assert assert_error_body(ask(world, **body), status)["code"] == code
    assert world.app.recorder.max_notification_id() == before


def test_the_history_shows_request_and_outcome_and_which_certificates_came_before(world: World) -> None:
    """Who changed these hours, when, why — and was it before or after the certificate was issued (issue 4
    item 10). The world's certificate was issued from version 1 of the record."""
    request = created(ask(world))
    assert amend(world, request["id"]).status_code == 200
    later = created(world.client.post(f"/api/v1/volunteers/{world.volunteer['id']}/certificates",
                                      headers=world.as_org()))
    trace = history(world)
    assert trace["intact"] is True
    recorded, requested, amended = trace["events"]
    assert [e["type"] for e in trace["events"]] == ["Recorded", "CorrectionRequested", "Amended"]
    for event in trace["events"]:
        assert event["signature_valid"] is True
        assert event["authority"] == world.org_id
        assert event["key_id"] == world.org["key_id"]  # the organization's key signs the volunteer's request too
    assert requested["actor"] == f"volunteer:{world.volunteer['id']}"
    assert (requested["changes"], requested["reason"]) == ({}, "签到表显示我服务了4小时")
    assert requested["correction"] == {"id": request["id"], "step": "requested",
                                       "proposed": {"hours": {"from": "3.50", "to": "4.00"}}}
    assert amended["actor"] == f"organization:{world.org_id}"
    assert amended["changes"] == {"hours": {"from": "3.50", "to": "4.00"}}
    assert amended["correction"] == {"id": request["id"], "step": "amended"}
    assert recorded["correction"] is None
    first = world.certificate["number"]
    assert recorded["certificates_issued_before"] == []
    assert requested["certificates_issued_before"] == [first]
    assert amended["certificates_issued_before"] == [first]
    by_number = {c["number"]: c for c in trace["certificates"]}
    assert set(by_number) == {first, later["number"]}
    assert (by_number[first]["record_version"], by_number[first]["record_hours"]) == (1, "3.50")
    assert (by_number[first]["record_changed_since"], by_number[first]["amended_in_versions"]) == (True, [3])
    assert (by_number[later["number"]]["record_version"], by_number[later["number"]]["record_changed_since"]) == \
        (3, False)
    assert by_number[first]["status"] == "valid"


def test_a_declined_request_is_in_the_history_and_does_not_count_as_a_change_since_the_certificate(
        world: World) -> None:
    request = created(ask(world))
    assert decline(world, request["id"]).status_code == 200
    trace = history(world)
    assert [(e["type"], e["reason"]) for e in trace["events"][1:]] == [
        ("CorrectionRequested", "签到表显示我服务了4小时"), ("CorrectionDeclined", "签到表记录为3.5小时")]
    assert trace["events"][2]["correction"] == {"id": request["id"], "step": "declined"}
    assert trace["events"][2]["changes"] == {}
    (certificate,) = trace["certificates"]
    assert certificate["record_changed_since"] is False
    assert trace["intact"] is True


def test_the_history_keeps_its_contract_keys_and_inspectors_read_it(world: World) -> None:
    created(ask(world))
    response = world.client.get(f"/api/v1/records/{world.record['id']}/history",
                                headers=bearer(world.appoint_inspector()))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"record_id", "intact", "events", "certificates"}
    for event in body["events"]:
        assert set(event) >= {"version", "type", "at", "actor", "authority", "key_id", "changes", "reason",
                              "signature_valid", "certificates_issued_before", "correction"}
    assert set(body["certificates"][0]) >= {"certificate_id", "number", "issued_at", "record_version",
                                            "record_changed_since"}
    assert_error_body(world.client.get(f"/api/v1/records/{world.record['id']}/history",
                                       headers=bearer(world.volunteer["token"])), 403)


def test_corrections_survive_a_rebuild_of_the_views(world: World) -> None:
    request = created(ask(world))
    assert decline(world, request["id"]).status_code == 200
    created(ask(world, hours="3"))
    before, trace = listed(world), history(world)
    world.app.views.rebuild()
    assert listed(world) == before
    assert history(world) == trace
    assert [c["status"] for c in before] == ["declined", "open"]
