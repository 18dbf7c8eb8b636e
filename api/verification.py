"""Certificate verification (DESIGN §6). Never raises on a bad certificate: returns a Verdict with reasons.

The steps are numbered as in the comments below; the first that decides, decides — except that the signing
key's lifecycle (step 9) adds its reasons to the later verdicts it does not decide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.certificate import Certificate
from domain.certificate_code import (
    MAX_CODE_CHARS,
    CertificateClaims,
    DecodedCode,
    MalformedCodeError,
    decode,
    from_text,
    signing_message,
    split_url,
)
from domain.key_status import KeyStanding, judge_key
from domain.verdicts import Verdict
from keys.errors import EventSignatureError
from keys.keyring import KeyInfo, Keyring

MAX_INPUT_CHARS = 4096  # anything longer is refused before parsing: a 100 kB "code" costs nothing


def parse_code(text: Any, public_url: str) -> DecodedCode | Verdict:
    """Steps 1-2: text → payload bytes → claims, or a ``malformed`` verdict saying why."""
    if not isinstance(text, str) or not text.strip():
        return Verdict("malformed", ("empty",))
    if len(text) > MAX_INPUT_CHARS:
        return Verdict("malformed", ("too_long",))
    try:
        return decode(from_text(split_url(text, public_url)))
    except MalformedCodeError as e:
        return Verdict("malformed", (e.code if e.code == "foreign_url" else "malformed",),
                       details={"message": e.message})


def signing_key_of(decoded: DecodedCode, keyring: Keyring) -> KeyInfo | None:
    """The registered key whose signature over the claims verifies (every key sharing the id is tried)."""
    return keyring.verify(signing_message(decoded.signed_part), decoded.claims.key_id, decoded.signature)


def claims_of(certificate: Certificate) -> CertificateClaims:
    return CertificateClaims(certificate_id=certificate.id, key_id=bytes.fromhex(certificate.key_id),
                             masked_name=certificate.masked_name, hours=certificate.hours,
                             period_start=certificate.period_start, period_end=certificate.period_end,
                             issue_date=certificate.issue_date)


@dataclass(frozen=True)
class LoggedCertificate:
    """What the log holds about a certificate: its aggregate and the current versions of its records."""

    certificate: Certificate
    organization_name: str | None
    record_versions: dict[str, int]
    log_index: int | None = None  # the issuance's leaf index in the transparency log
    notification_id: int | None = None  # and the id of its stored event


Lookup = Callable[[UUID], LoggedCertificate | None]


def public_view(logged: LoggedCertificate) -> dict[str, Any]:
    """Masked details a verifier may see: never a full name, ID number or phone."""
    c = logged.certificate
    return {"id": str(c.id), "number": c.number, "masked_name": c.masked_name, "hours": str(c.hours),
            "period_start": c.period_start.isoformat(), "period_end": c.period_end.isoformat(),
            "issue_date": c.issue_date.isoformat(), "organization": logged.organization_name,
            "organization_id": str(c.org_id), "key_id": c.key_id,
            "status": "revoked" if c.revoked else "issued"}


def verify_code(text: Any, *, public_url: str, keyring: Keyring, lookup: Lookup) -> Verdict:
    """Verify one certificate code against the keyring and the log."""
    # 1-2. Parse the URL or bare code into claims and signature.
    parsed = parse_code(text, public_url)
    if isinstance(parsed, Verdict):
        return parsed
    claims = parsed.claims
    # 3. Find the logged issuance. The log is read through the verifying mapper: a tampered issuance
    #    event raises instead of vouching for anything.
    try:
        logged = lookup(claims.certificate_id)
    except EventSignatureError:
        return Verdict("altered", ("logged_issuance_unverifiable",))
    shown = public_view(logged) if logged else None  # always the logged claims, never the QR's
    # 4. The key id must name a key this service registered.
    if not keyring.candidates(claims.key_id):
        return Verdict("forged", ("unknown_key",), certificate=shown)
    # 5. Its signature must verify over the exact bytes. The keyring first learns any rotation or revocation
    #    another process logged (one cheap query when there is none): a revoked key must not pass as active.
    keyring.refresh()
    key = signing_key_of(parsed, keyring)
    if key is None:
        if logged is not None:
            return Verdict("altered", ("signature_mismatch",), certificate=shown)
        return Verdict("forged", ("bad_signature", "not_in_log"))
    # 6. Only an organization's key issues certificates.
    if key.purpose != "organization":
        return Verdict("forged", ("key_not_for_organization",), certificate=shown)
    # 7. A well-signed certificate that was never issued through the log is a forgery by a key holder; when the
    #    key was compromised by its claimed issue date, say so too. That date is the signer's own word: on the day
    #    of the compromise it does not earn the benefit of the doubt an offline check of a logged one would.
    if logged is None:
        unlogged = standing_of(key, signed_at=None, issue_date=claims.issue_date)
        named = unlogged.reasons if unlogged.verdict == "forged" else ()
        if "key_compromised_same_day" in unlogged.reasons:
            named = ("key_compromised_before_issuance",)
        return Verdict("forged", ("signature_valid", "not_in_log", *named))
    # 8. The claims must be exactly the logged ones, by the key of the logged issuer (the certificate's org_id).
    cert = logged.certificate
    if claims != claims_of(cert) or key.owner != str(cert.org_id):
        return Verdict("altered", ("signature_valid", "claims_differ_from_log"), certificate=shown)
    # 9. The key's lifecycle at the logged instant of issuance (domain/key_status.py): signed after the key was
    #    compromised or retired is forged, even though the log holds it — whoever held the key could log it too.
    standing = standing_of(key, signed_at=cert.created_on, issue_date=cert.issue_date)
    if standing.verdict == "forged":
        return Verdict("forged", ("signature_valid", *standing.reasons), certificate=shown,
                       details=key_details(key))
    warned = standing.verdict == "valid_with_warnings"
    key_reasons = standing.reasons
    details = key_details(key)
    extra = {**details, "compromised_since": details["key"]["compromised_since"]} if warned else {}
    # 10. Revocation of the certificate wins over everything after it.
    if cert.revoked:
        return Verdict("revoked", ("revoked", *key_reasons), certificate=shown,
                       details={"revocation_reason": cert.revocation_reason, **extra})
    # 11. Records amended after issuance: still valid, but say which and link their history.
    amended = [r for r in cert.records if logged.record_versions.get(str(r["id"]), 0) > int(r["version"])]
    if amended:
        links = [{"record_id": str(r["id"]), "issued_version": int(r["version"]),
                  "current_version": logged.record_versions[str(r["id"])],
                  "history": f"/api/v1/records/{r['id']}/history"} for r in amended]
        return Verdict("valid_with_warnings", ("signature_valid", "in_log", "record_amended_after_issuance",
                                               *key_reasons), certificate=shown,
                       details={"amended_records": links, **extra})
    if warned:
        return Verdict("valid_with_warnings", ("signature_valid", "in_log", "claims_match_log", *key_reasons),
                       certificate=shown, details=extra)
    return Verdict("valid", ("signature_valid", "in_log", "claims_match_log", *key_reasons), certificate=shown)


def standing_of(key: KeyInfo, *, signed_at: dt.datetime | None, issue_date: dt.date) -> KeyStanding:
    """``judge_key`` on a keyring entry. Online the verdict is never ``unverifiable``: the log gives the instant
    (``signed_at``); without it (a certificate not in the log) only a definite ``forged`` is used."""
    return judge_key(key.status, retired_at=key.retired_at, compromised_since=key.compromised_since,
                     signed_at=signed_at, issue_date=issue_date)


def key_details(key: KeyInfo) -> dict[str, Any]:
    """What a verifier is told about the signing key when its lifecycle bears on the verdict."""
    return {"key": {"kid": key.kid, "status": key.status,
                    "retired_at": key.retired_at.isoformat() if key.retired_at else None,
                    "compromised_since": key.compromised_since.isoformat() if key.compromised_since else None}}


__all__ = ["MAX_CODE_CHARS", "LoggedCertificate", "key_details", "parse_code", "signing_key_of", "standing_of",
           "verify_code"]
