"""Key rotation, retirement and revocation (DESIGN §3) as one table of cases, through the public API.

Each row takes a fresh world (an organization with a certificate issued by its key), performs one lifecycle action
over HTTP, and names the certificate it then verifies, with the verdict and reasons POST /api/v1/verify must give.

Two rows use two keys that share a 4-byte key id (C2SP signed-note ids collide: verifiers try every key with the
id). The keys are Ed25519 keys whose private halves are SHA-256 of two fixed strings; the pair was found once by a
birthday search over ``vledger-collision-{i}`` for i = 0, 1, 2, … under one key name, and kept here as constants.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.certificate import Certificate
from domain.certificate_code import CertificateClaims, claims_bytes, decode, encode, signing_message, to_text
from domain.signing_key import SigningKey
from domain.workdays import china_date
from keys.ids import key_id
from keys.store import fingerprint, resolve_passphrase, write_private_file
from tests.api.http_world import MASKED_NAME, World, assert_error_body, bearer, created, payload_of

COLLISION_NAME = "vledger.test/org/collision"
SEED_A = hashlib.sha256(b"vledger-collision-60023").digest()
SEED_B = hashlib.sha256(b"vledger-collision-80971").digest()
SHARED_KID = "16a9a5f3"

VALID = ("signature_valid", "in_log", "claims_match_log")


def raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_the_two_fixed_keys_are_different_keys_with_one_key_id() -> None:
    a, b = Ed25519PrivateKey.from_private_bytes(SEED_A), Ed25519PrivateKey.from_private_bytes(SEED_B)
    assert raw_public(a) != raw_public(b)
    assert key_id(COLLISION_NAME, raw_public(a)) == key_id(COLLISION_NAME, raw_public(b)) == bytes.fromhex(SHARED_KID)


# -- actions ---------------------------------------------------------------------------------------------------


def kid_of(qr_text: str) -> str:
    return decode(payload_of(qr_text)).claims.key_id.hex()


def issued_at(w: World, qr_text: str) -> dt.datetime:
    """The logged instant of a certificate's issuance (its creation event's time)."""
    certificate = w.app.repository.get(decode(payload_of(qr_text)).claims.certificate_id)
    assert isinstance(certificate, Certificate)
    return certificate.created_on


def rotate(w: World) -> dict[str, Any]:
    return created(w.client.post(f"/api/v1/organizations/{w.org_id}/keys/rotate", headers=w.as_org()))


def revoke(w: World, kid: str, since: dt.datetime, public_key: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"compromised_since": since.isoformat(), "reason": "私钥随丢失的笔记本电脑外泄"}
    if public_key is not None:
        body["public_key"] = public_key
    response = w.client.post(f"/api/v1/keys/{kid}/revoke", json=body, headers=w.as_org())
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def logged_certificate_signed_by(w: World, private: Ed25519PrivateKey, kid: bytes) -> str:
    """A certificate whose code ``private`` signs and whose issuance is in the log, as a holder of the key (not the
    service, which signs only with the current key) would make it. Its event is signed by the org's current key."""
    now = w.app.clock()
    claims = CertificateClaims(certificate_id=uuid4(), key_id=kid, masked_name=MASKED_NAME, hours=Decimal("3.5"),
                               period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 1),
                               issue_date=china_date(now))
    code = to_text(encode(claims, private.sign(signing_message(claims_bytes(claims)))))
    w.app.save_and_project(Certificate.issue(
        now=now, actor=f"organization:{w.org_id}", id=claims.certificate_id, org_id=UUID(w.org_id),
        volunteer_id=UUID(w.volunteer["id"]), masked_name=claims.masked_name, hours=claims.hours,
        period_start=claims.period_start, period_end=claims.period_end, issue_date=claims.issue_date,
        records=[{"id": UUID(w.record["id"]), "version": 1, "hours": Decimal("3.5")}], key_id=kid.hex(),
        code=code))
    return w.app.qr_text(code)


