"""Volunteer activities with the Beijing minimum record fields (京民社区发〔2013〕99号 三(三)), a category, and the
fee participants pay and the necessary subsidy volunteers get, both declared so that screening can judge them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from domain.base import VledgerAggregate, check_aware, check_text, check_yuan
from domain.errors import InvalidFieldError
from domain.screening import ActivityCategory, as_dicts, parse_category, screen_activity

__all__ = ["MAX_ACTIVITY_DAYS", "Activity", "ActivityCategory"]

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
    category: str | None  # an ActivityCategory value; free text in events made before the set existed
    fee: Decimal  # 元 each participant is charged
    subsidy: Decimal  # 元 of necessary subsidy (meals, transport, insurance) per volunteer
    warnings: list[dict[str, str]]  # screening at creation: {code, message, source}

    class Created(VledgerAggregate.Created):
        # Version 2 added fee, subsidy and warnings; events stored before carry none of them and are upcast on
        # reading (eventsourcing calls ``upcast_v1_v2`` with the decoded state), so old logs still load.
        class_version = 2

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
        fee: Decimal
        subsidy: Decimal
        warnings: list[dict[str, str]]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """Events from before fees and subsidies were declared: nothing charged, no subsidy, unscreened."""
            state.setdefault("fee", Decimal("0.00"))
            state.setdefault("subsidy", Decimal("0.00"))
            state.setdefault("warnings", [])

        def apply(self, aggregate: Activity) -> None:
            for field in ("org_id", "name", "start", "end", "place", "recipients", "content",
                          "leader", "recorder", "category", "fee", "subsidy"):
                setattr(aggregate, field, getattr(self, field))
            aggregate.warnings = [dict(w) for w in self.warnings]

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
        category: ActivityCategory | str | None = None,
        fee: Any = 0,
        subsidy: Any = 0,
        id: UUID | None = None,  # noqa: A002
    ) -> Activity:
        """Record an activity; plans may be entered before the activity takes place.

        ``category`` is an ``ActivityCategory`` or its code or Chinese name (optional); ``fee`` is what each
        participant is charged and ``subsidy`` the necessary subsidy per volunteer, in 元 (default 0). An activity
        of an excluded kind or with a fee is accepted with warnings (``domain.screening.screen_activity``)."""
        start = check_aware("start", start)
        end = check_aware("end", end)
        if end <= start:
            raise InvalidFieldError("end", "must be after start", code="activity_end_before_start")
        if end - start > dt.timedelta(days=MAX_ACTIVITY_DAYS):
            raise InvalidFieldError("end", f"an activity lasts at most {MAX_ACTIVITY_DAYS} days; split longer projects")
        checked = {
            "name": check_text("name", name, max_length=100),
            "place": check_text("place", place, max_length=200),
            "recipients": check_text("recipients", recipients, max_length=200),
            "content": check_text("content", content, max_length=2000),
            "leader": check_text("leader", leader, max_length=50),
            "recorder": check_text("recorder", recorder, max_length=50),
        }
        kind = parse_category(category)
        fee_yuan = check_yuan("fee", 0 if fee is None else fee)
        subsidy_yuan = check_yuan("subsidy", 0 if subsidy is None else subsidy)
        warnings = screen_activity(category=kind, name=checked["name"], content=checked["content"], fee=fee_yuan,
                                   subsidy=subsidy_yuan, start=start, end=end)
        return cls._create(
            cls.Created,
            id=id or uuid4(),
            timestamp=now,
            actor=actor,
            authority=str(org_id),
            org_id=org_id,
            start=start,
            end=end,
            **checked,
            category=kind.value if kind else None,
            fee=fee_yuan,
            subsidy=subsidy_yuan,
            warnings=as_dicts(warnings),
        )
