"""Training, awards and evaluations on a volunteer's record over HTTP (条例 art.19 and 办法 art.4: 培训情况、
表彰奖励情况、评价情况; the inspection checklist of seed 000 五(1)1(4)-(6) asks whether each is complete and accurate).

Each is its own signed event on the Volunteer, made for the organization the volunteer is registered with, and
shown in GET /api/v1/volunteers/{id} to that organization, the volunteer and inspectors.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.api.http_world import World, assert_error_body, bearer, created

TRAINING = {"title": "急救技能培训", "provider": "北京市红十字会", "date": "2026-03-01", "hours": "4.5"}
AWARD = {"title": "优秀志愿者", "awarded_by": "朝阳区文明办", "date": "2025-12-05", "level": "市级"}
EVALUATION = {"period_start": "2025-01-01", "period_end": "2025-12-31", "rating": "excellent", "comment": "服务认真"}
KINDS = [("trainings", TRAINING), ("awards", AWARD), ("evaluations", EVALUATION)]


def post(world: World, kind: str, body: dict[str, Any], token: str | None = None,
         volunteer_id: str | None = None) -> Any:
    vid = volunteer_id or world.volunteer["id"]
    return world.client.post(f"/api/v1/volunteers/{vid}/{kind}", json=body,
                             headers=bearer(token or world.org_token))


def test_training_award_and_evaluation_are_recorded_and_shown_with_the_volunteer(world: World) -> None:
    ids = {kind: created(post(world, kind, body))["id"] for kind, body in KINDS}
    for token in (world.org_token, world.volunteer["token"]):
        seen = world.client.get(f"/api/v1/volunteers/{world.volunteer['id']}", headers=bearer(token)).json()
        assert [t["id"] for t in seen["trainings"]] == [ids["trainings"]]
        training = seen["trainings"][0]
        assert (training["title"], training["provider"], training["date"], training["hours"]) == \
            ("急救技能培训", "北京市红十字会", "2026-03-01", "4.50")
        award = seen["awards"][0]
        assert (award["id"], award["level"], award["awarded_by"], award["date"]) == \
            (ids["awards"], "municipal", "朝阳区文明办", "2025-12-05")
        evaluation = seen["evaluations"][0]
        assert (evaluation["id"], evaluation["rating"], evaluation["period_start"], evaluation["period_end"],
                evaluation["comment"]) == (ids["evaluations"], "excellent", "2025-01-01", "2025-12-31", "服务认真")


def test_each_entry_is_a_signed_event_of_the_volunteer_made_for_the_organization(world: World) -> None:
    answer = created(post(world, "trainings", TRAINING))
    assert answer["volunteer_id"] == world.volunteer["id"] and answer["version"] == 2
    events = list(world.app.recorder.select_events(UUID(world.volunteer["id"])))
    last = world.app.mapper.to_domain_event(events[-1])  # the verifying mapper: the signature checks out
    assert type(last).__name__ == "TrainingRecorded"
    assert (last.authority, last.actor) == (world.org_id, f"organization:{world.org_id}")


@pytest.mark.parametrize(("kind", "body"), KINDS)
def test_only_the_volunteers_own_organization_records_them(world: World, kind: str, body: dict[str, Any]) -> None:
    """谁组织谁记录: the organization the volunteer is registered with keeps the record."""
    before = world.app.recorder.max_notification_id()
    for token in (world.other_org["token"], world.volunteer["token"], world.registry_token):
        assert_error_body(post(world, kind, body, token), 403)
    assert_error_body(world.client.post(f"/api/v1/volunteers/{world.volunteer['id']}/{kind}", json=body), 401)
    assert world.app.recorder.max_notification_id() == before


@pytest.mark.parametrize(("kind", "change", "field"), [
    ("trainings", {"date": "2099-01-01"}, "date"),
    ("trainings", {"date": "1900-01-01"}, "date"),  # before the volunteer was born
    ("trainings", {"hours": "0"}, "hours"),
    ("trainings", {"hours": "abc"}, "hours"),
    ("trainings", {"title": ""}, "title"),
    ("awards", {"level": "世界级"}, "level"),
    ("awards", {"awarded_by": " "}, "awarded_by"),
    ("evaluations", {"rating": "A+"}, "rating"),
    ("evaluations", {"period_start": "2026-01-01", "period_end": "2025-12-31"}, "period_end"),
    ("evaluations", {"period_end": "2099-12-31"}, "period_end"),
])
def test_bad_entries_are_a_422_naming_the_field_and_write_nothing(world: World, kind: str, change: dict[str, str],
                                                                   field: str) -> None:
    body = dict(dict(KINDS)[kind])
    body.update(change)
    before = world.app.recorder.max_notification_id()
    error = assert_error_body(post(world, kind, body), 422)
    assert field in error["message"]
    assert world.app.recorder.max_notification_id() == before


def test_a_missing_field_or_an_unknown_volunteer_is_a_4xx(world: World) -> None:
    assert_error_body(post(world, "trainings", {"title": "急救"}), 422)
    assert_error_body(post(world, "awards", AWARD, volunteer_id="00000000-0000-4000-8000-000000000000"), 404)
    assert_error_body(post(world, "evaluations", EVALUATION, volunteer_id="not-a-uuid"), 422)


def test_the_view_rebuilt_from_the_log_shows_the_same_entries(world: World) -> None:
    for kind, body in KINDS:
        created(post(world, kind, body))
    path = f"/api/v1/volunteers/{world.volunteer['id']}"
    before = world.client.get(path, headers=world.as_org()).json()
    world.app.views.rebuild()
    after = world.client.get(path, headers=world.as_org()).json()
    assert {k: after[k] for k in ("trainings", "awards", "evaluations")} == \
        {k: before[k] for k in ("trainings", "awards", "evaluations")}
    assert before["trainings"] and before["awards"] and before["evaluations"]
