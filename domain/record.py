"""Service records (志愿服务记录): hours a volunteer gave at one activity; amended only with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.base import VledgerAggregate, check_hours, check_text, check_yuan
from domain.correction import AMENDED, DECLINED, OPEN, Corrections, check_none_open, check_open, with_status
from domain.errors import InvalidFieldError, RuleViolationError
from domain.screening import ScreeningWarning, as_dicts, screen_record
from domain.workdays import china_date


def check_hours_within(hours: Decimal, activity_hours: Decimal) -> None:
    """Hours of one record cannot exceed the activity's own duration."""
    if hours > activity_hours:
        raise RuleViolationError(
            f"hours {hours} exceed the activity's duration of {activity_hours.quantize(Decimal('0.01'))} hours",
            code="hours_above_activity_duration",
        )


MAX_HOURS_PER_DAY = Decimal(24)

Span = tuple[dt.datetime, dt.datetime]


def service_day(activity_start: dt.datetime) -> dt.date:
    """The calendar day, in China time (UTC+8), that an activity's hours count toward.

    An activity that runs past midnight counts wholly toward the day it starts: hours are recorded per
    activity, not per clock hour, so they are not split across the two days.
    """
    return china_date(activity_start)


def check_not_recorded_twice(activity_id: UUID, other_activity_ids: Iterable[UUID]) -> None:
    """One volunteer has at most one record per activity; a wrong one is amended, not recorded again."""
    if activity_id in set(other_activity_ids):
        raise RuleViolationError("the volunteer already has a record for this activity; amend that record instead",
                                 code="duplicate_record")


def check_no_overlap(activity_span: Span, other_spans: Iterable[Span]) -> None:
    """A volunteer cannot serve at two activities at once: this activity's span may not overlap the span of any
    activity the volunteer already has a record for. Spans are half-open, so one activity may start exactly
    when the other ends."""
    start, end = activity_span
    for other_start, other_end in other_spans:
        if start < other_end and other_start < end:
            raise RuleViolationError(
                f"the volunteer already has a record for an activity from {other_start.isoformat()} to "
                f"{other_end.isoformat()}, which overlaps this activity ({start.isoformat()} to {end.isoformat()})",
                code="overlapping_activities",
            )


def check_day_total(day: dt.date, hours: Decimal, other_hours_that_day: Iterable[Decimal]) -> None:
    """A volunteer's recorded hours on one calendar day (see ``service_day``) cannot exceed 24."""
    others = sum(other_hours_that_day, Decimal(0))
    if hours + others > MAX_HOURS_PER_DAY:
        raise RuleViolationError(
            f"{hours} hours would bring the volunteer's recorded hours on {day.isoformat()} (China time) to "
            f"{hours + others}, more than {MAX_HOURS_PER_DAY} in a day",
            code="more_than_24_hours_in_a_day",
        )