def rotated_then_the_old_certificate(w: World) -> str:
    result = rotate(w)
    assert result["retired"]["kid"] == kid_of(w.certificate["qr_text"])
    return str(w.certificate["qr_text"])


def rotated_then_a_new_certificate(w: World) -> str:
    new_kid = rotate(w)["key"]["kid"]
    fresh = w.issue_certificate()
    assert kid_of(fresh["qr_text"]) == new_kid != kid_of(w.certificate["qr_text"])
    return str(fresh["qr_text"])


def retired_then_the_old_certificate(w: World) -> str:
    kid = kid_of(w.certificate["qr_text"])
    response = w.client.post(f"/api/v1/keys/{kid}/retire", json={"reason": "组织停止活动"},
                             headers=bearer(w.registry_token))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "retired"
    return str(w.certificate["qr_text"])


def compromised_before_the_issuance(w: World) -> str:
    qr = str(w.certificate["qr_text"])
    revoke(w, kid_of(qr), issued_at(w, qr) - dt.timedelta(minutes=1))
    return qr


def compromised_after_the_issuance(w: World) -> str:
    qr = str(w.certificate["qr_text"])
    revoke(w, kid_of(qr), issued_at(w, qr) + dt.timedelta(microseconds=1))
    return qr


def revoked_then_a_certificate_by_the_replacement(w: World) -> str:
    qr = str(w.certificate["qr_text"])
    replacement = revoke(w, kid_of(qr), issued_at(w, qr))["replaced_by"]
    assert replacement is not None and replacement["status"] == "active"
    fresh = w.issue_certificate()
    assert kid_of(fresh["qr_text"]) == replacement["kid"]
    return str(fresh["qr_text"])


def resigned_with_the_retired_key_after_retirement(w: World) -> str:
    old = w.app.keyring.current(w.org_id)
    rotate(w)
    return logged_certificate_signed_by(w, w.app.key_store.private_key(old.public_key), old.key_id)


def signed_after_the_compromise_and_never_logged(w: World, before: dt.timedelta = dt.timedelta(days=2)) -> str:
    """Not in the log, only the claimed issue date (today) orders it against the compromise ``before`` now."""
    qr = str(w.certificate["qr_text"])
    old = w.app.keyring.current(w.org_id)
    revoke(w, kid_of(qr), w.app.clock() - before)
    issued = decode(payload_of(qr)).claims
    claims = CertificateClaims(certificate_id=uuid4(), key_id=old.key_id, masked_name=issued.masked_name,
                               hours=Decimal("800"), period_start=issued.period_start, period_end=issued.period_end,
                               issue_date=china_date(w.app.clock()))
    private = w.app.key_store.private_key(old.public_key)
    return w.app.qr_text(to_text(encode(claims, private.sign(signing_message(claims_bytes(claims))))))


def install_private_key(w: World, private: Ed25519PrivateKey) -> None:
    """Put a private key where the key store keeps them (encrypted with the instance's passphrase), as an operator
    importing a key would, so that the service can sign with it once it is registered."""
    passphrase, _ = resolve_passphrase(w.app.settings.data_dir, None, create=False)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(passphrase))
    write_private_file(w.app.key_store.directory / f"{fingerprint(raw_public(private))}.pem", pem)


