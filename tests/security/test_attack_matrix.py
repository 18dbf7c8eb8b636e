"""The attack matrix (issue 5): every way we know to forge or alter a certificate, and what verification says.

Each row builds the code an attacker would print from a world with two genuine certificates (the volunteer's, 3.5
hours, and another volunteer's, 2 hours, both issued by the organization) and names the verdict and the reason code
`POST /api/v1/verify` must answer. The attacker's means grow down the table: editing bytes, recombining genuine
parts, a stolen organization key, the service's own non-organization keys. Rows about what the reader is SHOWN
check that the claims displayed are the logged ones, never the QR's.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from domain.certificate_code import CertificateClaims, DecodedCode, claims_bytes, decode, encode, signing_message
from keys.keyring import KeyInfo
from tests.api.http_world import World, bearer, code_of, payload_of, text_of


@dataclass
class Scene:
    """The world plus a second genuine certificate of another volunteer, with other hours."""

    world: World
    other_certificate: dict[str, Any]

    @property
    def qr(self) -> str:
        return str(self.world.certificate["qr_text"])

    @property
    def decoded(self) -> DecodedCode:
        return decode(payload_of(self.qr))

    def with_payload(self, payload: bytes) -> str:
        return self.qr.rsplit("/V/", 1)[0] + "/V/" + text_of(payload)

    def resigned(self, claims: CertificateClaims, key: KeyInfo | None = None) -> str:
        """The claims signed by a private key this service holds (``key``: the organization's current one)."""
        w = self.world
        info = key or w.app.keyring.current(w.org_id)
        claims = dataclasses.replace(claims, key_id=info.key_id)
        private = w.app.key_store.private_key(info.public_key)
        return self.with_payload(encode(claims, private.sign(signing_message(claims_bytes(claims)))))

    def kept_signature(self, **changes: Any) -> str:
        """Claims edited, the issuer's signature kept (what a forger without the key can do)."""
        d = self.decoded
        return self.with_payload(encode(dataclasses.replace(d.claims, **changes), d.signature))


@pytest.fixture
def scene(world: World) -> Scene:
    other = world.other_volunteer
    world.record_hours(other["id"], "2")
    return Scene(world, world.issue_certificate(other["id"]))


# -- the attacks ----------------------------------------------------------------------------------------------


def altered_hours(s: Scene) -> str:
    return s.kept_signature(hours=Decimal("35"))


def altered_name(s: Scene) -> str:
    return s.kept_signature(masked_name="李*华")


def altered_period(s: Scene) -> str:
    d = s.decoded.claims
    return s.kept_signature(period_start=d.period_start - dt.timedelta(days=365))


def altered_issue_date(s: Scene) -> str:
    return s.kept_signature(issue_date=s.decoded.claims.issue_date - dt.timedelta(days=30))


def flipped_signature_bit(s: Scene) -> str:
    payload = bytearray(payload_of(s.qr))
    payload[-1] ^= 0x80
    return s.with_payload(bytes(payload))


def signature_swapped_from_another_certificate(s: Scene) -> str:
    other = decode(payload_of(s.other_certificate["qr_text"]))
    return s.with_payload(s.decoded.signed_part + other.signature)


def other_certificates_claims_under_this_id(s: Scene) -> str:
    """Another genuine certificate's signed bytes with this certificate's id patched in."""
    other = decode(payload_of(s.other_certificate["qr_text"]))
    return s.with_payload(encode(dataclasses.replace(other.claims, certificate_id=s.decoded.claims.certificate_id),
                                 other.signature))


def truncated_payload(s: Scene) -> str:
    return s.with_payload(payload_of(s.qr)[:-7])


def trailing_bytes(s: Scene) -> str:
    return s.with_payload(payload_of(s.qr) + b"\x00\x01")


def truncated_text(s: Scene) -> str:
    return s.qr[:-5]


def existing_id_with_different_claims_signed_by_the_org(s: Scene) -> str:
    """A key holder (an insider) re-signs a logged certificate's id with more hours."""
    return s.resigned(dataclasses.replace(s.decoded.claims, hours=Decimal("120")))


def new_certificate_signed_by_the_org_outside_the_log(s: Scene) -> str:
    return s.resigned(dataclasses.replace(s.decoded.claims, certificate_id=uuid.uuid4(), hours=Decimal("300")))


def signed_by_another_organizations_key(s: Scene) -> str:
    w = s.world
    return s.resigned(s.decoded.claims, key=w.app.keyring.current(str(w.other_org["id"])))


def signed_by_the_log_key(s: Scene) -> str:
    w = s.world
    log_key = next(k for k in w.app.keyring.all() if k.purpose == "log")
    return s.resigned(s.decoded.claims, key=log_key)


def signed_by_an_unknown_key(s: Scene) -> str:
    stranger = Ed25519PrivateKey.generate()
    claims = dataclasses.replace(s.decoded.claims, key_id=b"\xde\xad\xbe\xef")
    assert s.world.app.keyring.candidates(claims.key_id) == []
    return s.with_payload(encode(claims, stranger.sign(signing_message(claims_bytes(claims)))))


def replay_of_a_revoked_certificate(s: Scene) -> str:
    w = s.world
    response = w.client.post(f"/api/v1/certificates/{w.certificate['id']}/revoke", headers=w.as_org(),
                             json={"reason": "时长登记有误"})
    assert response.status_code == 200, response.text
    return s.qr


def foreign_host_prefix(s: Scene) -> str:
    return "HTTPS://VLEDGER.VERIFY-CN.EXAMPLE/V/" + code_of(s.qr)


def foreign_host_lowercase(s: Scene) -> str:
    return "https://vledger.verify-cn.example/v/" + code_of(s.qr).lower()


def valid_qr_pasted_onto_another_paper(s: Scene) -> str:
    """The genuine QR of the 3.5-hour certificate glued onto a paper claiming the other volunteer's 2 hours:
    the QR verifies, and the reader sees the logged claims — which do not match the paper."""
    return s.qr


def stolen_key_after_compromise(s: Scene) -> str:
    """The organization's key leaked: the registry revokes it with compromised_since an hour ago; the thief signs a
    new certificate with it now."""
    w = s.world
    stolen = w.app.keyring.current(w.org_id)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    response = w.client.post(f"/api/v1/keys/{stolen.kid}/revoke", headers=bearer(w.registry_token),
                             json={"compromised_since": since.isoformat(), "reason": "密钥文件外泄"})
    assert response.status_code == 200, response.text
    forged = dataclasses.replace(s.decoded.claims, certificate_id=uuid.uuid4(), hours=Decimal("200"))
    return s.resigned(forged, key=stolen)


@dataclass(frozen=True)
class Attack:
    make: Callable[[Scene], str]
    verdict: str
    reason: str
    on_page: bool = True  # the page is reached with a payload only: a foreign host never gets there


ATTACKS: dict[str, Attack] = {
    "altered hours": Attack(altered_hours, "altered", "signature_mismatch"),
    "altered name": Attack(altered_name, "altered", "signature_mismatch"),
    "altered period": Attack(altered_period, "altered", "signature_mismatch"),
    "altered issue date": Attack(altered_issue_date, "altered", "signature_mismatch"),
    "one bit of the signature flipped": Attack(flipped_signature_bit, "altered", "signature_mismatch"),
    "signature swapped from another certificate": Attack(signature_swapped_from_another_certificate, "altered",
                                                         "signature_mismatch"),
    "another certificate's claims under this id": Attack(other_certificates_claims_under_this_id, "altered",
                                                         "signature_mismatch"),
    "truncated payload": Attack(truncated_payload, "malformed", "malformed"),
    "bytes appended to the payload": Attack(trailing_bytes, "malformed", "malformed"),
    "truncated text": Attack(truncated_text, "malformed", "malformed"),
    "certificate id that exists, with different claims, signed by the org":
        Attack(existing_id_with_different_claims_signed_by_the_org, "altered", "claims_differ_from_log"),
    "well signed by the org but never issued through the log":
        Attack(new_certificate_signed_by_the_org_outside_the_log, "forged", "not_in_log"),
    "signed by another organization's key": Attack(signed_by_another_organizations_key, "altered",
                                                   "claims_differ_from_log"),
    "signed by the service's log key": Attack(signed_by_the_log_key, "forged", "key_not_for_organization"),
    "signed by an unknown key": Attack(signed_by_an_unknown_key, "forged", "unknown_key"),
    "replay of a revoked certificate": Attack(replay_of_a_revoked_certificate, "revoked", "revoked"),
    "right payload behind a foreign host": Attack(foreign_host_prefix, "malformed", "foreign_url",
                                                         on_page=False),
    "right payload behind a lowercased foreign host": Attack(foreign_host_lowercase, "malformed",
                                                                       "foreign_url", on_page=False),
    "valid QR pasted onto another paper": Attack(valid_qr_pasted_onto_another_paper, "valid", "claims_match_log"),
    "signed with a revoked key after its compromise": Attack(stolen_key_after_compromise, "forged",
                                                             "key_compromised_before_issuance"),
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_each_attack_gets_its_verdict_and_the_reader_sees_only_logged_claims(scene: Scene, attack: Attack) -> None:
    w = scene.world
    code = attack.make(scene)
    answer = w.client.post("/api/v1/verify", json={"code": code}).json()
    assert answer["verdict"] == attack.verdict, answer
    assert attack.reason in [r["code"] for r in answer["reasons"]], answer

    shown = answer["certificate"]
    if shown is not None:
        # Whatever the QR says, a certificate shown is the logged one, by number, hours, name and period.
        logged = w.app.repository.get(uuid.UUID(shown["id"]))
        assert (shown["number"], Decimal(shown["hours"]), shown["masked_name"]) == (
            logged.number, logged.hours, logged.masked_name)
        assert (shown["period_start"], shown["period_end"]) == (logged.period_start.isoformat(),
                                                                logged.period_end.isoformat())
    if not attack.on_page:
        return
    page = w.client.get(f"/V/{code_of(code)}")
    assert page.status_code == 200
    assert f'data-verdict="{attack.verdict}"' in page.text
    # the page must not say "valid" in any form for a bad code
    if attack.verdict not in ("valid", "valid_with_warnings"):
        assert 'data-verdict="valid' not in page.text


def test_a_valid_qr_on_another_paper_shows_the_claims_that_give_it_away(scene: Scene) -> None:
    """The paper claims the other volunteer's 2 hours; the QR's verdict shows 3.5 hours and another name."""
    w = scene.world
    paper = w.client.post("/api/v1/verify", json={"code": scene.other_certificate["qr_text"]}).json()["certificate"]
    glued = w.client.post("/api/v1/verify", json={"code": valid_qr_pasted_onto_another_paper(scene)}).json()
    assert glued["verdict"] == "valid"
    assert glued["certificate"]["number"] != paper["number"]
    assert glued["certificate"]["hours"] != paper["hours"]
    assert glued["certificate"]["masked_name"] != paper["masked_name"]


def test_the_matrix_covers_at_least_twelve_classes() -> None:
    assert len(ATTACKS) >= 12
    assert len({a.make for a in ATTACKS.values()}) == len(ATTACKS)
