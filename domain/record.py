"""Service records (志愿服务记录): hours a volunteer gave at one activity; amended only with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.base import VledgerAggregate, check_hours, check_text
from domain.errors import InvalidFieldError, RuleViolationError


def check_hours_within(hours: Decimal, activity_hours: Decimal) -> None:
    """Hours of one record cannot exceed the activity's own duration."""
    if hours > activity_hours:
        raise RuleViolationError(
            f"hours {hours} exceed the activity's duration of {activity_hours.quantize(Decimal('0.01'))} hours",
            code="hours_above_activity_duration",
        )


CHINA_TIME = dt.timezone(dt.timedelta(hours=8))
MAX_HOURS_PER_DAY = Decimal(24)

Span = tuple[dt.datetime, dt.datetime]


def service_day(activity_start: dt.datetime) -> dt.date:
    """The calendar day, in China time (UTC+8), that an activity's hours count toward.

    An activity that runs past midnight counts wholly toward the day it starts: hours are recorded per
    activity, not per clock hour, so they are not split across the two days.
    """
    return activity_start.astimezone(CHINA_TIME).date()


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

    class Recorded(VledgerAggregate.Created):
        org_id: UUID
        activity_id: UUID
        volunteer_id: UUID
        hours: Decimal
        content: str
        evaluation: str
        paper_recorded_on: dt.date | None

        def apply(self, aggregate: ServiceRecord) -> None:
            for field in ("org_id", "activity_id", "volunteer_id", "hours", "content", "evaluation",
                          "paper_recorded_on"):
                setattr(aggregate, field, getattr(self, field))

    class Amended(VledgerAggregate.Event):
        changes: dict[str, dict[str, Any]]
        reason: str

        def apply(self, aggregate: ServiceRecord) -> None:
            for field, change in self.changes.items():
                setattr(aggregate, field, change["to"])

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
        id: UUID | None = None,  # noqa: A002
    ) -> ServiceRecord:
        """Record a volunteer's hours at an activity of the same organization, once it has ended."""
        if now < activity_end:
            # Hours are a record of service given; "hours" entered ahead of time are how bought hours look.
            raise RuleViolationError(f"the activity ends at {activity_end.isoformat()}; hours are recorded after it",
                                     code="activity_not_ended")
        checked = check_hours("hours", hours)
        check_hours_within(checked, activity_hours)
        if paper_recorded_on is not None and paper_recorded_on > now.date():
            raise InvalidFieldError("paper_recorded_on", "the paper record cannot be dated in the future")
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
    ) -> None:
        """Correct a record; the reason is kept in its history forever."""
        why = check_text("reason", reason, max_length=500)
        proposed: dict[str, Any] = {}
        if hours is not None:
            proposed["hours"] = check_hours("hours", hours)
            check_hours_within(proposed["hours"], activity_hours)
        if content is not None:
            proposed["content"] = check_text("content", content, max_length=2000, required=False)
        if evaluation is not None:
            proposed["evaluation"] = check_text("evaluation", evaluation, max_length=500, required=False)
        changes = {
            field: {"from": getattr(self, field), "to": value}
            for field, value in proposed.items()
            if getattr(self, field) != value
        }
        if not changes:
            raise RuleViolationError("the amendment changes nothing: give hours, content or evaluation that differ",
                                     code="amendment_without_change")
        self.trigger_event(self.Amended, timestamp=now, actor=actor, authority=str(self.org_id),
                           changes=changes, reason=why)
