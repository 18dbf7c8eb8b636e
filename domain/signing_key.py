"""Public signing keys as events: the log says which key spoke for which authority, from when."""

from __future__ import annotations

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import REGISTRY, VledgerAggregate
from domain.errors import InvalidFieldError

PURPOSES = ("root", "log", "organization", "inspection")


def signing_key_id(key_id: str, public_key: str) -> UUID:
    """Aggregate id derived from the key itself, so one key cannot be registered twice."""
    return uuid5(NAMESPACE_URL, f"vledger:key:{key_id}:{public_key}")


class SigningKey(VledgerAggregate):
    """An Ed25519 public key registered by the registry for one authority."""

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    key_id: str
    name: str
    public_key: str
    owner: str
    purpose: str
    valid_from: dt.datetime

    class KeyRegistered(VledgerAggregate.Created):
        key_id: str
        name: str
        public_key: str
        owner: str
        purpose: str
        valid_from: dt.datetime

        def apply(self, aggregate: SigningKey) -> None:
            for field in ("key_id", "name", "public_key", "owner", "purpose", "valid_from"):
                setattr(aggregate, field, getattr(self, field))

    @classmethod
    def register(cls, *, now: dt.datetime, actor: str, key_id: str, name: str, public_key: str, owner: str,
                 purpose: str) -> SigningKey:
        """Register a public key (hex key id, base64 raw key) for ``owner``; signed by the root key."""
        if purpose not in PURPOSES:
            raise InvalidFieldError("purpose", f"expected one of {', '.join(PURPOSES)}")
        return cls._create(cls.KeyRegistered, id=signing_key_id(key_id, public_key), timestamp=now, actor=actor,
                           authority=REGISTRY, key_id=key_id, name=name, public_key=public_key, owner=owner,
                           purpose=purpose, valid_from=now)
