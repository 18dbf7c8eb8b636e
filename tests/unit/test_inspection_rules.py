"""An inspection's lifecycle: plan, declarations, on site, findings per row of the form, opinion, decision, follow-up.

Sources: seed 000 (Gangcheng plan) 四 — on site at least two inspectors (工作人员不得少于两人), credentials and notice
shown, recusal on a direct interest (应当回避), findings on the on-site form; 七(一) — 合格 / 责令改正 / 予以处罚 and
which findings lead to which; 七(二)1 — 责令改正 sets a deadline (限期改正); 七(二)2 — a penalised organization is
a key target of the next check; the appendix — 存在问题, 备注, 被检查对象代表人(负责人)意见.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper

from api.core import event_transcoder
from domain.base import REGISTRY, AuthorityMismatchError, check_created_authority
from domain.checklist import OTHER_ROW_ID, ROWS, Result
from domain.complaint import PUBLIC_ACTOR, Complaint
from domain.draw import Draw, Reason, TargetFacts, draw_targets
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError, RuleViolationError
from domain.inspection import MIN_MILDER_REASON, Inspection, Stage, penalised_orgs

NOW = dt.datetime(2026, 6, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 in China
DEADLINE = dt.date(2026, 7, 10)
AFTER_DEADLINE = dt.datetime(2026, 7, 11, 2, 0, tzinfo=dt.UTC)
ORG = UUID("00000000-0000-0000-0000-00000000c001")
OTHER_ORG = UUID("00000000-0000-0000-0000-00000000c002")
I1, I2, I3, I4, I5 = (UUID(int=0xB000 + n) for n in range(1, 6))
RECORD = UUID("00000000-0000-0000-0000-00000000d001")
LONG_REASON = "问题轻微，已当场更正，不影响记录真实性，经合议认定为合格；整改材料已留存备查。"
assert len(LONG_REASON) >= MIN_MILDER_REASON


def a(inspector: UUID) -> str:
    return f"inspector:{inspector}"


def planned(team: tuple[UUID, ...] = (I1, I2)) -> Inspection:
    return Inspection.plan(now=NOW, actor=a(I1), org_id=ORG, period_start=dt.date(2025, 6, 1),
                           period_end=dt.date(2026, 5, 31), planned_on=dt.date(2026, 6, 12), place="钢城区艾山街道",
                           inspectors=list(team), basis="manual", note="上年度舆情反映记录不实")


def declared(insp: Inspection, *inspectors: UUID) -> Inspection:
    for inspector in inspectors:
        insp.declare_conflict(now=NOW, actor=a(inspector), conflict=False)
    return insp


def on_site() -> Inspection:
    insp = declared(planned(), I1, I2)
    insp.start_on_site(now=NOW, actor=a(I1), inspectors=[I1, I2], credentials_shown=True)
    return insp


def find(insp: Inspection, row: str = "basic_info", source: str = "on_site", **extra: Any) -> UUID:
    extra.setdefault("evidence", [{"kind": "record", "ref": str(RECORD)}])
    return insp.record_finding(now=NOW, actor=a(I1), row_id=row, problem="部分记录缺少服务对象", source=source,
                               **extra)


def with_opinion(insp: Inspection) -> Inspection:
    insp.record_opinion(now=NOW, actor=a(I2), opinion="无异议，将按要求整改", name="李负责")
    return insp


def decided() -> Inspection:
    insp = on_site()
    find(insp)
    with_opinion(insp).decide(now=NOW, actor=a(I1), result="责令改正", reason="基本信息不完整")
    return insp


def rectifying() -> Inspection:
    insp = decided()
    insp.order_rectification(now=NOW, actor=a(I1), deadline=DEADLINE, instructions="补全服务对象信息")
    return insp


def reported() -> Inspection:
    insp = rectifying()
    insp.report_rectification(now=NOW, actor=f"organization:{ORG}", report="已补全全部记录的服务对象")
    return insp


def not_rectified() -> Inspection:
    insp = reported()
    insp.follow_up(now=NOW, actor=a(I1), done=False, reason="仍有12条记录缺少服务对象")
    return insp


def closed() -> Inspection:
    insp = with_opinion(on_site())
    insp.decide(now=NOW, actor=a(I1), result="合格", reason="未发现问题")
    return insp


STAGES: dict[Stage, Callable[[], Inspection]] = {
    Stage.PLANNED: planned, Stage.ON_SITE: on_site, Stage.DECIDED: decided, Stage.RECTIFYING: rectifying,
    Stage.REPORTED: reported, Stage.NOT_RECTIFIED: not_rectified, Stage.CLOSED: closed,
}


def types(insp: Inspection) -> list[str]:
    return [type(e).__name__ for e in insp.collect_events()]


# -- the whole lifecycle ----------------------------------------------------------------------------------------


def test_an_order_to_correct_goes_from_plan_to_close_with_every_step_an_inspection_event() -> None:
    """Seed 000 四, 七(一)2, 七(二)1: planned → declarations → on site → findings → opinion → 责令改正 →
    deadline → report → follow-up → closed."""
    insp = declared(planned(), I1, I2)
    pre = find(insp, "within_10_working_days", source="precheck")
    insp.start_on_site(now=NOW, actor=a(I2), inspectors=[I1, I2], credentials_shown=True)
    wrong = find(insp, "awards")
    insp.withdraw_finding(now=NOW, actor=a(I2), finding_id=wrong, reason="表彰记录在纸质台账中，核实无误")
    find(insp, OTHER_ROW_ID, other_text="志愿者花名册未及时更新")
    with_opinion(insp)
    assert insp.suggested_result is Result.ORDER_TO_CORRECT
    insp.decide(now=NOW, actor=a(I1), result="order_to_correct", reason="记录不及时")
    insp.order_rectification(now=NOW, actor=a(I1), deadline=DEADLINE)
    insp.report_rectification(now=NOW, actor=f"organization:{ORG}", report="已补录并建立10日内录入制度")
    insp.follow_up(now=AFTER_DEADLINE, actor=a(I2), done=True, reason="抽查5条记录均已按时录入")
    events = insp.collect_events()
    assert [type(e).__name__ for e in events] == [
        "InspectionPlanned", "ConflictDeclared", "ConflictDeclared", "FindingRecorded", "OnSiteStarted",
        "FindingRecorded", "FindingWithdrawn", "FindingRecorded", "RepresentativeOpinionRecorded", "ResultDecided",
        "RectificationOrdered", "RectificationReported", "FollowUpChecked", "InspectionClosed"]
    assert {getattr(e, "authority") for e in events} == {"inspection"}  # noqa: B009
    decision = events[9]
    assert isinstance(decision, Inspection.ResultDecided)
    assert (decision.result, decision.suggested, decision.milder_than_suggested) == ("责令改正", "责令改正", False)
    assert decision.rows_with_problems == sorted(["within_10_working_days", OTHER_ROW_ID])
    assert insp.stage == Stage.CLOSED and insp.rectified is True and insp.penalty is False
    assert [f.finding_id for f in insp.active_findings if f.source == "precheck"] == [pre]
    assert insp.on_site_on == dt.date(2026, 6, 10) and insp.representative == "李负责"


def test_the_stored_events_rebuild_the_same_inspection() -> None:
    """Every event survives the stored JSON form (UUID lists, dates, evidence) and replays to the same state."""
    insp = declared(planned(), I1, I2)
    find(insp, "service_time", source="precheck", remark="见历史第2版",
         evidence=[{"kind": "history", "ref": str(RECORD), "version": 2},
                   {"kind": "certificate", "ref": "VC20260501ABCDEF123456"}])
    insp.start_on_site(now=NOW, actor=a(I1), inspectors=[I1, I2], credentials_shown=True)
    with_opinion(insp).decide(now=NOW, actor=a(I1), result="责令改正", reason="时间记录不准确")
    insp.order_rectification(now=NOW, actor=a(I1), deadline=DEADLINE)
    mapper: Mapper[UUID] = Mapper(event_transcoder())
    replayed: Any = None
    for event in insp.collect_events():
        decoded: Any = mapper.to_domain_event(mapper.to_stored_event(event))
        replayed = decoded.mutate(replayed)
    assert isinstance(replayed, Inspection)
    for field in ("stage", "team", "declarations", "present", "findings", "result", "suggested",
                  "rectification_deadline", "period_start", "year", "org_id"):
        assert getattr(replayed, field) == getattr(insp, field), field


def test_pass_closes_at_once_and_penalty_closes_with_the_penalty_flag() -> None:
    """Seed 000 七(一)1 (合格) and 七(一)3, 七(二)2 (予以处罚, then a key target of the next check)."""
    assert types(closed())[-2:] == ["ResultDecided", "InspectionClosed"]
    insp = on_site()
    find(insp, "fees_for_certificates")
    with_opinion(insp).decide(now=NOW, actor=a(I1), result="予以处罚", reason="收取证明费每份20元")
    events = insp.collect_events()
    closing = events[-1]
    assert isinstance(closing, Inspection.InspectionClosed) and closing.penalty is True
    assert insp.stage == Stage.CLOSED and insp.penalty


def test_a_penalised_organization_is_a_key_target_of_next_years_draw() -> None:
    """Seed 000 七(二)2: 将其列入下一次重点抽查对象 — the closed inspection feeds the next year's draw."""
    penalised = on_site()
    find(penalised, "forged_or_altered_certificates")
    with_opinion(penalised).decide(now=NOW, actor=a(I1), result="予以处罚", reason="变造证明时长")
    assert penalised_orgs([penalised, closed(), decided()], 2026) == frozenset({ORG})
    assert penalised_orgs([penalised], 2025) == frozenset()
    others = [TargetFacts(UUID(int=n), "370117", "volunteer_organization", 0, 0, 0, 0, False) for n in range(1, 40)]
    last_year = penalised_orgs([penalised], 2026)
    candidates = [*others, TargetFacts(ORG, "370117", "volunteer_organization", 0, 0, 0, 0, ORG in last_year)]
    result = draw_targets(candidates, seed=bytes(range(32)), year=2027, region="370117", quota=1)
    assert [(t.org_id, t.reasons) for t in result.targets] == [(ORG, (Reason.PENALTY_LAST_YEAR,))]


