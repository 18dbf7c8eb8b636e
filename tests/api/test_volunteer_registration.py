"""Registering volunteers over HTTP: one ID document once per organization; children only with consent."""

from __future__ import annotations

from pathlib import Path

import pytest
from httpx import Response
from stdnum.cn import ric

from api.settings import Settings
from tests.api.http_world import ID_NUMBER, World, assert_error_body, bearer


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "postgres":
        return Settings(data_dir=tmp_path / "data", database_url=request.getfixturevalue("postgres_url"))
    return Settings(data_dir=tmp_path / "data")


def register(world: World, org_token: str, org_id: str, id_number: str, **extra: object) -> Response:
    return world.client.post(f"/api/v1/organizations/{org_id}/volunteers", headers=bearer(org_token),
                             json={"name": "周小华", "id_number": id_number, **extra})


def test_the_same_id_number_twice_in_one_organization_is_a_409_and_writes_nothing(world: World) -> None:
    before = world.app.recorder.max_notification_id()
    # The world registered ID_NUMBER with this organization; lowercase shows the number is normalized first.
    response = register(world, world.org["token"], world.org_id, ID_NUMBER.lower())
    body = assert_error_body(response, 409)
    assert body["code"] == "duplicate_volunteer" and ID_NUMBER not in response.text
    assert world.app.recorder.max_notification_id() == before


def test_the_views_find_duplicates_without_holding_the_id_number(world: World) -> None:
    with world.app.views.store.transaction(commit=False) as c:
        rows = c.execute("SELECT * FROM view_volunteers").fetchall()
    assert rows and all(ID_NUMBER not in str(row) for row in rows)


def test_another_organization_may_register_the_same_person(world: World) -> None:
    response = register(world, world.other_org["token"], world.other_org["id"], ID_NUMBER)
    assert response.status_code == 201, response.text


def test_a_child_without_guardian_consent_is_refused_and_with_it_registered(world: World) -> None:
    first17 = "11010520160601002"
    child = first17 + ric.calc_check_digit(first17 + "0")  # stdnum expects a placeholder check character
    refused = register(world, world.org["token"], world.org_id, child)
    assert assert_error_body(refused, 422)["code"] == "guardian_consent_required"
    accepted = register(world, world.org["token"], world.org_id, child, guardian_consent=True)
    assert accepted.status_code == 201, accepted.text
