"""The record of failed verifications (issue 6: "failed verifications seen for the organization's certificates",
"certificates not in the log"): what verifying altered, forged and revoked codes counts, against which
organization, that nothing of the code is kept, and what the online pre-check then finds.

The codes are built as in tests/security/test_attack_matrix.py: bytes edited under the issuer's signature, claims
re-signed with the organization's key (a key holder outside the log), a key this service never registered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.application import VledgerApplication
from domain.certificate_code import CertificateClaims, claims_bytes, decode, encode, signing_message
from domain.workdays import china_date
from keys.keyring import KeyInfo
from tests.api.http_world import (
    FULL_NAME,
    ID_NUMBER,
    MASKED_NAME,
    PHONE,
    THIRD_ID_NUMBER,
    World,
    activity_body,
    bearer,
    code_of,
    created,
    payload_of,
    settings_on_both_stores,  # noqa: F401 (every test on both stores)
    text_of,
)

COLUMNS = {"org_id", "day", "verdict", "reasons", "certificate_id", "count"}




# -- codes an attacker prints -------------------------------------------------------------------------------------


def with_payload(qr: str, payload: bytes) -> str:
    return qr.rsplit("/V/", 1)[0] + "/V/" + text_of(payload)


def altered(qr: str) -> str:
    """More hours under the issuer's signature (what anyone holding the paper can do)."""
    d = decode(payload_of(qr))
    return with_payload(qr, encode(dataclasses.replace(d.claims, hours=Decimal("35")), d.signature))


def resigned(w: World, qr: str, claims: CertificateClaims, key: KeyInfo) -> str:
    claims = dataclasses.replace(claims, key_id=key.key_id)
    private = w.app.key_store.private_key(key.public_key)
    return with_payload(qr, encode(claims, private.sign(signing_message(claims_bytes(claims)))))


def outside_the_log(w: World) -> tuple[str, uuid.UUID]:
    """A new certificate signed with the organization's key, never issued through the log; and the id it claims."""
    qr = str(w.certificate["qr_text"])
    claims = dataclasses.replace(decode(payload_of(qr)).claims, certificate_id=uuid.uuid4(), hours=Decimal("300"))
    return resigned(w, qr, claims, w.app.keyring.current(w.org_id)), claims.certificate_id


def by_another_organizations_key(w: World) -> str:
    qr = str(w.certificate["qr_text"])
    return resigned(w, qr, decode(payload_of(qr)).claims, w.app.keyring.current(str(w.other_org["id"])))


def by_an_unknown_key(qr: str, *, new_id: bool) -> str:
    claims = decode(payload_of(qr)).claims
    claims = dataclasses.replace(claims, key_id=b"\xde\xad\xbe\xef",
                                 certificate_id=uuid.uuid4() if new_id else claims.certificate_id)
    return with_payload(qr, encode(claims, Ed25519PrivateKey.generate().sign(signing_message(claims_bytes(claims)))))


# -- helpers ------------------------------------------------------------------------------------------------------


def stored(app: VledgerApplication) -> list[dict[str, Any]]:
    with app.views.store.transaction(commit=False) as c:
        return c.execute("SELECT * FROM verification_failures ORDER BY org_id, verdict, reasons, certificate_id"
                         ).fetchall()


def counted(app: VledgerApplication) -> dict[tuple[str, str, str, str], int]:
    """(organization, verdict, reasons, certificate) → count, over every day."""
    out: dict[tuple[str, str, str, str], int] = {}
    for r in stored(app):
        key = (r["org_id"], r["verdict"], r["reasons"], r["certificate_id"])
        out[key] = out.get(key, 0) + int(r["count"])
    return out


def verify(w: World, code: str) -> dict[str, Any]:
    response = w.client.post("/api/v1/verify", json={"code": code})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def revoked_certificate(w: World) -> dict[str, Any]:
    """A second certificate of the organization (another volunteer's), revoked."""
    w.record_hours(w.other_volunteer["id"], "2")
    certificate = w.issue_certificate(w.other_volunteer["id"])
    response = w.client.post(f"/api/v1/certificates/{certificate['id']}/revoke", headers=w.as_org(),
                             json={"reason": "时长登记有误"})
    assert response.status_code == 200, response.text
    return certificate


def clean_certificate(w: World) -> dict[str, Any]:
    """The other organization records a volunteer's hours and certifies them: nothing wrong anywhere."""
    as_other = bearer(w.other_org["token"])
    org_id = w.other_org["id"]
    volunteer = created(w.client.post(f"/api/v1/organizations/{org_id}/volunteers", headers=as_other,
                                      json={"name": "王小军", "id_number": THIRD_ID_NUMBER}))
    activity = created(w.client.post(f"/api/v1/organizations/{org_id}/activities", headers=as_other,
                                     json=activity_body()))
    created(w.client.post(f"/api/v1/activities/{activity['id']}/records", headers=as_other,
                          json={"volunteer_id": volunteer["id"], "hours": "2", "content": "搜救演练"}))
    return created(w.client.post(f"/api/v1/volunteers/{volunteer['id']}/certificates", headers=as_other))


