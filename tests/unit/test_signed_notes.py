"""Signed notes and checkpoints, byte for byte against the C2SP rules (https://c2sp.org/signed-note,
https://c2sp.org/tlog-checkpoint), checked by a reading of those rules written out here with the standard
library and `cryptography` only — and against the published example of the format (golang.org/x/mod/sumdb/note,
the reference implementation the C2SP spec was written from: the PeterNeumann key and note).

The helpers ``spec_open_note`` and ``spec_checkpoint`` are the independent verifier the HTTP tests use too.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from keys.ids import key_id, verifier_key
from keys.notes import Checkpoint, NoteError, Verifier, parse_checkpoint, parse_note, signature_line, signed_note

EM_DASH = "\u2014"

# The reference example: verifier key, signer key (0x01 ‖ Ed25519 seed), text and the note Go's note.Sign makes.
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_TEXT = ("If you think cryptography is the answer to your problem,\n"
              "then you don't know what your problem is.\n")
PETER_NOTE = (PETER_TEXT + "\n" + "\u2014 PeterNeumann "
              "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


# -- the rules, written out independently --------------------------------------------------------------------------


def spec_key_id(name: str, public: bytes) -> bytes:
    """signed-note: key ID = SHA-256(key name ‖ 0x0A ‖ signature type 0x01 ‖ public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\x0a" + b"\x01" + public).digest()[:4]


def spec_parse_vkey(vkey: str) -> tuple[str, bytes, bytes]:
    """`<name>+<hex key ID>+<base64(type ‖ public key)>`: the name holds no '+', the base64 may."""
    name, kid_hex, encoded = vkey.split("+", 2)
    raw = base64.b64decode(encoded, validate=True)
    assert len(kid_hex) == 8 and raw[0] == 0x01 and len(raw) == 33, vkey
    assert bytes.fromhex(kid_hex) == spec_key_id(name, raw[1:]), vkey
    return name, bytes.fromhex(kid_hex), raw[1:]


def spec_open_note(note: str) -> tuple[bytes, list[tuple[str, bytes, bytes]]]:
    """The signed body (bytes, ending in a newline) and its signatures (name, key id, signature bytes).

    signed-note: the text ends in a newline; a blank line; then lines `— <name> <base64>` (U+2014 EM DASH and
    one space, the name, one space, base64 of the 4-byte key ID followed by the signature), each ending in a
    newline. The signature block starts after the last blank line.
    """
    data = note.encode("utf-8")
    cut = data.rindex(b"\n\n")
    body, block = data[:cut + 1], data[cut + 2:]
    assert body.endswith(b"\n") and block.endswith(b"\n") and block
    signatures = []
    for line in block[:-1].split(b"\n"):
        assert line.startswith("\u2014 ".encode()), line  # bytes E2 80 94 20
        name, encoded = line[len("\u2014 ".encode()):].decode("utf-8").split(" ")
        raw = base64.b64decode(encoded, validate=True)
        signatures.append((name, raw[:4], raw[4:]))
    return body, signatures


def spec_checkpoint(note: str, vkey: str) -> tuple[str, int, bytes]:
    """(origin, size, root) of a checkpoint note that carries a valid Ed25519 signature by ``vkey``.

    tlog-checkpoint: body lines origin, decimal tree size (no leading zeros), base64 root hash (32 bytes).
    """
    name, kid, public = spec_parse_vkey(vkey)
    body, signatures = spec_open_note(note)
    mine = [sig for n, k, sig in signatures if n == name and k == kid]
    assert mine, f"no signature by {name} in {signatures}"
    assert len(mine[0]) == 64
    Ed25519PublicKey.from_public_bytes(public).verify(mine[0], body)  # raises InvalidSignature
    origin, size, root_b64 = body.decode("utf-8").split("\n")[:3]
    assert origin and size.isascii() and size.isdigit() and (size == "0" or not size.startswith("0"))
    root = base64.b64decode(root_b64, validate=True)
    assert len(root) == 32
    return origin, int(size), root


def seed_key(seed: bytes) -> tuple[Ed25519PrivateKey, bytes]:
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
    return private, private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def production_checkpoint(private: Ed25519PrivateKey, name: str, origin: str, size: int, root: bytes) -> str:
    """A checkpoint note made the way VledgerApplication.sign_checkpoint makes it."""
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    body = Checkpoint(origin, size, root).body()
    return signed_note(body, [signature_line(name, key_id(name, public), private.sign(body.encode("utf-8")))])


ORIGIN = "verify.example.cn/vledger"
ROOT = hashlib.sha256(b"some tree").digest()


# -- checkpoints ----------------------------------------------------------------------------------------------------


def test_a_checkpoint_note_is_byte_for_byte_the_c2sp_format() -> None:
    private, public = seed_key(b"log")
    note = production_checkpoint(private, ORIGIN, ORIGIN, 1234, ROOT)

    body = f"{ORIGIN}\n1234\n{base64.standard_b64encode(ROOT).decode('ascii')}\n".encode()
    signature = private.sign(body)  # Ed25519 is deterministic: the same bytes every time
    expected = (body + b"\n" + b"\xe2\x80\x94" + b" " + ORIGIN.encode() + b" "
                + base64.standard_b64encode(spec_key_id(ORIGIN, public) + signature) + b"\n")
    assert note.encode("utf-8") == expected


def test_the_signature_line_holds_the_key_id_then_a_signature_over_the_body_bytes() -> None:
    private, public = seed_key(b"log")
    note = production_checkpoint(private, ORIGIN, ORIGIN, 7, ROOT)

    body, signatures = spec_open_note(note)
    assert body == f"{ORIGIN}\n7\n{base64.b64encode(ROOT).decode()}\n".encode()
    [(name, kid, signature)] = signatures
    assert name == ORIGIN
    assert kid == spec_key_id(ORIGIN, public) == key_id(ORIGIN, public)
    assert len(signature) == 64
    Ed25519PublicKey.from_public_bytes(public).verify(signature, body)
    with pytest.raises(InvalidSignature):  # the signature covers the body's final newline too
        Ed25519PublicKey.from_public_bytes(public).verify(signature, body[:-1])


@pytest.mark.parametrize("size", [0, 1, 10, 2**63 - 1])
def test_a_checkpoint_verifies_independently_and_parses_back(size: int) -> None:
    private, public = seed_key(b"log")
    note = production_checkpoint(private, ORIGIN, ORIGIN, size, ROOT)
    vkey = verifier_key(ORIGIN, public)

    assert spec_checkpoint(note, vkey) == (ORIGIN, size, ROOT)
    parsed = parse_note(note)
    assert Verifier.parse(vkey).verifies(parsed)
    assert parse_checkpoint(parsed.text) == Checkpoint(ORIGIN, size, ROOT)


def test_a_checkpoint_may_carry_extension_lines_after_the_root() -> None:
    text = f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()}\nextension line\n"
    assert parse_checkpoint(text) == Checkpoint(ORIGIN, 5, ROOT)


