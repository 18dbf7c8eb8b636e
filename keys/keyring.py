"""The keyring: which public keys exist, for which authority, and the signer that uses private keys."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from keys.errors import UnknownKeyError
from keys.ids import key_id, verifier_key
from keys.store import KeyStore


@dataclass(frozen=True)
class KeyInfo:
    """A registered public key and whom it speaks for."""

    key_id: bytes
    name: str
    public_key: bytes
    owner: str
    purpose: str
    valid_from: dt.datetime
    _verifier: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if key_id(self.name, self.public_key) != self.key_id:
            raise ValueError(f"key id {self.key_id.hex()} does not match name and public key")
        object.__setattr__(self, "_verifier", Ed25519PublicKey.from_public_bytes(self.public_key))

    @property
    def kid(self) -> str:
        return self.key_id.hex()

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.name, self.public_key)

    def verifies(self, message: bytes, signature: bytes) -> bool:
        try:
            self._verifier.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Keyring:
    """Public keys by key id. Key ids are 4 bytes and may collide: verification tries every candidate."""

    def __init__(self, anchors: Iterable[KeyInfo] = (), reload: Callable[[], None] | None = None) -> None:
        self._by_id: dict[bytes, list[KeyInfo]] = {}
        self._by_owner: dict[str, list[KeyInfo]] = {}
        self._lock = threading.Lock()
        self._reloading = threading.local()
        self.reload = reload
        for info in anchors:
            self.add(info)

    def add(self, info: KeyInfo) -> None:
        with self._lock:
            same = self._by_id.setdefault(info.key_id, [])
            if any(k.public_key == info.public_key for k in same):
                return
            same.append(info)
            self._by_owner.setdefault(info.owner, []).append(info)

    def _try_reload(self) -> None:
        # Another process (a CLI beside a server) may have registered keys since we loaded. A reload reads
        # events, and reading an event asks the keyring again: never reload from inside a reload.
        if self.reload is None or getattr(self._reloading, "active", False):
            return
        self._reloading.active = True
        try:
            self.reload()
        finally:
            self._reloading.active = False

    def candidates(self, kid: bytes) -> list[KeyInfo]:
        found = self._by_id.get(kid)
        if not found:
            self._try_reload()
            found = self._by_id.get(kid)
        return list(found or ())

    def verify(self, message: bytes, kid: bytes, signature: bytes) -> KeyInfo | None:
        """The key with this id whose signature verifies, or None."""
        for info in self.candidates(kid):
            if info.verifies(message, signature):
                return info
        return None

    def current(self, owner: str) -> KeyInfo:
        """The newest key registered for an authority."""
        keys = self._by_owner.get(owner)
        if not keys:
            self._try_reload()
            keys = self._by_owner.get(owner)
        if not keys:
            raise UnknownKeyError(f"no signing key is registered for authority {owner}")
        return keys[-1]

    def all(self) -> list[KeyInfo]:
        return [k for keys in self._by_owner.values() for k in keys]


class Signer:
    """Signs with the current private key of an authority."""

    def __init__(self, keyring: Keyring, store: KeyStore) -> None:
        self.keyring = keyring
        self.store = store

    def sign(self, owner: str, message_for: Callable[[KeyInfo], bytes]) -> tuple[KeyInfo, bytes]:
        """Sign with the current key of ``owner``. The message is built from the key that will sign it, so
        a key id written into the signed bytes is always the id of the key that signs them."""
        info = self.keyring.current(owner)
        return info, self.store.private_key(info.public_key).sign(message_for(info))
