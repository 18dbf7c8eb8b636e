"""An inspection (抽查) through HTTP, from plan to close, every step an event of the inspection authority.

Sources: Gangcheng plan 000 四 (on site at least two inspectors, credentials shown, recusal on a direct interest:
有直接利害关系的，应当回避), 五 and the appendix (findings per row of the on-site form: 存在问题, 备注, 被检查对象代表人
意见), 七 (合格 / 责令改正 / 予以处罚; 责令改正 sets a deadline; a penalised organization is a key target of the next
check); Hunan notice 001 二(二).

The service runs on a fixed clock (2026-06-01, China time): the world's record of 1 March is then entered late, so
the online pre-check finds it, and next year's draw is 2027.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest

from api.application import VledgerApplication
from api.settings import Settings
from domain.inspection import Inspection
from domain.inspector import INSPECTION
from tests.api.http_world import World, assert_error_body, bearer, created

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=CST)
REGION = "370117"  # 钢城区, the district of seed 000
LONG_REASON = "现场核对纸质台账，记录时间与内容已当场更正，问题轻微且无主观故意，经检查组合议认定。"


class Clock:
    """The service's clock; tests move it forward only (keys are valid from the instance's start)."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def initialized(settings: Settings, clock: Clock) -> Iterator[tuple[VledgerApplication, str]]:
    """As tests/api/http_world.py's, on the test's clock."""
    app, token, _ = VledgerApplication.initialize(settings, clock)
    try:
        yield app, token
    finally:
        app.close()


@dataclass
class Inspector:
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def appoint(world: World, name: str, region_code: str | None = None) -> Inspector:
    body: dict[str, Any] = {"name": name}
    if region_code is not None:
        body["region_code"] = region_code
    made = created(world.client.post("/api/v1/inspectors", json=body, headers=bearer(world.registry_token)))
    return Inspector(made["id"], made["token"])


@pytest.fixture
def inspectors(world: World) -> list[Inspector]:
    return [appoint(world, name) for name in ("王督查", "李检查", "赵核查")]


def register_org(world: World, name: str, region_code: str = REGION) -> dict[str, Any]:
    return created(world.client.post("/api/v1/organizations", headers=bearer(world.registry_token),
                                     json={"name": name, "charter_purpose": "组织开展社区志愿服务",
                                           "region_code": region_code}))


def plan(world: World, team: list[Inspector], org_id: str | None = None, **overrides: Any) -> Any:
    body = {"org_id": org_id or world.org_id, "period_start": "2026-01-01", "period_end": "2026-05-31",
            "planned_on": "2026-06-05", "place": "钢城区艾山街道社区服务中心", "inspectors": [i.id for i in team],
            "basis": "manual", "note": "年度重点检查"}
    body.update(overrides)
    return world.client.post("/api/v1/inspections", json=body, headers=bearer(world.registry_token))


def step(world: World, inspection_id: str, path: str, who: dict[str, str], body: dict[str, Any] | None = None,
         status: int = 200) -> dict[str, Any]:
    response = world.client.post(f"/api/v1/inspections/{inspection_id}/{path}", json=body or {}, headers=who)
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def on_site(world: World, team: list[Inspector], org_id: str | None = None) -> str:
    """A planned inspection whose team declared no conflict and whose visit started."""
    inspection_id = str(created(plan(world, team, org_id))["id"])
    for inspector in team:
        step(world, inspection_id, "conflict-declarations", inspector.headers, {"conflict": False})
    step(world, inspection_id, "on-site", team[0].headers,
         {"inspectors": [i.id for i in team], "credentials_shown": True})
    return inspection_id


def inspection_events(app: VledgerApplication, inspection_id: str) -> list[Any]:
    notes = app.recorder.select_notifications(start=None, limit=10_000)
    events = [app.mapper.to_domain_event(n) for n in notes]
    return [e for e in events if str(e.originator_id) == inspection_id]


def written(world: World) -> int:
    return world.app.recorder.max_notification_id() or 0


# -- the whole lifecycle ---------------------------------------------------------------------------------------


