"""The hard rules across one volunteer's records, over HTTP, on SQLite and on PostgreSQL: no two records for one
activity, no overlapping activities, at most 24 hours on one day (China time), amendments included. Each refusal
is a 422 with the rule's code and writes nothing.

Source: the inspection checklist of seed 000_… (Gangcheng 2023), 五(1)1(2) "记录的志愿者服务时间是否完整准确" and
五(1)2(9) "志愿服务时间…是否与志愿服务活动实际情况相一致" (../shared/domain.md, "Service time")."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.application import VledgerApplication
from tests.api.http_world import (
    ID_NUMBER,
    OTHER_ID_NUMBER,
    activity_body,
    assert_error_body,
    bearer,
    created,
    settings_on_both_stores,  # noqa: F401 (every test on both stores)
)


@dataclass
class Org:
    """One organization with two volunteers, driven over HTTP."""

    client: TestClient
    app: VledgerApplication
    id: str
    headers: dict[str, str]
    volunteer: str
    other_volunteer: str

    def activity(self, start: str, end: str) -> str:
        """An activity of 2026 in China time: ``start`` and ``end`` as ``MM-DDTHH:MM``."""
        body = activity_body(start=f"2026-{start}:00+08:00", end=f"2026-{end}:00+08:00")
        return str(created(self.client.post(f"/api/v1/organizations/{self.id}/activities", headers=self.headers,
                                            json=body))["id"])

    def record(self, activity_id: str, hours: str, volunteer: str | None = None) -> Response:
        return self.client.post(f"/api/v1/activities/{activity_id}/records", headers=self.headers,
                                json={"volunteer_id": volunteer or self.volunteer, "hours": hours})

    def amend(self, record_id: str, hours: str) -> Response:
        return self.client.patch(f"/api/v1/records/{record_id}", headers=self.headers,
                                 json={"hours": hours, "reason": "签到表核对后更正"})

    def records(self, volunteer: str | None = None) -> dict[str, str]:
        """Record id → hours of a volunteer, as the API reads them."""
        seen = self.client.get(f"/api/v1/volunteers/{volunteer or self.volunteer}", headers=self.headers)
        assert seen.status_code == 200, seen.text
        return {r["id"]: r["hours"] for r in seen.json()["records"]}

    def refused(self, response: Response, code: str) -> None:
        """A 422 with the error shape, naming ``code``."""
        assert assert_error_body(response, 422)["code"] == code


@pytest.fixture
def org(client: TestClient, service: VledgerApplication, registry_token: str) -> Org:
    made = created(client.post("/api/v1/organizations", headers=bearer(registry_token),
                               json={"name": "阳光志愿者协会", "charter_purpose": "为社区老人提供志愿服务"}))
    headers = bearer(made["token"])
    volunteers = [created(client.post(f"/api/v1/organizations/{made['id']}/volunteers", headers=headers,
                                      json={"name": name, "id_number": number}))["id"]
                  for name, number in (("张三明", ID_NUMBER), ("李小红", OTHER_ID_NUMBER))]
    return Org(client, service, made["id"], headers, *volunteers)


def unchanged(org: Org, before: int | None) -> bool:
    return org.app.recorder.max_notification_id() == before


def test_a_record_for_an_activity_overlapping_one_already_recorded_is_refused_and_writes_nothing(org: Org) -> None:
    morning = org.activity("03-01T09:00", "03-01T12:00")
    overlapping = org.activity("03-01T11:00", "03-01T14:00")
    first = created(org.record(morning, "3"))
    before = org.app.recorder.max_notification_id()

    refused = org.record(overlapping, "2")
    org.refused(refused, "overlapping_activities")
    assert "2026-03-01T09:00:00+08:00" in refused.json()["error"]["message"]  # says which span it overlaps
    assert unchanged(org, before)
    assert org.records() == {first["id"]: "3.00"}

    # Only the same volunteer's records count: another volunteer may serve at the overlapping activity.
    created(org.record(overlapping, "2", volunteer=org.other_volunteer))


def test_an_activity_starting_when_the_last_one_ended_is_not_an_overlap(org: Org) -> None:
    morning = org.activity("03-01T09:00", "03-01T12:00")
    afternoon = org.activity("03-01T12:00", "03-01T15:00")
    before_morning = org.activity("03-01T06:00", "03-01T09:00")
    created(org.record(morning, "3"))
    created(org.record(afternoon, "3"))
    created(org.record(before_morning, "3"))
    assert sorted(org.records().values()) == ["3.00", "3.00", "3.00"]


def test_the_same_activity_cannot_be_recorded_twice_for_one_volunteer(org: Org) -> None:
    activity = org.activity("03-01T09:00", "03-01T13:00")
    first = created(org.record(activity, "3"))
    before = org.app.recorder.max_notification_id()
    refused = org.record(activity, "1")
    org.refused(refused, "duplicate_record")
    assert "amend" in refused.json()["error"]["message"]
    assert unchanged(org, before)
    assert org.records() == {first["id"]: "3.00"}
    # Hours are still validated first: a bad value is told as such, not as a duplicate.
    assert assert_error_body(org.record(activity, "0"), 422)["code"] == "hours_not_positive"


def test_more_than_24_hours_on_one_day_across_several_activities_is_refused(org: Org) -> None:
    # Three back-to-back activities starting on 2 March (China time), 28 hours in all: the last runs past midnight
    # and counts wholly toward 2 March, the day it starts.
    night = org.activity("03-02T00:00", "03-02T08:00")
    day = org.activity("03-02T08:00", "03-02T16:00")
    evening = org.activity("03-02T16:00", "03-03T04:00")
    created(org.record(night, "8"))
    created(org.record(day, "8"))
    before = org.app.recorder.max_notification_id()

    refused = org.record(evening, "8.01")
    org.refused(refused, "more_than_24_hours_in_a_day")
    assert "2026-03-02" in refused.json()["error"]["message"]
    assert unchanged(org, before)
    assert len(org.records()) == 2

    created(org.record(evening, "8"))  # exactly 24 is allowed
    # The next activity starts at 04:00 on 3 March: a new day, even though the evening's hours ran into it.
    created(org.record(org.activity("03-03T04:00", "03-03T12:00"), "8"))
    assert len(org.records()) == 4


def test_days_are_china_time_days(org: Org) -> None:
    def activity(start: str, end: str) -> str:  # times in UTC
        return str(created(org.client.post(f"/api/v1/organizations/{org.id}/activities", headers=org.headers,
                                           json=activity_body(start=start, end=end)))["id"])

    # All three start on 2 March in UTC (25 hours); in China time the last one starts on 3 March.
    created(org.record(activity("2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z"), "12"))  # 2 March 08:00-20:00
    created(org.record(activity("2026-03-02T12:00:00Z", "2026-03-02T16:00:00Z"), "1"))  # 2 March 20:00-24:00
    created(org.record(activity("2026-03-02T16:00:00Z", "2026-03-03T04:00:00Z"), "12"))  # 3 March 00:00-12:00
    assert len(org.records()) == 3


def test_an_amendment_that_pushes_the_day_over_24_hours_is_refused_and_writes_nothing(org: Org) -> None:
    ids = [created(org.record(org.activity(start, end), "8"))["id"]
           for start, end in (("03-04T00:00", "03-04T08:00"), ("03-04T08:00", "03-04T16:00"),
                              ("03-04T16:00", "03-05T04:00"))]
    before = org.app.recorder.max_notification_id()

    refused = org.amend(ids[2], "9")
    org.refused(refused, "more_than_24_hours_in_a_day")
    assert unchanged(org, before)
    assert org.records()[ids[2]] == "8.00"
    current = org.client.get(f"/api/v1/records/{ids[2]}", headers=org.headers).json()
    assert (current["version"], current["hours"]) == (1, "8.00")

    # Lowering is always possible; the amended record's own old hours are not counted twice.
    assert org.amend(ids[0], "7").status_code == 200
    raised = org.amend(ids[2], "9")
    assert raised.status_code == 200, raised.text  # 7 + 8 + 9 = 24
    assert org.records() == {ids[0]: "7.00", ids[1]: "8.00", ids[2]: "9.00"}
    org.refused(org.amend(ids[2], "9.01"), "more_than_24_hours_in_a_day")


@pytest.mark.parametrize(("hours", "code"), [("0", "hours_not_positive"), ("-1", "hours_not_positive"),
                                             ("3.01", "hours_above_activity_duration")])
def test_hours_of_zero_or_less_or_above_the_activitys_duration_are_refused_and_write_nothing(
        org: Org, hours: str, code: str) -> None:
    """Gangcheng 000_… 五(1)1(2) "服务时间是否完整准确" and 五(1)2(9) "与志愿服务活动实际情况相一致": no record without
    service, and no more hours than the activity lasted (here 3)."""
    activity = org.activity("03-01T09:00", "03-01T12:00")
    before = org.app.recorder.max_notification_id()
    org.refused(org.record(activity, hours), code)
    assert unchanged(org, before)
    assert org.records() == {}
    created(org.record(activity, "3"))  # the whole activity is allowed