def two_keys_sharing_an_id(w: World) -> tuple[str, str]:
    """Keys A and B (one key id) registered for the organization by the registry; B is registered last, so it is
    the current key and signs what the service issues. A's certificate is logged as a holder of A would log it.
    Then A is revoked as compromised before its certificate: naming A needs its public key."""
    a, b = Ed25519PrivateKey.from_private_bytes(SEED_A), Ed25519PrivateKey.from_private_bytes(SEED_B)
    install_private_key(w, b)
    now = w.app.clock()
    w.app.save_and_project(*(SigningKey.register(
        now=now, actor="registry:registry", key_id=SHARED_KID, name=COLLISION_NAME,
        public_key=base64.b64encode(raw_public(k)).decode(), owner=w.org_id, purpose="organization") for k in (a, b)))
    assert w.app.keyring.current(w.org_id).public_key == raw_public(b)
    by_b = str(w.issue_certificate()["qr_text"])
    assert kid_of(by_b) == SHARED_KID
    by_a = logged_certificate_signed_by(w, a, bytes.fromhex(SHARED_KID))
    since = issued_at(w, by_a) - dt.timedelta(seconds=1)
    ambiguous = w.client.post(f"/api/v1/keys/{SHARED_KID}/revoke", headers=w.as_org(),
                              json={"compromised_since": since.isoformat(), "reason": "泄露"})
    assert assert_error_body(ambiguous, 409)["code"] == "ambiguous_key_id"
    revoked = revoke(w, SHARED_KID, since, public_key=base64.b64encode(raw_public(a)).decode())
    assert revoked["public_key"] == base64.b64encode(raw_public(a)).decode()
    assert revoked["replaced_by"] is None  # B is the current key and goes on signing
    return by_a, by_b


def compromise_named(w: World, verdict: dict[str, Any]) -> None:
    """The warning names the compromise instant the revocation gave."""
    listed = {k["kid"]: k for k in w.client.get("/api/v1/keys").json()["keys"]}
    since = listed[kid_of(w.certificate["qr_text"])]["compromised_since"]
    assert since is not None
    assert verdict["compromised_since"] == since == verdict["key"]["compromised_since"]


@dataclass(frozen=True)
class Case:
    act: Callable[[World], str]
    verdict: str
    reasons: tuple[str, ...]
    check: Callable[[World, dict[str, Any]], None] | None = None


CASES: dict[str, Case] = {
    "rotate → the certificate issued before stays valid": Case(
        rotated_then_the_old_certificate, "valid", (*VALID, "key_retired")),
    "rotate → a new certificate is signed by the new key and valid": Case(rotated_then_a_new_certificate, "valid",
                                                                          VALID),
    "retire → the certificate issued before stays valid": Case(
        retired_then_the_old_certificate, "valid", (*VALID, "key_retired")),
    "revoke, compromised since before the issuance → forged": Case(
        compromised_before_the_issuance, "forged", ("signature_valid", "key_compromised_before_issuance")),
    "revoke, compromised since after the issuance → valid with a warning naming the compromise": Case(
        compromised_after_the_issuance, "valid_with_warnings", (*VALID, "key_compromised_after_issuance"),
        compromise_named),
    "revoke the current key → the replacement key's certificates are valid": Case(
        revoked_then_a_certificate_by_the_replacement, "valid", VALID),
    "a certificate re-signed with the retired key after retirement, logged → forged": Case(
        resigned_with_the_retired_key_after_retirement, "forged", ("signature_valid", "signed_after_key_retired")),
    "a certificate signed with the revoked key after the compromise, never logged → forged": Case(
        signed_after_the_compromise_and_never_logged, "forged",
        ("signature_valid", "not_in_log", "key_compromised_before_issuance")),
    # The claimed date is the signer's word: the day of the compromise earns no benefit of the doubt online.
    "a certificate signed with the revoked key on the day of its compromise, never logged → forged": Case(
        lambda w: signed_after_the_compromise_and_never_logged(w, dt.timedelta(minutes=1)), "forged",
        ("signature_valid", "not_in_log", "key_compromised_before_issuance")),
    "one key id, two keys: the revoked key's certificate → forged": Case(
        lambda w: two_keys_sharing_an_id(w)[0], "forged", ("signature_valid", "key_compromised_before_issuance")),
    "one key id, two keys: the other key's certificate → valid": Case(
        lambda w: two_keys_sharing_an_id(w)[1], "valid", VALID),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_key_lifecycle_action_gives_each_certificate_its_verdict(world: World, case: Case) -> None:
    qr_text = case.act(world)
    response = world.client.post("/api/v1/verify", json={"code": qr_text})
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert (verdict["verdict"], tuple(r["code"] for r in verdict["reasons"])) == (case.verdict, case.reasons)
    if case.check is not None:
        case.check(world, verdict)