# -- every illegal transition -----------------------------------------------------------------------------------


COMMANDS: dict[str, tuple[set[Stage], Callable[[Inspection], object]]] = {
    "declare": ({Stage.PLANNED}, lambda i: i.declare_conflict(now=NOW, actor=a(I1), conflict=True, statement="亲属")),
    "add_inspectors": ({Stage.PLANNED}, lambda i: i.add_inspectors(now=NOW, actor=a(I1), inspectors=[I5],
                                                                   reason="补充")),
    "start": ({Stage.PLANNED}, lambda i: i.start_on_site(now=NOW, actor=a(I1), inspectors=[I1, I2],
                                                         credentials_shown=True)),
    "on_site_finding": ({Stage.ON_SITE}, lambda i: find(i)),
    "precheck_finding": ({Stage.PLANNED, Stage.ON_SITE}, lambda i: find(i, source="precheck")),
    "withdraw": ({Stage.PLANNED, Stage.ON_SITE}, lambda i: i.withdraw_finding(
        now=NOW, actor=a(I1), finding_id=i.findings[0].finding_id if i.findings else UUID(int=1), reason="核实无误")),
    "opinion": ({Stage.ON_SITE}, lambda i: i.record_opinion(now=NOW, actor=a(I1), opinion="无异议", name="李负责")),
    "decide": ({Stage.ON_SITE, Stage.NOT_RECTIFIED}, lambda i: i.decide(now=NOW, actor=a(I1), result="予以处罚",
                                                                        reason="拒不整改")),
    "order": ({Stage.DECIDED, Stage.NOT_RECTIFIED}, lambda i: i.order_rectification(now=NOW, actor=a(I1),
                                                                                    deadline=DEADLINE)),
    "report": ({Stage.RECTIFYING}, lambda i: i.report_rectification(now=NOW, actor=a(I1), report="已整改")),
    "follow_up": ({Stage.RECTIFYING, Stage.REPORTED}, lambda i: i.follow_up(now=AFTER_DEADLINE, actor=a(I1),
                                                                            done=True, reason="已整改")),
}