def test_an_order_to_correct_goes_from_plan_to_close_through_http(world: World, inspectors: list[Inspector],
                                                                    clock: Clock) -> None:
    i1, i2, _ = inspectors
    planned = created(plan(world, [i1, i2]))
    iid = planned["id"]
    assert (planned["stage"], planned["inspectors"], planned["basis"]) == ("planned", [i1.id, i2.id], "manual")
    assert planned["year"] == 2026 and planned["suggested_result"] is None and planned["result"] is None

    for inspector in (i1, i2):
        declared = step(world, iid, "conflict-declarations", inspector.headers, {"conflict": False})
    assert [m["conflict"] for m in declared["team"]] == [False, False]

    # 线上抽查 before the visit: the world's record of 1 March was entered on 1 June, long after 10 working days.
    imported = step(world, iid, "precheck-findings", i1.headers)
    rows = {f["row_id"]: f for f in imported["imported"]}
    assert "within_10_working_days" in rows, imported
    again = step(world, iid, "precheck-findings", i2.headers)
    assert again["imported"] == [] and "within_10_working_days" in again["skipped_rows"]  # importing twice adds none

    seen = step(world, iid, "on-site", i1.headers, {"inspectors": [i1.id, i2.id], "credentials_shown": True})
    assert seen["stage"] == "on_site" and all(m["present"] for m in seen["team"])
    late = next(f for f in seen["findings"] if f["row_id"] == "within_10_working_days")
    assert late["source"] == "precheck" and late["problem"]
    assert {"kind": "record", "ref": world.record["id"], "version": None} in late["evidence"]

    manual = step(world, iid, "findings", i2.headers, status=201, body={
        "row_id": "service_content", "problem": "服务内容与活动签到表不一致", "remark": "现场核对签到表",
        "evidence": [{"kind": "record", "ref": world.record["id"]},
                     {"kind": "activity", "ref": world.activity["id"]}]})
    assert manual["inspection"]["findings_count"] == len(imported["imported"]) + 1
    assert {"within_10_working_days", "service_content"} <= set(manual["inspection"]["problem_rows"])
    assert manual["inspection"]["suggested_result"] == "责令改正"

    step(world, iid, "opinion", i1.headers, {"opinion": "认可检查结果，将在期限内整改", "name": "张会长"})
    decided = step(world, iid, "decision", i1.headers, {"result": "责令改正", "reason": "记录不及时、内容不准确"})
    assert (decided["stage"], decided["result"], decided["suggested_result"]) == ("decided", "责令改正", "责令改正")
    assert decided["decided_at"] is not None and decided["closed_at"] is None

    ordered = step(world, iid, "rectification-order", i1.headers,
                   {"deadline": "2026-07-01", "instructions": "补录并更正服务内容"})
    assert (ordered["stage"], ordered["rectification_deadline"]) == ("rectifying", "2026-07-01")

    clock.advance(days=10)
    reported = step(world, iid, "rectification-report", world.as_org(), {"report": "已补录全部记录并更正服务内容"})
    assert reported["stage"] == "reported"

    closed = step(world, iid, "follow-up", i2.headers, {"done": True, "reason": "复查台账，整改到位"})
    assert (closed["stage"], closed["result"], closed["penalty"]) == ("closed", "责令改正", False)
    assert closed["closed_at"] is not None
    assert [s["type"] for s in closed["steps"]][-3:] == ["RectificationReported", "FollowUpChecked",
                                                         "InspectionClosed"]

    # Every step is an event of the inspection authority; the report's actor is the organization itself.
    events = inspection_events(world.app, iid)
    assert events and {e.authority for e in events} == {INSPECTION}
    (report,) = [e for e in events if isinstance(e, Inspection.RectificationReported)]
    assert report.actor == f"organization:{world.org_id}"
    assert [e.actor for e in events if isinstance(e, Inspection.ConflictDeclared)] == [
        f"inspector:{i1.id}", f"inspector:{i2.id}"]


def test_the_organization_sees_its_own_inspection_but_not_the_pre_checks_questions_before_the_visit(
        world: World, inspectors: list[Inspector]) -> None:
    i1, i2, _ = inspectors
    iid = created(plan(world, [i1, i2]))["id"]
    step(world, iid, "conflict-declarations", i1.headers, {"conflict": False})
    assert step(world, iid, "precheck-findings", i1.headers)["imported"]

    before = world.client.get(f"/api/v1/inspections/{iid}", headers=world.as_org())
    assert before.status_code == 200, before.text
    assert before.json()["findings"] == [] and before.json()["problem_rows"] is None
    assert all("statement" not in m for m in before.json()["team"])
    assert world.client.get(f"/api/v1/inspections/{iid}", headers=i2.headers).json()["findings"]

    listed = world.client.get("/api/v1/inspections", headers=world.as_org()).json()
    assert [i["id"] for i in listed["inspections"]] == [iid] and listed["inspections"][0]["problem_rows"] is None


