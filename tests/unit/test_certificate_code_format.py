"""The compact signed payload of a certificate's QR and its base32 text (domain/certificate_code.py)."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from uuid import UUID

import pytest

from domain.certificate_code import (
    DOMAIN,
    MAX_CODE_CHARS,
    CertificateClaims,
    MalformedCodeError,
    claims_bytes,
    decode,
    encode,
    from_text,
    signing_message,
    split_url,
    to_text,
)

CLAIMS = CertificateClaims(
    certificate_id=UUID("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"), key_id=bytes.fromhex("c74f20a3"),
    masked_name="欧**明", hours=Decimal("123.45"), period_start=dt.date(2025, 9, 1),
    period_end=dt.date(2026, 2, 28), issue_date=dt.date(2026, 3, 10))
SIGNATURE = bytes(range(64))
PAYLOAD = encode(CLAIMS, SIGNATURE)
PUBLIC_URL = "https://vl.example.cn"


def test_a_payload_decodes_to_the_claims_and_signature_it_was_encoded_from() -> None:
    decoded = decode(PAYLOAD)
    assert decoded.claims == CLAIMS
    assert decoded.signature == SIGNATURE
    assert decoded.signed_part == claims_bytes(CLAIMS)
    assert PAYLOAD == decoded.signed_part + decoded.signature


def test_the_text_form_round_trips_and_stays_in_the_qr_alphanumeric_alphabet() -> None:
    text = to_text(PAYLOAD)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    assert "=" not in text
    assert from_text(text) == PAYLOAD
    assert decode(from_text(text)).claims == CLAIMS


def test_lowercase_text_is_accepted() -> None:
    assert from_text(to_text(PAYLOAD).lower()) == PAYLOAD


def test_the_payload_carries_no_full_name() -> None:
    assert "欧阳小明".encode() not in PAYLOAD
    assert "欧**明".encode() in PAYLOAD


def test_the_signed_message_is_domain_separated() -> None:
    assert signing_message(claims_bytes(CLAIMS)) == DOMAIN + claims_bytes(CLAIMS)
    assert DOMAIN.startswith(b"vledger/certificate/")


def test_every_byte_level_truncation_is_malformed() -> None:
    for length in range(len(PAYLOAD)):
        with pytest.raises(MalformedCodeError):
            decode(PAYLOAD[:length])


def test_every_text_level_truncation_is_malformed() -> None:
    text = to_text(PAYLOAD)
    for length in range(len(text)):
        with pytest.raises(MalformedCodeError):
            decode(from_text(text[:length]))


def test_an_extra_byte_is_malformed() -> None:
    with pytest.raises(MalformedCodeError):
        decode(PAYLOAD + b"\x00")


@pytest.mark.parametrize("version", [0, 2, 255])
def test_an_unknown_format_version_is_malformed(version: int) -> None:
    with pytest.raises(MalformedCodeError) as caught:
        decode(bytes([version]) + PAYLOAD[1:])
    assert str(version) in str(caught.value)


def test_a_masked_name_that_is_not_utf8_is_malformed() -> None:
    claims = CertificateClaims(**{**CLAIMS.__dict__, "masked_name": "ab"})
    payload = bytearray(encode(claims, SIGNATURE))
    name_at = len(claims_bytes(claims)) - 2
    payload[name_at:name_at + 2] = b"\xff\xfe"
    with pytest.raises(MalformedCodeError):
        decode(bytes(payload))


@pytest.mark.parametrize("text", ["", "   ", "1890!", "A" * (MAX_CODE_CHARS + 1), "ABC"])
def test_text_that_is_not_a_code_is_malformed(text: str) -> None:
    with pytest.raises(MalformedCodeError):
        decode(from_text(text))


def test_a_signature_of_the_wrong_size_is_refused_on_encoding() -> None:
    with pytest.raises(MalformedCodeError):
        encode(CLAIMS, SIGNATURE[:63])


def test_an_overlong_masked_name_is_refused_on_encoding() -> None:
    with pytest.raises(MalformedCodeError):
        claims_bytes(CertificateClaims(**{**CLAIMS.__dict__, "masked_name": "名" * 14}))


def test_hours_keep_two_decimal_places() -> None:
    claims = CertificateClaims(**{**CLAIMS.__dict__, "hours": Decimal("0.01")})
    assert decode(encode(claims, SIGNATURE)).claims.hours == Decimal("0.01")


def test_the_payload_of_a_verification_url_is_split_off() -> None:
    code = to_text(PAYLOAD)
    assert split_url(f"{PUBLIC_URL.upper()}/V/{code}", PUBLIC_URL) == code


def test_a_lowercased_verification_url_is_accepted() -> None:
    code = to_text(PAYLOAD)
    url = f"{PUBLIC_URL}/v/{code}".lower()
    assert from_text(split_url(url, PUBLIC_URL)) == PAYLOAD


def test_a_bare_code_is_returned_as_it_is() -> None:
    code = to_text(PAYLOAD)
    assert split_url(f"  {code} ", PUBLIC_URL) == code


@pytest.mark.parametrize("url", ["HTTPS://EVIL.EXAMPLE/V/AAAA", "HTTP://VL.EXAMPLE.CN/V/AAAA",
                                 "HTTPS://VL.EXAMPLE.CN.EVIL.EXAMPLE/V/AAAA", "HTTPS://VL.EXAMPLE.CN/X/AAAA"])
def test_a_url_under_another_address_is_refused_as_foreign(url: str) -> None:
    with pytest.raises(MalformedCodeError) as caught:
        split_url(url, PUBLIC_URL)
    assert caught.value.code == "foreign_url"


def test_the_base32_text_is_standard_rfc4648() -> None:
    text = to_text(PAYLOAD)
    assert base64.b32decode(text + "=" * (-len(text) % 8)) == PAYLOAD
