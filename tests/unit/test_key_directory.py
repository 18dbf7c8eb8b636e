"""The signed key directory (keys/directory.py) and offline verification over it (api/offline.py): in memory, no
database, no network.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
from decimal import Decimal
from uuid import UUID

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.offline import verify_offline
from domain.base import REGISTRY
from domain.certificate_code import CertificateClaims, claims_bytes, encode, signing_message, to_text
from keys.directory import (
    FORMAT,
    KeyDirectoryError,
    KeyDirectoryFormatError,
    KeyDirectoryUntrustedError,
    NoteSigner,
    build_directory,
    parse_directory,
)
from keys.ids import key_id
from keys.keyring import KeyInfo
from keys.notes import Verifier, parse_note, signature_line, signed_note
from tests.unit.test_signing_mapper import COLLIDING_A, COLLIDING_B

ORIGIN = "vl.example.cn/vledger"
PUBLIC_URL = "https://vl.example.cn"
ORG = UUID("3f2a9c1e-0000-4000-8000-000000000001")
VALID_FROM = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ISSUED = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.UTC)
LIFETIME = dt.timedelta(days=7)
CHINA = dt.timezone(dt.timedelta(hours=8))
ISSUE_DATE = dt.date(2026, 3, 5)


def private_from(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())


def raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def signer_of(name: str, seed: bytes) -> NoteSigner:
    private = private_from(seed)
    return NoteSigner(name, raw_public(private), private.sign)


def info_of(name: str, seed: bytes, owner: str, purpose: str, **lifecycle: object) -> KeyInfo:
    public = raw_public(private_from(seed))
    return KeyInfo(key_id=key_id(name, public), name=name, public_key=public, owner=owner, purpose=purpose,
                   valid_from=VALID_FROM, **lifecycle)  # type: ignore[arg-type]


ROOT = signer_of(f"{ORIGIN}/root", b"root seed")
OTHER_ROOT = signer_of(f"{ORIGIN}/root", b"another root seed")  # same name, another key: an impostor
ROOT_INFO = info_of(ROOT.name, b"root seed", REGISTRY, "root")
LOG_INFO = info_of(ORIGIN, b"log seed", "log", "log")
ORG_SEED = b"organization seed"
ORG_INFO = info_of(f"{ORIGIN}/org/{ORG}", ORG_SEED, str(ORG), "organization")
KEYS = (ROOT_INFO, LOG_INFO, ORG_INFO)


def directory(keys: tuple[KeyInfo, ...] = KEYS, *, signer: NoteSigner = ROOT, issued_at: dt.datetime = ISSUED,
              lifetime: dt.timedelta = LIFETIME, public_url: str | None = PUBLIC_URL) -> str:
    return build_directory(keys, root_signer=signer, issued_at=issued_at, lifetime=lifetime, origin=ORIGIN,
                           public_url=public_url)


def signed_by_root(text: str, signer: NoteSigner = ROOT) -> str:
    """Any text as a note signed by the root key: to reach the checks that come after the signature."""
    return signed_note(text, [signature_line(signer.name, signer.key_id, signer.sign(text.encode()))])


def certificate(seed: bytes = ORG_SEED, kid: bytes = ORG_INFO.key_id, *, issue_date: dt.date = ISSUE_DATE,
                hours: str = "3.5") -> str:
    """A certificate code signed by the key made from ``seed``."""
    claims = CertificateClaims(certificate_id=UUID("00000000-0000-4000-8000-00000000c0de"), key_id=kid,
                               masked_name="张*明", hours=Decimal(hours), period_start=dt.date(2026, 3, 1),
                               period_end=dt.date(2026, 3, 1), issue_date=issue_date)
    signature = private_from(seed).sign(signing_message(claims_bytes(claims)))
    return to_text(encode(claims, signature))


def reasons(verdict: object) -> tuple[str, ...]:
    return verdict.reasons  # type: ignore[attr-defined, no-any-return]


# -- the format ------------------------------------------------------------------------------------------------


def test_a_directory_is_a_c2sp_signed_note_naming_its_format_origin_lifetime_and_root() -> None:
    text = directory()
    note = parse_note(text)
    lines = note.text.splitlines()
    assert lines[:6] == [FORMAT, f"origin {ORIGIN}", f"public-url {PUBLIC_URL}", "issued 2026-03-10T04:00:00Z",
                         "expires 2026-03-17T04:00:00Z", f"root {ROOT.verifier_key}"]
    assert len([line for line in lines if line.startswith("key ")]) == 3
    assert ROOT.verifier.verifies(note)  # any C2SP verifier with the root key accepts it
    assert note.signatures[0].name == ROOT.name and note.signatures[0].key_id == ROOT.key_id


def test_the_directory_round_trips_every_key_and_its_header() -> None:
    parsed = parse_directory(directory(), ROOT.verifier)
    assert parsed.keys == KEYS
    assert (parsed.origin, parsed.public_url, parsed.root) == (ORIGIN, PUBLIC_URL, ROOT.verifier_key)
    assert parsed.issued_at == ISSUED and parsed.expires_at == ISSUED + LIFETIME


def test_a_directory_without_a_public_url_says_so_with_a_dash() -> None:
    text = directory(public_url=None)
    assert "\npublic-url -\n" in text
    assert parse_directory(text, ROOT.verifier).public_url is None


def test_statuses_and_their_instants_are_carried() -> None:
    retired = info_of(f"{ORIGIN}/org/old", b"retired seed", str(ORG), "organization", status="retired",
                      retired_at=dt.datetime(2026, 2, 1, 8, 30, 15, 123456, tzinfo=dt.UTC))
    revoked = info_of(f"{ORIGIN}/org/leaked", b"revoked seed", str(ORG), "organization", status="revoked",
                      retired_at=dt.datetime(2026, 2, 2, tzinfo=dt.UTC),
                      compromised_since=dt.datetime(2026, 1, 20, 9, 0, tzinfo=CHINA))
    parsed = parse_directory(directory((*KEYS, retired, revoked)), ROOT.verifier)
    by_name = {k.name: k for k in parsed.keys}
    assert by_name[retired.name].status == "retired"
    assert by_name[retired.name].retired_at == retired.retired_at
    assert by_name[retired.name].compromised_since is None
    assert by_name[revoked.name].status == "revoked"
    assert by_name[revoked.name].compromised_since == revoked.compromised_since
    assert by_name[revoked.name].retired_at == revoked.retired_at
    assert by_name[ORG_INFO.name].status == "active" and by_name[ORG_INFO.name].retired_at is None


@pytest.mark.parametrize("lifecycle", [
    {"status": "revoked"},  # revoked without a compromise instant would look harmless offline
    {"status": "retired"},
    {"status": "active", "compromised_since": VALID_FROM},
    {"status": "active", "retired_at": VALID_FROM},
    {"status": "lost"},
])
def test_a_half_stated_lifecycle_is_refused_when_building(lifecycle: dict[str, object]) -> None:
    broken = info_of(f"{ORIGIN}/org/x", b"x seed", str(ORG), "organization", **lifecycle)
    with pytest.raises(KeyDirectoryError):
        directory((*KEYS, broken))


@pytest.mark.parametrize("lifetime", [dt.timedelta(0), dt.timedelta(days=-1), dt.timedelta(days=400)])
def test_a_lifetime_must_be_positive_and_bounded(lifetime: dt.timedelta) -> None:
    with pytest.raises(KeyDirectoryError):
        directory(lifetime=lifetime)


# -- trust ------------------------------------------------------------------------------------------------------


def test_a_directory_signed_by_another_key_is_untrusted_even_when_it_names_that_key_as_root() -> None:
    impostor = directory(signer=OTHER_ROOT)
    assert f"root {OTHER_ROOT.verifier_key}" in impostor  # the file vouches for itself …
    with pytest.raises(KeyDirectoryUntrustedError):
        parse_directory(impostor, ROOT.verifier)  # … which counts for nothing


def test_a_directory_signed_by_the_root_but_naming_another_root_is_untrusted() -> None:
    text = parse_note(directory()).text.replace(ROOT.verifier_key, OTHER_ROOT.verifier_key)
    with pytest.raises(KeyDirectoryUntrustedError):
        parse_directory(signed_by_root(text), ROOT.verifier)


def test_an_unsigned_directory_is_refused() -> None:
    text = parse_note(directory()).text
    with pytest.raises(KeyDirectoryError):
        parse_directory(text, ROOT.verifier)


def test_every_single_flipped_bit_is_rejected() -> None:
    data = directory().encode("utf-8")
    checked = 0
    for position in range(len(data)):
        flipped = bytearray(data)
        flipped[position] ^= 0x01
        with pytest.raises(KeyDirectoryError):
            parse_directory(flipped.decode("utf-8", errors="replace"), ROOT.verifier)
        checked += 1
    assert checked == len(data) > 500


def test_a_changed_status_is_rejected() -> None:
    forged = directory().replace(" active ", " revoked ", 1)
    assert forged != directory()
    with pytest.raises(KeyDirectoryUntrustedError):
        parse_directory(forged, ROOT.verifier)


# -- format errors behind a good signature ----------------------------------------------------------------------


def body_with(line_no: int, replacement: str) -> str:
    lines = parse_note(directory()).text.splitlines()
    lines[line_no - 1] = replacement
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("line_no", "replacement", "message"), [
    (1, "vledger-key-directory v2", "line 1"),
    (2, f"origin: {ORIGIN}", "line 2"),
    (4, "issued yesterday", "line 4"),
    (5, "expires 2026-03-17T04:00:00", "time zone"),
    (5, "expires 2026-03-09T04:00:00Z", "expires before"),
    (7, f"key {'0' * 8} {ROOT.name} root registry {base64.b64encode(ROOT.public_key).decode()} active "
        "2026-01-01T00:00:00Z - -", "does not match"),
    (7, f"key {ROOT_INFO.kid} {ROOT.name} root registry notbase64! active 2026-01-01T00:00:00Z - -", "base64"),
    (7, f"key {ROOT_INFO.kid} {ROOT.name} root registry", "9 fields"),
    (7, f"key {ROOT_INFO.kid}  {ROOT.name} root registry {base64.b64encode(ROOT.public_key).decode()} active "
        "2026-01-01T00:00:00Z - -", "9 fields"),
    (7, f"key {ROOT_INFO.kid} {ROOT.name} root registry {base64.b64encode(ROOT.public_key).decode()} revoked "
        "2026-01-01T00:00:00Z - -", "compromised"),
])
def test_a_bad_line_is_named(line_no: int, replacement: str, message: str) -> None:
    with pytest.raises(KeyDirectoryFormatError) as caught:
        parse_directory(signed_by_root(body_with(line_no, replacement)), ROOT.verifier)
    assert message in caught.value.message


def test_a_directory_without_keys_is_refused() -> None:
    text = "\n".join(parse_note(directory()).text.splitlines()[:6]) + "\n"
    with pytest.raises(KeyDirectoryFormatError):
        parse_directory(signed_by_root(text), ROOT.verifier)


def test_a_key_listed_twice_is_refused() -> None:
    text = parse_note(directory()).text
    duplicated = text + text.splitlines()[-1] + "\n"
    with pytest.raises(KeyDirectoryFormatError):
        parse_directory(signed_by_root(duplicated), ROOT.verifier)


# -- offline verification over the directory --------------------------------------------------------------------

NOW = ISSUED + dt.timedelta(days=1)


def check(code: str, directory_text: str | None = None, *, now: dt.datetime = NOW,
          trusted: Verifier | None = ROOT.verifier) -> object:
    return verify_offline(code, directory() if directory_text is None else directory_text, trusted_root=trusted,
                          now=now)


def test_a_good_certificate_is_valid_offline_with_its_own_claims_marked_as_such() -> None:
    verdict = check(certificate())
    assert verdict.verdict == "valid"  # type: ignore[attr-defined]
    assert reasons(verdict) == ("signature_valid", "checked_offline", "claims_not_checked_offline")
    shown = verdict.certificate  # type: ignore[attr-defined]
    assert shown["source"] == "certificate_claims" and shown["hours"] == "3.5"
    assert shown["organization_id"] == str(ORG) and shown["masked_name"] == "张*明"


def test_a_directory_past_its_lifetime_gives_unverifiable_never_forged() -> None:
    expires = ISSUED + LIFETIME
    assert check(certificate(), now=expires - dt.timedelta(seconds=1)).verdict == "valid"  # type: ignore[attr-defined]
    stale = check(certificate(), now=expires)
    assert (stale.verdict, reasons(stale)) == ("unverifiable", ("key_directory_stale",))  # type: ignore[attr-defined]


def test_a_key_missing_from_the_directory_gives_unverifiable() -> None:
    verdict = check(certificate(), directory((ROOT_INFO, LOG_INFO)))
    assert (verdict.verdict, reasons(verdict)) == ("unverifiable", ("key_not_in_directory",))  # type: ignore[attr-defined]


@pytest.mark.parametrize(("directory_text", "trusted", "reason"), [
    ("", ROOT.verifier, "key_directory_missing"),
    (None, None, "no_trust_anchor"),
    (directory(signer=OTHER_ROOT), ROOT.verifier, "key_directory_untrusted"),
    ("not a note at all", ROOT.verifier, "key_directory_malformed"),
])
def test_without_a_trusted_directory_the_verdict_is_unverifiable(directory_text: str | None,
                                                                 trusted: Verifier | None, reason: str) -> None:
    text = directory() if directory_text is None else directory_text
    verdict = verify_offline(certificate(), text, trusted_root=trusted, now=NOW)
    assert (verdict.verdict, verdict.reasons) == ("unverifiable", (reason,))


def test_a_malformed_code_stays_malformed_whatever_the_directory() -> None:
    assert verify_offline("NOT-A-CODE!", None, trusted_root=None, now=NOW).verdict == "malformed"
    assert verify_offline(certificate()[:-10], directory(), trusted_root=ROOT.verifier, now=NOW).verdict == "malformed"


def test_changed_hours_are_altered() -> None:
    good = certificate()
    other = certificate(hours="35")
    # Splice the other claims with the good signature: the bytes signed no longer match.
    raw_good = base64.b32decode(good + "=" * (-len(good) % 8))
    raw_other = base64.b32decode(other + "=" * (-len(other) % 8))
    spliced = to_text(raw_other[:-64] + raw_good[-64:])
    verdict = check(spliced)
    assert (verdict.verdict, reasons(verdict)) == ("altered", ("signature_mismatch",))  # type: ignore[attr-defined]


def test_a_certificate_signed_by_a_non_organization_key_is_forged() -> None:
    verdict = check(certificate(seed=b"log seed", kid=LOG_INFO.key_id))
    assert (verdict.verdict, reasons(verdict)) == ("forged", ("key_not_for_organization",))  # type: ignore[attr-defined]


def test_a_url_under_the_directorys_own_address_is_accepted_and_a_foreign_host_is_not() -> None:
    code = certificate()
    assert check(f"{PUBLIC_URL.upper()}/V/{code}").verdict == "valid"  # type: ignore[attr-defined]
    foreign = check(f"HTTPS://EVIL.EXAMPLE/V/{code}")
    assert (foreign.verdict, reasons(foreign)) == ("malformed", ("foreign_url",))  # type: ignore[attr-defined]
    # Without a known address the host cannot be judged, and the signature still decides.
    anywhere = check(f"HTTPS://EVIL.EXAMPLE/V/{code}", directory(public_url=None))
    assert anywhere.verdict == "valid"  # type: ignore[attr-defined]


def test_two_keys_sharing_a_key_id_are_both_listed_and_both_tried() -> None:
    a = info_of(*COLLIDING_A, str(ORG), "organization")
    b = info_of(COLLIDING_B[0], COLLIDING_B[1], "00000000-0000-4000-8000-0000000000bb", "organization")
    assert a.key_id == b.key_id and a.public_key != b.public_key
    for order in ((a, b), (b, a)):
        text = directory((ROOT_INFO, *order))
        assert len(parse_directory(text, ROOT.verifier).candidates(a.key_id)) == 2
        for seed, owner in ((COLLIDING_A[1], a.owner), (COLLIDING_B[1], b.owner)):
            verdict = check(certificate(seed=seed, kid=a.key_id), text)
            assert verdict.verdict == "valid"  # type: ignore[attr-defined]
            assert verdict.certificate["organization_id"] == owner  # type: ignore[attr-defined]
        stranger = check(certificate(seed=b"a stranger", kid=a.key_id), text)
        assert stranger.verdict == "altered"  # type: ignore[attr-defined]


def at_china_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=CHINA)


@pytest.mark.parametrize(("compromised_since", "verdict", "reason"), [
    (at_china_noon(ISSUE_DATE + dt.timedelta(days=1)), "valid_with_warnings", "key_compromised_after_issuance"),
    (at_china_noon(ISSUE_DATE - dt.timedelta(days=1)), "forged", "key_compromised_before_issuance"),
    (at_china_noon(ISSUE_DATE), "unverifiable", "key_compromised_same_day"),
    # 23:30 UTC the day before is already the issue day in China: the day cannot tell.
    (dt.datetime.combine(ISSUE_DATE - dt.timedelta(days=1), dt.time(23, 30), tzinfo=dt.UTC), "unverifiable",
     "key_compromised_same_day"),
])
def test_a_revoked_key_is_judged_on_the_issue_date(compromised_since: dt.datetime, verdict: str,
                                                   reason: str) -> None:
    revoked = dataclasses.replace(ORG_INFO, status="revoked", compromised_since=compromised_since)
    result = check(certificate(), directory((ROOT_INFO, LOG_INFO, revoked)))
    assert result.verdict == verdict  # type: ignore[attr-defined]
    assert reason in reasons(result)
    assert (result.certificate is not None) == (verdict == "valid_with_warnings")  # type: ignore[attr-defined]


def test_a_retired_key_still_vouches_for_what_it_signed_before_retirement() -> None:
    retired = dataclasses.replace(ORG_INFO, status="retired", retired_at=at_china_noon(ISSUE_DATE + dt.timedelta(1)))
    before = check(certificate(), directory((ROOT_INFO, retired)))
    assert before.verdict == "valid" and "key_retired" in reasons(before)  # type: ignore[attr-defined]
    late = dataclasses.replace(retired, retired_at=at_china_noon(ISSUE_DATE - dt.timedelta(1)))
    after = check(certificate(), directory((ROOT_INFO, late)))
    assert (after.verdict, reasons(after)) == ("forged", ("signed_after_key_retired",))  # type: ignore[attr-defined]