def test_a_penalty_makes_the_organization_a_key_target_of_next_years_draw(world: World,
                                                                          inspectors: list[Inspector]) -> None:
    org = register_org(world, "钢城区爱心志愿者协会")
    register_org(world, "钢城区青年志愿者服务队")
    i1, i2, _ = inspectors
    iid = on_site(world, [i1, i2], org["id"])
    step(world, iid, "findings", i1.headers, status=201, body={
        "row_id": "fees_for_certificates", "problem": "以出具证明为由向志愿者收取工本费",
        "evidence": []})
    step(world, iid, "opinion", i1.headers, {"opinion": "无异议", "name": "刘负责人"})
    closed = step(world, iid, "decision", i2.headers, {"result": "予以处罚", "reason": "收取证明费用"})
    assert (closed["stage"], closed["result"], closed["penalty"]) == ("closed", "予以处罚", True)

    published = created(world.client.post("/api/v1/draws", headers=bearer(world.registry_token),
                                          json={"region": REGION, "year": 2027}))
    candidates = {c["org_id"]: c for c in published["candidates"]}
    assert candidates[org["id"]]["penalty_last_year"] is True
    drawn = world.client.post(f"/api/v1/draws/{published['id']}/targets", headers=bearer(world.registry_token))
    assert drawn.status_code == 200, drawn.text
    target = next(t for t in drawn.json()["targets"] if t["org_id"] == org["id"])
    assert target["reasons"][0] == "penalty_last_year"
    # The same year's draw (2026) knows no penalty of 2025.
    this_year = created(world.client.post("/api/v1/draws", headers=bearer(world.registry_token),
                                          json={"region": REGION, "year": 2026}))
    assert not any(c["penalty_last_year"] for c in this_year["candidates"])


# -- the rules, through HTTP -------------------------------------------------------------------------------------


def test_steps_outside_their_stage_are_409_and_write_nothing(world: World, inspectors: list[Inspector]) -> None:
    i1, i2, _ = inspectors
    iid = created(plan(world, [i1, i2]))["id"]
    before = written(world)
    error = assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/decision", headers=i1.headers,
                                                json={"result": "合格", "reason": "未发现问题"}), 409)
    assert error["code"] == "wrong_stage" and "planned" in error["message"]
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/follow-up", headers=i1.headers,
                                        json={"done": True, "reason": "复查"}), 409)
    # One open check per organization and year.
    assert assert_error_body(plan(world, [i1, i2]), 409)["code"] == "inspection_open"
    assert written(world) == before

    iid = on_site(world, [i1, i2], str(world.other_org["id"]))
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/on-site", headers=i1.headers,
                                        json={"credentials_shown": True}), 409)
    step(world, iid, "opinion", i1.headers, {"opinion": "无异议", "name": "张会长"})
    step(world, iid, "decision", i1.headers, {"result": "合格", "reason": "未发现问题"})
    before = written(world)
    error = assert_error_body(world.client.post(
        f"/api/v1/inspections/{iid}/findings", headers=i1.headers,
        json={"row_id": "basic_info", "problem": "迟到的发现"}), 409)
    assert error["code"] == "inspection_closed"
    assert written(world) == before


def test_a_check_is_planned_with_two_inspectors_at_least(world: World, inspectors: list[Inspector]) -> None:
    before = written(world)
    error = assert_error_body(plan(world, inspectors[:1]), 422)
    assert error["code"] == "fewer_than_two_inspectors"
    error = assert_error_body(plan(world, [inspectors[0], inspectors[0]]), 422)
    assert error["code"] == "invalid_field"
    unknown = Inspector(str(UUID(int=7)), "")
    assert assert_error_body(plan(world, [inspectors[0], unknown]), 422)["code"] == "unknown_inspector"
    assert written(world) == before