def test_a_cosigned_checkpoint_verifies_with_either_key() -> None:
    log, log_public = seed_key(b"log")
    witness, witness_public = seed_key(b"witness")
    body = Checkpoint(ORIGIN, 3, ROOT).body()
    note = signed_note(body, [
        signature_line("witness.example", key_id("witness.example", witness_public), witness.sign(body.encode())),
        signature_line(ORIGIN, key_id(ORIGIN, log_public), log.sign(body.encode())),
    ])
    assert spec_checkpoint(note, verifier_key(ORIGIN, log_public)) == (ORIGIN, 3, ROOT)
    assert Verifier.parse(verifier_key(ORIGIN, log_public)).verifies(parse_note(note))
    assert Verifier.parse(verifier_key("witness.example", witness_public)).verifies(parse_note(note))


# -- the published example ---------------------------------------------------------------------------------------


def test_the_reference_note_verifies_with_the_reference_verifier_key() -> None:
    note = parse_note(PETER_NOTE)
    assert note.text == PETER_TEXT
    assert Verifier.parse(PETER_VKEY).verifies(note)
    # And independently.
    name, kid, public = spec_parse_vkey(PETER_VKEY)
    body, signatures = spec_open_note(PETER_NOTE)
    assert kid.hex() == "c74f20a3" and signatures[0][:2] == (name, kid)
    Ed25519PublicKey.from_public_bytes(public).verify(signatures[0][2], body)


def test_signing_the_reference_text_with_the_reference_key_reproduces_the_reference_note() -> None:
    name, kid_hex, encoded = PETER_SKEY.removeprefix("PRIVATE+KEY+").split("+", 2)
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x01
    private = Ed25519PrivateKey.from_private_bytes(raw[1:])
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert verifier_key(name, public) == PETER_VKEY and key_id(name, public).hex() == kid_hex

    signature = private.sign(PETER_TEXT.encode("utf-8"))
    assert signed_note(PETER_TEXT, [signature_line(name, key_id(name, public), signature)]) == PETER_NOTE


def test_a_changed_note_or_a_different_key_does_not_verify() -> None:
    verifier = Verifier.parse(PETER_VKEY)
    assert not verifier.verifies(parse_note(PETER_NOTE.replace("cryptography", "Cryptography")))
    assert not verifier.verifies(parse_note(PETER_NOTE.replace("problem is.", "problem is!")))
    _, sig_b64 = PETER_NOTE.rstrip("\n").rsplit(" ", 1)
    raw = bytearray(base64.b64decode(sig_b64))
    raw[-1] ^= 1
    assert not verifier.verifies(parse_note(PETER_NOTE.replace(sig_b64, base64.b64encode(bytes(raw)).decode())))
    # A signature line naming another key (another name, or a wrong key id) is not this key's signature.
    assert not verifier.verifies(parse_note(PETER_NOTE.replace("— PeterNeumann ", "— PeterNeuman ")))
    raw = bytearray(base64.b64decode(sig_b64))
    raw[0] ^= 1
    assert not verifier.verifies(parse_note(PETER_NOTE.replace(sig_b64, base64.b64encode(bytes(raw)).decode())))
    _, other = seed_key(b"someone else")
    assert not Verifier.parse(verifier_key("PeterNeumann", other)).verifies(parse_note(PETER_NOTE))


