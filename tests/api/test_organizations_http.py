"""Organizations over HTTP: kinds, the published list, and identification (标识) as the Hunan notice sets it out
(seed 001 二(一)): directly by name and charter, on request after charter review, withdrawn with the charter."""

from __future__ import annotations

from typing import Any

import pytest
from stdnum.cn import uscc

from tests.api.http_world import World, assert_error_body, bearer, created


def credit_code(region: str = "430102", serial: str = "MJ0000001", kind: str = "51") -> str:
    base = f"{kind}{region}{serial}"
    return base + uscc.calc_check_digit(base)


def register(world: World, **body: Any) -> dict[str, Any]:
    fields = {"name": "长沙市芙蓉区助老协会", "charter_purpose": "组织开展助老志愿服务活动"}
    fields.update(body)
    return created(world.client.post("/api/v1/organizations", json=fields, headers=bearer(world.registry_token)))


def on_request(world: World, **body: Any) -> dict[str, Any]:
    """A civil-affairs registered social group whose name lacks 志愿服务/志愿者/义工: identified only on request."""
    return register(world, credit_code=credit_code(), region_code="430102", **body)


def written(world: World) -> int:
    return world.app.recorder.max_notification_id() or 0


def log_topics_since(world: World, position: int) -> list[str]:
    notes = world.app.recorder.select_notifications(start=position, limit=100, inclusive_of_start=False)
    return [n.topic.rsplit(".", 1)[-1] for n in notes]


# -- registration and kinds -----------------------------------------------------------------------------------


def test_registration_answers_with_the_kind_and_defaults_to_a_volunteer_organization(world: World) -> None:
    """Existing callers (no kind in the body) keep working: they registered volunteer organizations."""
    plain = register(world)
    assert plain["kind"] == "volunteer_organization"
    assert plain["identified"] is False
    committee = register(world, name="和平里社区居民委员会", kind="village_community_committee")
    assert committee["kind"] == "village_community_committee"
    shown = world.client.get(f"/api/v1/organizations/{committee['id']}").json()
    assert shown["kind"] == "village_community_committee"


def test_an_unknown_kind_is_a_422_that_writes_nothing(world: World) -> None:
    before = written(world)
    response = world.client.post("/api/v1/organizations", headers=bearer(world.registry_token),
                                 json={"name": "某公司", "charter_purpose": "志愿服务", "kind": "company"})
    error = assert_error_body(response, 422)
    assert "kind" in error["message"]
    assert written(world) == before


def test_a_named_registered_social_organization_with_a_volunteer_charter_is_identified_directly(
        world: World) -> None:
    """Hunan notice 001 二(一): 名称中含有"志愿者"…、其章程以开展志愿服务为宗旨的社会组织，应直接进行标识."""
    org = register(world, name="芙蓉区阳光志愿者协会", credit_code=credit_code(serial="MJ0000009"))
    assert org["identified"] is True
    shown = world.client.get(f"/api/v1/organizations/{org['id']}").json()
    assert shown["identified"] is True and shown["identified_since"] == shown["registered_at"]


# -- the published list ---------------------------------------------------------------------------------------


def test_the_published_list_of_identified_organizations_filters_by_identification_region_and_kind(
        world: World) -> None:
    """Hunan notice 001 二(一): each bureau publishes its identified volunteer service organizations."""
    hunan = register(world, name="芙蓉区阳光志愿者协会", credit_code=credit_code(serial="MJ0000009"),
                     region_code="430102")
    changsha_other = register(world, name="岳麓区义工联合会", credit_code=credit_code("430104", "MJ0000008"),
                              region_code="430104", kind="charity")
    beijing = register(world, name="朝阳区志愿服务联合会", credit_code=credit_code("110105", "MJ0000007"),
                       region_code="110105")
    unidentified = register(world, region_code="430102")
    assert all(o["identified"] for o in (hunan, changsha_other, beijing)) and not unidentified["identified"]

    def ids(**params: Any) -> set[str]:
        response = world.client.get("/api/v1/organizations", params=params)
        assert response.status_code == 200, response.text
        return {o["id"] for o in response.json()["organizations"]}

    assert ids(identified="true") == {hunan["id"], changsha_other["id"], beijing["id"]}
    assert unidentified["id"] in ids(identified="false")
    assert ids(identified="true", region_code="430000") == {hunan["id"], changsha_other["id"]}  # all of Hunan
    assert ids(identified="true", region_code="430100") == {hunan["id"], changsha_other["id"]}  # Changsha
    assert ids(region_code="430102") == {hunan["id"], unidentified["id"]}
    assert ids(identified="true", kind="charity") == {changsha_other["id"]}
    assert world.org_id in ids()  # the world's organizations, registered without region or credit code


