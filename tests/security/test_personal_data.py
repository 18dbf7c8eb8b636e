"""Personal data (DESIGN §6, §7, domain/errors.py): ID numbers and phone numbers go in and never come out —
not in a response, a log line, an error message, a QR payload or the verification page. Public surfaces show
only the masked name.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from httpx import Response

from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    MASKED_NAME,
    OTHER_ID_NUMBER,
    OTHER_PHONE,
    PHONE,
    World,
    code_of,
    decode_qr,
    payload_of,
)

WRONG_CHECK_DIGIT = ID_NUMBER[:-1] + "3"
NEW_ID_NUMBER = "310104198812046910"
NEW_PHONE = "13700001111"


def forms(number: str) -> list[str]:
    """The ways a number could leak: as given, lowercased, without its check character."""
    return [number, number.lower(), number[:-1]]


PERSONAL_NUMBERS = [f for n in (ID_NUMBER, OTHER_ID_NUMBER, WRONG_CHECK_DIGIT, NEW_ID_NUMBER) for f in forms(n)]
PERSONAL_NUMBERS += [PHONE, OTHER_PHONE, NEW_PHONE, "+86 137-0000-1111"]


def leaks(text: str) -> list[str]:
    return [n for n in PERSONAL_NUMBERS if n in text]


def run_flow(w: World) -> list[tuple[str, str]]:
    """Every use case once, good and bad; returns (what, visible text) of every answer, QR images decoded."""
    seen: list[tuple[str, str]] = []

    def call(what: str, method: str, path: str, token: str | None = None, **kwargs: Any) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = w.client.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 500, (what, response.text)
        if response.headers.get("content-type") == "image/png":
            seen.append((what, decode_qr(response.content).text))
        else:
            seen.append((what, response.text))
        return response

    org, vol = w.org_token, w.volunteer
    volunteers = f"/api/v1/organizations/{w.org_id}/volunteers"
    # Registrations, and rejected ones whose messages must name the field, never the value.
    call("register", "POST", volunteers, org, json={"name": "钱七", "id_number": NEW_ID_NUMBER, "phone": NEW_PHONE})
    call("wrong check digit", "POST", volunteers, org, json={"name": "孙八", "id_number": WRONG_CHECK_DIGIT})
    call("id number too short", "POST", volunteers, org, json={"name": "孙八", "id_number": ID_NUMBER[:-1]})
    call("id number as a JSON number", "POST", volunteers, org,
         json={"name": "孙八", "id_number": int(NEW_ID_NUMBER)})
    call("id number too long", "POST", volunteers, org, json={"name": "孙八", "id_number": ID_NUMBER * 3})
    call("passport with a bad character", "POST", volunteers, org,
         json={"name": "孙八", "id_type": "passport", "id_number": ID_NUMBER + "!"})
    call("unknown id type", "POST", volunteers, org,
         json={"name": "孙八", "id_type": "ric", "id_number": NEW_ID_NUMBER})
    call("gender that contradicts the ID number", "POST", volunteers, org,
         json={"name": "孙八", "id_number": NEW_ID_NUMBER, "gender": "female"})
    call("bad phone", "POST", volunteers, org, json={"name": "孙八", "id_number": NEW_ID_NUMBER, "phone": PHONE + "x"})
    call("phone too long", "POST", volunteers, org,
         json={"name": "孙八", "id_number": NEW_ID_NUMBER, "phone": PHONE * 4})
    call("phone with +86", "POST", volunteers, org,
         json={"name": "孙九", "id_number": "110105200501010012", "phone": "+86 137-0000-1111"})
    call("an ID number in a path", "GET", f"/api/v1/volunteers/{ID_NUMBER}", org)
    # Reads and writes of the holders.
    call("volunteer as the organization", "GET", f"/api/v1/volunteers/{vol['id']}", org)
    call("volunteer as themselves", "GET", f"/api/v1/volunteers/{vol['id']}", vol["token"])
    call("volunteer as another volunteer", "GET", f"/api/v1/volunteers/{vol['id']}", w.other_volunteer["token"])
    call("record", "GET", f"/api/v1/records/{w.record['id']}", org)
    call("amend", "PATCH", f"/api/v1/records/{w.record['id']}", org, json={"hours": "3", "reason": "更正"})
    call("history", "GET", f"/api/v1/records/{w.record['id']}/history", org)
    certificate = call("issue", "POST", f"/api/v1/volunteers/{vol['id']}/certificates", org).json()
    call("qr.png", "GET", f"/api/v1/certificates/{certificate['id']}/qr.png", org)
    call("qr.svg", "GET", f"/api/v1/certificates/{certificate['id']}/qr.svg", vol["token"])
    # Public surfaces.
    for qr_text in (w.certificate["qr_text"], certificate["qr_text"]):
        call("verify", "POST", "/api/v1/verify", json={"code": qr_text})
        call("page", "GET", f"/V/{code_of(qr_text)}")
        call("page in English", "GET", f"/V/{code_of(qr_text)}", params={"lang": "en"})
    call("batch", "POST", "/api/v1/verify/batch", json={"codes": [certificate["qr_text"], ID_NUMBER]})
    call("verify an ID number", "POST", "/api/v1/verify", json={"code": ID_NUMBER})
    call("page of an ID number", "GET", f"/V/{ID_NUMBER}")
    call("keys", "GET", "/api/v1/keys")
    call("revoke", "POST", f"/api/v1/certificates/{w.certificate['id']}/revoke", org, json={"reason": "出具有误"})
    call("verify revoked", "POST", "/api/v1/verify", json={"code": w.certificate["qr_text"]})
    return seen


def test_no_answer_of_the_whole_flow_carries_an_id_number_or_a_phone_number(world: World) -> None:
    seen = run_flow(world)
    assert len(seen) > 30
    for what, text in seen:
        assert not leaks(text), f"{what} leaks {leaks(text)}: {text[:300]}"


def test_no_log_line_of_the_whole_flow_carries_an_id_number_or_a_phone_number(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    run_flow(world)
    assert any(r.name.startswith("vledger") for r in caplog.records)  # the service's own lines were captured
    # httpx and httpcore are the test's own client: it logs the URLs the flow deliberately put ID numbers in.
    service_lines = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    for record in service_lines:
        line = record.getMessage() + (record.exc_text or "")
        assert not leaks(line), f"log line of {record.name} leaks {leaks(line)}: {line[:300]}"


@pytest.mark.parametrize(("field", "body"), [
    ("id_number", {"name": "孙八", "id_number": WRONG_CHECK_DIGIT}),
    ("id_number", {"name": "孙八", "id_number": ID_NUMBER[:-1]}),
    ("id_number", {"name": "孙八", "id_number": ID_NUMBER * 3}),
    ("id_number", {"name": "孙八", "id_type": "passport", "id_number": ID_NUMBER + "!"}),
    ("id_number", {"name": "孙八", "id_number": int(NEW_ID_NUMBER)}),
    ("phone", {"name": "孙八", "id_number": NEW_ID_NUMBER, "phone": PHONE + "x"}),
    ("phone", {"name": "孙八", "id_number": NEW_ID_NUMBER, "phone": PHONE * 4}),
], ids=["wrong check digit", "too short", "too long", "passport with a bad character", "a number, not a string",
        "phone with a letter", "phone too long"])
def test_an_error_names_the_personal_field_but_never_echoes_its_value(
        world: World, field: str, body: dict[str, Any]) -> None:
    response = world.client.post(f"/api/v1/organizations/{world.org_id}/volunteers", json=body,
                                 headers=world.as_org())
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert field in message
    assert not leaks(response.text), response.text


def test_the_qr_payload_holds_the_masked_name_and_nothing_more_personal(world: World) -> None:
    payload = payload_of(world.certificate["qr_text"])
    assert MASKED_NAME.encode("utf-8") in payload
    for secret in [FULL_NAME, *PERSONAL_NUMBERS]:
        assert secret.encode("utf-8") not in payload
        assert secret not in world.certificate["qr_text"]


def test_public_surfaces_show_the_masked_name_only(world: World) -> None:
    qr_text = world.certificate["qr_text"]
    answers = [world.client.post("/api/v1/verify", json={"code": qr_text}),
               world.client.post("/api/v1/verify/batch", json={"codes": [qr_text]}),
               world.client.get(f"/V/{code_of(qr_text)}"),
               world.client.get(f"/V/{code_of(qr_text)}", params={"lang": "en"}),
               world.client.get("/api/v1/keys")]
    for response in answers[:4]:
        assert response.status_code == 200
        assert MASKED_NAME in response.text  # the certificate is shown …
    for response in answers:
        assert FULL_NAME not in response.text  # … but never whose it is in full
        assert not leaks(response.text)
