"""Signing at the persistence boundary: every stored event carries key id and Ed25519 signature.

Stored state = MAGIC ‖ key id (4) ‖ signature (64) ‖ transcoded event body. Reading verifies before
decoding; a stored event whose signature fails raises EventSignatureError and is never turned into a
domain event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from keys.canonical import event_signing_bytes, state_hash
from keys.errors import EventSignatureError
from keys.keyring import KeyInfo, Keyring, Signer

MAGIC = b"VLS1"
_HEADER = len(MAGIC) + 4 + 64


@dataclass(frozen=True)
class SealedState:
    """The parts of a stored state."""

    key_id: bytes
    signature: bytes
    body: bytes


def seal(kid: bytes, signature: bytes, body: bytes) -> bytes:
    return MAGIC + kid + signature + body


def unseal(state: bytes) -> SealedState | None:
    """Split a stored state; None when it is not a sealed state at all."""
    if len(state) < _HEADER or not state.startswith(MAGIC):
        return None
    m = len(MAGIC)
    return SealedState(key_id=state[m:m + 4], signature=state[m + 4:_HEADER], body=state[_HEADER:])


def signing_bytes_of(stored: StoredEvent, sealed: SealedState) -> bytes:
    return event_signing_bytes(stored.originator_id, stored.originator_version, stored.topic,
                               state_hash(sealed.body), sealed.key_id)


def check_stored_signature(stored: StoredEvent, keyring: Keyring) -> tuple[SealedState, KeyInfo]:
    """Steps 1-2 of reading an event: envelope well formed, signature by a registered key."""
    def fail(reason: str, message: str) -> EventSignatureError:
        return EventSignatureError(
            f"event {stored.originator_id} v{stored.originator_version}: {message}",
            originator_id=stored.originator_id, originator_version=stored.originator_version, reason=reason)

    # 1. The envelope must be there: an unsigned row is as bad as a badly signed one.
    sealed = unseal(stored.state)
    if sealed is None:
        raise fail("unsigned", "stored state carries no signature envelope")
    # 2. Some registered key with this id must verify the canonical bytes.
    if not keyring.candidates(sealed.key_id):
        raise fail("unknown_key", f"signed by key {sealed.key_id.hex()}, which was never registered")
    info = keyring.verify(signing_bytes_of(stored, sealed), sealed.key_id, sealed.signature)
    if info is None:
        raise fail("bad_signature", f"signature by key {sealed.key_id.hex()} does not verify")
    return sealed, info


def check_key_authority(event_state: dict[str, Any] | Any, info: KeyInfo, originator: tuple[UUID | str, int]) -> None:
    """Step 3: the key must belong to the authority the event names, and be valid at its time."""
    authority = getattr(event_state, "authority", None)
    timestamp = getattr(event_state, "timestamp", None)
    oid, version = originator
    if authority != info.owner:
        raise EventSignatureError(
            f"event {oid} v{version}: signed by key {info.kid} of {info.owner}, but made for {authority}",
            originator_id=oid, originator_version=version, reason="key_not_of_authority")
    if timestamp is not None and timestamp < info.valid_from:
        raise EventSignatureError(
            f"event {oid} v{version}: dated before key {info.kid} became valid",
            originator_id=oid, originator_version=version, reason="key_not_yet_valid")


class SigningMapper(Mapper[UUID]):
    """A Mapper that signs on write and verifies on read."""

    def __init__(self, transcoder: Transcoder, signer: Signer, keyring: Keyring) -> None:
        super().__init__(transcoder=transcoder)
        self.signer = signer
        self.keyring = keyring

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        authority = getattr(domain_event, "authority", None)
        if not authority:
            raise ValueError(f"{type(domain_event).__qualname__} names no authority: cannot choose a key")
        plain = super().to_stored_event(domain_event)
        digest = state_hash(plain.state)
        info, signature = self.signer.sign(authority, lambda key: event_signing_bytes(
            plain.originator_id, plain.originator_version, plain.topic, digest, key.key_id))
        return StoredEvent(originator_id=plain.originator_id, originator_version=plain.originator_version,
                           topic=plain.topic, state=seal(info.key_id, signature, plain.state))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        sealed, info = check_stored_signature(stored_event, self.keyring)
        event = super().to_domain_event(StoredEvent(
            originator_id=stored_event.originator_id, originator_version=stored_event.originator_version,
            topic=stored_event.topic, state=sealed.body))
        check_key_authority(event, info, (stored_event.originator_id, stored_event.originator_version))
        return event
