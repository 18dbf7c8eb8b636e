"""Dissolution and succession (domain/organization.py ``dissolve``, domain/succession.py): the registry records
that an organization was dissolved and names a successor, which issues certificates from its records; chains pass
the records on; a dissolved organization changes nothing any more.

Source: ../shared/domain.md, "Certificates": if an organization dissolves, its successor or supervising unit issues
certificates from its records (谁记录谁证明: the records stay, the right to certify them passes on).
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID, uuid4

import pytest

from domain.access import Principal
from domain.base import REGISTRY
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError, LogIntegrityError, RuleViolationError
from domain.organization import Organization
from domain.succession import (
    OrganizationDissolvedError,
    check_may_issue,
    check_no_dissolved_party,
    check_not_dissolved,
    holder_of,
)

NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
ACTOR = "registry:registry"


def organization(name: str) -> Organization:
    org = Organization.register(now=NOW, actor=ACTOR, name=name, charter_purpose="志愿服务")
    org.collect_events()
    return org


def org_principal(org_id: UUID) -> Principal:
    return Principal("organization", str(org_id), org_id)


def test_the_registry_dissolves_naming_a_successor() -> None:
    old, new = organization("甲志愿者协会"), organization("乙志愿者协会")
    old.dissolve(now=NOW, actor=ACTOR, successor=new, reason="  理事会决议注销  ")
    (event,) = old.collect_events()
    assert isinstance(event, Organization.Dissolved)
    # The Organization aggregate belongs to the registry: the event is the registry's, signed by the root key.
    assert (event.authority, event.actor, event.successor_id, event.reason) == (REGISTRY, ACTOR, new.id,
                                                                                "理事会决议注销")
    assert (old.dissolved, old.successor_id) == (True, new.id)
    assert (new.dissolved, new.successor_id) == (False, None)


def test_a_dissolution_needs_a_reason() -> None:
    old, new = organization("甲"), organization("乙")
    with pytest.raises(InvalidFieldError):
        old.dissolve(now=NOW, actor=ACTOR, successor=new, reason=" ")
    assert not old.dissolved and not old.collect_events()


def test_an_organization_is_not_its_own_successor() -> None:
    old = organization("甲")
    with pytest.raises(RuleViolationError) as raised:
        old.dissolve(now=NOW, actor=ACTOR, successor=old, reason="注销")
    assert raised.value.code == "successor_is_itself"
    assert not old.dissolved


def test_a_dissolved_organization_cannot_be_a_successor_nor_be_dissolved_again() -> None:
    a, b, c = organization("甲"), organization("乙"), organization("丙")
    b.dissolve(now=NOW, actor=ACTOR, successor=c, reason="合并")
    with pytest.raises(ConflictError) as raised:
        a.dissolve(now=NOW, actor=ACTOR, successor=b, reason="注销")
    assert raised.value.code == "successor_dissolved" and str(c.id) in raised.value.message
    with pytest.raises(ConflictError) as again:
        b.dissolve(now=NOW, actor=ACTOR, successor=a, reason="再次注销")
    assert again.value.code == "already_dissolved"
    assert b.successor_id == c.id


A, B, C, D = uuid4(), uuid4(), uuid4(), uuid4()


@pytest.mark.parametrize("org_id, successors, holder", [
    (A, {}, A),
    (A, {A: B}, B),
    (A, {A: B, B: C}, C),  # a successor that dissolves passes the records on
    (B, {A: B}, B),
    (D, {A: B, B: C}, D),
])
def test_who_holds_the_records(org_id: UUID, successors: dict[UUID, UUID], holder: UUID) -> None:
    assert holder_of(org_id, successors) == holder


def test_a_loop_of_successors_is_a_log_integrity_error_not_a_hang() -> None:
    with pytest.raises(LogIntegrityError):
        holder_of(A, {A: B, B: A})


@pytest.mark.parametrize("principal, successors, expected", [
    (org_principal(A), {}, A),  # the organization that kept the records
    (org_principal(B), {A: B}, B),  # its successor, signing with its own key
    (org_principal(C), {A: B, B: C}, C),  # the end of the chain
    (org_principal(A), {A: B}, "organization_dissolved"),  # the dissolved one itself
    (org_principal(B), {A: B, B: C}, "organization_dissolved"),  # a successor that dissolved in turn
    (org_principal(D), {A: B}, "other_organization"),  # a third organization
    (org_principal(B), {}, "other_organization"),  # not dissolved: no successor issues
    (Principal("volunteer", str(uuid4()), A), {}, "other_organization"),
    (Principal("inspector", str(uuid4())), {A: B}, "other_organization"),
    (Principal("registry", "registry"), {A: B}, "other_organization"),
])
def test_who_may_issue_from_the_records_of_a(principal: Principal, successors: dict[UUID, UUID],
                                             expected: UUID | str) -> None:
    if isinstance(expected, UUID):
        assert check_may_issue(principal, A, successors) == expected
    else:
        with pytest.raises(ForbiddenError) as raised:
            check_may_issue(principal, A, successors)
        assert raised.value.code == expected


def test_the_refusal_names_the_successor_and_who_holds_the_records_now() -> None:
    with pytest.raises(OrganizationDissolvedError) as raised:
        check_not_dissolved(A, {A: B, B: C})
    assert "dissolved" in raised.value.message
    assert str(B) in raised.value.message and str(C) in raised.value.message


@pytest.mark.parametrize("parties, refused", [
    ([str(A)], True),  # an event made for A's authority (signed with A's key)
    ([f"organization:{A}"], True),  # an event A's token made for the registry (e.g. asking for identification)
    ([str(B), f"organization:{B}"], False),
    ([REGISTRY, "registry:registry", "inspection", f"volunteer:{A}", f"inspector:{A}"], False),
    ([f"volunteer:{uuid4()}", str(A)], True),  # a volunteer's correction on A's record: A cannot answer it
])
def test_nothing_is_saved_for_or_by_a_dissolved_organization(parties: list[str], refused: bool) -> None:
    if refused:
        with pytest.raises(OrganizationDissolvedError):
            check_no_dissolved_party(parties, {A: B})
    else:
        check_no_dissolved_party(parties, {A: B})


def test_only_the_holder_of_a_dissolved_organizations_records_revokes_its_certificates() -> None:
    """domain.md, "Certificates": the successor issues from a dissolved organization's records — and so answers
    for what it issued: a wrong certificate is revoked by the organization now holding the records."""
    from domain.succession import check_may_revoke, is_custodial_revocation

    issuer, successor, heir, stranger = (uuid4() for _ in range(4))
    chain = {issuer: successor, successor: heir}  # the successor itself dissolved: the heir holds everything

    def org(org_id: UUID) -> Principal:
        return Principal(role="organization", subject=str(org_id), org_id=org_id)

    check_may_revoke(org(heir), issuer, chain)
    with pytest.raises(OrganizationDissolvedError):
        check_may_revoke(org(issuer), issuer, chain)
    for other in (successor, stranger):
        with pytest.raises(ForbiddenError):
            check_may_revoke(org(other), issuer, chain)
    check_may_revoke(org(stranger), stranger, chain)  # a living issuer revokes its own, as ever
    assert is_custodial_revocation(str(issuer), f"organization:{heir}", chain)
    assert not is_custodial_revocation(str(issuer), f"organization:{successor}", chain)
    assert not is_custodial_revocation(str(issuer), f"organization:{issuer}", chain)
    assert not is_custodial_revocation(str(stranger), f"organization:{stranger}", chain)  # not dissolved
