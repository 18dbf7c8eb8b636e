"""The one function that builds the bytes an event signature covers.

The signer (SigningMapper) and every verifier (the mapper on read, audit, history) call it, so an event
cannot be moved to another aggregate, version or type, nor its state changed, without breaking the signature.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

EVENT_DOMAIN = b"vledger/event/v1\n"


def state_hash(state: bytes) -> bytes:
    """SHA-256 of the stored state (the transcoded event body)."""
    return hashlib.sha256(state).digest()


def event_signing_bytes(originator_id: UUID | str, originator_version: int, topic: str, state_sha256: bytes,
                        key_id: bytes) -> bytes:
    """Domain tag ‖ len-prefixed originator id ‖ version u64 ‖ len-prefixed topic ‖ state hash ‖ key id."""
    oid = (originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)).encode("utf-8")
    top = topic.encode("utf-8")
    if len(state_sha256) != 32 or len(key_id) != 4:
        raise ValueError("state hash must be 32 bytes and key id 4 bytes")
    return b"".join((
        EVENT_DOMAIN,
        struct.pack(">H", len(oid)), oid,
        struct.pack(">Q", originator_version),
        struct.pack(">H", len(top)), top,
        state_sha256,
        key_id,
    ))
