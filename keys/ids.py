"""Key ids and verifier keys as in C2SP signed-note.

key id = SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]; 0x01 is the Ed25519 signature type.
verifier key = name "+" hex(key id) "+" base64(0x01 ‖ public key).
"""

from __future__ import annotations

import base64
import hashlib

ED25519_TYPE = b"\x01"


def check_key_name(name: str) -> str:
    """A note key name is non-empty and has no spaces or '+' (signed-note §Verifier keys)."""
    if not name or any(ch.isspace() for ch in name) or "+" in name:
        raise ValueError(f"invalid key name {name!r}: non-empty, no spaces, no '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key id of an Ed25519 public key under a name."""
    check_key_name(name)
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_TYPE + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    """The note verifier key string ``name+hex8+base64``."""
    return f"{name}+{key_id(name, public_key).hex()}+{base64.b64encode(ED25519_TYPE + public_key).decode()}"


def fingerprint(public_key: bytes) -> str:
    """File name of a private key: key ids may collide (4 bytes), fingerprints do not."""
    return hashlib.sha256(public_key).hexdigest()[:32]
