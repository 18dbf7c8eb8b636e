"""Registering volunteers over HTTP: one ID document once per organization; children only with consent."""

from __future__ import annotations

import pytest
from httpx import Response
from stdnum.cn import ric

from tests.api.http_world import (
    ID_NUMBER,
    World,
    assert_error_body,
    bearer,
    settings_on_both_stores,  # noqa: F401 (every test on both stores)
)
from tests.integration.support import with_check_char


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


# -- every ID document type (formats and sources: domain/people.py) -----------------------------------------------

RESIDENCE_PERMIT = with_check_char("81000019900307002")
PERMANENT_RESIDENCE = with_check_char("93315619900307001")
DOCUMENTS = [("passport", "E98765432"), ("hk_macao_permit", "H87654321"), ("taiwan_permit", "87654321"),
             ("foreign_permanent_residence_id", PERMANENT_RESIDENCE), ("foreign_permanent_residence_id",
                                                                        "USA110090030701")]


@pytest.mark.parametrize(("id_type", "number"), DOCUMENTS)
def test_a_volunteer_with_another_document_is_registered_with_a_birth_date_and_the_number_never_echoed(
        world: World, id_type: str, number: str) -> None:
    """条例 art.19 (个人基本信息): ID document type and number, gender, birth date, contact."""
    response = register(world, world.org["token"], world.org_id, number, id_type=id_type, birth_date="1990-03-07",
                        gender="male", email="zhou@example.com")
    assert response.status_code == 201, response.text
    assert number not in response.text
    seen = world.client.get(f"/api/v1/volunteers/{response.json()['id']}", headers=world.as_org()).json()
    assert (seen["id_type"], seen["birth_date"], seen["gender"]) == (id_type, "1990-03-07", "male")
    assert seen["id_number_tail"] == number[-4:]
    assert seen["contact"] == {"phone_given": False, "email_given": True}
    assert number not in str(seen) and "zhou@example.com" not in str(seen)


@pytest.mark.parametrize(("id_type", "number"), DOCUMENTS)
def test_without_a_birth_date_another_document_is_a_422_naming_the_field_and_writes_nothing(
        world: World, id_type: str, number: str) -> None:
    """PIPL art.28, 31: the guardian-consent rule for under-14s needs the birth date the number does not carry."""
    before = world.app.recorder.max_notification_id()
    error = assert_error_body(register(world, world.org["token"], world.org_id, number, id_type=id_type), 422)
    assert error["code"] == "birth_date_required" and error["field"] == "birth_date"
    assert world.app.recorder.max_notification_id() == before


def test_a_passport_holder_under_14_needs_the_guardians_consent_too(world: World) -> None:
    """PIPL art.28, 31: the rule holds for every document type, not only resident IDs."""
    refused = register(world, world.org["token"], world.org_id, "E55555555", id_type="passport",
                       birth_date="2016-06-01")
    assert assert_error_body(refused, 422)["code"] == "guardian_consent_required"
    accepted = register(world, world.org["token"], world.org_id, "E55555555", id_type="passport",
                        birth_date="2016-06-01", guardian_consent=True)
    assert accepted.status_code == 201, accepted.text


def test_a_residence_permit_gives_birth_date_and_gender_and_a_contradicting_birth_date_is_a_422(world: World) -> None:
    """港澳台居民居住证 (国办发〔2018〕81号): a GB 11643 number with area 810000/820000/830000."""
    wrong = register(world, world.org["token"], world.org_id, RESIDENCE_PERMIT,
                     id_type="hk_macao_taiwan_residence_permit", birth_date="1990-03-08")
    error = assert_error_body(wrong, 422)
    assert error["code"] == "birth_date_mismatch" and RESIDENCE_PERMIT not in wrong.text
    response = register(world, world.org["token"], world.org_id, RESIDENCE_PERMIT,
                        id_type="hk_macao_taiwan_residence_permit")
    assert response.status_code == 201, response.text
    seen = world.client.get(f"/api/v1/volunteers/{response.json()['id']}", headers=world.as_org()).json()
    assert (seen["birth_date"], seen["gender"]) == ("1990-03-07", "female")


@pytest.mark.parametrize(("id_type", "number", "code"), [
    ("hk_macao_permit", "H1234567", "id_number_format"),
    ("taiwan_permit", "T1234567", "id_number_format"),
    ("hk_macao_taiwan_residence_permit", RESIDENCE_PERMIT[:-1] + ("0" if RESIDENCE_PERMIT[-1] != "0" else "1"),
     "id_number_checksum"),
    ("resident_id", RESIDENCE_PERMIT, "id_number_format"),
])
def test_a_number_in_the_wrong_format_for_its_document_is_a_422_that_never_echoes_it(
        world: World, id_type: str, number: str, code: str) -> None:
    response = register(world, world.org["token"], world.org_id, number, id_type=id_type, birth_date="1990-03-07")
    error = assert_error_body(response, 422)
    assert (error["code"], error["field"]) == (code, "id_number")
    assert number not in response.text and number[:-1] not in response.text


@pytest.mark.parametrize("birth_date", ["2999-01-01", "1890-01-01", "1990-02-30", "yesterday"])
def test_an_impossible_birth_date_is_a_422_and_writes_nothing(world: World, birth_date: str) -> None:
    before = world.app.recorder.max_notification_id()
    response = register(world, world.org["token"], world.org_id, "E44444444", id_type="passport",
                        birth_date=birth_date)
    assert "birth_date" in assert_error_body(response, 422)["message"]
    assert world.app.recorder.max_notification_id() == before


def test_the_same_passport_twice_in_one_organization_is_a_409_whatever_its_spacing_or_case(world: World) -> None:
    first = register(world, world.org["token"], world.org_id, "E33333333", id_type="passport", birth_date="1990-03-07")
    assert first.status_code == 201, first.text
    again = register(world, world.org["token"], world.org_id, " e3333 3333 ", id_type="passport",
                     birth_date="1990-03-07")
    assert assert_error_body(again, 409)["code"] == "duplicate_volunteer"


def test_a_malformed_email_is_a_422_that_never_echoes_it(world: World) -> None:
    response = register(world, world.org["token"], world.org_id, "E22222222", id_type="passport",
                        birth_date="1990-03-07", email="zhou.xiaohua_at_example.com")
    assert assert_error_body(response, 422)["field"] == "email"
    assert "zhou.xiaohua_at_example.com" not in response.text
