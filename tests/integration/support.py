"""Helpers of the integration tier: a small world of organizations, and raw reads of the views."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from api.application import VledgerApplication
from domain.access import Principal

# Custom star thresholds, so that a few hours of test data already earn stars (and so the setting is used).
THRESHOLDS = (5, 10, 15, 20, 25)
CST = dt.timezone(dt.timedelta(hours=8))
# 8 hours: 09:00 to 17:00 Beijing time
ACTIVITY_START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=CST)
ACTIVITY_END = dt.datetime(2026, 3, 1, 17, 0, tzinfo=CST)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_char(first17: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character, computed independently of the code under test."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


REGISTRY = Principal(role="registry", subject="registry")


def org_principal(org_id: UUID) -> Principal:
    return Principal(role="organization", subject=str(org_id), org_id=org_id)


def volunteer_principal(volunteer_id: UUID, org_id: UUID) -> Principal:
    return Principal(role="volunteer", subject=str(volunteer_id), org_id=org_id)


@dataclass
class Org:
    id: UUID
    principal: Principal
    volunteer_id: UUID
    activity_id: UUID


@dataclass
class World:
    """Two organizations, each with one volunteer and one 8-hour activity."""

    app: VledgerApplication
    a: Org
    b: Org


def add_org(app: VledgerApplication, name: str, volunteer: str, id17: str) -> Org:
    org_id = UUID(app.register_organization(REGISTRY, name=name, charter_purpose="组织开展志愿服务活动")["id"])
    principal = org_principal(org_id)
    volunteer_id = UUID(app.register_volunteer(principal, org_id, name=volunteer,
                                               id_number=with_check_char(id17))["id"])
    activity_id = UUID(app.create_activity(
        principal, org_id, name="社区敬老院陪伴", start=ACTIVITY_START, end=ACTIVITY_END, place="朝阳区某敬老院",
        recipients="敬老院老人", content="陪伴聊天、读报", leader="王五", recorder="赵六")["id"])
    return Org(org_id, principal, volunteer_id, activity_id)


def dump_views(app: VledgerApplication) -> dict[str, list[str]]:
    """Every row of every view table, in a stable order, read straight from the store."""
    out: dict[str, list[str]] = {}
    with app.views.store.transaction(commit=False) as c:
        for view in app.views.views:
            for table in view.tables:
                rows = c.execute(f"SELECT * FROM {table}").fetchall()
                out[table] = sorted(json.dumps(r, sort_keys=True, default=str) for r in rows)
    return out


def raw_rows(app: VledgerApplication, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Read a view without the read path's catch-up: what the store holds right now."""
    with app.views.store.transaction(commit=False) as c:
        return c.execute(sql, params).fetchall()


def all_notifications(app: VledgerApplication) -> list[Any]:
    notes: list[Any] = []
    start: int | None = None
    while True:
        page = app.recorder.select_notifications(start=start, limit=1000, inclusive_of_start=False)
        notes.extend(page)
        if len(page) < 1000:
            return notes
        start = page[-1].id