@pytest.mark.parametrize(("stage", "command"), [(s, c) for c, (ok, _) in COMMANDS.items() for s in Stage
                                                 if s not in ok])
def test_a_command_outside_its_stages_is_a_conflict_and_writes_nothing(stage: Stage, command: str) -> None:
    insp = STAGES[stage]()
    insp.collect_events()
    with pytest.raises(ConflictError) as caught:
        COMMANDS[command][1](insp)
    assert caught.value.code in ("wrong_stage", "inspection_closed", "not_on_site")
    assert insp.stage == stage and insp.collect_events() == []


@pytest.mark.parametrize(("stage", "command"), [(s, c) for c, (ok, _) in COMMANDS.items() for s in ok])
def test_each_command_is_accepted_in_its_stages(stage: Stage, command: str) -> None:
    """The other half of the table: the same commands pass the stage check where they belong."""
    insp = STAGES[stage]()
    if command == "withdraw" and not insp.findings:
        find(insp, source="precheck")
    if command == "start":
        declared(insp, I1, I2)
    if command == "decide" and stage == Stage.ON_SITE:
        find(with_opinion(insp))
    insp.collect_events()
    COMMANDS[command][1](insp)
    assert insp.collect_events()


def test_a_closed_inspection_says_so() -> None:
    with pytest.raises(ConflictError) as caught:
        find(closed())
    assert caught.value.code == "inspection_closed"


