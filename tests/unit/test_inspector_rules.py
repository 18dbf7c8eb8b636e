"""Inspectors and the account of their reads of personal data: who may make it, who may see it.

Sources: Gangcheng plan 000 四 (inspectors show credentials, recuse on conflicts: they act in their own name) and
七(一)3(2) (leaking volunteers' record information is a penalty-level finding); Hunan notice 001 二(二) (条例 art.36);
DESIGN §3 (the inspection key) and §7 (inspectors read everything).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic

from domain.access import Principal
from domain.base import (
    INSPECTION,
    REGISTRY,
    AuthorityMismatchError,
    check_authority_scope,
    check_created_authority,
    created_classes,
)
from domain.complaint import Complaint
from domain.draw import Draw
from domain.errors import ForbiddenError, InvalidFieldError
from domain.inspection import Inspection
from domain.inspector import Inspector, ReadReceipt, check_read_receipts_reader
from domain.organization import Organization
from domain.signing_key import SigningKey

NOW = dt.datetime(2026, 6, 10, 9, 30, tzinfo=dt.UTC)
INSPECTOR_ID = UUID("00000000-0000-0000-0000-0000000000aa")
VOLUNTEER_ID = UUID("00000000-0000-0000-0000-0000000000bb")
ORG_ID = UUID("00000000-0000-0000-0000-0000000000cc")


def receipt(what: str = "volunteer") -> ReadReceipt:
    return ReadReceipt.record(now=NOW, actor=f"inspector:{INSPECTOR_ID}", inspector_id=INSPECTOR_ID,
                              volunteer_id=VOLUNTEER_ID, what=what)


def test_the_registry_appoints_an_inspector_in_its_own_name() -> None:
    """Hunan notice 001 二(二): the bureau forms the inspection group (抽查小组) from its own staff."""
    inspector = Inspector.appoint(now=NOW, actor="registry:registry", name=" 王督查 ", region_code="430102")
    (event,) = inspector.collect_events()
    assert isinstance(event, Inspector.Appointed)
    assert event.authority == REGISTRY and event.actor == "registry:registry"
    assert inspector.name == "王督查" and inspector.region_code == "430102"


@pytest.mark.parametrize(("fields", "field"), [({"name": " "}, "name"), ({"region_code": "4301"}, "region_code")])
def test_an_inspector_needs_a_name_and_a_well_formed_region(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidFieldError) as caught:
        Inspector.appoint(now=NOW, actor="registry:registry", **{"name": "王督查", **fields})
    assert caught.value.field == field


@pytest.mark.parametrize("what", ["volunteer", "record", "history", "export"])
def test_a_read_receipt_names_the_inspector_the_volunteer_what_and_when(what: str) -> None:
    """Gangcheng plan 000 七(一)3(2): a read of a volunteer's record information is accounted for."""
    made = receipt(what)
    (event,) = made.collect_events()
    assert isinstance(event, ReadReceipt.PersonalDataRead)
    assert (event.actor, event.authority) == (f"inspector:{INSPECTOR_ID}", INSPECTION)
    assert (event.inspector_id, event.volunteer_id, event.what, event.timestamp) == (INSPECTOR_ID, VOLUNTEER_ID,
                                                                                     what, NOW)


def test_a_read_receipt_of_an_unknown_kind_of_data_is_refused() -> None:
    with pytest.raises(InvalidFieldError) as caught:
        receipt("everything")
    assert caught.value.field == "what"


def test_a_read_receipt_made_for_another_authority_is_refused_when_replayed() -> None:
    """DESIGN §3: receipts are the inspection key's alone — one made for the registry does not load."""
    (event,) = receipt().collect_events()
    object.__setattr__(event, "authority", REGISTRY)
    with pytest.raises(AuthorityMismatchError):
        event.mutate(None)


@pytest.mark.parametrize(("authority", "cls", "allowed"), [
    (INSPECTION, ReadReceipt, True),
    (INSPECTION, Inspection, True),  # spot checks are the inspection authority's too (issue 6) …
    (INSPECTION, Draw, True),
    (INSPECTION, Complaint, False),  # … but a complaint is the registry's record of what someone filed
    (REGISTRY, Inspection, False),
    (INSPECTION, Organization, False),  # the inspection key cannot register an organization …
    (INSPECTION, SigningKey, False),  # … nor a key
    (INSPECTION, None, False),
    (REGISTRY, ReadReceipt, False),  # and nobody else makes (or forges) an account of an inspector's read
    (str(ORG_ID), ReadReceipt, False),
    (REGISTRY, Organization, True),  # other aggregates are not this rule's business
    (str(ORG_ID), Inspector, True),
])
def test_the_inspection_authority_makes_only_what_is_bound_to_it(authority: str, cls: type | None,
                                                                        allowed: bool) -> None:
    if allowed:
        check_authority_scope(authority, cls, "event")
    else:
        with pytest.raises(AuthorityMismatchError):
            check_authority_scope(authority, cls, "event")


def test_a_forged_creating_event_is_checked_against_both_classes_it_could_make() -> None:
    """An Organization.Registered whose originator_topic names ReadReceipt: a repository would build a receipt
    from it and the directory view would list an organization. Neither authority may make it."""
    org = Organization.register(now=NOW, actor="registry:registry", name="伪造协会", charter_purpose="志愿服务")
    (event,) = org.collect_events()
    object.__setattr__(event, "originator_topic", get_topic(ReadReceipt))
    assert set(created_classes(event)) == {Organization, ReadReceipt}
    for authority in (INSPECTION, REGISTRY):
        object.__setattr__(event, "authority", authority)
        with pytest.raises(AuthorityMismatchError):
            check_created_authority(event, "event")


def test_an_honest_receipt_and_an_honest_registration_pass_the_creation_check() -> None:
    check_created_authority(receipt().collect_events()[0], "event")
    org = Organization.register(now=NOW, actor="registry:registry", name="协会", charter_purpose="志愿服务")
    check_created_authority(org.collect_events()[0], "event")


@pytest.mark.parametrize(("principal", "allowed"), [
    (Principal("volunteer", str(VOLUNTEER_ID), ORG_ID), True),
    (Principal("inspector", str(uuid4())), True),
    (Principal("volunteer", str(uuid4()), ORG_ID), False),
    (Principal("organization", str(ORG_ID), ORG_ID), False),
    (Principal("registry", "registry"), False),
])
def test_the_account_of_reads_is_for_the_volunteer_and_inspectors(principal: Principal, allowed: bool) -> None:
    """条例 art.20 (domain.md, Privacy): it is the volunteer's data that was read; the inspected organization does
    not learn which of its volunteers inspectors looked at."""
    if allowed:
        check_read_receipts_reader(principal, VOLUNTEER_ID)
    else:
        with pytest.raises(ForbiddenError):
            check_read_receipts_reader(principal, VOLUNTEER_ID)