class ServiceRecord(VledgerAggregate):
    """Hours, content and evaluation of one volunteer at one activity."""

    ORG_OWNED = True

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID
    activity_id: UUID
    volunteer_id: UUID
    hours: Decimal
    content: str
    evaluation: str
    paper_recorded_on: dt.date | None
    payment: Decimal | None  # 元 paid to the volunteer, when declared
    warnings: list[dict[str, str]]  # screening when recorded: the activity's and the record's own

    class Recorded(VledgerAggregate.Created):
        # Version 2 added payment and warnings; events stored before are upcast on reading (eventsourcing calls
        # ``upcast_v1_v2`` with the decoded state), so old logs still load.
        class_version = 2

        org_id: UUID
        activity_id: UUID
        volunteer_id: UUID
        hours: Decimal
        content: str
        evaluation: str
        paper_recorded_on: dt.date | None
        payment: Decimal | None
        warnings: list[dict[str, str]]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Records from before screening: no payment declared, no warnings."""
            state.setdefault("payment", None)
            state.setdefault("warnings", [])

        def apply(self, aggregate: ServiceRecord) -> None:
            for field in ("org_id", "activity_id", "volunteer_id", "hours", "content", "evaluation",
                          "paper_recorded_on", "payment"):
                setattr(aggregate, field, getattr(self, field))
            aggregate.warnings = [dict(w) for w in self.warnings]

    class Amended(VledgerAggregate.Event):
        changes: dict[str, dict[str, Any]]
        reason: str
        correction_id: UUID | None  # the volunteer's correction request this amendment resolves, if any

        # Version 2 added ``correction_id``; amendments stored before it resolve no request.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("correction_id", None)

        def apply(self, aggregate: ServiceRecord) -> None:
            for field, change in self.changes.items():
                setattr(aggregate, field, change["to"])
            if self.correction_id is not None:
                aggregate.corrections = with_status(aggregate.correction_states, self.correction_id, AMENDED)

    # -- corrections (domain.correction) ------------------------------------------------------------------------

    # Correction requests by id and state. Not set by Recorded: a record has none until one is raised, so it is
    # read through ``correction_states``.
    corrections: Corrections

    @property
    def correction_states(self) -> Corrections:
        """This record's correction requests and their states, oldest first (none for a new record)."""
        return getattr(self, "corrections", ())

    class CorrectionRequested(VledgerAggregate.Event):
        """The volunteer asks for a correction: proposed values (``{field: {"from", "to"}}``) and why."""

        correction_id: UUID
        proposed: dict[str, dict[str, Any]]
        reason: str

        def apply(self, aggregate: ServiceRecord) -> None:
            aggregate.corrections = with_status(aggregate.correction_states, self.correction_id, OPEN)

    class CorrectionDeclined(VledgerAggregate.Event):
        """The organization declines a correction request, saying why."""

        correction_id: UUID
        reason: str

        def apply(self, aggregate: ServiceRecord) -> None:
            aggregate.corrections = with_status(aggregate.correction_states, self.correction_id, DECLINED)

    @classmethod
    def record(
        cls,
        *,
        now: dt.datetime,
        actor: str,
        org_id: UUID,
        activity_id: UUID,
        activity_hours: Decimal,
        activity_end: dt.datetime,
        volunteer_id: UUID,
        hours: Any,
        content: str | None = None,
        evaluation: str | None = None,
        paper_recorded_on: dt.date | None = None,
        payment: Any = None,
        activity_subsidy: Decimal | None = None,
        activity_warnings: Iterable[Mapping[str, Any]] = (),
        id: UUID | None = None,  # noqa: A002
    ) -> ServiceRecord:
        """Record a volunteer's hours at an activity of the same organization, once it has ended.

        ``payment`` is what the volunteer was paid (元, optional); ``activity_subsidy`` is the activity's declared
        necessary subsidy per volunteer and ``activity_warnings`` its screening, copied onto the record so that
        everyone who sees the record sees them. The record's own screening (``domain.screening.screen_record``:
        pay beyond the subsidy, late completion, late entry of a paper record) is added; warnings never refuse.
        """
        if now < activity_end:
            # Hours are a record of service given; "hours" entered ahead of time are how bought hours look.
            raise RuleViolationError(f"the activity ends at {activity_end.isoformat()}; hours are recorded after it",
                                     code="activity_not_ended")
        checked = check_hours("hours", hours)
        check_hours_within(checked, activity_hours)
        if paper_recorded_on is not None:
            # Dates are China's: a sheet dated today at 07:00 in Beijing is not "in the future" at 23:00 UTC.
            if paper_recorded_on > china_date(now):
                raise InvalidFieldError("paper_recorded_on", "the paper record cannot be dated in the future")
            if paper_recorded_on < china_date(activity_end):
                raise InvalidFieldError("paper_recorded_on", "the paper record cannot be dated before the day the "
                                        "activity ended (China time)", code="paper_record_before_activity_end")
        paid = None if payment is None else check_yuan("payment", payment)
        warnings = [ScreeningWarning.from_dict(w) for w in activity_warnings]
        warnings += screen_record(activity_end=activity_end, subsidy=activity_subsidy, payment=paid,
                                  paper_recorded_on=paper_recorded_on, entered_at=now)
        return cls._create(
            cls.Recorded,
            id=id or uuid4(),
            timestamp=now,
            actor=actor,
            authority=str(org_id),
            org_id=org_id,
            activity_id=activity_id,
            volunteer_id=volunteer_id,
            hours=checked,
            content=check_text("content", content, max_length=2000, required=False),
            evaluation=check_text("evaluation", evaluation, max_length=500, required=False),
            paper_recorded_on=paper_recorded_on,
            payment=paid,
            warnings=as_dicts(warnings),
        )

    def amend(
        self,
        *,
        now: dt.datetime,
        actor: str,
        reason: str | None,
        activity_hours: Decimal,
        hours: Any = None,
        content: str | None = None,
        evaluation: str | None = None,
        correction_id: UUID | None = None,
    ) -> None:
        """Correct a record; the reason is kept in its history forever. Naming a volunteer's open correction
        request (``correction_id``) resolves it as amended."""
        if correction_id is not None:
            check_open(self.correction_states, correction_id)
        why = check_text("reason", reason, max_length=500)
        changes = self._changes(activity_hours, hours, content, evaluation)
        if not changes:
            raise RuleViolationError("the amendment changes nothing: give hours, content or evaluation that differ",
                                     code="amendment_without_change")
        self.trigger_event(self.Amended, timestamp=now, actor=actor, authority=str(self.org_id),
                           changes=changes, reason=why, correction_id=correction_id)

    def _changes(self, activity_hours: Decimal, hours: Any, content: str | None,
                 evaluation: str | None) -> dict[str, dict[str, Any]]:
        """The fields given that differ from the record, each as ``{"from": now, "to": given}``, checked as when
        the record was made."""
        proposed: dict[str, Any] = {}
        if hours is not None:
            proposed["hours"] = check_hours("hours", hours)
            check_hours_within(proposed["hours"], activity_hours)
        if content is not None:
            proposed["content"] = check_text("content", content, max_length=2000, required=False)
        if evaluation is not None:
            proposed["evaluation"] = check_text("evaluation", evaluation, max_length=500, required=False)
        return {field: {"from": getattr(self, field), "to": value}
                for field, value in proposed.items() if getattr(self, field) != value}

    def request_correction(
        self,
        *,
        now: dt.datetime,
        actor: str,
        reason: str | None,
        activity_hours: Decimal,
        hours: Any = None,
        content: str | None = None,
        evaluation: str | None = None,
        correction_id: UUID | None = None,
    ) -> UUID:
        """The volunteer asks for a correction (办法: the volunteer raises errors or gaps, the organization
        verifies and corrects): proposed hours, content or evaluation that differ from the record, and why.
        One open request per record (409)."""
        check_none_open(self.correction_states)
        why = check_text("reason", reason, max_length=500)
        proposed = self._changes(activity_hours, hours, content, evaluation)
        if not proposed:
            raise RuleViolationError("the request proposes no change: give hours, content or evaluation that differ "
                                     "from the record", code="correction_without_change")
        request_id = correction_id or uuid4()
        # Made for the organization (the record's authority, whose key signs it); the actor is the volunteer.
        self.trigger_event(self.CorrectionRequested, timestamp=now, actor=actor, authority=str(self.org_id),
                           correction_id=request_id, proposed=proposed, reason=why)
        return request_id

    def decline_correction(self, *, now: dt.datetime, actor: str, correction_id: UUID, reason: str | None) -> None:
        """The organization declines an open correction request with a reason the volunteer will read."""
        check_open(self.correction_states, correction_id)
        why = check_text("reason", reason, max_length=500)
        self.trigger_event(self.CorrectionDeclined, timestamp=now, actor=actor, authority=str(self.org_id),
                           correction_id=correction_id, reason=why)
