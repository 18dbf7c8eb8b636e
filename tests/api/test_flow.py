"""The whole use case over HTTP (DESIGN §8), on SQLite and on PostgreSQL: register, record, amend, issue,
read, trace, revoke; and bad input that is always a 4xx with the error shape, never a 500, never half written."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.application import VledgerApplication
from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    MASKED_NAME,
    PHONE,
    THIRD_ID_NUMBER,
    World,
    activity_body,
    assert_error_body,
    bearer,
    created,
    settings_on_both_stores,  # noqa: F401 (every test on both stores)
)

WRONG_CHECK_DIGIT = ID_NUMBER[:-1] + "3"  # the right check character is X




def test_an_organization_records_hours_amends_them_and_issues_and_revokes_a_certificate_over_http(
        client: TestClient, service: VledgerApplication, registry_token: str) -> None:
    # The registry registers an organization: its id, its first token, its signing key id.
    org = created(client.post("/api/v1/organizations", headers=bearer(registry_token),
                              json={"name": "阳光志愿者协会", "charter_purpose": "为社区老人提供志愿服务",
                                    "credit_code": "51110105MJ0000002R"}))
    assert uuid.UUID(org["id"])
    assert org["token"] and isinstance(org["token"], str)
    assert len(bytes.fromhex(org["key_id"])) == 4
    assert org["identified"] is True  # civil-affairs registered, 志愿者 in the name, a volunteer-service purpose
    as_org = bearer(org["token"])

    # The organization registers a volunteer; the answer never carries the ID number.
    response = client.post(f"/api/v1/organizations/{org['id']}/volunteers", headers=as_org,
                           json={"name": FULL_NAME, "id_number": ID_NUMBER, "phone": PHONE})
    volunteer = created(response)
    assert set(volunteer) >= {"id", "volunteer_number", "masked_name", "token"}
    assert volunteer["masked_name"] == MASKED_NAME
    assert ID_NUMBER not in response.text and ID_NUMBER.lower() not in response.text
    assert PHONE not in response.text

    activity = created(client.post(f"/api/v1/organizations/{org['id']}/activities", headers=as_org,
                                   json=activity_body()))
    assert activity["warnings"] == []

    record = created(client.post(f"/api/v1/activities/{activity['id']}/records", headers=as_org,
                                 json={"volunteer_id": volunteer["id"], "hours": "3.5", "content": "陪伴聊天"}))
    assert record["version"] == 1

    # An amendment needs a reason; with one it makes version 2.
    no_reason = client.patch(f"/api/v1/records/{record['id']}", headers=as_org, json={"hours": "3"})
    assert "reason" in assert_error_body(no_reason, 422)["message"]
    amended = client.patch(f"/api/v1/records/{record['id']}", headers=as_org,
                           json={"hours": "3", "reason": "签到表核对后更正"})
    assert amended.status_code == 200, amended.text
    assert amended.json() == {"id": record["id"], "version": 2}

    certificate = created(client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates", headers=as_org))
    assert uuid.UUID(certificate["id"])
    assert certificate["number"].startswith("VC")
    assert certificate["qr_text"].startswith(f"{service.settings.public_url.upper()}/V/")
    assert isinstance(certificate["log_index"], int) and certificate["log_index"] >= 0
    assert certificate["hours"] == "3.00"

    # Reads see the writes at once.
    seen = client.get(f"/api/v1/volunteers/{volunteer['id']}", headers=as_org)
    assert seen.status_code == 200, seen.text
    assert seen.json()["total_hours"] == "3.00"
    assert seen.json()["record_count"] == 1
    assert seen.json()["star_level"] == 0
    assert [r["id"] for r in seen.json()["records"]] == [record["id"]]

    current = client.get(f"/api/v1/records/{record['id']}", headers=as_org)
    assert current.status_code == 200, current.text
    assert current.json()["hours"] == "3.00"
    assert current.json()["version"] == 2

    history = client.get(f"/api/v1/records/{record['id']}/history", headers=as_org)
    assert history.status_code == 200, history.text
    assert history.json()["record_id"] == record["id"]
    assert history.json()["intact"] is True
    events = history.json()["events"]
    for event in events:
        assert set(event) >= {"version", "type", "at", "actor", "authority", "key_id", "changes", "reason",
                              "signature_valid"}
        assert event["signature_valid"] is True
        assert event["authority"] == org["id"]
        assert event["key_id"] == org["key_id"]
        assert event["actor"] == f"organization:{org['id']}"
    assert [(e["version"], e["type"]) for e in events] == [(1, "Recorded"), (2, "Amended")]
    assert events[1]["reason"] == "签到表核对后更正"
    assert events[1]["changes"] == {"hours": {"from": "3.50", "to": "3.00"}}

    # The key directory lists the organization's key, as raw base64 and as an RFC 8037 JWK, and its id is
    # the C2SP signed-note key id of its name and public key.
    keys = client.get("/api/v1/keys")
    assert keys.status_code == 200
    mine = [k for k in keys.json()["keys"] if k["authority"] == org["id"]]
    assert len(mine) == 1
    key = mine[0]
    assert key["kid"] == org["key_id"]
    assert key["status"] == "active"
    raw = base64.b64decode(key["public_key"])
    assert len(raw) == 32
    assert key["jwk"]["kty"] == "OKP" and key["jwk"]["crv"] == "Ed25519" and key["jwk"]["kid"] == key["kid"]
    assert base64.urlsafe_b64decode(key["jwk"]["x"] + "=" * (-len(key["jwk"]["x"]) % 4)) == raw
    assert hashlib.sha256(key["name"].encode() + b"\n\x01" + raw).digest()[:4].hex() == key["kid"]

    revoked = client.post(f"/api/v1/certificates/{certificate['id']}/revoke", headers=as_org,
                          json={"reason": "出具有误"})
    assert revoked.status_code == 200, revoked.text
    again = client.post(f"/api/v1/certificates/{certificate['id']}/revoke", headers=as_org,
                        json={"reason": "出具有误"})
    assert assert_error_body(again, 409)["code"] == "already_revoked"


@dataclass(frozen=True)
class Bad:
    """A rejected request: what to send, the status expected, and a word its message must contain."""

    method: str
    path: Callable[[World], str]
    body: Callable[[World], dict[str, Any]]
    status: int
    mentions: str = ""


def _volunteers(w: World) -> str:
    return f"/api/v1/organizations/{w.org_id}/volunteers"


def _activities(w: World) -> str:
    return f"/api/v1/organizations/{w.org_id}/activities"


def _records(w: World) -> str:
    return f"/api/v1/activities/{w.activity['id']}/records"


def _record(w: World) -> str:
    return f"/api/v1/records/{w.record['id']}"


def _hours(value: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"json": {"volunteer_id": w.volunteer["id"], "hours": value}}


def _raw(content: bytes) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"content": content, "headers": {"Content-Type": "application/json"}}


def _none(w: World) -> dict[str, Any]:
    return {}


UNKNOWN = "5f0c6f0e-1d7b-4d2a-9a43-1f1f2b7e0c11"

BAD_INPUT: dict[str, Bad] = {
    "wrong ID check digit": Bad("POST", _volunteers,
                                lambda w: {"json": {"name": "李四", "id_number": WRONG_CHECK_DIGIT}}, 422, "id_number"),
    "ID number of the wrong shape": Bad("POST", _volunteers,
                                        lambda w: {"json": {"name": "李四", "id_number": "1101051949"}},
                                        422, "id_number"),
    "phone that is not a number": Bad("POST", _volunteers,
                                      lambda w: {"json": {"name": "李四", "id_number": THIRD_ID_NUMBER,
                                                          "phone": "138-abc"}}, 422, "phone"),
    # PostgreSQL text cannot hold NUL: once stored, such an event would stop every view on that store.
    "NUL in a volunteer's name": Bad("POST", _volunteers,
                                     lambda w: {"json": {"name": "王\x00五", "id_number": THIRD_ID_NUMBER}},
                                     422, "name"),
    "NUL in an activity's content": Bad("POST", _activities, lambda w: {"json": activity_body(content="a\x00b")},
                                        422, "content"),
    "NUL in an amendment's reason": Bad("PATCH", _record, lambda w: {"json": {"hours": "2", "reason": "\x00"}},
                                        422, "reason"),
    "naive start time": Bad("POST", _activities, lambda w: {"json": activity_body(start="2026-03-01T09:00:00")},
                            422, "start"),
    "end before start": Bad("POST", _activities,
                            lambda w: {"json": activity_body(end="2026-03-01T08:00:00+08:00")}, 422, "end"),
    "zero hours": Bad("POST", _records, _hours(0), 422, "hours"),
    "negative hours": Bad("POST", _records, _hours("-1"), 422, "hours"),
    "hours above the activity's duration": Bad("POST", _records, _hours("4.01"), 422, "hours"),
    "hours that are not a number": Bad("POST", _records, _hours("abc"), 422, "hours"),
    "hours NaN as a string": Bad("POST", _records, _hours("NaN"), 422, "hours"),
    "hours NaN as a JSON literal": Bad("POST", _records, lambda w: {
        "content": f'{{"volunteer_id": "{w.volunteer["id"]}", "hours": NaN}}'.encode(),
        "headers": {"Content-Type": "application/json"}}, 422, "hours"),
    "hours Infinity": Bad("POST", _records, _hours("Infinity"), 422, "hours"),
    "hours with three decimals": Bad("POST", _records, _hours("1.001"), 422, "hours"),
    "hours as a list": Bad("POST", _records, _hours([1]), 422, "hours"),
    "amendment without a reason": Bad("PATCH", _record, lambda w: {"json": {"hours": "2"}}, 422, "reason"),
    "amendment with a blank reason": Bad("PATCH", _record, lambda w: {"json": {"hours": "2", "reason": "  "}},
                                         422, "reason"),
    "amendment that changes nothing": Bad("PATCH", _record, lambda w: {"json": {"hours": "3.5", "reason": "x"}},
                                          422),
    "amendment above the activity's duration": Bad("PATCH", _record,
                                                   lambda w: {"json": {"hours": "5", "reason": "x"}}, 422, "hours"),
    "certificate period starting before 2000": Bad(
        "POST", lambda w: f"/api/v1/volunteers/{w.volunteer['id']}/certificates",
        lambda w: {"json": {"period_start": "1999-12-31"}}, 422, "2000-01-01"),
    "certificate period ending after 2179": Bad(
        "POST", lambda w: f"/api/v1/volunteers/{w.volunteer['id']}/certificates",
        lambda w: {"json": {"period_end": "2200-01-01"}}, 422, "2179"),
    "certificate period reversed": Bad(
        "POST", lambda w: f"/api/v1/volunteers/{w.volunteer['id']}/certificates",
        lambda w: {"json": {"period_start": "2026-03-02", "period_end": "2026-03-01"}}, 422),
    "revocation without a reason": Bad("POST", lambda w: f"/api/v1/certificates/{w.certificate['id']}/revoke",
                                       lambda w: {"json": {}}, 422, "reason"),
    "malformed JSON body": Bad("POST", _records, _raw(b'{"volunteer_id": '), 422),
    # FastAPI answers a body it cannot even decode with 400 before validation; still a 4xx with the shape.
    "body that is not UTF-8": Bad("POST", _records, _raw(b"\xff\xfe\x00"), 400),
    "body that is a JSON list": Bad("POST", _records, _raw(b"[]"), 422),
    "missing body": Bad("POST", _volunteers, _none, 422),
    "id that is not a UUID": Bad("GET", lambda w: "/api/v1/records/not-a-uuid", _none, 422, "record_id"),
    "unknown record": Bad("GET", lambda w: f"/api/v1/records/{UNKNOWN}", _none, 404),
    "unknown record history": Bad("GET", lambda w: f"/api/v1/records/{UNKNOWN}/history", _none, 404),
    "amending an unknown record": Bad("PATCH", lambda w: f"/api/v1/records/{UNKNOWN}",
                                      lambda w: {"json": {"hours": "2", "reason": "x"}}, 404),
    "unknown volunteer": Bad("GET", lambda w: f"/api/v1/volunteers/{UNKNOWN}", _none, 404),
    "certificate for an unknown volunteer": Bad("POST", lambda w: f"/api/v1/volunteers/{UNKNOWN}/certificates",
                                                _none, 404),
    "record at an unknown activity": Bad("POST", lambda w: f"/api/v1/activities/{UNKNOWN}/records",
                                         _hours("1"), 404),
    "record for an unknown volunteer": Bad("POST", _records,
                                           lambda w: {"json": {"volunteer_id": UNKNOWN, "hours": "1"}}, 404),
    "volunteer of an organization the token does not act for": Bad(
        "POST", lambda w: f"/api/v1/organizations/{UNKNOWN}/volunteers",
        lambda w: {"json": {"name": "李四", "id_number": ID_NUMBER}}, 403),
    "unknown certificate QR": Bad("GET", lambda w: f"/api/v1/certificates/{UNKNOWN}/qr.png", _none, 404),
    "revoking an unknown certificate": Bad("POST", lambda w: f"/api/v1/certificates/{UNKNOWN}/revoke",
                                           lambda w: {"json": {"reason": "x"}}, 404),
    "an activity id used as a record id": Bad("GET", lambda w: f"/api/v1/records/{w.activity['id']}", _none, 404),
    "a record id used as a certificate id": Bad("POST", lambda w: f"/api/v1/certificates/{w.record['id']}/revoke",
                                                lambda w: {"json": {"reason": "x"}}, 404),
    "unknown path": Bad("GET", lambda w: "/api/v1/nothing-here", _none, 404),
    "wrong method": Bad("DELETE", _record, _none, 405),
}


@pytest.mark.parametrize("case", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_a_4xx_with_the_error_shape_and_writes_nothing(world: World, case: Bad) -> None:
    before = world.app.recorder.max_notification_id()
    request = case.body(world)
    headers = {**world.as_org(), **request.pop("headers", {})}
    response = world.client.request(case.method, case.path(world), headers=headers, **request)
    error = assert_error_body(response, case.status)
    assert case.mentions in error["message"]
    # An ID number is never echoed back, not even the wrong one.
    for number in (ID_NUMBER, WRONG_CHECK_DIGIT, "1101051949"):
        assert number not in response.text
    assert world.app.recorder.max_notification_id() == before
    # … and the service goes on answering.
    assert world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=world.as_org()).status_code == 200


def test_hours_served_before_2000_cannot_be_certified_and_the_answer_says_why(world: World) -> None:
    old = created(world.client.post(f"/api/v1/organizations/{world.org_id}/activities", headers=world.as_org(),
                                    json=activity_body(start="1999-12-31T09:00:00+08:00",
                                                       end="1999-12-31T12:00:00+08:00")))
    volunteer = world.register_volunteer("王五", "110105200501010012")
    created(world.client.post(f"/api/v1/activities/{old['id']}/records", headers=world.as_org(),
                              json={"volunteer_id": volunteer["id"], "hours": "2"}))
    before = world.app.recorder.max_notification_id()
    response = world.client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates", headers=world.as_org())
    assert assert_error_body(response, 422)["code"] == "date_out_of_range"
    assert world.app.recorder.max_notification_id() == before
