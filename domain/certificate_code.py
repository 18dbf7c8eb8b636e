"""The compact signed payload a certificate's QR carries, and its text form.

Layout (big-endian), designed to fit a version-10 QR at level M behind a 30-character URL:
  version u8 | certificate id 16 | key id 4 | issue date u16 | period start u16 | period end u16 |
  centi-hours u32 | masked-name length u8 | masked name UTF-8 | Ed25519 signature 64
Dates are days since 2000-01-01. The signature covers DOMAIN ‖ everything before it, so a signature
made for another purpose (an event, a checkpoint) can never pass as a certificate's.
No ID number and no full name: the masked name is all a verifier needs to match the paper.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import struct
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from domain.errors import RuleViolationError, VledgerError

FORMAT_VERSION = 1
DOMAIN = b"vledger/certificate/v1\n"
EPOCH = dt.date(2000, 1, 1)
SIGNATURE_SIZE = 64
_HEAD = struct.Struct(">B16s4sHHHIB")
MAX_NAME_BYTES = 40
MAX_CODE_CHARS = 400  # longer text is refused before any decoding work


class MalformedCodeError(VledgerError):
    """The text is not a certificate code of a format this service knows."""

    code = "malformed"


@dataclass(frozen=True)
class CertificateClaims:
    """What a certificate asserts, as printed and as carried by its QR."""

    certificate_id: UUID
    key_id: bytes
    masked_name: str
    hours: Decimal
    period_start: dt.date
    period_end: dt.date
    issue_date: dt.date


def _days(day: dt.date) -> int:
    # A u16 of days since EPOCH: a date outside it is a request the payload cannot express, not a crash.
    days = (day - EPOCH).days
    if not 0 <= days <= 0xFFFF:
        raise RuleViolationError(f"a certificate can carry dates from {EPOCH} to {EPOCH + dt.timedelta(days=0xFFFF)}, "
                                 f"found {day}", code="date_out_of_range")
    return days


def claims_bytes(claims: CertificateClaims) -> bytes:
    """The signed part of the payload."""
    name = claims.masked_name.encode("utf-8")
    if len(name) > MAX_NAME_BYTES:
        raise MalformedCodeError(f"masked name longer than {MAX_NAME_BYTES} bytes")
    centi = int((claims.hours * 100).to_integral_value())
    return _HEAD.pack(FORMAT_VERSION, claims.certificate_id.bytes, claims.key_id, _days(claims.issue_date),
                      _days(claims.period_start), _days(claims.period_end), centi, len(name)) + name


def signing_message(signed_part: bytes) -> bytes:
    """Domain-separated bytes the issuing organization's key signs."""
    return DOMAIN + signed_part


@dataclass(frozen=True)
class DecodedCode:
    """A payload split into its claims, the exact signed bytes and the signature."""

    claims: CertificateClaims
    signed_part: bytes
    signature: bytes


def decode(payload: bytes) -> DecodedCode:
    """Parse payload bytes; any deviation from the layout is MalformedCodeError."""
    if len(payload) < _HEAD.size + SIGNATURE_SIZE:
        raise MalformedCodeError(f"payload has {len(payload)} bytes, fewer than the {_HEAD.size + SIGNATURE_SIZE} "
                                 "of the smallest certificate")
    version, cid, kid, issued, start, end, centi, name_len = _HEAD.unpack_from(payload)
    if version != FORMAT_VERSION:
        raise MalformedCodeError(f"format version {version} is unknown; expected {FORMAT_VERSION}")
    expected = _HEAD.size + name_len + SIGNATURE_SIZE
    if len(payload) != expected:
        raise MalformedCodeError(f"payload has {len(payload)} bytes; its header announces {expected}")
    name_end = _HEAD.size + name_len
    try:
        name = payload[_HEAD.size:name_end].decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedCodeError("the masked name is not UTF-8") from None
    claims = CertificateClaims(
        certificate_id=UUID(bytes=cid), key_id=kid, masked_name=name, hours=Decimal(centi) / 100,
        period_start=EPOCH + dt.timedelta(days=start), period_end=EPOCH + dt.timedelta(days=end),
        issue_date=EPOCH + dt.timedelta(days=issued),
    )
    return DecodedCode(claims=claims, signed_part=payload[:name_end], signature=payload[name_end:])


def encode(claims: CertificateClaims, signature: bytes) -> bytes:
    """Payload bytes: the signed part followed by the signature."""
    if len(signature) != SIGNATURE_SIZE:
        raise MalformedCodeError(f"an Ed25519 signature has {SIGNATURE_SIZE} bytes, found {len(signature)}")
    return claims_bytes(claims) + signature


def to_text(payload: bytes) -> str:
    """RFC 4648 base32 without padding: uppercase A-Z2-7 stays in the QR alphanumeric mode."""
    return base64.b32encode(payload).decode("ascii").rstrip("=")


def from_text(text: str) -> bytes:
    """Inverse of :func:`to_text`; accepts lowercase (some cameras lowercase URLs)."""
    if len(text) > MAX_CODE_CHARS:
        raise MalformedCodeError(f"a certificate code has at most {MAX_CODE_CHARS} characters, found {len(text)}")
    cleaned = text.strip().upper()
    if not cleaned:
        raise MalformedCodeError("the code is empty")
    padded = cleaned + "=" * (-len(cleaned) % 8)
    try:
        return base64.b32decode(padded)
    except (binascii.Error, ValueError):
        raise MalformedCodeError("the code is not base32 (letters A-Z and digits 2-7)") from None


def split_url(text: str, public_url: str) -> str:
    """Return the payload part of ``{PUBLIC_URL}/V/{BASE32}`` or of a bare code.

    A URL under another host is refused: a QR that sends the reader elsewhere is not ours to vouch for.
    """
    stripped = text.strip()
    if "/" not in stripped:
        return stripped
    prefix = public_url.rstrip("/").upper() + "/V/"
    if not stripped.upper().startswith(prefix):
        raise MalformedCodeError("the code's URL does not start with this service's verification address",
                                 code="foreign_url")
    return stripped[len(prefix):]
