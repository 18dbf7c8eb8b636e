"""Public signing keys as events: the log says which key spoke for which authority, from when, and until when.

Lifecycle (DESIGN §3), every step signed by the root key on behalf of the registry:
  ``KeyRegistered`` → active: the key signs its authority's events and certificates;
  ``KeyRetired``    → retired (rotation): it signs nothing more; what it signed before stays valid;
  ``KeyRevoked``    → revoked: it was compromised from ``compromised_since`` on; whatever carries its signature from
                      that instant is rejected, what it signed before stays valid with a warning. Revoking an active
                      key retires it in the same event, so it signs nothing more either.
What a state means for a given signature is domain/key_status.py's ``judge_key``.
"""

from __future__ import annotations

import datetime as dt
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import REGISTRY, VledgerAggregate, check_aware, check_text
from domain.errors import ConflictError, InvalidFieldError, RuleViolationError

PURPOSES = ("root", "log", "organization", "inspection")
# The trust anchor (pinned in instance.json) and the log key (every signed checkpoint) have no rotation path here:
# retiring either through the organizations' key API would leave the instance unable to sign or be verified.
FIXED_PURPOSES = ("root", "log")
MAX_REASON = 500


def signing_key_id(key_id: str, public_key: str) -> UUID:
    """Aggregate id derived from the key itself, so one key cannot be registered twice."""
    return uuid5(NAMESPACE_URL, f"vledger:key:{key_id}:{public_key}")


class SigningKey(VledgerAggregate):
    """An Ed25519 public key registered by the registry for one authority, and its lifecycle."""

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    key_id: str
    name: str
    public_key: str
    owner: str
    purpose: str
    valid_from: dt.datetime
    status: str
    retired_at: dt.datetime | None
    compromised_since: dt.datetime | None
    lifecycle_reason: str | None

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
            aggregate.status = "active"
            aggregate.retired_at = None
            aggregate.compromised_since = None
            aggregate.lifecycle_reason = None

    class KeyRetired(VledgerAggregate.Event):
        """Rotation: the key signs nothing from ``retired_at`` on. It names the key (id and public half) so that
        a reader of the log alone — the keyring, the audit, an offline directory — can apply it."""

        key_id: str
        public_key: str
        retired_at: dt.datetime
        reason: str | None

        def apply(self, aggregate: SigningKey) -> None:
            aggregate.status = "retired"
            aggregate.retired_at = self.retired_at
            aggregate.lifecycle_reason = self.reason

    class KeyRevoked(VledgerAggregate.Event):
        """Compromise: anything signed by the key at or after ``compromised_since`` is rejected. ``retired_at``
        is when it stopped signing: the earlier retirement, or this revocation for a key that was still active."""

        key_id: str
        public_key: str
        compromised_since: dt.datetime
        retired_at: dt.datetime
        reason: str

        def apply(self, aggregate: SigningKey) -> None:
            aggregate.status = "revoked"
            aggregate.compromised_since = self.compromised_since
            aggregate.retired_at = self.retired_at
            aggregate.lifecycle_reason = self.reason

    @classmethod
    def register(cls, *, now: dt.datetime, actor: str, key_id: str, name: str, public_key: str, owner: str,
                 purpose: str) -> SigningKey:
        """Register a public key (hex key id, base64 raw key) for ``owner``; signed by the root key."""
        if purpose not in PURPOSES:
            raise InvalidFieldError("purpose", f"expected one of {', '.join(PURPOSES)}")
        return cls._create(cls.KeyRegistered, id=signing_key_id(key_id, public_key), timestamp=now, actor=actor,
                           authority=REGISTRY, key_id=key_id, name=name, public_key=public_key, owner=owner,
                           purpose=purpose, valid_from=now)

    # -- lifecycle -------------------------------------------------------------------------------------------

    def check_changeable(self) -> None:
        """Only organization and inspection keys have a lifecycle here (see ``FIXED_PURPOSES``)."""
        if self.purpose in FIXED_PURPOSES:
            raise RuleViolationError(f"the {self.purpose} key {self.key_id} cannot be retired or revoked through "
                                     "the key API", code="key_not_rotatable")

    def check_retirable(self) -> None:
        """An active key may be retired; a retired one already is, and a revoked one is past retiring."""
        self.check_changeable()
        if self.status == "revoked":
            raise ConflictError(f"key {self.key_id} is revoked; a revoked key cannot be retired", code="key_revoked")
        if self.status == "retired":
            raise ConflictError(f"key {self.key_id} was already retired at {self.retired_at}",
                                code="key_already_retired")

    def retire(self, *, now: dt.datetime, actor: str, reason: str | None = None) -> None:
        """Retire the key (rotation): from ``now`` on it signs nothing; what it signed before stays valid."""
        self.check_retirable()
        text = check_text("reason", reason, max_length=MAX_REASON, required=False) or None
        self.trigger_event(self.KeyRetired, timestamp=now, actor=actor, authority=REGISTRY, key_id=self.key_id,
                           public_key=self.public_key, retired_at=now, reason=text)

    def check_revocable(self, compromised_since: dt.datetime, now: dt.datetime) -> dt.datetime:
        """A key is revoked once, for a compromise that has already begun (a future one is a guess, not a fact)."""
        self.check_changeable()
        if self.status == "revoked":
            raise ConflictError(f"key {self.key_id} was already revoked (compromised since {self.compromised_since})",
                                code="key_already_revoked")
        check_aware("compromised_since", compromised_since)
        if compromised_since > now:
            raise InvalidFieldError("compromised_since", f"must not be in the future (now is {now.isoformat()})")
        return compromised_since

    def revoke(self, *, now: dt.datetime, actor: str, compromised_since: dt.datetime, reason: str) -> None:
        """Revoke the key: anything it signed at or after ``compromised_since`` is rejected; an active key is
        retired by the same event (it signs nothing more)."""
        since = self.check_revocable(compromised_since, now)
        text = check_text("reason", reason, max_length=MAX_REASON)
        retired_at = self.retired_at if self.status == "retired" and self.retired_at is not None else now
        self.trigger_event(self.KeyRevoked, timestamp=now, actor=actor, authority=REGISTRY, key_id=self.key_id,
                           public_key=self.public_key, compromised_since=since, retired_at=retired_at, reason=text)


def lifecycle_names_key(event: SigningKey.KeyRetired | SigningKey.KeyRevoked) -> bool:
    """A lifecycle event belongs to the key it names: its aggregate id is derived from that key's id and public
    half. Readers of the log apply an event only to the key it both names and belongs to."""
    return signing_key_id(event.key_id, event.public_key) == event.originator_id
