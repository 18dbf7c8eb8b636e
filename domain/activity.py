"""Volunteer activities with the Beijing minimum record fields (京民社区发〔2013〕99号 三(三))."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID, uuid4

from domain.base import VledgerAggregate, check_aware, check_text
from domain.errors import InvalidFieldError

MAX_ACTIVITY_DAYS = 31


class Activity(VledgerAggregate):
    """One activity (项目/活动) run by an organization."""

    ORG_OWNED = True

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID
    name: str
    start: dt.datetime
    end: dt.datetime
    place: str
    recipients: str
    content: str
    leader: str
    recorder: str
    category: str | None

    class Created(VledgerAggregate.Created):
        org_id: UUID
        name: str
        start: dt.datetime
        end: dt.datetime
        place: str
        recipients: str
        content: str
        leader: str
        recorder: str
        category: str | None

        def apply(self, aggregate: Activity) -> None:
            for field in ("org_id", "name", "start", "end", "place", "recipients", "content",
                          "leader", "recorder", "category"):
                setattr(aggregate, field, getattr(self, field))

    @property
    def duration_hours(self) -> Decimal:
        """The activity's own length in hours: no record may claim more."""
        seconds = Decimal(int((self.end - self.start).total_seconds()))
        return seconds / Decimal(3600)

    @classmethod
    def create(
        cls,
        *,
        now: dt.datetime,
        actor: str,
        org_id: UUID,
        name: str,
        start: dt.datetime,
        end: dt.datetime,
        place: str,
        recipients: str,
        content: str,
        leader: str,
        recorder: str,
        category: str | None = None,
        id: UUID | None = None,  # noqa: A002
    ) -> Activity:
        """Record an activity; plans may be entered before the activity takes place."""
        start = check_aware("start", start)
        end = check_aware("end", end)
        if end <= start:
            raise InvalidFieldError("end", "must be after start", code="activity_end_before_start")
        if end - start > dt.timedelta(days=MAX_ACTIVITY_DAYS):
            raise InvalidFieldError("end", f"an activity lasts at most {MAX_ACTIVITY_DAYS} days; split longer projects")
        return cls._create(
            cls.Created,
            id=id or uuid4(),
            timestamp=now,
            actor=actor,
            authority=str(org_id),
            org_id=org_id,
            name=check_text("name", name, max_length=100),
            start=start,
            end=end,
            place=check_text("place", place, max_length=200),
            recipients=check_text("recipients", recipients, max_length=200),
            content=check_text("content", content, max_length=2000),
            leader=check_text("leader", leader, max_length=50),
            recorder=check_text("recorder", recorder, max_length=50),
            category=check_text("category", category, max_length=50, required=False) or None,
        )