def test_the_published_list_shows_public_facts_about_the_body_and_nothing_else(world: World) -> None:
    org = register(world, name="芙蓉区阳光志愿者协会", credit_code=credit_code(serial="MJ0000009"),
                   region_code="430102")
    response = world.client.get("/api/v1/organizations", params={"identified": "true"})
    (listed,) = [o for o in response.json()["organizations"] if o["id"] == org["id"]]
    assert set(listed) == {"id", "name", "kind", "credit_code", "region_code", "identified", "identified_since"}
    assert listed["credit_code"] == credit_code(serial="MJ0000009") and listed["region_code"] == "430102"
    assert org["token"] not in response.text


def test_the_list_and_one_organization_are_public(world: World) -> None:
    for headers in ({}, bearer("vl_" + "A" * 43), bearer(world.volunteer["token"])):
        assert world.client.get("/api/v1/organizations", headers=headers).status_code == 200
        assert world.client.get(f"/api/v1/organizations/{world.org_id}", headers=headers).status_code == 200


@pytest.mark.parametrize("params", [{"region_code": "43a"}, {"region_code": "4"}, {"kind": "company"},
                                    {"identified": "maybe"}, {"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}])
def test_a_bad_filter_is_a_422_with_a_message(world: World, params: dict[str, str]) -> None:
    assert_error_body(world.client.get("/api/v1/organizations", params=params), 422)


def test_an_unknown_organization_is_a_404(world: World) -> None:
    assert_error_body(world.client.get("/api/v1/organizations/00000000-0000-0000-0000-000000000000"), 404)
    assert_error_body(world.client.get("/api/v1/organizations/not-a-uuid"), 422)


def test_the_list_pages(world: World) -> None:
    for n in range(3):
        register(world, name=f"第{n}助老协会")
    first = world.client.get("/api/v1/organizations", params={"limit": 2}).json()
    rest = world.client.get("/api/v1/organizations", params={"limit": 10, "offset": 2}).json()
    assert first["total"] == rest["total"] == 5  # the world's two and these three
    assert len(first["organizations"]) == 2 and len(rest["organizations"]) == 3
    assert {o["id"] for o in first["organizations"]}.isdisjoint({o["id"] for o in rest["organizations"]})


# -- identification on request --------------------------------------------------------------------------------


def request(world: World, org: dict[str, Any], token: str | None = None) -> Any:
    return world.client.post(f"/api/v1/organizations/{org['id']}/identification-requests",
                             headers=bearer(token or org["token"]))


def decide(world: World, org: dict[str, Any], decision: str, reason: str | None = None,
           token: str | None = None) -> Any:
    return world.client.post(f"/api/v1/organizations/{org['id']}/identification",
                             json={"decision": decision, "reason": reason},
                             headers=bearer(token or world.registry_token))


def test_an_organization_asks_and_the_registry_identifies_it_after_charter_review(world: World) -> None:
    """Hunan notice 001 二(一): 主动要求标识…应对其章程进行核准后予以标识并公告."""
    org = on_request(world)
    assert org["identified"] is False
    before = written(world)
    asked = request(world, org)
    assert asked.status_code == 201, asked.text
    assert asked.json()["identification_requested"] is True and asked.json()["identified"] is False
    assert log_topics_since(world, before) == ["IdentificationRequested"]

    decided = decide(world, org, "identify", "章程已核准")
    assert decided.status_code == 200, decided.text
    assert decided.json()["identified"] is True and decided.json()["identified_since"]
    assert decided.json()["identification_requested"] is False
    listed = world.client.get("/api/v1/organizations", params={"identified": "true"}).json()["organizations"]
    assert org["id"] in {o["id"] for o in listed}


def test_a_team_without_registration_may_ask_and_is_refused_on_the_record(world: World) -> None:
    """Hunan notice 001 二(一) identifies registered social organizations; the world's association has no credit
    code, so its request is recorded and the registry's answer is a refusal with a reason, also recorded."""
    asked = request(world, world.org)
    assert asked.status_code == 201, asked.text
    assert_error_body(decide(world, world.org, "identify"), 422)
    refused = decide(world, world.org, "refuse", "未在民政部门登记为社会组织")
    assert refused.status_code == 200 and refused.json()["identified"] is False


def test_the_registry_refuses_with_a_reason_and_the_organization_may_ask_again(world: World) -> None:
    org = on_request(world)
    created(request(world, org))
    refused = decide(world, org, "refuse", "章程宗旨表述不清，请修改后再申请")
    assert refused.status_code == 200, refused.text
    assert refused.json()["identified"] is False and refused.json()["identification_requested"] is False
    assert request(world, org).status_code == 201


@pytest.mark.parametrize(("setup", "call", "status", "code"), [
    ("requested", "request", 409, "request_pending"),
    ("fresh", "identify", 409, "no_pending_request"),
    ("fresh", "refuse", 409, "no_pending_request"),
    ("identified", "request", 409, "already_identified"),
    ("identified", "identify", 409, "already_identified"),
    ("requested", "refuse without reason", 422, "invalid_field"),
    ("requested", "approve", 422, "invalid_request"),
    ("unregistered", "identify", 422, "not_a_registered_social_organization"),
    ("not volunteer", "request", 422, "charter_not_volunteer_service"),
])
def test_a_wrong_state_or_a_bad_decision_is_refused_with_a_rule_code_and_writes_nothing(
        world: World, setup: str, call: str, status: int, code: str) -> None:
    """Hunan notice 001 二(一): identification is on request, for social organizations with a volunteer charter."""
    if setup == "unregistered":
        org = register(world)  # no credit code: a team, not a registered social organization
    elif setup == "not volunteer":
        org = register(world, credit_code=credit_code(), charter_purpose="开展文体活动")
    else:
        org = on_request(world)
    if setup in ("requested", "identified", "unregistered"):
        created(request(world, org))
    if setup == "identified":
        assert decide(world, org, "identify").status_code == 200
    before = written(world)
    response = {"request": lambda: request(world, org),
                "identify": lambda: decide(world, org, "identify"),
                "refuse": lambda: decide(world, org, "refuse", "不符合条件"),
                "refuse without reason": lambda: decide(world, org, "refuse"),
                "approve": lambda: decide(world, org, "approve")}[call]()
    assert assert_error_body(response, status)["code"] == code
    assert written(world) == before


# -- the charter ----------------------------------------------------------------------------------------------


def amend(world: World, org: dict[str, Any], purpose: str, reason: str | None = "会员大会修改章程",
          token: str | None = None) -> Any:
    return world.client.post(f"/api/v1/organizations/{org['id']}/charter",
                             json={"charter_purpose": purpose, "reason": reason},
                             headers=bearer(token or world.registry_token))


def test_an_amended_charter_without_volunteer_service_withdraws_the_mark_in_the_same_atomic_save(
        world: World) -> None:
    """Hunan notice 001 二(一): 章程修改后，如不再以开展志愿服务为宗旨的，在核准其章程时同步取消…标识."""
    org = register(world, name="芙蓉区阳光志愿者协会", credit_code=credit_code(serial="MJ0000009"))
    assert org["identified"] is True
    before = written(world)
    answer = amend(world, org, "开展文体娱乐活动")
    assert answer.status_code == 200, answer.text
    assert answer.json()["identified"] is False and answer.json()["identified_since"] is None
    assert answer.json()["charter_purpose"] == "开展文体娱乐活动"
    assert log_topics_since(world, before) == ["CharterAmended", "IdentificationWithdrawn"]
    listed = world.client.get("/api/v1/organizations", params={"identified": "true"}).json()["organizations"]
    assert org["id"] not in {o["id"] for o in listed}


def test_an_amended_charter_that_keeps_volunteer_service_keeps_the_mark(world: World) -> None:
    org = register(world, name="芙蓉区阳光志愿者协会", credit_code=credit_code(serial="MJ0000009"))
    before = written(world)
    answer = amend(world, org, "开展助老助残志愿服务")
    assert answer.json()["identified"] is True
    assert log_topics_since(world, before) == ["CharterAmended"]


@pytest.mark.parametrize(("purpose", "reason", "code"), [
    ("组织开展助老志愿服务活动", "重复", "charter_unchanged"),  # the purpose `register` gave it
    ("开展文体活动", None, "invalid_field"),
    ("", "修改章程", "invalid_field"),
])
def test_a_charter_amendment_needs_a_new_purpose_and_a_reason(world: World, purpose: str, reason: str | None,
                                                             code: str) -> None:
    org = register(world)
    before = written(world)
    assert assert_error_body(amend(world, org, purpose, reason), 422)["code"] == code
    assert written(world) == before


# -- who may call what ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["none", "bad_token", "registry", "other_org", "volunteer"])
def test_only_the_organization_itself_may_ask_to_be_identified(world: World, role: str) -> None:
    org = on_request(world)
    token = {"none": None, "bad_token": "vl_" + "B" * 43, "registry": world.registry_token,
             "other_org": world.other_org["token"], "volunteer": world.volunteer["token"]}[role]
    before = written(world)
    response = world.client.post(f"/api/v1/organizations/{org['id']}/identification-requests",
                                 headers=bearer(token) if token else {})
    assert_error_body(response, 401 if role in ("none", "bad_token") else 403)
    assert written(world) == before


@pytest.mark.parametrize("who", ["own_org", "other_org", "volunteer"])
def test_only_the_registry_decides_and_records_charters(world: World, who: str) -> None:
    org = on_request(world)
    created(request(world, org))
    token = {"own_org": org["token"], "other_org": world.other_org["token"], "volunteer": world.volunteer["token"]}
    before = written(world)
    assert_error_body(decide(world, org, "identify", token=token[who]), 403)
    assert_error_body(amend(world, org, "开展文体活动", token=token[who]), 403)
    assert written(world) == before


def test_decisions_on_an_unknown_organization_are_404(world: World) -> None:
    ghost = {"id": "00000000-0000-0000-0000-000000000000"}
    assert_error_body(decide(world, ghost, "identify"), 404)
    assert_error_body(amend(world, ghost, "开展文体活动"), 404)
