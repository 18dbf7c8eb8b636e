"""The one function that builds the bytes an event signature covers (keys/canonical.py)."""

from __future__ import annotations

import hashlib
from uuid import UUID

import pytest

from keys.canonical import EVENT_DOMAIN, event_signing_bytes, state_hash

OID = UUID("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")
TOPIC = "domain.record:ServiceRecord.Recorded"
STATE = hashlib.sha256(b'{"hours":"6"}').digest()
KID = bytes.fromhex("c74f20a3")
BASE = {"originator_id": OID, "originator_version": 1, "topic": TOPIC, "state_sha256": STATE, "key_id": KID}


def build(**changes: object) -> bytes:
    return event_signing_bytes(**{**BASE, **changes})  # type: ignore[arg-type]


def test_the_same_inputs_give_the_same_bytes() -> None:
    assert build() == build()
    assert build().startswith(EVENT_DOMAIN)


@pytest.mark.parametrize(("field", "other"), [
    ("originator_id", UUID("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f1")),
    ("originator_version", 2),
    ("topic", "domain.record:ServiceRecord.Amended"),
    ("state_sha256", hashlib.sha256(b'{"hours":"7"}').digest()),
    ("key_id", bytes.fromhex("c74f20a4")),
])
def test_changing_any_bound_field_changes_the_bytes(field: str, other: object) -> None:
    assert build(**{field: other}) != build()


def test_the_state_hash_is_sha256_of_the_stored_state() -> None:
    assert state_hash(b"abc") == hashlib.sha256(b"abc").digest()


def test_a_uuid_and_its_hex_string_bind_the_same_originator() -> None:
    assert build(originator_id=OID.hex) == build()


def test_length_prefixes_keep_neighbouring_fields_apart() -> None:
    # Moving a character from the originator id into the topic must not give the same bytes.
    assert build(originator_id="ab", topic="c") != build(originator_id="a", topic="bc")


def test_versions_beyond_32_bits_stay_distinct() -> None:
    assert build(originator_version=1) != build(originator_version=(1 << 32) + 1)


@pytest.mark.parametrize(("field", "bad"), [("state_sha256", b"\x00" * 31), ("key_id", b"\x00" * 5)])
def test_a_hash_or_key_id_of_the_wrong_size_is_refused(field: str, bad: bytes) -> None:
    with pytest.raises(ValueError):
        build(**{field: bad})
