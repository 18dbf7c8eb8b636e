"""Complaints (投诉) through HTTP: anyone files one about an organization's records or certificates — the public
without a token, a volunteer with theirs — and the organization is a must-check target that year; inspectors read
and assess them; the text never reaches anyone else.

Sources: Gangcheng plan 000 三 and Hunan notice 001 二(二) (因志愿服务记录与证明出具事宜被志愿者投诉…列入当年抽查范围);
条例 art.20 (volunteers' data is not disclosed): a complaint's text may name people.
"""

from __future__ import annotations

from typing import Any

from domain.base import REGISTRY
from domain.complaint import Complaint
from tests.api.http_world import ID_NUMBER, PHONE, World, assert_error_body, bearer, created
from tests.api.test_inspections_http import (  # noqa: F401  (fixtures)
    REGION,
    appoint,
    clock,
    initialized,
    register_org,
)

TEXT = "组织为未参加活动的人员出具了志愿服务证明，时长明显虚高"


def file(world: World, headers: dict[str, str] | None = None, **body: Any) -> Any:
    data = {"org_id": world.org_id, "about": "certificates", "text": TEXT, **body}
    return world.client.post("/api/v1/complaints", json=data, headers=headers or {})


def stored(world: World, complaint_id: str) -> list[Any]:
    notes = world.app.recorder.select_notifications(start=None, limit=10_000)
    return [e for e in (world.app.mapper.to_domain_event(n) for n in notes) if str(e.originator_id) == complaint_id]


def test_the_public_files_without_a_token_and_a_volunteer_with_theirs(world: World) -> None:
    public = created(file(world))
    assert (public["filed_by"], public["org_id"], public["year"], public["about"]) == (
        "public", world.org_id, 2026, "certificates")
    assert "text" not in public
    (filed,) = stored(world, public["id"])
    assert isinstance(filed, Complaint.ComplaintFiled)
    assert (filed.authority, filed.actor) == (REGISTRY, "public:anonymous")

    mine = created(file(world, bearer(world.volunteer["token"]), about="records", record_id=world.record["id"]))
    assert mine["filed_by"] == "volunteer"
    (filed,) = stored(world, mine["id"])
    assert filed.actor == f"volunteer:{world.volunteer['id']}" and str(filed.record_id) == world.record["id"]

    by_number = created(file(world, certificate_number=world.certificate["number"]))
    assert by_number["filed_by"] == "public"


NUMBERS_AS_TYPED = ["+8613912340000", "139-1234-0000", "139 1234 0000", "１３９１２３４００００", "+86 139.1234.0000",
                    "110105491231002", "110105 19491231 002X"]


def test_a_number_however_it_is_typed_is_refused_and_ordinary_numbers_are_not(world: World) -> None:
    """Spaces, hyphens, dots, full-width digits, a +86 prefix and 15-digit first-generation IDs: all refused, the
    number never in the answer and nothing written; dates, hours and certificate numbers pass."""
    before = world.app.recorder.max_notification_id()
    for number in NUMBERS_AS_TYPED:
        response = file(world, text=f"请联系 {number} 核实证明")
        error = assert_error_body(response, 422)
        assert error["code"] == "personal_number_in_text" and error["message"].startswith("text:")
        assert number not in response.text and "0000" not in response.text and "1002" not in response.text
    assert world.app.recorder.max_notification_id() == before
    ordinary = f"2026-05-01 09:30 的活动，证明 {world.certificate['number']} 记 3.5 小时，实际不到 1 小时"
    assert created(file(world, text=ordinary))["filed_by"] == "public"


def test_other_tokens_do_not_file_and_a_bad_token_is_not_anonymous(world: World) -> None:
    before = world.app.recorder.max_notification_id()
    inspector = appoint(world, "王督查")
    for who in (world.as_org(), bearer(world.registry_token), bearer(inspector.token)):
        assert assert_error_body(file(world, who), 403)["code"] == "complaints_by_volunteers_or_public"
    assert_error_body(file(world, bearer("vl_" + "A" * 43)), 401)
    assert world.app.recorder.max_notification_id() == (before or 0) + 2  # the inspector's appointment only


