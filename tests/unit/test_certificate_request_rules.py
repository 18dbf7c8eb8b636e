"""Certificate requests (domain/certificate_request.py): a volunteer asks, the organization issues from the request
or declines it with a reason; one open request per volunteer and organization; a decision is made once; the
request belongs to (is signed for) the organization that decides it.

Source: 条例 art.19 (certificates issued free of charge, truthfully, from the records); ../shared/domain.md,
"Certificates" (谁记录谁证明; a dissolved organization's successor issues from its records).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import uuid4

import pytest

from domain.access import Principal
from domain.base import AuthorityMismatchError, check_created_authority
from domain.certificate_request import (
    CertificateRequest,
    RequestStatus,
    check_asked_by_the_volunteer,
    check_none_open,
    check_request_reader,
)
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError, RuleViolationError, VledgerError

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
ORG = uuid4()
SUCCESSOR = uuid4()
VOLUNTEER = uuid4()
VOLUNTEER_ACTOR = f"volunteer:{VOLUNTEER}"
ORG_ACTOR = f"organization:{ORG}"


def ask(**fields: Any) -> CertificateRequest:
    args: dict[str, Any] = {"now": NOW, "actor": VOLUNTEER_ACTOR, "org_id": ORG, "records_org_id": ORG,
                            "volunteer_id": VOLUNTEER}
    args.update(fields)
    request = CertificateRequest.ask(**args)
    return request


def test_a_request_is_made_for_the_deciding_organization_and_is_open() -> None:
    request = ask(period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 5, 31), purpose="  升学  ")
    (event,) = request.collect_events()
    assert isinstance(event, CertificateRequest.CertificateRequested)
    assert (event.actor, event.authority, event.org_id, event.records_org_id) == (VOLUNTEER_ACTOR, str(ORG), ORG,
                                                                                  ORG)
    assert (request.status, request.purpose, request.period_start) == ("open", "升学", dt.date(2026, 1, 1))
    assert not hasattr(event, "fee")  # certificates are free: nothing to charge is even recorded


def test_a_successors_request_is_signed_for_the_successor_not_the_dissolved_organization() -> None:
    request = ask(org_id=SUCCESSOR, records_org_id=ORG)
    (event,) = request.collect_events()
    assert isinstance(event, CertificateRequest.CertificateRequested)
    assert (event.authority, event.records_org_id) == (str(SUCCESSOR), ORG)
    check_created_authority(event, "the request")  # an ORG_OWNED aggregate of its authority: allowed


def test_a_request_claiming_another_organizations_authority_is_refused_on_load() -> None:
    """ORG_OWNED: the authority (whose key signs) must be the deciding organization itself."""
    request = ask()
    (event,) = request.collect_events()
    forged = CertificateRequest.CertificateRequested(**{**event.__dict__, "authority": str(uuid4())})
    with pytest.raises(AuthorityMismatchError):
        check_created_authority(forged, "the forged request")


@pytest.mark.parametrize("fields, error, code", [
    ({"period_start": dt.date(2026, 5, 1), "period_end": dt.date(2026, 4, 1)}, RuleViolationError, "empty_period"),
    ({"period_start": dt.datetime(2026, 5, 1, tzinfo=dt.UTC)}, InvalidFieldError, "invalid_field"),
    ({"purpose": "升" * 101}, InvalidFieldError, "invalid_field"),
    ({"purpose": "求职\x00"}, InvalidFieldError, "invalid_field"),
])
def test_bad_requests_are_refused_before_any_event(fields: dict[str, Any], error: type[VledgerError],
                                                   code: str) -> None:
    with pytest.raises(error) as raised:
        ask(**fields)
    assert raised.value.code == code


def test_the_organization_fulfils_it_naming_the_certificate() -> None:
    request = ask()
    request.collect_events()
    certificate_id = uuid4()
    request.fulfil(now=NOW, actor=ORG_ACTOR, certificate_id=certificate_id)
    (event,) = request.collect_events()
    assert isinstance(event, CertificateRequest.RequestFulfilled)
    assert (event.certificate_id, event.authority, event.actor) == (certificate_id, str(ORG), ORG_ACTOR)
    assert (request.status, request.certificate_id) == (RequestStatus.FULFILLED.value, certificate_id)


def test_a_decline_needs_a_reason_and_keeps_it() -> None:
    request = ask()
    with pytest.raises(InvalidFieldError):
        request.decline(now=NOW, actor=ORG_ACTOR, reason="   ")
    assert request.status == "open"
    request.decline(now=NOW, actor=ORG_ACTOR, reason="所选期间内没有服务记录")
    assert (request.status, request.decline_reason) == ("declined", "所选期间内没有服务记录")


@pytest.mark.parametrize("first", ["fulfil", "decline"])
@pytest.mark.parametrize("second", ["fulfil", "decline"])
def test_a_request_is_decided_once(first: str, second: str) -> None:
    request = ask()

    def decide(how: str) -> None:
        if how == "fulfil":
            request.fulfil(now=NOW, actor=ORG_ACTOR, certificate_id=uuid4())
        else:
            request.decline(now=NOW, actor=ORG_ACTOR, reason="无记录")

    decide(first)
    status = request.status
    with pytest.raises(ConflictError) as raised:
        decide(second)
    assert raised.value.code == "request_closed"
    assert request.status == status


def test_one_open_request_per_volunteer_and_organization() -> None:
    check_none_open([])
    with pytest.raises(ConflictError) as raised:
        check_none_open(["r1"])
    assert raised.value.code == "request_already_open"


@pytest.mark.parametrize("principal, allowed", [
    (Principal("volunteer", str(VOLUNTEER), ORG), True),
    (Principal("volunteer", str(uuid4()), ORG), False),
    (Principal("organization", str(ORG), ORG), False),
    (Principal("inspector", str(uuid4())), False),
    (Principal("registry", "registry"), False),
])
def test_only_the_volunteer_asks(principal: Principal, allowed: bool) -> None:
    if allowed:
        check_asked_by_the_volunteer(principal, VOLUNTEER)
    else:
        with pytest.raises(ForbiddenError):
            check_asked_by_the_volunteer(principal, VOLUNTEER)


@pytest.mark.parametrize("principal, allowed", [
    (Principal("volunteer", str(VOLUNTEER), ORG), True),
    (Principal("organization", str(SUCCESSOR), SUCCESSOR), True),  # decides it
    (Principal("organization", str(ORG), ORG), True),  # kept the records
    (Principal("inspector", str(uuid4())), True),
    (Principal("volunteer", str(uuid4()), ORG), False),
    (Principal("organization", str(uuid4()), uuid4()), False),
    (Principal("registry", "registry"), False),
])
def test_who_reads_a_request(principal: Principal, allowed: bool) -> None:
    if allowed:
        check_request_reader(principal, SUCCESSOR, ORG, VOLUNTEER)
    else:
        with pytest.raises(ForbiddenError):
            check_request_reader(principal, SUCCESSOR, ORG, VOLUNTEER)


def test_the_requests_preview_counts_a_record_on_its_china_day_as_the_certificate_will() -> None:
    """Found in review: 23:30 UTC on 1 March is 2 March in China; a certificate for a period ending 1 March leaves
    that record out (domain.certificate.summarize uses service_day), so the preview must too."""
    from api.usecases.certificate_requests import records_in_period

    row = {"period_start": "2026-03-01", "period_end": "2026-03-01"}
    late_evening_utc = {"start_at": "2026-03-01T23:30:00+00:00", "centi_hours": 200}
    morning_china = {"start_at": "2026-03-01T09:00:00+08:00", "centi_hours": 300}
    assert records_in_period(row, [late_evening_utc, morning_china]) == {"count": 1, "hours": "3.00"}
