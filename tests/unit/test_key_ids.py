"""Key ids and verifier keys as in C2SP signed-note, checked against an independent computation."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.ids import check_key_name, fingerprint, key_id, verifier_key

# The example verifier key of the signed-note format (golang.org/x/mod/sumdb/note, C2SP signed-note).
PETER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"


def public_key(seed: bytes) -> bytes:
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def spec_key_id(name: str, public: bytes) -> bytes:
    """signed-note: key hash = first 4 bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte Ed25519 key)."""
    h = hashlib.sha256()
    h.update(name.encode("utf-8"))
    h.update(bytes([0x0A]))
    h.update(bytes([0x01]))
    h.update(public)
    return h.digest()[:4]


def spec_verifier_key(name: str, public: bytes) -> str:
    """signed-note: <name>+<hex key hash, 8 digits>+<base64(0x01 || key)>."""
    hex8 = f"{int.from_bytes(spec_key_id(name, public), 'big'):08x}"
    return name + "+" + hex8 + "+" + base64.standard_b64encode(bytes([0x01]) + public).decode("ascii")


@pytest.mark.parametrize("name", ["vl.example.cn/vledger", "vl.example.cn/vledger/root",
                                  "127.0.0.1:8000/vledger/org/3f2a9c1e-0000-4000-8000-000000000000", "名"])
def test_the_key_id_follows_the_signed_note_definition(name: str) -> None:
    public = public_key(name.encode())
    assert key_id(name, public) == spec_key_id(name, public)
    assert len(key_id(name, public)) == 4


@pytest.mark.parametrize("name", ["vl.example.cn/vledger", "vl.example.cn/vledger/root"])
def test_the_verifier_key_follows_the_signed_note_definition(name: str) -> None:
    public = public_key(name.encode())
    assert verifier_key(name, public) == spec_verifier_key(name, public)


def test_the_published_example_verifier_key_is_reproduced() -> None:
    name, kid, encoded = PETER.split("+")
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x01
    assert key_id(name, raw[1:]).hex() == kid
    assert verifier_key(name, raw[1:]) == PETER


def test_the_same_key_under_another_name_has_another_id() -> None:
    public = public_key(b"k")
    assert key_id("a.example/log", public) != key_id("b.example/log", public)


@pytest.mark.parametrize("bad", ["", "with space", "with+plus", "tab\there"])
def test_a_key_name_with_spaces_or_plus_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        check_key_name(bad)
    with pytest.raises(ValueError):
        key_id(bad, public_key(b"k"))


def test_the_file_fingerprint_is_longer_than_the_key_id_and_ignores_the_name() -> None:
    public = public_key(b"k")
    assert fingerprint(public) == hashlib.sha256(public).hexdigest()[:32]
    assert fingerprint(public) != fingerprint(public_key(b"other"))
