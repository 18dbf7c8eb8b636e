"""Verification verdicts (DESIGN §6) through the public API and the page a phone camera opens.

One table: each case makes a code from a freshly issued certificate (or from nothing) and names the verdict and
the reason code both POST /api/v1/verify and GET /V/{payload} must give. Whatever comes in, the answer is 200
with a verdict: never a 500, never a request error.
"""

from __future__ import annotations

import dataclasses
import os
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.certificate_code import CertificateClaims, claims_bytes, decode, encode, signing_message, to_text
from keys.ids import key_id
from tests.api.http_world import World, assert_error_body, code_of, payload_of, text_of

# Payload layout of domain/certificate_code.py (big-endian):
# version u8 | certificate id 16 | key id 4 | issue date u16 | period start u16 | period end u16 |
# centi-hours u32 | masked-name length u8 | masked name | signature 64
VERSION_AT = 0
KEY_ID_AT = slice(17, 21)
CENTI_HOURS_AT = slice(27, 31)


def as_issued(w: World) -> str:
    return str(w.certificate["qr_text"])


def hours_byte_changed(w: World) -> str:
    """One byte of the centi-hours field changed, the issuer's signature kept."""
    payload = bytearray(payload_of(as_issued(w)))
    (centi,) = struct.unpack(">I", payload[CENTI_HOURS_AT])
    assert centi == 350  # 3.5 hours: the field is where the layout says
    payload[CENTI_HOURS_AT.stop - 1] ^= 0x01  # 3.50 → 3.51 hours
    return swap_code(as_issued(w), bytes(payload))


def resigned_by_unknown_key(w: World) -> str:
    """The issued claims with a key id the service never registered, signed by that unknown key."""
    stranger = Ed25519PrivateKey.generate()
    public = stranger.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    claims = decode(payload_of(as_issued(w))).claims
    forged = dataclasses.replace(claims, key_id=key_id("evil.example/vledger/org/x", public))
    assert w.app.keyring.candidates(forged.key_id) == []
    return swap_code(as_issued(w), encode(forged, stranger.sign(signing_message(claims_bytes(forged)))))


def signed_by_the_org_but_never_issued(w: World) -> str:
    """Perfectly signed with the organization's real private key, but the log never saw this certificate."""
    info = w.app.keyring.current(w.org_id)
    private = w.app.key_store.private_key(info.public_key)
    issued = decode(payload_of(as_issued(w))).claims
    claims = CertificateClaims(certificate_id=uuid.uuid4(), key_id=info.key_id, masked_name=issued.masked_name,
                               hours=Decimal("500"), period_start=issued.period_start,
                               period_end=issued.period_end, issue_date=issued.issue_date)
    return swap_code(as_issued(w), encode(claims, private.sign(signing_message(claims_bytes(claims)))))


def revoked(w: World) -> str:
    response = w.client.post(f"/api/v1/certificates/{w.certificate['id']}/revoke", headers=w.as_org(),
                             json={"reason": "出具有误"})
    assert response.status_code == 200, response.text
    return as_issued(w)


def record_amended_after_issuance(w: World) -> str:
    response = w.client.patch(f"/api/v1/records/{w.record['id']}", headers=w.as_org(),
                              json={"hours": "2", "reason": "签到表核对后更正"})
    assert response.status_code == 200, response.text
    return as_issued(w)


def random_bytes(w: World) -> str:
    # 120 bytes: any chance of a readable header is 2^-16 × (a valid 24-byte UTF-8 name) — never in practice.
    return text_of(os.urandom(120))


def wrong_format_version(w: World) -> str:
    payload = bytearray(payload_of(as_issued(w)))
    assert payload[VERSION_AT] == 1
    payload[VERSION_AT] = 2
    return swap_code(as_issued(w), bytes(payload))


def foreign_host(w: World) -> str:
    return "HTTPS://VERIFY.EVIL.EXAMPLE/V/" + code_of(as_issued(w))


def swap_code(qr_text: str, payload: bytes) -> str:
    return qr_text.rsplit("/V/", 1)[0] + "/V/" + text_of(payload)


@dataclass(frozen=True)
class Case:
    make: Callable[[World], str]
    verdict: str
    reason: str
    on_page: bool = True  # the page takes only a payload: a foreign URL or nothing cannot reach it