# -- verifier keys ---------------------------------------------------------------------------------------------


def test_a_verifier_key_whose_base64_holds_a_plus_parses() -> None:
    seed = 0
    while "+" not in (vkey := verifier_key(ORIGIN, seed_key(b"%d" % seed)[1])).split("+", 2)[2]:
        seed += 1
    _, public = seed_key(b"%d" % seed)
    parsed = Verifier.parse(vkey)
    assert (parsed.name, parsed.key_id, parsed.public_key) == spec_parse_vkey(vkey) == \
        (ORIGIN, spec_key_id(ORIGIN, public), public)
    # And it verifies what that key signs.
    assert parsed.verifies(parse_note(production_checkpoint(seed_key(b"%d" % seed)[0], ORIGIN, ORIGIN, 1, ROOT)))


@pytest.mark.parametrize("vkey", [
    "",
    "PeterNeumann",
    "PeterNeumann+c74f20a3",
    "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # key id off by one
    "PeterNeumann+c74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # 3-byte key id
    "PeterNeumann+c7 4f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # a space in the hex
    "PeterNeumann+zz4f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # not hex
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",  # not base64 (length)
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!",  # not base64 (alphabet)
    "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # too long (reference test)
    "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # unknown type (reference test)
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # a space in the name
    "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # no name
])
def test_a_malformed_verifier_key_is_a_note_error(vkey: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(vkey)


# -- malformed notes ----------------------------------------------------------------------------------------------

SIG = base64.b64encode(bytes(range(68))).decode()


@pytest.mark.parametrize("note", [
    "",
    "text\n",
    "text\n\n",  # no signature line
    f"text\n— name {SIG}\n",  # no blank line
    f"text\n\n— name {SIG}",  # the signature line does not end in a newline
    f"text\n\n- name {SIG}\n",  # a hyphen-minus, not an em dash
    f"text\n\n– name {SIG}\n",  # an en dash
    f"text\n\n—name {SIG}\n",  # no space after the dash
    f"text\n\n—  {SIG}\n",  # an empty key name
    f"text\n\n—  name {SIG}\n",  # two spaces after the dash
    f"text\n\n— name  {SIG}\n",  # two spaces before the signature
    "text\n\n— name\n",
    "text\n\n— name \n",  # an empty signature
    f"text\n\n— name {SIG} extra\n",
    f"text\n\n— na+me {SIG}\n",  # '+' is not allowed in a key name
    "text\n\n— name !!!!\n",  # not base64
    "text\n\n— name AAAAAA==\n",  # 4 bytes: a key id and no signature
    f"text\n\n— name {SIG}\n\n",  # a blank line after the signatures
    f"text\n\n— name {SIG}\nnot a signature\n",
])
def test_a_malformed_note_is_a_note_error(note: str) -> None:
    with pytest.raises(NoteError):
        parse_note(note)


def test_a_note_text_must_end_in_a_newline_to_be_signed() -> None:
    with pytest.raises(NoteError):
        signed_note("no newline", [])


ROOT_B64 = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize("text", [
    "",
    f"{ORIGIN}\n",
    f"{ORIGIN}\n5\n",
    f"\n5\n{ROOT_B64}\n",  # no origin
    f"{ORIGIN}\n05\n{ROOT_B64}\n",  # a leading zero
    f"{ORIGIN}\n-5\n{ROOT_B64}\n",
    f"{ORIGIN}\n+5\n{ROOT_B64}\n",
    f"{ORIGIN}\n 5\n{ROOT_B64}\n",
    f"{ORIGIN}\n5.0\n{ROOT_B64}\n",
    f"{ORIGIN}\n0x5\n{ROOT_B64}\n",
    f"{ORIGIN}\n²\n{ROOT_B64}\n",  # str.isdigit() says yes; it is not a decimal number
    f"{ORIGIN}\n١٢\n{ROOT_B64}\n",  # Arabic-Indic digits: int() would read 12
    f"{ORIGIN}\n5\n{ROOT.hex()}\n",  # hex, not base64
    f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n",  # 31 bytes
    f"{ORIGIN}\n5\n{base64.b64encode(ROOT + b'x').decode()}\n",  # 33 bytes
    f"{ORIGIN}\n5\n{ROOT_B64.rstrip('=')}\n",  # unpadded
])
def test_a_malformed_checkpoint_is_a_note_error(text: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(text)