def precheck(w: World, org_id: str, around: dt.date) -> dict[str, Any]:
    response = w.client.get(f"/api/v1/organizations/{org_id}/precheck", headers=bearer(w.registry_token),
                            params={"period_start": (around - dt.timedelta(days=1)).isoformat(),
                                    "period_end": (around + dt.timedelta(days=1)).isoformat()})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def row(report: dict[str, Any], row_id: str) -> dict[str, Any]:
    return next(r for r in report["rows"] if r["id"] == row_id)


def finding(report: dict[str, Any], row_id: str, code: str) -> dict[str, Any]:
    return next(f for f in row(report, row_id)["findings"] if f["code"] == code)


def today() -> dt.date:
    return china_date(dt.datetime.now(dt.UTC))


# -- the tests ----------------------------------------------------------------------------------------------------


def test_each_attributable_failure_is_counted_once_per_verification_against_its_organization(world: World) -> None:
    w = world
    org, cert = w.org_id, str(w.certificate["id"])
    revoked = revoked_certificate(w)
    unlogged, _ = outside_the_log(w)
    before = today()
    verdicts = {
        "altered": verify(w, altered(str(w.certificate["qr_text"])))["verdict"],
        "altered again": verify(w, altered(str(w.certificate["qr_text"])))["verdict"],
        "outside the log": verify(w, unlogged)["verdict"],
        "revoked": verify(w, str(revoked["qr_text"]))["verdict"],
        "another organization's key": verify(w, by_another_organizations_key(w))["verdict"],
        "unknown key, new id": verify(w, by_an_unknown_key(str(w.certificate["qr_text"]), new_id=True))["verdict"],
        "valid": verify(w, str(w.certificate["qr_text"]))["verdict"],
        "malformed": verify(w, str(w.certificate["qr_text"])[:-5])["verdict"],
    }
    after = today()
    assert verdicts == {"altered": "altered", "altered again": "altered", "outside the log": "forged",
                        "revoked": "revoked", "another organization's key": "altered",
                        "unknown key, new id": "forged", "valid": "valid", "malformed": "malformed"}

    # One row per key, its count incremented; the other organization's key signed a copy of this organization's
    # certificate, which is this organization's (the logged certificate's); an unknown key names nobody.
    assert counted(w.app) == {
        (org, "altered", "signature_mismatch", cert): 2,
        (org, "altered", "signature_valid,claims_differ_from_log", cert): 1,
        (org, "forged", "signature_valid,not_in_log", ""): 1,
        (org, "revoked", "revoked", str(revoked["id"])): 1,
    }
    assert {r["day"] for r in stored(w.app)} <= {before.isoformat(), after.isoformat()}
    assert all(set(r) == COLUMNS for r in stored(w.app))


def test_an_unknown_key_counts_only_against_a_certificate_the_log_holds(world: World) -> None:
    """A code under a key this service never registered names no organization; when it copies a logged
    certificate's id, it is a forgery of that certificate, counted against it."""
    w = world
    assert verify(w, by_an_unknown_key(str(w.certificate["qr_text"]), new_id=True))["verdict"] == "forged"
    assert stored(w.app) == []
    assert verify(w, by_an_unknown_key(str(w.certificate["qr_text"]), new_id=False))["verdict"] == "forged"
    assert counted(w.app) == {(w.org_id, "forged", "unknown_key", str(w.certificate["id"])): 1}
    # Anyone who saw the certificate could make that copy: a note with the evidence, not the organization's doing.
    report = precheck(w, w.org_id, today())
    assert row(report, "forged_or_altered_certificates")["status"] == "ok"
    copies = finding(report, "forged_or_altered_certificates", "copies_signed_by_other_keys")
    assert not copies["problem"] and copies["certificate_ids"] == [w.certificate["id"]]
    assert copies["counts"] == {"unknown_key": 1}


def test_a_logged_certificate_signed_after_its_key_was_compromised_is_a_forgery_under_the_organizations_key(
        world: World) -> None:
    w = world
    key = w.app.keyring.current(w.org_id)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # before the certificate was issued
    response = w.client.post(f"/api/v1/keys/{key.kid}/revoke", headers=bearer(w.registry_token),
                             json={"compromised_since": since.isoformat(), "reason": "密钥文件外泄"})
    assert response.status_code == 200, response.text
    answer = verify(w, str(w.certificate["qr_text"]))
    assert answer["verdict"] == "forged"
    reasons = ",".join(r["code"] for r in answer["reasons"])
    assert counted(w.app) == {(w.org_id, "forged", reasons, str(w.certificate["id"])): 1}
    report = precheck(w, w.org_id, today())
    assert row(report, "forged_or_altered_certificates")["status"] == "problem"
    forged = finding(report, "forged_or_altered_certificates", "forged_with_organization_key")
    assert forged["problem"] and forged["certificate_ids"] == [w.certificate["id"]] and forged["count"] == 1


def test_a_batch_counts_each_code(world: World) -> None:
    w = world
    bad = altered(str(w.certificate["qr_text"]))
    response = w.client.post("/api/v1/verify/batch", json={"codes": [bad, str(w.certificate["qr_text"]), bad, 7]})
    assert [r["verdict"] for r in response.json()["results"]] == ["altered", "valid", "altered", "malformed"]
    assert counted(w.app) == {(w.org_id, "altered", "signature_mismatch", str(w.certificate["id"])): 2}