CASES: dict[str, Case] = {
    "as issued": Case(as_issued, "valid", "claims_match_log"),
    "one byte of the hours changed": Case(hours_byte_changed, "altered", "signature_mismatch"),
    "re-signed by an unknown key": Case(resigned_by_unknown_key, "forged", "unknown_key"),
    "signed by the organization but never issued through the log": Case(signed_by_the_org_but_never_issued,
                                                                         "forged", "not_in_log"),
    "revoked": Case(revoked, "revoked", "revoked"),
    "a record amended after issuance": Case(record_amended_after_issuance, "valid_with_warnings",
                                            "record_amended_after_issuance"),
    "random bytes": Case(random_bytes, "malformed", "malformed"),
    "empty string": Case(lambda w: "", "malformed", "empty", on_page=False),
    # httpx refuses URLs over 64 kB, so the page gets its long string in a shorter case.
    "a 100 kB string": Case(lambda w: "A" * 100_000, "malformed", "too_long", on_page=False),
    "a 10 kB string": Case(lambda w: "A" * 10_000, "malformed", "too_long"),
    "not base32": Case(lambda w: "ÄÖÜ-!?%", "malformed", "malformed"),
    "a URL on a foreign host": Case(foreign_host, "malformed", "foreign_url", on_page=False),
    "a wrong format version": Case(wrong_format_version, "malformed", "malformed"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_kind_of_code_gets_its_verdict_from_the_api_and_the_page(world: World, case: Case) -> None:
    code = case.make(world)

    response = world.client.post("/api/v1/verify", json={"code": code})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["verdict"] == case.verdict, answer
    assert case.reason in [r["code"] for r in answer["reasons"]], answer
    for reason in answer["reasons"]:
        assert reason["zh"] and reason["en"]

    if case.verdict == "valid_with_warnings":
        history = f"/api/v1/records/{world.record['id']}/history"
        assert [a["history"] for a in answer["amended_records"]] == [history]
    if case.verdict in ("valid", "valid_with_warnings", "revoked"):
        assert answer["certificate"]["number"] == world.certificate["number"]
        assert answer["log"]["index"] == world.certificate["log_index"]

    if case.on_page:
        payload = code.rsplit("/V/", 1)[-1]
        page = world.client.get(f"/V/{payload}")
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert f'data-verdict="{case.verdict}"' in page.text
        assert f'data-code="{case.reason}"' in page.text
        if case.verdict == "valid_with_warnings":
            assert f"/api/v1/records/{world.record['id']}/history" in page.text


def test_the_page_speaks_english_when_asked(world: World) -> None:
    page = world.client.get(f"/V/{code_of(world.certificate['qr_text'])}", params={"lang": "en"})
    assert page.status_code == 200
    assert 'lang="en"' in page.text and "Certificate valid" in page.text
    chinese = world.client.get(f"/V/{code_of(world.certificate['qr_text'])}")
    assert 'lang="zh-CN"' in chinese.text and "证明有效" in chinese.text


@pytest.mark.parametrize("code", [None, 42, ["A"], {"code": "x"}, True], ids=repr)
def test_a_code_that_is_not_even_a_string_is_malformed_not_a_request_error(world: World, code: object) -> None:
    response = world.client.post("/api/v1/verify", json={"code": code})
    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "malformed"


def test_a_batch_answers_each_code_in_the_order_given(world: World) -> None:
    codes = [signed_by_the_org_but_never_issued(world), "garbage", as_issued(world)]
    response = world.client.post("/api/v1/verify/batch", json={"codes": codes})
    assert response.status_code == 200, response.text
    assert [r["verdict"] for r in response.json()["results"]] == ["forged", "malformed", "valid"]


def test_a_batch_of_1000_is_answered_and_one_of_1001_is_refused(world: World) -> None:
    full = world.client.post("/api/v1/verify/batch", json={"codes": ["X"] * 1000})
    assert full.status_code == 200, full.text
    assert len(full.json()["results"]) == 1000
    too_many = world.client.post("/api/v1/verify/batch", json={"codes": ["X"] * 1001})
    assert "codes" in assert_error_body(too_many, 422)["message"]


def test_the_qr_text_of_a_certificate_is_its_own_bare_code_too(world: World) -> None:
    # A camera may hand over the URL or only the code; lowercase too (some cameras lowercase URLs).
    code = code_of(world.certificate["qr_text"])
    for text in (code, code.lower(), world.certificate["qr_text"].lower()):
        answer = world.client.post("/api/v1/verify", json={"code": text}).json()
        assert answer["verdict"] == "valid", (text, answer)
    assert to_text(payload_of(world.certificate["qr_text"])) == code
