"""Offline verification (DESIGN §6, issue 5 item 6): a certificate code checked against a signed key directory
(keys/directory.py) with no database and no network — an employer on a train scanning a certificate.

What offline can know: that the signature verifies with a key the registry's root key vouched for, and that key's
lifecycle as of the directory's issue. What it cannot know: the log. The claims shown are the certificate's own,
and a revocation of the certificate itself is invisible; the reasons say so. Where the directory cannot answer
(missing, untrusted, stale, without the key) the verdict is ``unverifiable`` — never ``forged`` on a guess.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.instance import Instance
from api.verification import MAX_INPUT_CHARS, parse_code, standing_of
from domain.certificate_code import CertificateClaims, DecodedCode, MalformedCodeError, signing_message, split_url
from domain.verdicts import Verdict
from keys.directory import (
    DEFAULT_LIFETIME,
    KeyDirectory,
    KeyDirectoryError,
    KeyDirectoryUntrustedError,
    build_directory,
    parse_directory,
    signer_from_store,
)
from keys.keyring import KeyInfo
from keys.notes import Verifier

if TYPE_CHECKING:
    from api.core import VledgerCore

OFFLINE_NOTICE = ("checked_offline", "claims_not_checked_offline")


def _parse(text: Any, public_url: str | None) -> DecodedCode | Verdict:
    """Steps 1-2 of online verification. Without a known public URL any ``…/V/<code>`` URL yields its code: the
    host is checked later, once the trusted directory has said which address is the service's."""
    if public_url is not None or not isinstance(text, str) or "/" not in text or len(text) > MAX_INPUT_CHARS:
        return parse_code(text, public_url or "")
    stripped = text.strip()
    at = stripped.upper().rfind("/V/")
    if at < 0:
        return Verdict("malformed", ("malformed",), details={"message": "a certificate URL ends in /V/<code>"})
    return parse_code(stripped[at + 3:], "")


def _foreign_host(text: Any, public_url: str) -> Verdict | None:
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        split_url(text, public_url)
    except MalformedCodeError as e:
        return Verdict("malformed", (e.code,), details={"message": e.message})
    return None


def claims_view(claims: CertificateClaims, key: KeyInfo) -> dict[str, Any]:
    """The certificate's own claims (masked as printed), marked as such: offline they are not the log's."""
    return {"id": str(claims.certificate_id), "masked_name": claims.masked_name, "hours": str(claims.hours),
            "period_start": claims.period_start.isoformat(), "period_end": claims.period_end.isoformat(),
            "issue_date": claims.issue_date.isoformat(), "organization_id": key.owner, "key_id": claims.key_id.hex(),
            "source": "certificate_claims"}


def directory_details(directory: KeyDirectory) -> dict[str, Any]:
    return {"offline": True, "key_directory": {"origin": directory.origin,
                                               "issued_at": directory.issued_at.isoformat(),
                                               "expires_at": directory.expires_at.isoformat()}}


def verify_offline(text: Any, directory_text: str | None, *, trusted_root: Verifier | None, now: dt.datetime,
                   public_url: str | None = None) -> Verdict:
    """Verify one certificate code with a signed key directory only. Never raises on a bad code or directory."""
    # 1-2. Parse the URL or bare code: what is malformed stays malformed, whatever the directory.
    parsed = _parse(text, public_url)
    if isinstance(parsed, Verdict):
        return parsed
    claims = parsed.claims
    offline = {"offline": True}
    # 3. A directory, and a root key to check it with, that the verifier already holds.
    if not directory_text:
        return Verdict("unverifiable", ("key_directory_missing",), details=offline)
    if trusted_root is None:
        return Verdict("unverifiable", ("no_trust_anchor",), details=offline)
    # 4. Signed by that root key, and in the directory format.
    try:
        directory = parse_directory(directory_text, trusted_root)
    except KeyDirectoryUntrustedError as e:
        return Verdict("unverifiable", ("key_directory_untrusted",), details={**offline, "message": e.message})
    except (KeyDirectoryError, UnicodeError) as e:
        message = e.message if isinstance(e, KeyDirectoryError) else "the key directory is not UTF-8 text"
        return Verdict("unverifiable", ("key_directory_malformed",), details={**offline, "message": message})
    details = directory_details(directory)
    # 5. Within its lifetime: an old directory may predate a revocation, so it cannot vouch for anything.
    if directory.is_stale(now):
        return Verdict("unverifiable", ("key_directory_stale",), details=details)
    # 6. A URL must point at the service the directory speaks for (when its address is known at all).
    address = public_url or directory.public_url
    if address is not None and public_url is None:
        foreign = _foreign_host(text, address)
        if foreign is not None:
            return foreign
    # 7. The key id must be listed; a key the directory does not know is not thereby a forgery.
    candidates = directory.candidates(claims.key_id)
    if not candidates:
        return Verdict("unverifiable", ("key_not_in_directory",), details=details)
    # 8. Every listed key sharing the id is tried; none verifying means the signed bytes were changed. (A key newer
    #    than the directory that happens to share the 4-byte id is a 1-in-2^32 chance, and the verdict can only be
    #    a refusal either way: it never lets anything pass as valid.)
    key = directory.verify(signing_message(parsed.signed_part), claims.key_id, parsed.signature)
    if key is None:
        return Verdict("altered", ("signature_mismatch",), details=details)
    # 9. Only an organization's key issues certificates.
    if key.purpose != "organization":
        return Verdict("forged", ("key_not_for_organization",), details=details)
    shown = claims_view(claims, key)
    # 10. The key's lifecycle, judged on the certificate's issue date (offline knows no logged instant).
    standing = standing_of(key, signed_at=None, issue_date=claims.issue_date)
    if standing.verdict in ("forged", "unverifiable"):
        return Verdict(standing.verdict, standing.reasons, details=details)
    verdict = standing.verdict or "valid"
    return Verdict(verdict, ("signature_valid", *standing.reasons, *OFFLINE_NOTICE), certificate=shown,
                   details=details)


# -- the trust anchor and the directory of a local instance -------------------------------------------------------


def root_verifier_of(data_dir: Path) -> Verifier | None:
    """The root key of the instance in ``data_dir`` as a note verifier, or None when there is no instance."""
    if not Instance.exists(data_dir):
        return None
    root = Instance.load(data_dir).root_key
    return Verifier(root.name, root.key_id, root.public_key)


def key_directory_note(app: VledgerCore, *, lifetime: dt.timedelta = DEFAULT_LIFETIME) -> str:
    """A freshly issued key directory of this instance: every registered key, signed by the root key."""
    app.keyring.refresh()  # keys registered, retired or revoked by another process since this one loaded
    root = app.instance.root_key
    return build_directory(app.keyring.all(), root_signer=signer_from_store(app.key_store, root.name, root.public_key),
                           issued_at=app.clock(), lifetime=lifetime, origin=app.instance.origin,
                           public_url=app.settings.public_url)