# -- two inspectors, declarations and recusal -------------------------------------------------------------------


@pytest.mark.parametrize(("present", "declare", "shown", "code"), [
    ([I1], (I1, I2), True, "fewer_than_two_inspectors"),
    ([I1, I3], (I1, I2), True, "not_on_team"),
    ([I1, I2], (I1,), True, "conflict_not_declared"),
    ([I1, I2], (I1, I2), False, "credentials_not_shown"),
])
def test_on_site_needs_two_inspectors_each_declared_without_conflict_and_credentials_shown(
        present: list[UUID], declare: tuple[UUID, ...], shown: bool, code: str) -> None:
    """Seed 000 四: 工作人员不得少于两人，并出示相关工作证件和抽查通知."""
    insp = declared(planned(), *declare)
    with pytest.raises(RuleViolationError) as caught:
        insp.start_on_site(now=NOW, actor=a(I1), inspectors=present, credentials_shown=shown)
    assert caught.value.code == code and insp.stage == Stage.PLANNED


def test_a_check_is_planned_with_at_least_two_distinct_inspectors() -> None:
    with pytest.raises(RuleViolationError) as caught:
        planned((I1,))
    assert caught.value.code == "fewer_than_two_inspectors"
    with pytest.raises(InvalidFieldError):
        planned((I1, I1))


def test_an_inspector_with_a_conflict_is_recused_and_must_be_replaced() -> None:
    """Seed 000 四: 抽查检查人员与当事人有直接利害关系的，应当回避."""
    insp = planned()
    insp.declare_conflict(now=NOW, actor=a(I2), conflict=True, statement="本人配偶为该组织理事")
    declared(insp, I1)
    assert insp.recused == (I2,) and insp.active_team == (I1,)
    with pytest.raises(RuleViolationError) as caught:
        insp.start_on_site(now=NOW, actor=a(I1), inspectors=[I1, I2], credentials_shown=True)
    assert caught.value.code == "inspector_recused"
    with pytest.raises(RuleViolationError) as caught:
        insp.start_on_site(now=NOW, actor=a(I1), inspectors=[I1], credentials_shown=True)
    assert caught.value.code == "fewer_than_two_inspectors"
    with pytest.raises(ConflictError) as recused:
        insp.declare_conflict(now=NOW, actor=a(I2), conflict=False)
    assert recused.value.code == "already_recused"
    with pytest.raises(RuleViolationError):
        insp.add_inspectors(now=NOW, actor=a(I1), inspectors=[I2], reason="回避后替换")  # not the recused one back
    insp.add_inspectors(now=NOW, actor=a(I1), inspectors=[I3], reason="王某回避，另行指派")
    declared(insp, I3)
    insp.start_on_site(now=NOW, actor=a(I3), inspectors=[I1, I3], credentials_shown=True)
    assert insp.present == (I1, I3)


