"""Errors of the key layer."""

from __future__ import annotations

from domain.errors import LogIntegrityError, VledgerError


class KeyLayerError(VledgerError):
    """Base of key-layer errors."""

    code = "key_error"


class KeyMaterialError(KeyLayerError):
    """A private key file is missing, unreadable or the passphrase is wrong."""

    code = "key_material"


class UnknownKeyError(KeyLayerError):
    """No registered key has this key id (or none for this authority)."""

    code = "unknown_key"


class EventSignatureError(KeyLayerError, LogIntegrityError):
    """A stored event's signature does not verify: it must not be decoded."""

    code = "event_signature"

    def __init__(self, message: str, *, originator_id: object, originator_version: int, reason: str) -> None:
        super().__init__(message, code=reason)
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.reason = reason
