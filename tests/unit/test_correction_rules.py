"""Corrections (domain/correction.py, ServiceRecord.request_correction / amend / decline_correction): a volunteer
asks, the organization amends or declines with a reason; one open request per record; an outcome once.

Source: 《志愿服务记录与证明出具办法（试行）》 (MCA, in force 2021-02-01), as the ministry summarized it on
2021-01-25: 志愿者发现本人的志愿服务信息记录有错误、缺漏的，可以向相关志愿服务组织提出，志愿服务组织应当及时核实、修改
(../shared/domain.md, "Corrections and history": nothing is deleted; the request and outcome stay in the history).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Mapper, StoredEvent

from api.core import event_transcoder
from domain.access import Principal
from domain.correction import check_requested_by_the_volunteer
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError, NotFoundError, RuleViolationError
from domain.record import ServiceRecord
from projections.history import correction_of, history_entry

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
ORG = uuid4()
VOLUNTEER = uuid4()
ORG_ACTOR = f"organization:{ORG}"
VOLUNTEER_ACTOR = f"volunteer:{VOLUNTEER}"
EIGHT = Decimal(8)


def record() -> ServiceRecord:
    made = ServiceRecord.record(now=NOW, actor=ORG_ACTOR, org_id=ORG, activity_id=uuid4(), activity_hours=EIGHT,
                                activity_end=NOW - dt.timedelta(hours=2), volunteer_id=VOLUNTEER, hours="6",
                                content="陪伴老人", evaluation="良好")
    made.collect_events()
    return made


def ask(r: ServiceRecord, **fields: Any) -> UUID:
    args: dict[str, Any] = {"reason": "签到表显示我服务了7小时", "hours": "7"}
    args.update(fields)
    return r.request_correction(now=NOW, actor=VOLUNTEER_ACTOR, activity_hours=EIGHT, **args)


def test_a_volunteers_request_is_an_event_of_the_record_made_for_the_organization() -> None:
    """The request is in the record's history: actor the volunteer, authority (and signing key) the organization."""
    r = record()
    correction_id = ask(r, content="陪伴老人、读报")
    (event,) = r.collect_events()
    assert isinstance(event, ServiceRecord.CorrectionRequested)
    assert (event.correction_id, event.actor, event.authority) == (correction_id, VOLUNTEER_ACTOR, str(ORG))
    assert event.proposed == {"hours": {"from": Decimal("6.00"), "to": Decimal("7.00")},
                              "content": {"from": "陪伴老人", "to": "陪伴老人、读报"}}
    assert event.reason == "签到表显示我服务了7小时"
    assert r.hours == Decimal(6)  # a request changes nothing until the organization amends


def test_a_second_open_request_on_one_record_is_a_conflict() -> None:
    r = record()
    ask(r)
    with pytest.raises(ConflictError) as caught:
        ask(r, hours="7.5")
    assert caught.value.code == "correction_already_open"


