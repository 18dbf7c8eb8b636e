"""The keyring: which public keys exist, for which authority, and the signer that uses private keys."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.errors import ConflictError
from keys.errors import KeyLayerError, UnknownKeyError
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
    # Lifecycle (DESIGN §3): `active` signs; `retired` (rotation) verifies what it signed before `retired_at`;
    # `revoked` was compromised from `compromised_since` on. See domain/key_status.py for what each means.
    status: str = "active"
    retired_at: dt.datetime | None = None
    compromised_since: dt.datetime | None = None
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


class NoActiveKeyError(KeyLayerError, ConflictError):
    """The authority has keys, but every one is retired or revoked: nothing can be signed for it until a new key
    is registered (HTTP 409: the organization or the registry rotates to a new key)."""

    code = "no_active_key"


# A key's status only moves forward: a reader that applies a retirement after the revocation that followed it
# (two paths of loading, one process notified first) must not bring a revoked key back to merely retired.
_STATUS_RANK = {"active": 0, "retired": 1, "revoked": 2}


def advanced(info: KeyInfo, *, status: str, retired_at: dt.datetime | None = None,
             compromised_since: dt.datetime | None = None) -> KeyInfo:
    """``info`` with a lifecycle step applied; monotonic (the later status, and the first instant learned, kept)."""
    if _STATUS_RANK.get(status, 0) < _STATUS_RANK.get(info.status, 0):
        status = info.status
    return replace(info, status=status, retired_at=info.retired_at or retired_at,
                   compromised_since=info.compromised_since or compromised_since)


class Keyring:
    """Public keys by key id. Key ids are 4 bytes and may collide: verification tries every candidate.

    Entries are frozen ``KeyInfo``s; a lifecycle step replaces an entry in both indexes (by id and by owner), so
    a reader holding an old ``KeyInfo`` keeps a consistent, if stale, view.
    """

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

    def update(self, key_id: bytes, public_key: bytes, *, status: str, retired_at: dt.datetime | None = None,
               compromised_since: dt.datetime | None = None) -> KeyInfo | None:
        """Apply a lifecycle step (see ``advanced``) to the key with this id and public half; None if unknown."""
        with self._lock:
            same = self._by_id.get(key_id, [])
            for i, old in enumerate(same):
                if old.public_key != public_key:
                    continue
                new = advanced(old, status=status, retired_at=retired_at, compromised_since=compromised_since)
                if new != old:
                    same[i] = new
                    owned = self._by_owner[old.owner]
                    owned[next(j for j, k in enumerate(owned) if k.public_key == public_key)] = new
                return new
        return None

    def refresh(self) -> None:
        """Learn what other processes logged since the last look (new keys, retirements, revocations)."""
        self._try_reload()

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
        """The newest active key registered for an authority (a retired or revoked key signs nothing)."""
        active = self._active(owner)
        if active is None:
            self._try_reload()
            active = self._active(owner)
        if active is not None:
            return active
        if not self._by_owner.get(owner):
            raise UnknownKeyError(f"no signing key is registered for authority {owner}")
        raise NoActiveKeyError(f"every signing key of authority {owner} is retired or revoked: nothing can be "
                               "signed for it until a new key is registered (rotate the key)")

    def _active(self, owner: str) -> KeyInfo | None:
        return next((k for k in reversed(self._by_owner.get(owner, ())) if k.status == "active"), None)

    def all(self) -> list[KeyInfo]:
        return [k for keys in self._by_owner.values() for k in keys]


class Signer:
    """Signs with the current private key of an authority.

    Before signing it learns the latest key lifecycle: another process (a CLI, a second server over the same
    store) may have rotated or revoked the key since this one last looked, and whatever a retired key signs is a
    forgery to every verifier. That costs one cheap query when nothing changed; a save of many events
    (``batch``) looks once, before its first signature, not once per event.
    """

    def __init__(self, keyring: Keyring, store: KeyStore) -> None:
        self.keyring = keyring
        self.store = store
        self._batch = threading.local()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Sign several messages (the events of one save) after one look at the key lifecycle."""
        outer = getattr(self._batch, "depth", 0)
        if not outer:
            self.keyring.refresh()
        self._batch.depth = outer + 1
        try:
            yield
        finally:
            self._batch.depth = outer

    def sign(self, owner: str, message_for: Callable[[KeyInfo], bytes]) -> tuple[KeyInfo, bytes]:
        """Sign with the current key of ``owner``. The message is built from the key that will sign it, so
        a key id written into the signed bytes is always the id of the key that signs them."""
        if not getattr(self._batch, "depth", 0):
            self.keyring.refresh()
        info = self.keyring.current(owner)
        return info, self.store.private_key(info.public_key).sign(message_for(info))
