"""Use cases of signing keys (DESIGN §3): rotate an authority's key, retire a key, revoke a compromised one.

Every step is a ``SigningKey`` event made for the registry and signed by the root key, whoever asks: the
organization speaks for its own key, the registry for any organization's and for the inspection key. The trust
anchor and the log key have no lifecycle here (domain/signing_key.py ``FIXED_PURPOSES``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from typing import Any
from uuid import UUID

from api.usecases.base import UseCases
from domain.access import Principal
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError, NotFoundError
from domain.organization import Organization
from domain.signing_key import SigningKey, signing_key_id
from keys.errors import UnknownKeyError
from keys.keyring import KeyInfo, NoActiveKeyError

log = logging.getLogger("vledger")

ROTATED = "rotated"  # the reason a rotation gives the key it retires


def check_key_steward(principal: Principal, owner: str) -> None:
    """The registry, or the organization whose key it is, may change a key's lifecycle."""
    if principal.role == "registry":
        return
    if principal.role == "organization" and str(principal.org_id) == owner:
        return
    raise ForbiddenError("only the registry and the organization that owns a key may change it",
                         code="not_your_key")


def parse_kid(kid: str) -> bytes:
    """A key id as the directory lists it: 8 hexadecimal characters (4 bytes, C2SP signed-note)."""
    try:
        raw = bytes.fromhex(kid)
    except ValueError:
        raw = b""
    if len(raw) != 4:
        raise InvalidFieldError("kid", "expected 8 hexadecimal characters, as GET /api/v1/keys lists it")
    return raw


def parse_public_key(public_key: str) -> bytes:
    """An Ed25519 public key as the directory lists it: base64 of its 32 raw bytes."""
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvalidFieldError("public_key", "expected the base64 of a 32-byte Ed25519 key, as GET /api/v1/keys "
                                              "lists it")
    return raw


def key_json(key: SigningKey) -> dict[str, Any]:
    """A key as the public directory shows it (GET /api/v1/keys)."""
    return {"kid": key.key_id, "name": key.name, "authority": key.owner, "purpose": key.purpose,
            "public_key": key.public_key, "status": key.status, "valid_from": key.valid_from.isoformat(),
            "retired_at": key.retired_at.isoformat() if key.retired_at else None,
            "compromised_since": key.compromised_since.isoformat() if key.compromised_since else None}


class KeyCases(UseCases):
    """Use cases of signing keys: rotate, retire, revoke."""

    def rotate_key(self, principal: Principal, org_id: UUID) -> dict[str, Any]:
        """A new key for the organization, registered by the root; its active key (if any) is retired in the same
        save. Certificates the old key signed stay valid; new ones are signed by the new key."""
        check_key_steward(principal, str(org_id))
        self.load(Organization, org_id, "organization")
        old = self._current_key(str(org_id))
        now = self.clock()
        if old is not None:
            old.retire(now=now, actor=principal.actor, reason=ROTATED)
        new = self._new_key_for(now, principal.actor, str(org_id), "organization")
        self.save_and_project(*([old] if old is not None else []), new)
        log.info("key rotated owner=%s new=%s retired=%s", org_id, new.key_id, old.key_id if old else None)
        return {"org_id": str(org_id), "key": key_json(new), "retired": key_json(old) if old is not None else None}

    def retire_key(self, principal: Principal, kid: str, *, reason: str | None = None,
                   public_key: str | None = None) -> dict[str, Any]:
        """Retire a key: it signs nothing from now on, and what it signed stays valid. Retiring an authority's
        only active key leaves it unable to sign until the key is rotated."""
        key = self._steward_key(principal, kid, public_key)
        key.retire(now=self.clock(), actor=principal.actor, reason=reason)
        self.save_and_project(key)
        log.info("key retired kid=%s owner=%s", key.key_id, key.owner)
        return key_json(key)

    def revoke_key(self, principal: Principal, kid: str, *, compromised_since: dt.datetime, reason: str,
                   public_key: str | None = None) -> dict[str, Any]:
        """Revoke a compromised key: whatever it signed from ``compromised_since`` on is forged to every verifier,
        what it signed before stays valid with a warning. A key that was its authority's current one is replaced
        by a new key in the same save, so the organization can go on."""
        key = self._steward_key(principal, kid, public_key)
        current = self._current_key(key.owner)
        was_current = current is not None and current.id == key.id
        now = self.clock()
        key.revoke(now=now, actor=principal.actor, compromised_since=compromised_since, reason=reason)
        replacement = self._new_key_for(now, principal.actor, key.owner, key.purpose) if was_current else None
        self.save_and_project(key, *([replacement] if replacement is not None else []))
        log.info("key revoked kid=%s owner=%s replaced_by=%s", key.key_id, key.owner,
                 replacement.key_id if replacement else None)
        return {**key_json(key), "replaced_by": key_json(replacement) if replacement is not None else None}

    # -- helpers ---------------------------------------------------------------------------------------------

    def _current_key(self, owner: str) -> SigningKey | None:
        """The authority's active key as the log now says (another process may have rotated it), or None."""
        self.keyring.refresh()
        try:
            info = self.keyring.current(owner)
        except (NoActiveKeyError, UnknownKeyError):
            return None
        return self._key_aggregate(info)

    def _key_aggregate(self, info: KeyInfo) -> SigningKey:
        return self.load(SigningKey, signing_key_id(info.kid, base64.b64encode(info.public_key).decode()),
                         "signing key")

    def _steward_key(self, principal: Principal, kid: str, public_key: str | None) -> SigningKey:
        """The one key named by ``kid`` (and ``public_key`` when several share the id), if the principal may
        change it. Key ids are 4 bytes: two keys may share one, and then the caller must say which."""
        raw_kid = parse_kid(kid)
        raw_public = parse_public_key(public_key) if public_key is not None else None
        self.keyring.refresh()
        found = [k for k in self.keyring.candidates(raw_kid) if raw_public is None or k.public_key == raw_public]
        if not found:
            raise NotFoundError(f"no registered key with key id {raw_kid.hex()}"
                                + (" and that public key" if raw_public is not None else ""))
        if len(found) > 1:
            raise ConflictError(f"{len(found)} registered keys share key id {raw_kid.hex()}: name the one you mean "
                                "by its public_key (base64, as GET /api/v1/keys lists it)", code="ambiguous_key_id")
        check_key_steward(principal, found[0].owner)
        return self._key_aggregate(found[0])