def test_a_request_needs_a_reason_and_a_proposal_that_differs_from_the_record() -> None:
    r = record()
    with pytest.raises(InvalidFieldError) as no_reason:
        ask(r, reason="  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(RuleViolationError) as same:
        ask(r, hours="6.00", content="陪伴老人")
    assert same.value.code == "correction_without_change"
    with pytest.raises(RuleViolationError) as nothing:
        ask(r, hours=None)
    assert nothing.value.code == "correction_without_change"
    assert r.version == 1


def test_a_request_for_more_hours_than_the_activity_lasted_is_refused_like_an_amendment() -> None:
    """Seed 000 五(1)2(9): recorded time must match what happened; the activity lasted 8 hours."""
    with pytest.raises(RuleViolationError) as caught:
        ask(record(), hours="9")
    assert caught.value.code == "hours_above_activity_duration"


def test_an_amendment_naming_the_request_resolves_it_and_a_new_request_may_follow() -> None:
    r = record()
    correction_id = ask(r)
    r.amend(now=NOW, actor=ORG_ACTOR, reason="核对签到表后更正", activity_hours=EIGHT, hours="7",
            correction_id=correction_id)
    assert r.correction_states == ((str(correction_id), "amended"),)
    assert r.hours == Decimal(7)
    amended = r.collect_events()[-1]
    assert isinstance(amended, ServiceRecord.Amended) and amended.correction_id == correction_id
    ask(r, content="陪伴老人、读报")  # the first is closed: another may be raised


def test_declining_needs_a_reason_and_closes_the_request() -> None:
    r = record()
    correction_id = ask(r)
    with pytest.raises(InvalidFieldError):
        r.decline_correction(now=NOW, actor=ORG_ACTOR, correction_id=correction_id, reason="")
    r.decline_correction(now=NOW, actor=ORG_ACTOR, correction_id=correction_id, reason="签到表记录为6小时")
    assert r.correction_states == ((str(correction_id), "declined"),)
    assert r.hours == Decimal(6)


@pytest.mark.parametrize("first", ["amend", "decline"])
@pytest.mark.parametrize("then", ["amend", "decline"])
def test_a_closed_request_cannot_be_resolved_again(first: str, then: str) -> None:
    r = record()
    correction_id = ask(r)

    def resolve(how: str, hours: str) -> None:
        if how == "amend":
            r.amend(now=NOW, actor=ORG_ACTOR, reason="更正", activity_hours=EIGHT, hours=hours,
                    correction_id=correction_id)
        else:
            r.decline_correction(now=NOW, actor=ORG_ACTOR, correction_id=correction_id, reason="不予更正")

    resolve(first, "7")
    version = r.version
    with pytest.raises(ConflictError) as caught:
        resolve(then, "7.5")
    assert caught.value.code == "correction_closed"
    assert r.version == version


def test_an_unknown_request_is_not_found_and_an_amendment_naming_it_writes_nothing() -> None:
    r = record()
    with pytest.raises(NotFoundError):
        r.decline_correction(now=NOW, actor=ORG_ACTOR, correction_id=uuid4(), reason="不予更正")
    with pytest.raises(NotFoundError):
        r.amend(now=NOW, actor=ORG_ACTOR, reason="更正", activity_hours=EIGHT, hours="7", correction_id=uuid4())
    assert r.version == 1 and r.hours == Decimal(6)


def test_an_amendment_without_a_request_leaves_an_open_request_open() -> None:
    r = record()
    correction_id = ask(r)
    r.amend(now=NOW, actor=ORG_ACTOR, reason="另行更正内容", activity_hours=EIGHT, content="陪伴老人、打扫")
    assert r.correction_states == ((str(correction_id), "open"),)


@pytest.mark.parametrize("principal", [
    Principal("organization", str(ORG), ORG),
    Principal("volunteer", str(uuid4()), ORG),
    Principal("inspector", str(uuid4())),
    Principal("registry", "registry"),
], ids=["the organization", "another volunteer", "an inspector", "the registry"])
def test_only_the_volunteer_the_record_is_about_asks_for_its_correction(principal: Principal) -> None:
    check_requested_by_the_volunteer(Principal("volunteer", str(VOLUNTEER), ORG), VOLUNTEER)
    with pytest.raises(ForbiddenError):
        check_requested_by_the_volunteer(principal, VOLUNTEER)


def test_an_amendment_stored_before_corrections_existed_still_decodes_and_resolves_nothing() -> None:
    """Amended v1 events (no ``correction_id``) are upcast on reading: old logs load."""
    mapper: Mapper[UUID] = Mapper(event_transcoder())
    r = record()
    r.amend(now=NOW, actor=ORG_ACTOR, reason="更正", activity_hours=EIGHT, hours="5")
    (event,) = r.collect_events()
    stored = mapper.to_stored_event(event)
    state = json.loads(stored.state)
    assert state.pop("class_version") == 2
    del state["correction_id"]
    decoded = mapper.to_domain_event(StoredEvent(stored.originator_id, stored.originator_version, stored.topic,
                                                 json.dumps(state).encode()))
    assert isinstance(decoded, ServiceRecord.Amended)
    assert decoded.correction_id is None
    fresh = record()
    object.__setattr__(decoded, "originator_id", fresh.id)
    decoded.mutate(fresh)
    assert fresh.hours == Decimal(5) and fresh.correction_states == ()


def test_the_history_shows_a_request_and_its_outcome_without_calling_them_changes() -> None:
    """The history's "changes" are what changed in the record: a request and a decline change nothing there;
    what was asked is shown as the entry's correction."""
    r = record()
    correction_id = ask(r)
    r.decline_correction(now=NOW, actor=ORG_ACTOR, correction_id=correction_id, reason="签到表记录为6小时")
    requested, declined = r.collect_events()
    assert history_entry(requested) == ({}, "签到表显示我服务了7小时")
    assert correction_of(requested) == {"id": str(correction_id), "step": "requested",
                                        "proposed": {"hours": {"from": "6.00", "to": "7.00"}}}
    assert history_entry(declined) == ({}, "签到表记录为6小时")
    assert correction_of(declined) == {"id": str(correction_id), "step": "declined"}
