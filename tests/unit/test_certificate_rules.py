"""Certificates: issued only from records, summarized over a period, revoked once with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.certificate import Certificate, certificate_number, summarize
from domain.errors import ConflictError, InvalidFieldError, RuleViolationError

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ORG = uuid4()
ACTOR = f"organization:{ORG}"


def rec(day: dt.date, hours: str, version: int = 1) -> dict[str, Any]:
    return {"id": uuid4(), "version": version, "hours": Decimal(hours), "day": day}


JAN = rec(dt.date(2026, 1, 10), "2.5")
FEB = rec(dt.date(2026, 2, 14), "4", version=3)
MAR = rec(dt.date(2026, 3, 1), "6.25")
RECORDS = [FEB, JAN, MAR]


def test_without_a_period_every_record_counts_and_the_period_spans_them() -> None:
    chosen, total, start, end = summarize(RECORDS, None, None)
    assert {r["id"] for r in chosen} == {JAN["id"], FEB["id"], MAR["id"]}
    assert total == Decimal("12.75")
    assert (start, end) == (dt.date(2026, 1, 10), dt.date(2026, 3, 1))


def test_with_a_period_only_the_records_inside_it_count_and_the_period_is_kept_as_asked() -> None:
    chosen, total, start, end = summarize(RECORDS, dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    assert [r["id"] for r in chosen] == [FEB["id"], MAR["id"]]
    assert chosen[0]["version"] == 3
    assert total == Decimal("10.25")
    assert (start, end) == (dt.date(2026, 2, 1), dt.date(2026, 3, 1))


def test_period_bounds_are_inclusive() -> None:
    chosen, total, _, _ = summarize(RECORDS, dt.date(2026, 1, 10), dt.date(2026, 1, 10))
    assert [r["id"] for r in chosen] == [JAN["id"]]
    assert total == Decimal("2.5")


def test_an_open_ended_period_takes_its_other_bound_from_the_records() -> None:
    _, total, start, end = summarize(RECORDS, dt.date(2026, 2, 1), None)
    assert (total, start, end) == (Decimal("10.25"), dt.date(2026, 2, 1), dt.date(2026, 3, 1))
    _, total, start, end = summarize(RECORDS, None, dt.date(2026, 2, 28))
    assert (total, start, end) == (Decimal("6.5"), dt.date(2026, 1, 10), dt.date(2026, 2, 28))


@pytest.mark.parametrize(("records", "start", "end"), [
    ([], None, None),
    (RECORDS, dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    (RECORDS, dt.date(2026, 3, 2), None),
])
def test_a_certificate_without_records_in_the_period_is_refused(records: list[dict[str, Any]],
                                                               start: dt.date | None, end: dt.date | None) -> None:
    with pytest.raises(RuleViolationError) as caught:
        summarize(records, start, end)
    assert caught.value.code == "no_records"


def test_a_reversed_period_is_reported_as_such() -> None:
    with pytest.raises(RuleViolationError) as caught:
        summarize(RECORDS, dt.date(2026, 3, 1), dt.date(2026, 1, 1))
    assert caught.value.code == "empty_period"


def issue(records: list[dict[str, Any]] | None = None, cid: UUID | None = None) -> Certificate:
    return Certificate.issue(
        now=NOW, actor=ACTOR, id=cid or uuid4(), org_id=ORG, volunteer_id=uuid4(), masked_name="张*明",
        hours=Decimal("12.75"), period_start=dt.date(2026, 1, 10), period_end=dt.date(2026, 3, 1),
        issue_date=dt.date(2026, 3, 10),
        records=records if records is not None else [{"id": r["id"], "version": r["version"], "hours": r["hours"]}
                                                     for r in RECORDS],
        key_id="0a1b2c3d", code="AAAA")


def test_a_certificate_is_numbered_by_issue_date_and_its_random_id() -> None:
    cid = UUID("3f2a9c1e-0000-4000-8000-000000000000")
    assert certificate_number(cid, dt.date(2026, 3, 10)) == "VC202603103F2A9C1E0000"
    assert issue(cid=cid).number == "VC202603103F2A9C1E0000"


def test_an_issued_certificate_names_the_records_and_versions_it_was_built_from() -> None:
    certificate = issue()
    assert [(r["id"], r["version"]) for r in certificate.records] == [(r["id"], r["version"]) for r in RECORDS]
    assert not certificate.revoked
    (event,) = certificate.collect_events()
    assert isinstance(event, Certificate.Issued)
    assert event.authority == str(ORG) and event.actor == ACTOR


def test_a_certificate_cannot_be_issued_from_no_records() -> None:
    with pytest.raises(RuleViolationError) as caught:
        issue(records=[])
    assert caught.value.code == "no_records"


def test_a_revoked_certificate_keeps_its_reason() -> None:
    certificate = issue()
    certificate.revoke(now=NOW, actor=ACTOR, reason="记录核查有误")
    assert certificate.revoked
    assert certificate.revocation_reason == "记录核查有误"
    assert isinstance(certificate.collect_events()[-1], Certificate.Revoked)


def test_revoking_twice_is_a_conflict() -> None:
    certificate = issue()
    certificate.revoke(now=NOW, actor=ACTOR, reason="记录核查有误")
    with pytest.raises(ConflictError) as caught:
        certificate.revoke(now=NOW, actor=ACTOR, reason="again")
    assert caught.value.code == "already_revoked"
    assert certificate.version == 2


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_a_revocation_needs_a_reason(reason: str | None) -> None:
    certificate = issue()
    with pytest.raises(InvalidFieldError) as caught:
        certificate.revoke(now=NOW, actor=ACTOR, reason=reason)
    assert caught.value.field == "reason"
    assert not certificate.revoked
