"""The annual list of identified volunteer organizations (Hunan notice 001 二(一): published each year by 30 June; at
least 20 identified organizations per million residents), `GET /api/v1/reports/identified-organizations/{year}`
(JSON) and `…/{year}.csv`, both public.

The service runs on a clock the test moves, so that identifications and withdrawals happen on chosen days around
the cut-off (30 June, China time). The directory view keeps only the current state: an organization identified in
March and withdrawn in August is on that year's list though the directory no longer marks it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.application import VledgerApplication
from api.demo import sample_credit_code
from api.inspection_summary import IDENTIFIED_COLUMNS, RATIO_COLUMNS
from api.settings import Settings
from domain.access import Principal
from tests.api.http_world import assert_error_body, make_client

REGISTRY = Principal(role="registry", subject="registry")
CST = dt.timezone(dt.timedelta(hours=8))
POPULATIONS = {"110105": 100_000, "110108": 200_000}


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=CST)


@dataclass
class Clock:
    now: dt.datetime = at(2025, 1, 2)

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Service:
    app: VledgerApplication
    clock: Clock
    client: TestClient
    rng: random.Random


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", region_populations=POPULATIONS)


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    clock = Clock()
    app, _, _ = VledgerApplication.initialize(settings, clock=clock)
    try:
        yield Service(app, clock, make_client(app), random.Random(6))
    finally:
        app.close()


def register(s: Service, when: dt.datetime, name: str, region: str, *, volunteer: bool = True) -> str:
    """Registered on ``when``; a civil-affairs social organization whose name and charter are of volunteer service
    is identified directly there and then (Hunan notice 001 二(一))."""
    s.clock.now = when
    made = s.app.register_organization(REGISTRY, name=name, region_code=region,
                                       charter_purpose="为社区居民提供志愿服务" if volunteer else "开展文化交流活动",
                                       credit_code=sample_credit_code(s.rng, region[:6]))
    assert made["identified"] is volunteer
    return str(made["id"])


def amend(s: Service, when: dt.datetime, org: str, purpose: str) -> None:
    s.clock.now = when
    s.app.amend_charter(REGISTRY, UUID(org), charter_purpose=purpose, reason="章程修改经核准")


def withdraw(s: Service, when: dt.datetime, org: str) -> None:
    amend(s, when, org, "开展文化交流活动")  # no longer volunteer service: the mark is withdrawn with it


@dataclass
class Orgs:
    listed: dict[str, str]
    not_listed: dict[str, str]


def around_the_cutoff(s: Service) -> Orgs:
    listed = {
        "march": register(s, at(2025, 3, 1), "朝阳区阳光志愿者协会", "110105"),
        # The last minute of 30 June, China time (15:59 UTC): still in.
        "last_minute": register(s, at(2025, 6, 30, 23, 59), "朝阳区助老志愿者协会", "110105001"),
        "late_withdrawal": register(s, at(2025, 2, 1), "朝阳区义工联合会", "110105"),
        "re_identified": register(s, at(2025, 1, 10), "芙蓉区志愿服务促进会", "430102"),
    }
    not_listed = {
        "july": register(s, at(2025, 7, 1, 0, 1), "朝阳区青年志愿者协会", "110105"),
        "early_withdrawal": register(s, at(2025, 2, 1), "朝阳区环保志愿者协会", "110105"),
        "never": register(s, at(2025, 2, 1), "朝阳区文化交流协会", "110105", volunteer=False),
    }
    withdraw(s, at(2025, 5, 1), not_listed["early_withdrawal"])
    withdraw(s, at(2025, 8, 1), listed["late_withdrawal"])
    # Withdrawn in April, identified again (directly, by its amended charter) in May: on the list.
    withdraw(s, at(2025, 4, 1), listed["re_identified"])
    amend(s, at(2025, 5, 15), listed["re_identified"], "为社区居民提供志愿服务")
    s.clock.now = at(2025, 9, 1)
    return Orgs(listed, not_listed)


def test_the_list_holds_the_organizations_identified_on_30_june_and_no_others(service: Service) -> None:
    s = service
    orgs = around_the_cutoff(s)
    response = s.client.get("/api/v1/reports/identified-organizations/2025")  # no token: public
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == "2025-06-30" and body["final"] is True and body["target_per_million"] == 20
    listed = {o["id"] for o in body["organizations"]}
    assert listed == set(orgs.listed.values())
    since = {o["id"]: o["identified_since"] for o in body["organizations"]}
    assert since[orgs.listed["last_minute"]] == "2025-06-30"
    assert since[orgs.listed["re_identified"]] == "2025-05-15"
    # The directory today agrees on nothing of the past: late_withdrawal is no longer identified there.
    assert s.app.get_organization(UUID(orgs.listed["late_withdrawal"]))["identified"] is False
    # The next year's list, read before its cut-off: the July identification is on it, not final yet.
    s.clock.now = at(2026, 3, 1)
    next_year = s.client.get("/api/v1/reports/identified-organizations/2026").json()
    assert next_year["final"] is False
    assert orgs.not_listed["july"] in {o["id"] for o in next_year["organizations"]}
    assert orgs.listed["late_withdrawal"] not in {o["id"] for o in next_year["organizations"]}


def test_counts_per_million_residents_against_the_target_with_an_unknown_population(service: Service) -> None:
    s = service
    around_the_cutoff(s)
    body = s.client.get("/api/v1/reports/identified-organizations/2025").json()
    regions = {r["region_code"]: r for r in body["regions"]}
    # 110105: three organizations (one registered at township level) per 100 000 residents = 30 per million.
    assert regions["110105"] == {"region_code": "110105", "population": 100_000, "identified": 3,
                                 "per_million": "30.00", "target_per_million": 20, "meets_target": True}
    # 110108 is configured and has none: 0 per million, below the target.
    assert regions["110108"]["identified"] == 0 and regions["110108"]["per_million"] == "0.00"
    assert regions["110108"]["meets_target"] is False
    # 430102 has no configured population: unknown, never a division by zero.
    assert regions["430102"] == {"region_code": "430102", "population": "unknown", "identified": 1,
                                 "per_million": "unknown", "target_per_million": 20, "meets_target": "unknown"}
    assert body["total"]["identified"] == 4 and body["total"]["per_million"] == "unknown"
    # Within Beijing every county's population is known: the total has a ratio, 3 per 300 000 = 10 per million.
    beijing = s.client.get("/api/v1/reports/identified-organizations/2025?region=110000").json()
    assert [r["region_code"] for r in beijing["regions"]] == ["110105", "110108"]
    assert beijing["total"]["per_million"] == "10.00" and beijing["total"]["meets_target"] is False


def test_the_csv_lists_the_organizations_and_the_ratios_for_excel(service: Service) -> None:
    s = service
    orgs = around_the_cutoff(s)
    response = s.client.get("/api/v1/reports/identified-organizations/2025.csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    gap = rows.index([])
    organizations, ratios = rows[:gap], rows[gap + 1:]
    assert tuple(organizations[0]) == IDENTIFIED_COLUMNS
    names = [r[1] for r in organizations[1:]]
    assert sorted(names) == sorted(["朝阳区阳光志愿者协会", "朝阳区助老志愿者协会", "朝阳区义工联合会",
                                    "芙蓉区志愿服务促进会"])
    assert [r[0] for r in organizations[1:]] == ["1", "2", "3", "4"]
    assert all(r[4] == "志愿服务组织" and len(r[2]) == 18 for r in organizations[1:])
    assert tuple(ratios[0]) == RATIO_COLUMNS
    by_region = {r[0]: r for r in ratios[1:]}
    assert by_region["110105"] == ["110105", "100000", "3", "30.00", "20", "是"]
    assert by_region["110108"] == ["110108", "200000", "0", "0.00", "20", "否"]
    assert by_region["430102"] == ["430102", "未知", "1", "未知", "20", "人口未知"]
    assert by_region["合计"][2] == "4"
    assert orgs.not_listed["july"] not in response.text


def test_a_bad_year_or_region_is_a_422_and_an_empty_year_lists_the_configured_counties(service: Service) -> None:
    s = service
    assert_error_body(s.client.get("/api/v1/reports/identified-organizations/2025?region=1234567"), 422)
    assert_error_body(s.client.get("/api/v1/reports/identified-organizations/99999"), 422)
    body = s.client.get("/api/v1/reports/identified-organizations/2024").json()
    assert body["organizations"] == []
    assert {r["region_code"]: r["identified"] for r in body["regions"]} == {"110105": 0, "110108": 0}