def test_bad_complaints_are_refused_with_a_message_and_never_echo_a_number(world: World) -> None:
    before = world.app.recorder.max_notification_id()
    for text in (f"请核查身份证 {ID_NUMBER} 的记录", f"联系电话{PHONE}"):
        error = assert_error_body(file(world, text=text), 422)
        assert error["code"] == "personal_number_in_text"
        assert ID_NUMBER not in error["message"] and PHONE not in error["message"]
    assert_error_body(file(world, org_id="00000000-0000-0000-0000-000000000001"), 404)
    assert assert_error_body(file(world, about="records", record_id="00000000-0000-0000-0000-000000000002"),
                             422)["code"] == "unknown_record"
    assert assert_error_body(file(world, certificate_number="VC2026010100000000FFFF"), 422)["code"] == \
        "unknown_certificate"
    assert assert_error_body(file(world, about="records", certificate_number=world.certificate["number"]),
                             422)["code"] == "about_mismatch"
    assert_error_body(file(world, about="everything"), 422)
    assert_error_body(file(world, text=""), 422)
    # A record of another organization is not this organization's.
    other = created(world.client.post("/api/v1/organizations", headers=bearer(world.registry_token),
                                      json={"name": "第三志愿队", "charter_purpose": "志愿服务"}))
    assert assert_error_body(file(world, org_id=other["id"], about="records", record_id=world.record["id"]),
                             422)["code"] == "unknown_record"
    assert world.app.recorder.max_notification_id() == (before or 0) + 3  # the third organization only


def test_inspectors_read_the_text_the_registry_does_not_and_nobody_else_lists(world: World) -> None:
    complaint = created(file(world))
    inspector = appoint(world, "王督查")
    as_inspector = world.client.get("/api/v1/complaints?year=2026", headers=bearer(inspector.token))
    assert as_inspector.status_code == 200, as_inspector.text
    (listed,) = as_inspector.json()["complaints"]
    assert (listed["id"], listed["text"], listed["assessed"]) == (complaint["id"], TEXT, False)

    as_registry = world.client.get(f"/api/v1/complaints?org_id={world.org_id}", headers=bearer(world.registry_token))
    (summary,) = as_registry.json()["complaints"]
    assert summary["id"] == complaint["id"] and "text" not in summary and TEXT not in as_registry.text
    assert world.client.get("/api/v1/complaints?year=2025", headers=bearer(inspector.token)).json()["total"] == 0

    for who, status in ((world.as_org(), 403), (bearer(world.volunteer["token"]), 403), ({}, 401)):
        assert_error_body(world.client.get("/api/v1/complaints", headers=who), status)


def test_an_inspector_assesses_a_complaint_once(world: World) -> None:
    complaint = created(file(world))
    inspector = appoint(world, "王督查")
    path = f"/api/v1/complaints/{complaint['id']}/assessment"
    for who, status in ((bearer(world.registry_token), 403), (world.as_org(), 403), ({}, 401)):
        assert_error_body(world.client.post(path, json={"founded": True, "reason": "核实属实"}, headers=who), status)
    assert_error_body(world.client.post(path, json={"founded": True, "reason": "是"},
                                        headers=bearer(inspector.token)), 422)
    done = world.client.post(path, json={"founded": False, "reason": "核对签到表，服务时长属实"},
                             headers=bearer(inspector.token))
    assert done.status_code == 200, done.text
    assert done.json() == {"id": complaint["id"], "assessed": True, "founded": False}
    error = assert_error_body(world.client.post(path, json={"founded": True, "reason": "再次核实属实"},
                                                headers=bearer(inspector.token)), 409)
    assert error["code"] == "already_assessed"
    (listed,) = world.client.get("/api/v1/complaints", headers=bearer(inspector.token)).json()["complaints"]
    assert (listed["assessed"], listed["founded"], listed["assessed_by"]) == (True, False, f"inspector:{inspector.id}")
    assert_error_body(world.client.post("/api/v1/complaints/00000000-0000-0000-0000-000000000009/assessment",
                                        json={"founded": True, "reason": "核实属实"}, headers=bearer(inspector.token)),
                      404)


def test_a_complained_about_organization_is_a_must_check_target_even_when_unfounded(world: World) -> None:
    orgs = [register_org(world, f"钢城区第{n}志愿服务队") for n in range(1, 13)]
    complaint = created(file(world, org_id=orgs[7]["id"], about="both"))
    inspector = appoint(world, "王督查")
    world.client.post(f"/api/v1/complaints/{complaint['id']}/assessment", headers=bearer(inspector.token),
                      json={"founded": False, "reason": "经核实不属实"})
    published = created(world.client.post("/api/v1/draws", json={"region": REGION, "year": 2026, "quota": 1},
                                          headers=bearer(world.registry_token)))
    assert {c["org_id"]: c["complaints"] for c in published["candidates"]}[orgs[7]["id"]] == 1
    drawn = world.client.post(f"/api/v1/draws/{published['id']}/targets", headers=bearer(world.registry_token))
    assert drawn.json()["targets"][0] == {"org_id": orgs[7]["id"], "reasons": ["complaint"]}
