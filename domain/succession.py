"""Dissolution and succession: who issues certificates from the records of an organization that no longer exists.

domain.md, "Certificates": if an organization dissolves, its successor or supervising unit issues certificates from
its records (谁记录谁证明 — the records stay where they were kept; the right to certify them passes on). The registry
records the dissolution on the Organization (``Organization.Dissolved``, authority registry) naming the successor;
this module holds the rules that follow from the resulting map of dissolved organization → successor:

- a dissolved organization makes no more changes: no event of its authority (or by its tokens) is saved again;
- the organization now holding a dissolved one's records is found by following successors: a successor that is
  itself dissolved passes them on to its own (``holder_of``);
- that holder, and only it, issues certificates from them (``check_may_issue``), signing with its own key;
- and it is the custodian of what the dissolved organization issued: a wrong certificate of the dissolved
  organization is revoked by the holder (``check_may_revoke``). That revocation is the one event still saved for a
  dissolved authority (``is_custodial_revocation``): it belongs to the certificate, so it is made for the
  certificate's own authority and signed with the key the service keeps for it, with the holder as its actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from domain.access import Principal, check_acts_for
from domain.errors import ForbiddenError, LogIntegrityError

# Dissolved organization → the successor the registry named when dissolving it.
Successors = Mapping[UUID, UUID]


class OrganizationDissolvedError(ForbiddenError):
    """The organization was dissolved: its tokens no longer change anything (HTTP 403); the message names the
    successor that now holds its records."""

    code = "organization_dissolved"


def holder_of(org_id: UUID, successors: Successors) -> UUID:
    """The organization that now holds ``org_id``'s records: itself, or the end of its chain of successors.

    A successor must be registered and not dissolved when it is named, so chains cannot loop; a loop found here
    means the log says something the rules never allowed."""
    seen = {org_id}
    current = org_id
    while current in successors:
        current = successors[current]
        if current in seen:
            raise LogIntegrityError(f"the successors of organization {org_id} form a loop through {current}",
                                    code="succession_loop")
        seen.add(current)
    return current


def dissolved_message(org_id: UUID, successors: Successors) -> str:
    """What a dissolved organization's token is told: that it was dissolved, and who holds its records now."""
    successor = successors[org_id]
    holder = holder_of(org_id, successors)
    now_held = "" if holder == successor else f" (itself dissolved; its records are now held by {holder})"
    return (f"organization {org_id} was dissolved and can no longer make changes; its successor is organization "
            f"{successor}{now_held}, which issues certificates from its records")


def check_not_dissolved(org_id: UUID, successors: Successors) -> None:
    """A dissolved organization records, registers and issues nothing more (403, naming its successor)."""
    if org_id in successors:
        raise OrganizationDissolvedError(dissolved_message(org_id, successors))


def org_of_party(party: str) -> UUID | None:
    """The organization an event's authority or actor stands for: an organization id, or ``organization:<id>``."""
    text = party.removeprefix("organization:")
    try:
        return UUID(text)
    except ValueError:
        return None  # the registry, the inspection authority, a volunteer, an inspector: not an organization


def check_no_dissolved_party(parties: Iterable[str], successors: Successors) -> None:
    """No event to be saved is made for (authority) or by (actor) a dissolved organization: the one rule behind
    every refusal of a dissolved organization's writes, whatever the path (HTTP, a paper import)."""
    if not successors:
        return
    for party in parties:
        org_id = org_of_party(party)
        if org_id is not None:
            check_not_dissolved(org_id, successors)


def check_may_issue(principal: Principal, records_org_id: UUID, successors: Successors) -> UUID:
    """The organization that issues a certificate from ``records_org_id``'s records for this principal: the one
    that kept them (谁记录谁证明) or, once it is dissolved, the successor now holding them. Returns its id (its key
    signs the certificate)."""
    if principal.role == "organization" and principal.org_id is not None:
        check_not_dissolved(principal.org_id, successors)
        if principal.org_id == holder_of(records_org_id, successors):
            return principal.org_id
    if records_org_id in successors:
        raise ForbiddenError(f"organization {records_org_id} was dissolved; only the organization now holding its "
                             f"records ({holder_of(records_org_id, successors)}) issues certificates from them",
                             code="other_organization")
    check_acts_for(principal, records_org_id)
    return records_org_id


def check_may_revoke(principal: Principal, issuer_id: UUID, successors: Successors) -> None:
    """The organization that issued a certificate revokes it; once it is dissolved, the organization now holding
    its records does (a certificate found wrong must not stay valid for want of an issuer)."""
    if issuer_id in successors:
        holder = holder_of(issuer_id, successors)
        if principal.role == "organization" and principal.org_id == holder:
            return
        if principal.role == "organization" and principal.org_id == issuer_id:
            check_not_dissolved(issuer_id, successors)  # its own token: told it was dissolved, and who holds
        raise ForbiddenError(f"organization {issuer_id} was dissolved; only the organization now holding its "
                             f"records ({holder}) revokes its certificates", code="other_organization")
    check_acts_for(principal, issuer_id)


def is_custodial_revocation(authority: str, actor: str, successors: Successors) -> bool:
    """Whether an event for a dissolved ``authority`` is made by the organization now holding its records."""
    issuer, acting = org_of_party(authority), org_of_party(actor)
    return (issuer is not None and acting is not None and actor.startswith("organization:")
            and issuer in successors and acting == holder_of(issuer, successors))


def check_events_allowed(events: Iterable[Any], successors: Successors) -> None:
    """No event to be saved is made for or by a dissolved organization — except the revocation of one of its
    certificates by the organization now holding its records (``is_custodial_revocation``)."""
    from domain.certificate import Certificate  # the certificate module knows nothing of succession

    parties = {str(party) for event in events
               if not (isinstance(event, Certificate.Revoked)
                       and is_custodial_revocation(event.authority, event.actor, successors))
               for party in (getattr(event, "authority", ""), getattr(event, "actor", ""))}
    check_no_dissolved_party(parties, successors)