def test_a_declaration_is_made_by_the_inspector_for_themself_and_a_conflict_needs_a_statement() -> None:
    insp = planned()
    with pytest.raises(ForbiddenError) as caught:
        insp.declare_conflict(now=NOW, actor=a(I3), conflict=False)
    assert caught.value.code == "not_on_team"
    with pytest.raises(ForbiddenError):
        insp.declare_conflict(now=NOW, actor="registry:registry", conflict=False)
    with pytest.raises(InvalidFieldError):
        insp.declare_conflict(now=NOW, actor=a(I1), conflict=True)
    declared(insp, I1)
    with pytest.raises(ConflictError) as again:
        insp.declare_conflict(now=NOW, actor=a(I1), conflict=False)
    assert again.value.code == "already_declared"
    insp.declare_conflict(now=NOW, actor=a(I1), conflict=True, statement="发现本人曾任该组织顾问")  # found later
    assert insp.recused == (I1,)


def test_on_site_acts_are_made_by_an_inspector_present() -> None:
    insp = on_site()
    with pytest.raises(ForbiddenError) as caught:
        insp.record_finding(now=NOW, actor=a(I3), row_id="basic_info", problem="缺失")
    assert caught.value.code == "not_present_on_site"
    with pytest.raises(ForbiddenError) as registry:
        insp.record_opinion(now=NOW, actor="registry:registry", opinion="无异议", name="李负责")
    assert registry.value.code == "inspectors_only"


def test_a_drawn_check_has_the_drawn_team_and_drawn_replacements() -> None:
    """双随机: the team of a drawn check is the one drawn for it; a replacement comes from a later round."""
    facts = [TargetFacts(ORG, "370117", "volunteer_organization", 0, 0, 0, 1, False),
             TargetFacts(OTHER_ORG, "370117", "volunteer_organization", 0, 0, 0, 0, False)]
    pool = [I1, I2, I3, I4, I5]
    draw = Draw.publish_seed(now=NOW, actor=a(I1), seed=bytes(range(32)), year=2026, region="370117",
                             candidates=facts, inspector_pool=pool, rules=None)
    draw.collect_events()
    draw.draw_targets(now=NOW, actor=a(I1), candidates=facts)
    team = draw.draw_inspectors(now=NOW, actor=a(I1), org_id=ORG)
    others = [i for i in pool if i not in team]

    def plan(inspectors: list[UUID]) -> Inspection:
        return Inspection.plan(now=NOW, actor="registry:registry", org_id=ORG, period_start=dt.date(2025, 6, 1),
                               period_end=dt.date(2026, 5, 31), planned_on=dt.date(2026, 6, 12), place="钢城区",
                               inspectors=inspectors, basis="draw", draw=draw)

    with pytest.raises(RuleViolationError) as caught:
        plan(others[:2])
    assert caught.value.code == "team_not_drawn"
    insp = plan(list(team))
    assert (insp.draw_id, insp.year, insp.basis) == (draw.id, 2026, "draw")
    insp.declare_conflict(now=NOW, actor=a(team[0]), conflict=True, statement="曾在该组织任职")
    with pytest.raises(RuleViolationError):
        insp.add_inspectors(now=NOW, actor=a(team[1]), inspectors=[others[0]], reason="替换", draw=draw)
    (replacement,) = draw.draw_inspectors(now=NOW, actor=a(I1), org_id=ORG, count=1, declared=[team[0]])
    insp.add_inspectors(now=NOW, actor=a(team[1]), inspectors=[replacement], reason="回避后补抽", draw=draw)
    assert replacement in insp.active_team and team[0] not in insp.active_team
    with pytest.raises(RuleViolationError) as not_target:
        Inspection.plan(now=NOW, actor=a(I1), org_id=UUID(int=99), period_start=dt.date(2025, 6, 1),
                        period_end=dt.date(2026, 5, 31), planned_on=dt.date(2026, 6, 12), place="钢城区",
                        inspectors=list(team), basis="draw", draw=draw)
    assert not_target.value.code == "not_a_target"