def test_an_inspector_with_a_conflict_is_recused_and_replaced(world: World, inspectors: list[Inspector]) -> None:
    i1, i2, i3 = inspectors
    iid = created(plan(world, [i1, i2]))["id"]
    step(world, iid, "conflict-declarations", i1.headers, {"conflict": False})
    # A conflict is declared with a statement, by the inspector for themself only.
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/conflict-declarations", headers=i2.headers,
                                        json={"conflict": True}), 422)
    recused = step(world, iid, "conflict-declarations", i2.headers,
                   {"conflict": True, "statement": "本人配偶任该组织理事"})
    assert [m["conflict"] for m in recused["team"]] == [False, True]
    error = assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/on-site", headers=i1.headers,
                                                json={"inspectors": [i1.id, i2.id], "credentials_shown": True}), 422)
    assert error["code"] == "inspector_recused"
    # An inspector outside the team cannot declare for it.
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/conflict-declarations", headers=i3.headers,
                                        json={"conflict": False}), 403)

    step(world, iid, "inspectors", bearer(world.registry_token), {"inspectors": [i3.id], "reason": "替换回避人员"})
    step(world, iid, "conflict-declarations", i3.headers, {"conflict": False})
    started = step(world, iid, "on-site", i1.headers, {"credentials_shown": True})  # default: those declared clear
    assert {m["id"] for m in started["team"] if m["present"]} == {i1.id, i3.id}
    # The recused inspector acts no more on this inspection.
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/findings", headers=i2.headers,
                                        json={"row_id": "basic_info", "problem": "不完整"}), 403)


def test_the_organization_cannot_decide_and_others_cannot_read(world: World, inspectors: list[Inspector]) -> None:
    i1, i2, _ = inspectors
    iid = on_site(world, [i1, i2])
    step(world, iid, "opinion", i1.headers, {"opinion": "无异议", "name": "张会长"})
    before = written(world)
    for who in (world.as_org(), bearer(world.registry_token), bearer(world.volunteer["token"])):
        assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/decision", headers=who,
                                            json={"result": "合格", "reason": "自评合格"}), 403)
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/rectification-report",
                                        headers=bearer(world.other_org["token"]), json={"report": "已整改"}), 403)
    assert written(world) == before

    for who, status in ((bearer(world.other_org["token"]), 403), (bearer(world.volunteer["token"]), 403),
                        ({}, 401), (world.as_org(), 200), (bearer(world.registry_token), 200), (i1.headers, 200)):
        response = world.client.get(f"/api/v1/inspections/{iid}", headers=who)
        assert response.status_code == status, (who, response.text)
    assert world.client.get("/api/v1/inspections", headers=bearer(world.other_org["token"])).json()["total"] == 0
    assert_error_body(world.client.get(f"/api/v1/inspections?org_id={world.org_id}",
                                       headers=bearer(world.other_org["token"])), 403)
    assert_error_body(world.client.get(f"/api/v1/inspections/{UUID(int=5)}", headers=i1.headers), 404)


def test_a_milder_decision_needs_a_long_reason_and_is_kept_beside_the_suggestion(
        world: World, inspectors: list[Inspector]) -> None:
    i1, i2, _ = inspectors
    iid = on_site(world, [i1, i2])
    finding = step(world, iid, "findings", i1.headers, status=201,
                   body={"row_id": "basic_info", "problem": "联系方式缺失"})
    step(world, iid, "opinion", i1.headers, {"opinion": "无异议", "name": "张会长"})
    error = assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/decision", headers=i1.headers,
                                                json={"result": "合格", "reason": "轻微"}), 422)
    assert error["code"] == "milder_result_needs_reason"
    decided = step(world, iid, "decision", i1.headers, {"result": "pass", "reason": LONG_REASON})
    assert (decided["result"], decided["suggested_result"], decided["stage"]) == ("合格", "责令改正", "closed")
    assert decided["findings"][0]["id"] == finding["finding_id"]