def test_nothing_of_the_code_or_the_person_is_stored(world: World) -> None:
    w = world
    unlogged, claimed_id = outside_the_log(w)
    codes = [altered(str(w.certificate["qr_text"])), unlogged, by_another_organizations_key(w)]
    for code in codes:
        assert verify(w, code)["verdict"] in ("altered", "forged")
    rows = stored(w.app)
    assert len(rows) == 3
    text = " ".join(str(v) for r in rows for v in r.values())
    secrets = [*codes, *(code_of(c) for c in codes), *(code_of(c)[-40:] for c in codes), str(claimed_id),
               FULL_NAME, MASKED_NAME, ID_NUMBER, PHONE, str(w.volunteer["id"]), "testclient"]
    assert [s for s in secrets if s in text] == []
    # Only what the log holds and the fixed vocabulary: organization ids, days, verdicts, reason codes.
    assert {r["org_id"] for r in rows} == {w.org_id}
    assert {r["certificate_id"] for r in rows} == {str(w.certificate["id"]), ""}


def test_a_failure_to_count_never_changes_the_verdict_nor_logs_the_code(
        world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    w = world
    code = altered(str(w.certificate["qr_text"]))

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError(f"store down while counting {code}")

    monkeypatch.setattr(w.app.verification_failures, "add", broken)
    with caplog.at_level(logging.WARNING, logger="vledger"):
        answer = verify(w, code)
    assert answer["verdict"] == "altered"
    assert [r["code"] for r in answer["reasons"]] == ["signature_mismatch"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["a failed verification was not counted (RuntimeError)"]
    assert not any(code_of(code) in m for m in warnings)
    assert stored(w.app) == []


def test_the_counts_survive_a_rebuild_of_the_views(world: World) -> None:
    w = world
    verify(w, altered(str(w.certificate["qr_text"])))
    kept = counted(w.app)
    assert kept
    w.app.views.rebuild()
    assert counted(w.app) == kept


def test_the_precheck_shows_the_failures_on_their_rows_and_a_clean_organization_stays_ok(world: World) -> None:
    w = world
    clean = clean_certificate(w)
    revoked = revoked_certificate(w)
    unlogged, claimed_id = outside_the_log(w)
    for code in (altered(str(w.certificate["qr_text"])), unlogged, unlogged, str(revoked["qr_text"]),
                 by_an_unknown_key(str(w.certificate["qr_text"]), new_id=True), str(clean["qr_text"])):
        verify(w, code)
    counts = counted(w.app)
    day = today()

    report = precheck(w, w.org_id, day)
    # The pre-check's own re-verification (the revoked certificate says revoked) is no verifier's: not counted.
    assert counted(w.app) == counts

    forged = row(report, "forged_or_altered_certificates")
    assert forged["status"] == "problem" and forged["reason"] is None
    assert [f["code"] for f in forged["findings"] if f["problem"]] == ["certificates_not_in_log",
                                                                      "altered_certificates"]
    not_in_log = finding(report, "forged_or_altered_certificates", "certificates_not_in_log")
    assert not_in_log["count"] == 2 and not_in_log["certificate_ids"] == []  # the claimed id is not evidence
    assert str(claimed_id) not in str(report)
    changed = finding(report, "forged_or_altered_certificates", "altered_certificates")
    assert changed["count"] == 1 and changed["certificate_ids"] == [w.certificate["id"]]
    assert changed["counts"] == {"signature_mismatch": 1}

    verifiable = row(report, "certificates_verifiable")
    assert verifiable["status"] == "problem"
    outside = finding(report, "certificates_verifiable", "certificates_outside_the_system_presented")
    assert outside["problem"] and outside["count"] == 2
    presented = finding(report, "certificates_verifiable", "revoked_certificates_presented")
    assert not presented["problem"] and presented["certificate_ids"] == [revoked["id"]]
    assert "forged_or_altered_certificates" in report["problem_rows"]
    assert report["suggested_result"] == "予以处罚"  # §七(一)3(3): forging or altering certificates

    # The other organization: its certificate verified as valid, its key only ever signed through the log.
    other = precheck(w, str(w.other_org["id"]), day)
    for row_id in ("forged_or_altered_certificates", "certificates_verifiable"):
        assert row(other, row_id)["status"] == "ok", row(other, row_id)
        assert [f for f in row(other, row_id)["findings"] if f["problem"]] == []
    assert "forged_or_altered_certificates" not in other["not_computable_rows"]


def test_counts_are_read_per_period_of_verification_days(world: World) -> None:
    w = world
    verify(w, altered(str(w.certificate["qr_text"])))
    day = today()
    later = precheck(w, w.org_id, day + dt.timedelta(days=10))
    assert row(later, "forged_or_altered_certificates")["status"] == "ok"
    now = precheck(w, w.org_id, day)
    assert row(now, "forged_or_altered_certificates")["status"] == "problem"