def test_a_check_on_a_complaint_names_a_complaint_about_that_organization() -> None:
    complaint = Complaint.file(now=NOW, actor=PUBLIC_ACTOR, org_id=OTHER_ORG, about="records", text="时长造假",
                               filed_by="public")
    with pytest.raises(RuleViolationError) as caught:
        Inspection.plan(now=NOW, actor=a(I1), org_id=ORG, period_start=dt.date(2026, 1, 1),
                        period_end=dt.date(2026, 5, 31), planned_on=dt.date(2026, 6, 12), place="钢城区",
                        inspectors=[I1, I2], basis="complaint", complaint=complaint)
    assert caught.value.code == "complaint_mismatch"
    with pytest.raises(InvalidFieldError):  # the bureau's own choice says why
        Inspection.plan(now=NOW, actor=a(I1), org_id=ORG, period_start=dt.date(2026, 1, 1),
                        period_end=dt.date(2026, 5, 31), planned_on=dt.date(2026, 6, 12), place="钢城区",
                        inspectors=[I1, I2], basis="manual")


# -- findings ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fields", "field"), [
    ({"row_id": "no_such_row"}, "row_id"),
    ({"row_id": OTHER_ROW_ID}, "other_text"),
    ({"other_text": "自定义"}, "other_text"),
    ({"problem": " "}, "problem"),
    ({"source": "hearsay"}, "source"),
    ({"evidence": [{"kind": "rumour", "ref": "x"}]}, "evidence.kind"),
    ({"evidence": [{"kind": "record", "ref": "not-a-uuid"}]}, "evidence.ref"),
    ({"evidence": [{"kind": "history", "ref": str(RECORD)}]}, "evidence.version"),
    ({"evidence": [{"kind": "record", "ref": str(RECORD), "version": 3}]}, "evidence.version"),
    ({"evidence": [{"kind": "certificate", "ref": "CERT-1"}]}, "evidence.ref"),
])
def test_a_finding_names_a_row_of_the_form_and_well_formed_evidence(fields: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {"row_id": "basic_info", "problem": "信息不全", **fields}
    with pytest.raises(InvalidFieldError) as caught:
        on_site().record_finding(now=NOW, actor=a(I1), **args)
    assert caught.value.field == field


PERSONAL_TEXTS = [("problem", "志愿者电话 139-1234-0000 未核实"), ("remark", "见 +8613912340000"),
                  ("other_text", "证件１１０１０５４９１２３１００２"), ("problem", "身份证 11010519491231002X")]


@pytest.mark.parametrize(("field", "text"), PERSONAL_TEXTS)
def test_a_finding_carrying_an_id_or_phone_number_is_refused_naming_the_field_only(field: str, text: str) -> None:
    """The form PDF and the inspection's JSON reach the inspected organization: inspectors write about records."""
    args: dict[str, Any] = {"row_id": OTHER_ROW_ID if field == "other_text" else "basic_info",
                            "problem": "信息不全", "other_text": "其他事项" if field == "other_text" else None}
    args[field] = text
    insp = on_site()
    insp.collect_events()
    with pytest.raises(InvalidFieldError) as caught:
        insp.record_finding(now=NOW, actor=a(I1), **args)
    assert (caught.value.field, caught.value.code) == (field, "personal_number_in_text")
    assert not any(ch.isdigit() for ch in str(caught.value))
    assert insp.findings == () and insp.collect_events() == []
    find(insp, remark="2026-05-01 09:30 核对签到表，VC20260301ABCDEF123456 时长 3.5 小时")  # ordinary numbers pass


def test_an_opinion_or_a_decision_reason_carrying_a_phone_number_is_refused() -> None:
    insp = on_site()
    find(insp)
    with pytest.raises(InvalidFieldError) as caught:
        insp.record_opinion(now=NOW, actor=a(I2), opinion="有异议，联系 139 1234 0000", name="李负责")
    assert caught.value.field == "opinion" and "1234" not in str(caught.value)
    assert insp.opinion is None
    with_opinion(insp)
    with pytest.raises(InvalidFieldError) as caught:
        insp.decide(now=NOW, actor=a(I1), result="责令改正", reason="负责人电话13912340000")
    assert caught.value.field == "reason"


def test_before_the_visit_only_pre_check_findings_are_recorded() -> None:
    insp = declared(planned(), I1, I2)
    with pytest.raises(ConflictError) as caught:
        find(insp, source="on_site")
    assert caught.value.code == "not_on_site"
    find(insp, source="precheck")
    assert insp.findings[0].source == "precheck"


def test_a_withdrawn_finding_stays_in_the_history_and_no_longer_counts() -> None:
    insp = on_site()
    penalty = find(insp, "profit_under_volunteer_name")
    find(insp, "training")
    assert insp.suggested_result is Result.PENALTY
    insp.withdraw_finding(now=NOW, actor=a(I1), finding_id=penalty, reason="经核实为合法收费的培训，非志愿服务名义")
    assert insp.suggested_result is Result.ORDER_TO_CORRECT and len(insp.findings) == 2
    with pytest.raises(ConflictError):
        insp.withdraw_finding(now=NOW, actor=a(I1), finding_id=penalty, reason="again")
    with pytest.raises(RuleViolationError):
        insp.withdraw_finding(now=NOW, actor=a(I1), finding_id=UUID(int=5), reason="none such")


# -- the result: §七 suggests, the inspector decides ------------------------------------------------------------


PENALTY_ROWS = {  # seed 000 七(一)3(1)–(4)
    "profit_under_volunteer_name",  # (1) 假冒志愿服务名义开展营利性活动
    "privacy",  # (2) 泄露志愿者有关记录信息、侵害志愿服务对象个人隐私
    "forged_or_altered_certificates",  # (3) 伪造、变造志愿服务记录证明
    "fees_for_certificates",  # (4) 以出具记录证明为由向志愿者收取费用或者开展营利性活动
}


@pytest.mark.parametrize("row", [r.id for r in ROWS] + [OTHER_ROW_ID])
def test_the_suggested_result_of_one_finding_follows_seven_one(row: str) -> None:
    """Seed 000 七(一): the rows of 七(一)3 suggest 予以处罚; every other row, and a free row, 责令改正."""
    insp = on_site()
    assert insp.suggested_result is Result.PASS  # 七(一)1: nothing found
    find(insp, row, other_text="其他问题" if row == OTHER_ROW_ID else None)
    expected = Result.PENALTY if row in PENALTY_ROWS else Result.ORDER_TO_CORRECT
    assert insp.suggested_result is expected
    if expected is Result.ORDER_TO_CORRECT:
        find(insp, "privacy")
        assert insp.suggested_result is Result.PENALTY  # the gravest row decides


def test_a_decision_milder_than_suggested_needs_a_long_enough_reason_and_says_so() -> None:
    insp = with_opinion(on_site())
    find(insp, "paper_entered")
    with pytest.raises(RuleViolationError) as caught:
        insp.decide(now=NOW, actor=a(I1), result="合格", reason="问题轻微")
    assert caught.value.code == "milder_result_needs_reason"
    assert f"at least {MIN_MILDER_REASON} characters" in caught.value.message and "责令改正" in caught.value.message
    assert insp.stage == Stage.ON_SITE
    insp.decide(now=NOW, actor=a(I1), result="合格", reason=LONG_REASON)
    decision = insp.collect_events()[-2]
    assert isinstance(decision, Inspection.ResultDecided)
    assert (decision.result, decision.suggested, decision.milder_than_suggested) == ("合格", "责令改正", True)


def test_an_order_instead_of_a_suggested_penalty_needs_the_long_reason_too() -> None:
    insp = with_opinion(on_site())
    find(insp, "forged_or_altered_certificates")
    with pytest.raises(RuleViolationError) as caught:
        insp.decide(now=NOW, actor=a(I1), result="责令改正", reason="初犯")
    assert caught.value.code == "milder_result_needs_reason"
    insp.decide(now=NOW, actor=a(I1), result="责令改正", reason=LONG_REASON)
    assert insp.stage == Stage.DECIDED


def test_a_decision_needs_a_reason_findings_for_anything_but_pass_and_the_representatives_opinion() -> None:
    insp = on_site()
    with pytest.raises(ConflictError) as caught:
        insp.decide(now=NOW, actor=a(I1), result="合格", reason="未发现问题")
    assert caught.value.code == "opinion_missing"
    with_opinion(insp)
    with pytest.raises(RuleViolationError) as none:
        insp.decide(now=NOW, actor=a(I1), result="责令改正", reason="印象不好")
    assert none.value.code == "no_findings"
    with pytest.raises(InvalidFieldError):
        insp.decide(now=NOW, actor=a(I1), result="合格", reason=" ")
    with pytest.raises(InvalidFieldError):
        insp.decide(now=NOW, actor=a(I1), result="excellent", reason="很好")
    find(insp, "training")
    insp.decide(now=NOW, actor=a(I1), result="penalty", reason="培训记录系伪造")  # harsher: any reason
    assert insp.penalty and insp.stage == Stage.CLOSED


# -- rectification and follow-up --------------------------------------------------------------------------------


def test_a_rectification_deadline_is_after_today_and_within_a_year() -> None:
    for deadline in (dt.date(2026, 6, 10), dt.date(2027, 7, 1)):
        insp = decided()
        with pytest.raises(InvalidFieldError) as caught:
            insp.order_rectification(now=NOW, actor=a(I1), deadline=deadline)
        assert caught.value.code == "bad_deadline"


def test_a_follow_up_without_a_report_waits_for_the_deadline() -> None:
    insp = rectifying()
    with pytest.raises(ConflictError) as caught:
        insp.follow_up(now=NOW, actor=a(I1), done=False, reason="未报告")
    assert caught.value.code == "rectification_pending"
    insp.follow_up(now=AFTER_DEADLINE, actor=a(I1), done=False, reason="逾期未报告整改情况")
    assert insp.stage == Stage.NOT_RECTIFIED


def test_the_report_comes_from_the_organization_or_an_inspector_of_the_team() -> None:
    with pytest.raises(ForbiddenError):
        rectifying().report_rectification(now=NOW, actor=f"organization:{OTHER_ORG}", report="已整改")
    with pytest.raises(ForbiddenError) as stranger:  # an inspector not on this check's team
        rectifying().report_rectification(now=NOW, actor=a(I3), report="据电话核实已整改")
    assert stranger.value.code == "not_on_team"
    rectifying().report_rectification(now=NOW, actor=a(I1), report="据电话核实已整改")


@pytest.mark.parametrize("step", ["order", "follow_up", "escalate"])
def test_after_the_visit_only_the_checks_own_team_acts_and_a_recusal_holds(step: str) -> None:
    """Gangcheng plan 000 四: an inspector with a direct interest recuses (回避) — for the whole check, not only
    the visit; and an inspector of another check does not decide this one's follow-up."""
    def act(actor: str) -> None:
        if step == "order":
            decided().order_rectification(now=NOW, actor=actor, deadline=dt.date(2026, 8, 1))
        elif step == "follow_up":
            reported().follow_up(now=NOW, actor=actor, done=True, reason="复查到位")
        else:
            not_rectified().decide(now=NOW, actor=actor, result="予以处罚", reason="逾期拒不整改")

    with pytest.raises(ForbiddenError) as refused:
        act(a(I3))
    assert refused.value.code == "not_on_team"
    act(a(I1))


def test_a_failed_follow_up_leads_to_a_new_order_or_a_penalty_only() -> None:
    insp = not_rectified()
    with pytest.raises(RuleViolationError) as caught:
        insp.decide(now=NOW, actor=a(I1), result="责令改正", reason="再给一次机会")
    assert caught.value.code == "escalation_is_penalty"
    again = not_rectified()
    again.order_rectification(now=NOW, actor=a(I1), deadline=dt.date(2026, 8, 1))
    assert again.stage == Stage.RECTIFYING
    insp.decide(now=NOW, actor=a(I2), result="予以处罚", reason="逾期拒不整改")
    assert insp.stage == Stage.CLOSED and insp.penalty and insp.rectified is False


# -- the inspection authority -----------------------------------------------------------------------------------


def test_an_inspection_is_the_inspection_authoritys_alone() -> None:
    """DESIGN §3: every step signed with the inspection key; a step claiming another authority does not load."""
    insp = planned()
    (created,) = insp.collect_events()
    check_created_authority(created, "event")
    declared(insp, I1)
    (declaration,) = insp.collect_events()
    object.__setattr__(declaration, "authority", REGISTRY)
    with pytest.raises(AuthorityMismatchError):
        declaration.mutate(insp)
    object.__setattr__(created, "authority", REGISTRY)
    with pytest.raises(AuthorityMismatchError):
        created.mutate(None)
