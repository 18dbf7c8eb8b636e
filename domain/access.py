"""Access: bearer tokens (kept only as hashes) and the rules of who may act for whom."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from uuid import UUID, uuid4

from domain.base import VledgerAggregate
from domain.errors import ForbiddenError, InvalidFieldError

ROLES = ("registry", "organization", "volunteer", "inspector")


def token_hash(token: str) -> str:
    """Tokens are 256-bit random strings, so a plain SHA-256 is as good as a slow hash here."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's role, its subject and, for organizations and volunteers, its org."""

    role: str
    subject: str
    org_id: UUID | None = None

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.subject}"


def check_registry(principal: Principal) -> None:
    """Only the registry (the civil-affairs bureau) may do this."""
    if principal.role != "registry":
        raise ForbiddenError("only the registry may do this", code="registry_only")


def check_acts_for(principal: Principal, org_id: UUID) -> None:
    """Only the organization that owns the data may write it (谁组织谁记录)."""
    if principal.role != "organization" or principal.org_id != org_id:
        raise ForbiddenError("this token does not act for the organization that owns this data",
                             code="other_organization")


def check_reads(principal: Principal, org_id: UUID, volunteer_id: UUID | None = None) -> None:
    """The owning organization, inspectors and the volunteer the data is about may read it.

    Not the registry: it registers organizations and appoints inspectors; reading personal records is the
    inspectors' job, and every such read is theirs to account for (DESIGN §8, the contract's who column)."""
    if principal.role == "inspector":
        return
    if principal.role == "organization" and principal.org_id == org_id:
        return
    if principal.role == "volunteer" and volunteer_id is not None and principal.subject == str(volunteer_id):
        return
    raise ForbiddenError("this token may not read this data", code="not_yours")


def check_holder(principal: Principal, org_id: UUID, volunteer_id: UUID) -> None:
    """A certificate's files (QR, PDF) are for the issuing organization and the volunteer it names."""
    if principal.role == "organization" and principal.org_id == org_id:
        return
    if principal.role == "volunteer" and principal.subject == str(volunteer_id):
        return
    raise ForbiddenError("only the issuing organization and the volunteer may download this certificate",
                         code="not_yours")


def check_owner_or_inspector(principal: Principal, org_id: UUID, what: str = "this",
                             code: str = "not_yours") -> None:
    """What an organization keeps (histories, activities, its record lists) is for it and for inspectors."""
    if principal.role == "inspector":
        return
    if principal.role == "organization" and principal.org_id == org_id:
        return
    raise ForbiddenError(f"only the owning organization and inspectors may read {what}", code=code)


def check_history_reader(principal: Principal, org_id: UUID) -> None:
    """Full edit histories are for the owning organization and for inspectors."""
    check_owner_or_inspector(principal, org_id, "a record's history", code="history_not_yours")


def check_is_the_volunteer(principal: Principal, volunteer_id: UUID, message: str, code: str) -> None:
    """Only the volunteer the data is about: neither their organization nor anyone else speaks for them here."""
    if principal.role != "volunteer" or principal.subject != str(volunteer_id):
        raise ForbiddenError(message, code=code)


def check_may_precheck(principal: Principal) -> None:
    """The online pre-check of an organization (线上抽查) is for inspectors and the registry that plans the spot
    checks; it reads no personal data beyond ids, so the registry may run it too. Never the organization itself:
    it would learn which of its records an inspector will question."""
    if principal.role not in ("inspector", "registry"):
        raise ForbiddenError("only inspectors and the registry may run an organization's pre-check",
                             code="precheck_not_allowed")


class AccessToken(VledgerAggregate):
    """A bearer token's hash, its role and scope."""

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    token_hash: str
    role: str
    subject: str
    org_id: UUID | None
    revoked: bool

    class Issued(VledgerAggregate.Created):
        token_hash: str
        role: str
        subject: str
        org_id: UUID | None

        def apply(self, aggregate: AccessToken) -> None:
            aggregate.token_hash = self.token_hash
            aggregate.role = self.role
            aggregate.subject = self.subject
            aggregate.org_id = self.org_id
            aggregate.revoked = False

    @classmethod
    def issue(cls, *, now: dt.datetime, actor: str, authority: str, secret: str, role: str, subject: str,
              org_id: UUID | None = None) -> AccessToken:
        """Record a new token by its hash; the secret itself is shown once and never stored."""
        if role not in ROLES:
            raise InvalidFieldError("role", f"expected one of {', '.join(ROLES)}")
        return cls._create(cls.Issued, id=uuid4(), timestamp=now, actor=actor, authority=authority,
                           token_hash=token_hash(secret), role=role, subject=subject, org_id=org_id)
