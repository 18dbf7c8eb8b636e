"""The key lifecycle across processes, and what `vledger audit` says about it — on SQLite and on PostgreSQL.

A CLI or a second server may rotate or revoke a key while a server runs. The server must learn of it before it
signs anything with that organization's key again: a certificate signed by a retired key would verify as forged,
an event signed by one is tampering to the audit. Two application instances over one store stand for the two
processes.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from uuid import UUID

import pytest

from api.application import VledgerApplication
from api.audit import audit, format_report
from api.settings import Settings
from domain.certificate_code import decode, from_text
from domain.signing_key import SigningKey, signing_key_id
from keys.errors import EventSignatureError
from keys.mapper import unseal

from .support import REGISTRY, World, all_notifications


def kid_of(certificate: dict[str, str]) -> str:
    return decode(from_text(certificate["qr_text"].rsplit("/V/", 1)[1])).claims.key_id.hex()


@pytest.fixture
def world(world: World) -> World:
    """The two organizations of the integration world, a's volunteer with 4 hours to certify."""
    world.app.record_service(world.a.principal, world.a.activity_id, volunteer_id=world.a.volunteer_id, hours="4")
    return world


def test_a_server_signs_with_the_key_another_process_rotated_to(
        world: World, open_app: Callable[[], VledgerApplication]) -> None:
    first, a = world.app, world.a
    second = open_app()
    before = second.issue_certificate(a.principal, a.volunteer_id)  # the second process has the old key in hand
    rotated = first.rotate_key(REGISTRY, a.id)
    new_kid = rotated["key"]["kid"]
    assert rotated["retired"]["kid"] == kid_of(before)
    after = second.issue_certificate(a.principal, a.volunteer_id)
    assert kid_of(after) == new_kid
    # and the event it logged is signed by the new key too
    last = all_notifications(second)[-1]
    sealed = unseal(last.state)
    assert sealed is not None and sealed.key_id.hex() == new_kid
    for app in (first, second):
        assert app.verify(after["qr_text"]).verdict == "valid"
        assert app.verify(before["qr_text"]).reasons[-1] == "key_retired"
        assert app.verify(before["qr_text"]).verdict == "valid"


def test_a_server_sees_a_revocation_another_process_made(
        world: World, open_app: Callable[[], VledgerApplication]) -> None:
    first, a = world.app, world.a
    second = open_app()
    certificate = second.issue_certificate(a.principal, a.volunteer_id)
    assert second.verify(certificate["qr_text"]).verdict == "valid"
    first.revoke_key(REGISTRY, kid_of(certificate), compromised_since=first.clock() - dt.timedelta(days=1),
                     reason="备份介质遗失")
    verdict = second.verify(certificate["qr_text"])
    assert (verdict.verdict, verdict.reasons) == ("forged", ("signature_valid", "key_compromised_before_issuance"))
    # the revocation replaced the key: the second process signs with the replacement
    replacement = second.issue_certificate(a.principal, a.volunteer_id)
    assert kid_of(replacement) != kid_of(certificate)
    assert first.verify(replacement["qr_text"]).verdict == "valid"


def test_without_looking_a_server_would_sign_with_a_retired_key_and_the_audit_says_so(
        world: World, settings: Settings, open_app: Callable[[], VledgerApplication]) -> None:
    """What the signer's look prevents: a keyring that never reloads (a server of old) keeps signing with the
    retired key. Its certificate verifies as forged, and its events are tampering to the audit."""
    first, a = world.app, world.a
    stale = open_app()
    stale.issue_certificate(a.principal, a.volunteer_id)
    stale.keyring.reload = None
    first.rotate_key(REGISTRY, a.id)
    assert audit(settings).intact
    certificate = stale.issue_certificate(a.principal, a.volunteer_id)
    verdict = first.verify(certificate["qr_text"])
    assert (verdict.verdict, verdict.reasons) == ("forged", ("signature_valid", "signed_after_key_retired"))
    report = audit(settings)
    assert not report.intact
    assert [p.reason for p in report.problems] == ["signed_after_key_retired"]
    assert report.problems[0].originator_id == certificate["id"]


def test_the_audit_accepts_the_lifecycle_and_names_what_a_revoked_key_signed_after_its_compromise(
        world: World, settings: Settings) -> None:
    app, a = world.app, world.a
    early = app.issue_certificate(a.principal, a.volunteer_id)
    app.rotate_key(a.principal, a.id)
    clean = audit(settings)
    assert clean.intact and clean.findings == []
    late = app.issue_certificate(a.principal, a.volunteer_id)
    compromised_since = app.repository.get(UUID(late["id"])).created_on
    app.revoke_key(REGISTRY, kid_of(late), compromised_since=compromised_since, reason="服务器被入侵")
    report = audit(settings)
    assert report.intact, report.problems
    named = {(f.reason, f.originator_id) for f in report.findings}
    # the late certificate: its code and its issuance event were signed by the key from the compromise on
    assert ("certificate_signed_after_key_compromise", late["id"]) in named
    assert ("signed_after_key_compromise", late["id"]) in named
    assert all(f.originator_id != early["id"] for f in report.findings)
    assert "finding(s) about revoked keys" in format_report(report, "instance")
    assert report.as_dict()["findings"] and report.as_dict()["intact"] is True
    assert app.verify(early["qr_text"]).verdict == "valid"
    assert app.verify(late["qr_text"]).verdict == "forged"


def test_only_the_registry_key_retires_keys_in_the_log(world: World, settings: Settings) -> None:
    """A KeyRetired made for an organization (and so signed by its own key) is refused by the readers and is
    tampering to the audit: an organization cannot retire a rival's key by writing into the log."""
    app, a, b = world.app, world.a, world.b
    victim = app.keyring.current(str(b.id))
    forged = SigningKey.KeyRetired(
        originator_id=signing_key_id(victim.kid, base64.b64encode(victim.public_key).decode()), originator_version=2,
        timestamp=app.clock(), actor=f"organization:{a.id}", authority=str(a.id), key_id=victim.kid,
        public_key=base64.b64encode(victim.public_key).decode(), retired_at=app.clock(), reason=None)
    app.recorder.insert_events([app.mapper.to_stored_event(forged)])
    report = audit(settings)
    assert [p.reason for p in report.problems] == ["authority_mismatch"]
    # A reader of the log refuses the event outright (as it refuses a key registration not made for the registry).
    with pytest.raises(EventSignatureError) as refused:
        VledgerApplication(settings).close()
    assert refused.value.reason == "key_not_registered_by_registry"
    assert app.keyring.current(str(b.id)).status == "active"