def test_a_withdrawn_finding_no_longer_counts(world: World, inspectors: list[Inspector]) -> None:
    i1, i2, _ = inspectors
    iid = on_site(world, [i1, i2])
    made = step(world, iid, "findings", i1.headers, status=201,
                body={"row_id": "privacy", "problem": "公示栏张贴志愿者身份证复印件"})
    assert made["inspection"]["suggested_result"] == "予以处罚"
    withdrawn = step(world, iid, "findings/" + made["finding_id"] + "/withdrawal", i2.headers,
                     {"reason": "经核实为已脱敏材料"})
    assert (withdrawn["findings_count"], withdrawn["problem_rows"], withdrawn["suggested_result"]) == (0, [], "合格")
    assert withdrawn["findings"][0]["withdrawn"] is True
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/findings/{made['finding_id']}/withdrawal",
                                        headers=i2.headers, json={"reason": "再次撤回"}), 409)


def test_bad_bodies_are_422_with_a_message(world: World, inspectors: list[Inspector]) -> None:
    i1, i2, _ = inspectors
    iid = on_site(world, [i1, i2])
    for body in ({"row_id": "no_such_row", "problem": "x"},
                 {"row_id": "basic_info", "problem": "x", "evidence": [{"kind": "record", "ref": "abc"}]},
                 {"row_id": "basic_info", "problem": ""}):
        error = assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/findings", headers=i1.headers,
                                                    json=body), 422)
        assert error["message"]
    assert_error_body(world.client.post(f"/api/v1/inspections/{iid}/decision", headers=i1.headers,
                                        json={"result": "优秀", "reason": "x"}), 422)


def test_a_finding_or_opinion_with_an_id_or_phone_number_is_refused_and_never_reaches_the_form(
        world: World, inspectors: list[Inspector]) -> None:
    """The form PDF and the inspection's JSON reach the inspected organization: their texts are refused at the
    source when they carry a number, whatever its spelling, with the field named and the number not repeated."""
    i1, i2, _ = inspectors
    iid = on_site(world, [i1, i2])
    phone, old_id = "+86 139-1234-0000", "110105491231002"
    refused = [("findings", {"row_id": "basic_info", "problem": f"联系人电话 {phone} 未登记"}, "problem", phone),
               ("findings", {"row_id": "basic_info", "problem": "联系方式缺失", "remark": f"见证件{old_id}"},
                "remark", old_id),
               ("findings", {"row_id": "other", "other_text": "联系人１３９ １２３４ ００００", "problem": "其他"},
                "other_text", "１３９ １２３４ ００００"),
               ("opinion", {"opinion": "有异议，请致电13912340000", "name": "张会长"}, "opinion", "13912340000")]
    before = written(world)
    for path, body, field, number in refused:
        response = world.client.post(f"/api/v1/inspections/{iid}/{path}", headers=i1.headers, json=body)
        error = assert_error_body(response, 422)
        assert error["code"] == "personal_number_in_text" and error["message"].startswith(f"{field}:")
        assert number not in response.text and "0000" not in response.text and "1002" not in response.text
    assert written(world) == before  # nothing of them is kept
    step(world, iid, "findings", i1.headers, status=201,
         body={"row_id": "basic_info", "problem": "联系方式缺失", "remark": "2026-05-01 09:30 现场核对，共 3.5 小时"})
    step(world, iid, "opinion", i1.headers, {"opinion": "无异议", "name": "张会长"})
    shown = world.client.get(f"/api/v1/inspections/{iid}", headers=world.as_org())
    assert shown.status_code == 200, shown.text
    assert shown.json()["findings"][0]["remark"] == "2026-05-01 09:30 现场核对，共 3.5 小时"
    assert "13912340000" not in shown.text and old_id not in shown.text


def test_the_precheck_route_is_for_inspectors_and_the_registry(world: World, inspectors: list[Inspector]) -> None:
    path = f"/api/v1/organizations/{world.org_id}/precheck?period_start=2026-01-01&period_end=2026-05-31"
    answer = world.client.get(path, headers=inspectors[0].headers)
    assert answer.status_code == 200, answer.text
    assert "within_10_working_days" in answer.json()["problem_rows"]
    assert world.client.get(path, headers=bearer(world.registry_token)).status_code == 200
    for who, status in ((world.as_org(), 403), (bearer(world.volunteer["token"]), 403), ({}, 401)):
        assert_error_body(world.client.get(path, headers=who), status)
    assert_error_body(world.client.get(path.replace("2026-01-01", "2026-07-01"), headers=inspectors[0].headers),
                      422)
