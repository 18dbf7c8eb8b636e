"""One spot check (抽查) of one organization, from plan to close, every step an event signed with the inspection key.

Sources: Gangcheng plan 000 四 (on site at least two inspectors, credentials and notice shown, recusal on a direct
interest; findings on the on-site form), 五 (what is checked: ``domain.checklist``), 七 (results: 合格 / 责令改正 /
予以处罚; an order to correct sets a deadline; a penalised organization is a key target of the next check) and the
appendix (the form: 存在问题, 备注, 被检查对象代表人意见); Hunan notice 001 二(二).

Stages and the commands that move between them::

    planned ──start_on_site──► on_site ──decide(合格 | 予以处罚)──► closed
       │ declare_conflict           │ record_finding / withdraw_finding / record_opinion
       │ add_inspectors             └─decide(责令改正)──► decided ──order_rectification──► rectifying
       │ record_finding (precheck)                                                          │ report_rectification
       │ withdraw_finding                                                                   ▼
       ▼                                              closed ◄──follow_up(done)── reported (or rectifying past
                                                                                 its deadline)
                                                     not_rectified ◄──follow_up(not done)
                                                     not_rectified ──order_rectification──► rectifying
                                                     not_rectified ──decide(予以处罚)──► closed

Every command checks its stage first (``ConflictError``, 409), then its rules (``RuleViolationError``, 422).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, ClassVar
from uuid import UUID, uuid4

from domain.base import INSPECTION, REGISTRY, VledgerAggregate, check_text
from domain.checklist import OTHER_ROW_ID, ROWS_BY_ID, SEVERITY, Result, suggested_result
from domain.complaint import Complaint
from domain.draw import MIN_INSPECTORS, Draw
from domain.errors import ConflictError, ForbiddenError, InvalidFieldError, RuleViolationError
from domain.people import check_no_personal_number
from domain.workdays import china_date

# A decision milder than the rules suggest is the inspector's to take, but on the record with a real reason.
MIN_MILDER_REASON = 30
MAX_EVIDENCE = 1000
MAX_RECTIFICATION_DAYS = 366
_CERTIFICATE_NUMBER = re.compile(r"VC[0-9]{8}[0-9A-F]{12}")


def check_form_text(field: str, value: str | None, *, max_length: int, required: bool = True) -> str:
    """A free-text field of the inspection, bounded and without an ID or mobile number (however spelled, see
    ``domain.people.find_personal_numbers``): the on-site form PDF and the inspection's JSON show these texts and
    reach the inspected organization, and inspectors write about records, not about people's numbers. Refused
    (422, naming the field, never repeating the number) rather than hidden: the signed event is what is kept."""
    text = check_text(field, value, max_length=max_length, required=required)
    return check_no_personal_number(field, text)


class Stage(StrEnum):
    PLANNED = "planned"
    ON_SITE = "on_site"
    DECIDED = "decided"  # 责令改正 decided, deadline not yet set
    RECTIFYING = "rectifying"
    REPORTED = "reported"
    NOT_RECTIFIED = "not_rectified"
    CLOSED = "closed"


class Basis(StrEnum):
    """Why the organization is checked: drawn (双随机), a complaint, or the bureau's own choice."""

    DRAW = "draw"
    COMPLAINT = "complaint"
    MANUAL = "manual"


class Source(StrEnum):
    PRECHECK = "precheck"  # 线上抽查: computed from the log before the visit
    ON_SITE = "on_site"


class EvidenceKind(StrEnum):
    RECORD = "record"
    HISTORY = "history"  # one entry of a record's history: the record id and the version
    CERTIFICATE = "certificate"
    ACTIVITY = "activity"
    VOLUNTEER = "volunteer"
    COMPLAINT = "complaint"
    VERIFICATION = "verification"  # a verification seen in the log (its reference as the verifier shows it)


UUID_KINDS = frozenset({EvidenceKind.RECORD, EvidenceKind.HISTORY, EvidenceKind.ACTIVITY, EvidenceKind.VOLUNTEER,
                        EvidenceKind.COMPLAINT})


@dataclass(frozen=True)
class Evidence:
    """A reference to what a finding rests on (never personal data: ids, versions, certificate numbers)."""

    kind: str
    ref: str
    version: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "version": self.version}


def check_evidence(item: Evidence | Mapping[str, Any]) -> Evidence:
    """A well-formed evidence reference: a UUID for records, histories (with their version), activities,
    volunteers and complaints; a certificate's id or number; a short reference for a verification."""
    data = item.as_dict() if isinstance(item, Evidence) else dict(item)
    try:
        kind = EvidenceKind(str(data.get("kind")))
    except ValueError:
        raise InvalidFieldError("evidence.kind", f"expected one of {', '.join(k.value for k in EvidenceKind)}") \
            from None
    ref = check_text("evidence.ref", str(data.get("ref") or ""), max_length=100)
    version = data.get("version")
    if kind in UUID_KINDS or kind == EvidenceKind.CERTIFICATE:
        try:
            ref = str(UUID(ref))
        except ValueError:
            if kind in UUID_KINDS or not _CERTIFICATE_NUMBER.fullmatch(ref):
                what = "a certificate id or number" if kind == EvidenceKind.CERTIFICATE else "an id (UUID)"
                raise InvalidFieldError("evidence.ref", f"expected {what} for {kind.value} evidence") from None
    if kind == EvidenceKind.HISTORY:
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise InvalidFieldError("evidence.version", "a history entry names the record's version (1 or more)")
    elif version is not None:
        raise InvalidFieldError("evidence.version", f"only history evidence has a version, not {kind.value}")
    return Evidence(kind.value, ref, version)


@dataclass(frozen=True)
class Finding:
    """One finding on one row of the form (存在问题 and 备注), with its evidence."""

    finding_id: UUID
    row_id: str
    other_text: str | None  # the row's own text, for a free row of 其他检查事项
    problem: str
    remark: str | None
    evidence: tuple[Evidence, ...]
    source: str
    withdrawn: bool = False


def parse_result(value: str) -> Result:
    """A result by its printed name (合格, 责令改正, 予以处罚) or its code (pass, order_to_correct, penalty)."""
    try:
        return Result(value)
    except ValueError:
        pass
    try:
        return Result[str(value).upper()]
    except KeyError:
        allowed = ", ".join(f"{r.value} ({r.name.lower()})" for r in Result)
        raise InvalidFieldError("result", f"expected one of {allowed}") from None


def inspector_of(actor: str) -> UUID:
    """The inspector an actor string names (``inspector:<id>``); anyone else may not act here (403)."""
    role, _, subject = actor.partition(":")
    if role != "inspector":
        raise ForbiddenError("only an inspector may do this", code="inspectors_only")
    try:
        return UUID(subject)
    except ValueError:
        raise ForbiddenError("only an inspector may do this", code="inspectors_only") from None


def _distinct(field: str, ids: Iterable[UUID]) -> list[UUID]:
    listed = list(ids)
    if len(set(listed)) != len(listed):
        raise InvalidFieldError(field, "lists an inspector twice")
    return listed


class Inspection(VledgerAggregate):
    """One organization's spot check for one year."""

    AUTHORITY: ClassVar[str] = INSPECTION

    def __init__(self) -> None:
        """State comes from the creating event's ``apply``; annotations below are for readers and mypy."""

    org_id: UUID
    year: int
    period_start: dt.date
    period_end: dt.date
    planned_on: dt.date
    place: str
    basis: str
    draw_id: UUID | None
    complaint_id: UUID | None
    note: str | None
    stage: str
    team: tuple[UUID, ...]
    declarations: tuple[tuple[UUID, bool], ...]  # (inspector, has a conflict), latest per inspector
    present: tuple[UUID, ...]
    credentials_shown: bool
    findings: tuple[Finding, ...]
    opinion: str | None
    representative: str | None
    result: str | None
    suggested: str | None
    decision_reason: str | None
    rectification_deadline: dt.date | None
    rectification_report: str | None
    rectified: bool | None
    penalty: bool
    on_site_on: dt.date | None

    # -- events ---------------------------------------------------------------------------------------------

    class InspectionPlanned(VledgerAggregate.Created):
        org_id: UUID
        year: int
        period_start: dt.date
        period_end: dt.date
        planned_on: dt.date
        place: str
        inspectors: list[UUID]
        basis: str
        draw_id: UUID | None
        complaint_id: UUID | None
        note: str | None

        def apply(self, aggregate: Inspection) -> None:
            for field in ("org_id", "year", "period_start", "period_end", "planned_on", "place", "basis", "draw_id",
                          "complaint_id", "note"):
                setattr(aggregate, field, getattr(self, field))
            aggregate.stage = Stage.PLANNED.value
            aggregate.team = tuple(self.inspectors)
            aggregate.declarations = ()
            aggregate.present = ()
            aggregate.credentials_shown = False
            aggregate.findings = ()
            aggregate.opinion = aggregate.representative = None
            aggregate.result = aggregate.suggested = aggregate.decision_reason = None
            aggregate.rectification_deadline = None
            aggregate.rectification_report = None
            aggregate.rectified = None
            aggregate.penalty = False
            aggregate.on_site_on = None

    class InspectorsAdded(VledgerAggregate.Event):
        """Replacements for recused inspectors (drawn in a later round of the draw, or chosen with a reason)."""

        inspectors: list[UUID]
        reason: str
        draw_round: int | None

        def apply(self, aggregate: Inspection) -> None:
            aggregate.team = (*aggregate.team, *self.inspectors)

    class ConflictDeclared(VledgerAggregate.Event):
        """An inspector declares, in their own name, whether they have a direct interest in the organization."""

        inspector_id: UUID
        conflict: bool
        statement: str | None

        def apply(self, aggregate: Inspection) -> None:
            aggregate.declarations = (*((i, c) for i, c in aggregate.declarations if i != self.inspector_id),
                                      (self.inspector_id, self.conflict))

    class OnSiteStarted(VledgerAggregate.Event):
        inspectors: list[UUID]
        credentials_shown: bool

        def apply(self, aggregate: Inspection) -> None:
            aggregate.stage = Stage.ON_SITE.value
            aggregate.present = tuple(self.inspectors)
            aggregate.credentials_shown = self.credentials_shown
            aggregate.on_site_on = china_date(self.timestamp)

    class FindingRecorded(VledgerAggregate.Event):
        finding_id: UUID
        row_id: str
        other_text: str | None
        problem: str
        remark: str | None
        evidence: list[dict[str, Any]]
        source: str

        def apply(self, aggregate: Inspection) -> None:
            aggregate.findings = (*aggregate.findings, Finding(
                finding_id=self.finding_id, row_id=self.row_id, other_text=self.other_text, problem=self.problem,
                remark=self.remark, evidence=tuple(Evidence(e["kind"], e["ref"], e.get("version"))
                                                   for e in self.evidence), source=self.source))

    class FindingWithdrawn(VledgerAggregate.Event):
        finding_id: UUID
        reason: str

        def apply(self, aggregate: Inspection) -> None:
            aggregate.findings = tuple(
                replace(f, withdrawn=True) if f.finding_id == self.finding_id else f
                for f in aggregate.findings)

    class RepresentativeOpinionRecorded(VledgerAggregate.Event):
        """被检查对象代表人(负责人)意见 and the representative's name, as the form has them."""

        opinion: str
        name: str

        def apply(self, aggregate: Inspection) -> None:
            aggregate.opinion = self.opinion
            aggregate.representative = self.name

    class ResultDecided(VledgerAggregate.Event):
        result: str
        suggested: str  # what §七 gives for the rows with problems, kept beside the decision
        rows_with_problems: list[str]
        reason: str
        milder_than_suggested: bool

        def apply(self, aggregate: Inspection) -> None:
            aggregate.result = self.result
            aggregate.suggested = self.suggested
            aggregate.decision_reason = self.reason
            if self.result == Result.ORDER_TO_CORRECT.value:
                aggregate.stage = Stage.DECIDED.value

    class RectificationOrdered(VledgerAggregate.Event):
        deadline: dt.date
        instructions: str | None

        def apply(self, aggregate: Inspection) -> None:
            aggregate.stage = Stage.RECTIFYING.value
            aggregate.rectification_deadline = self.deadline
            aggregate.rectification_report = None

    class RectificationReported(VledgerAggregate.Event):
        report: str

        def apply(self, aggregate: Inspection) -> None:
            aggregate.stage = Stage.REPORTED.value
            aggregate.rectification_report = self.report

    class FollowUpChecked(VledgerAggregate.Event):
        done: bool
        reason: str

        def apply(self, aggregate: Inspection) -> None:
            aggregate.rectified = self.done
            if not self.done:
                aggregate.stage = Stage.NOT_RECTIFIED.value

    class InspectionClosed(VledgerAggregate.Event):
        result: str
        penalty: bool  # the draw of the next year reads it (Gangcheng plan 000 七(二)2)
        rectified: bool | None

        def apply(self, aggregate: Inspection) -> None:
            aggregate.stage = Stage.CLOSED.value
            aggregate.penalty = self.penalty

    # -- reading --------------------------------------------------------------------------------------------

    def declaration(self, inspector_id: UUID) -> bool | None:
        """True: declared a conflict (recused); False: declared none; None: not declared yet."""
        return dict(self.declarations).get(inspector_id)

    @property
    def recused(self) -> tuple[UUID, ...]:
        return tuple(i for i in self.team if self.declaration(i) is True)

    @property
    def active_team(self) -> tuple[UUID, ...]:
        """The team without recused inspectors."""
        return tuple(i for i in self.team if self.declaration(i) is not True)

    @property
    def active_findings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.withdrawn)

    @property
    def rows_with_problems(self) -> frozenset[str]:
        return frozenset(f.row_id for f in self.active_findings)

    @property
    def suggested_result(self) -> Result:
        """§七(一) applied to the findings standing now (``domain.checklist.suggested_result``)."""
        return suggested_result(self.rows_with_problems)

    # -- guards ---------------------------------------------------------------------------------------------

    def check_stage(self, doing: str, *allowed: Stage) -> None:
        """Each command belongs to some stages (409 otherwise, naming the stage the inspection is in)."""
        if self.stage not in {s.value for s in allowed}:
            code = "inspection_closed" if self.stage == Stage.CLOSED.value else "wrong_stage"
            raise ConflictError(f"cannot {doing}: the inspection is {self.stage}, expected "
                                f"{' or '.join(s.value for s in allowed)}", code=code)

    def check_team_inspector(self, actor: str) -> UUID:
        """Acts outside the visit (before it, and the follow-up after it) are made by an inspector of this check's
        team who has not recused themself: a declared conflict of interest (回避) holds to the end."""
        inspector = inspector_of(actor)
        if inspector not in self.active_team:
            raise ForbiddenError("only an inspector on this inspection's team (not recused) may do this",
                                 code="not_on_team")
        return inspector

    def check_present_inspector(self, actor: str) -> UUID:
        """On-site acts are made by an inspector present on site (403 otherwise)."""
        inspector = inspector_of(actor)
        if inspector not in self.present:
            raise ForbiddenError("only an inspector present at this on-site check may do this",
                                 code="not_present_on_site")
        return inspector

    def check_may_start(self, present: Sequence[UUID], credentials_shown: bool) -> None:
        """Gangcheng plan 000 四: at least two inspectors, each on the team, each having declared no conflict of
        interest, credentials and the notice shown."""
        if len(present) < MIN_INSPECTORS:
            raise RuleViolationError(f"an on-site check needs at least {MIN_INSPECTORS} inspectors, found "
                                     f"{len(present)}", code="fewer_than_two_inspectors")
        for inspector in present:
            if inspector not in self.team:
                raise RuleViolationError(f"inspector {inspector} is not on this inspection's team",
                                         code="not_on_team")
            declared = self.declaration(inspector)
            if declared is None:
                raise RuleViolationError(f"inspector {inspector} has not declared whether they have a conflict of "
                                         "interest", code="conflict_not_declared")
            if declared:
                raise RuleViolationError(f"inspector {inspector} declared a conflict of interest and is recused; "
                                         "add a replacement", code="inspector_recused")
        if not credentials_shown:
            raise RuleViolationError("inspectors show their credentials and the notice of the check before an "
                                     "on-site check (出示相关工作证件和抽查通知)", code="credentials_not_shown")

    def check_decision(self, result: Result, reason: str) -> tuple[Result, bool]:
        """§七: a result other than 合格 rests on findings; one milder than the rules suggest needs a reason of at
        least ``MIN_MILDER_REASON`` characters. Returns the suggestion and whether the decision is milder."""
        suggested = self.suggested_result
        if result is not Result.PASS and not self.active_findings:
            raise RuleViolationError(f"{result.value} needs at least one finding; with none the result is 合格",
                                     code="no_findings")
        milder = SEVERITY[result] < SEVERITY[suggested]
        if milder and len(reason) < MIN_MILDER_REASON:
            raise RuleViolationError(
                f"the rules suggest {suggested.value} for the findings; deciding the milder {result.value} needs a "
                f"reason of at least {MIN_MILDER_REASON} characters, found {len(reason)}",
                code="milder_result_needs_reason")
        return suggested, milder

    # -- commands -------------------------------------------------------------------------------------------

    @classmethod
    def plan(cls, *, now: dt.datetime, actor: str, org_id: UUID, period_start: dt.date, period_end: dt.date,
             planned_on: dt.date, place: str, inspectors: Sequence[UUID], basis: str, year: int | None = None,
             draw: Draw | None = None, complaint: Complaint | None = None, note: str | None = None) -> Inspection:
        """Plan a check of ``org_id`` over a period: the team (at least two) and the basis — a draw (the
        organization is one of its targets, the team its drawn inspectors), a complaint about it, or the bureau's
        own choice (``manual``, with a note saying why)."""
        if not (actor.startswith("inspector:") or actor.startswith(f"{REGISTRY}:")):
            raise ForbiddenError("only an inspector or the registry plans a check", code="inspectors_only")
        try:
            chosen = Basis(basis)
        except ValueError:
            raise InvalidFieldError("basis", f"expected one of {', '.join(b.value for b in Basis)}") from None
        team = _distinct("inspectors", inspectors)
        if len(team) < MIN_INSPECTORS:
            raise RuleViolationError(f"a check is planned with at least {MIN_INSPECTORS} inspectors, found "
                                     f"{len(team)}", code="fewer_than_two_inspectors")
        if period_start > period_end:
            raise InvalidFieldError("period_start", "is after period_end", code="empty_period")
        why = check_form_text("note", note, max_length=500, required=chosen is Basis.MANUAL) or None
        draw_id = complaint_id = None
        if chosen is Basis.DRAW:
            if draw is None:
                raise InvalidFieldError("draw_id", "a check on the basis of a draw names the draw")
            draw.target(org_id)
            drawn = draw.inspectors_drawn(org_id, 1)
            if drawn is None or set(drawn) != set(team):
                raise RuleViolationError("the team of a drawn check is the inspectors drawn for it (双随机): draw them "
                                         "first", code="team_not_drawn")
            draw_id, year = draw.id, cls._one_year(year, draw.year)
        elif chosen is Basis.COMPLAINT:
            if complaint is None:
                raise InvalidFieldError("complaint_id", "a check on the basis of a complaint names the complaint")
            if complaint.org_id != org_id:
                raise RuleViolationError("the complaint is about another organization", code="complaint_mismatch")
            complaint_id, year = complaint.id, cls._one_year(year, complaint.year)
        elif year is None:
            year = china_date(now).year
        return cls._create(cls.InspectionPlanned, id=uuid4(), timestamp=now, actor=actor, authority=INSPECTION,
                           org_id=org_id, year=year, period_start=period_start, period_end=period_end,
                           planned_on=planned_on, place=check_form_text("place", place, max_length=200),
                           inspectors=team, basis=chosen.value, draw_id=draw_id, complaint_id=complaint_id, note=why)

    @staticmethod
    def _one_year(given: int | None, of_basis: int) -> int:
        if given is not None and given != of_basis:
            raise InvalidFieldError("year", f"the basis of the check is of {of_basis}, not {given}")
        return of_basis

    def add_inspectors(self, *, now: dt.datetime, actor: str, inspectors: Sequence[UUID],
                       reason: str, draw: Draw | None = None) -> None:
        """Add replacements (e.g. for a recused inspector) before the visit. For a drawn check they are the ones
        drawn in the latest replacement round of the same draw."""
        self.check_stage("add inspectors", Stage.PLANNED)
        if not (actor.startswith("inspector:") or actor.startswith(f"{REGISTRY}:")):
            raise ForbiddenError("only an inspector or the registry adds inspectors", code="inspectors_only")
        added = _distinct("inspectors", inspectors)
        if not added:
            raise InvalidFieldError("inspectors", "name at least one inspector to add")
        for inspector in added:
            if inspector in self.team:
                why = "recused" if self.declaration(inspector) else "already on the team"
                raise RuleViolationError(f"inspector {inspector} is {why}", code="already_on_team")
        draw_round = None
        if self.basis == Basis.DRAW.value:
            if draw is None or draw.id != self.draw_id:
                raise InvalidFieldError("draw_id", "replacements on a drawn check are drawn from the same draw")
            draw_round = draw.rounds_for(self.org_id)
            drawn = draw.inspectors_drawn(self.org_id, draw_round)
            if draw_round < 2 or drawn is None or set(drawn) != set(added):
                raise RuleViolationError("replacements on a drawn check are the inspectors of its latest "
                                         "replacement round: draw them first", code="team_not_drawn")
        self.trigger_event(self.InspectorsAdded, timestamp=now, actor=actor, authority=INSPECTION, inspectors=added,
                           reason=check_form_text("reason", reason, max_length=500), draw_round=draw_round)

    def declare_conflict(self, *, now: dt.datetime, actor: str, conflict: bool, statement: str | None = None) -> None:
        """The acting inspector declares, for themself only, whether they have a direct interest in the
        organization (Gangcheng plan 000 四: 有直接利害关系的，应当回避). A declared conflict recuses them for good;
        "none" may later become a conflict, never the reverse."""
        self.check_stage("declare a conflict of interest", Stage.PLANNED)
        inspector = inspector_of(actor)
        if inspector not in self.team:
            raise ForbiddenError("only an inspector on this inspection's team declares for it", code="not_on_team")
        if self.declaration(inspector) is True:
            raise ConflictError("this inspector already declared a conflict of interest and is recused",
                                code="already_recused")
        if self.declaration(inspector) is False and not conflict:
            raise ConflictError("this inspector already declared no conflict of interest", code="already_declared")
        text = check_form_text("statement", statement, max_length=500, required=bool(conflict)) or None
        self.trigger_event(self.ConflictDeclared, timestamp=now, actor=actor, authority=INSPECTION,
                           inspector_id=inspector, conflict=bool(conflict), statement=text)

    def start_on_site(self, *, now: dt.datetime, actor: str, inspectors: Sequence[UUID],
                      credentials_shown: bool) -> None:
        """The visit begins, with the inspectors present (at least two, each without a conflict)."""
        self.check_stage("start the on-site check", Stage.PLANNED)
        present = _distinct("inspectors", inspectors)
        self.check_may_start(present, credentials_shown)
        if inspector_of(actor) not in present:
            raise ForbiddenError("the on-site check is started by one of the inspectors present",
                                 code="not_present_on_site")
        self.trigger_event(self.OnSiteStarted, timestamp=now, actor=actor, authority=INSPECTION, inspectors=present,
                           credentials_shown=True)

    def record_finding(self, *, now: dt.datetime, actor: str, row_id: str, problem: str,
                       remark: str | None = None, evidence: Iterable[Evidence | Mapping[str, Any]] = (),
                       source: str = Source.ON_SITE.value, other_text: str | None = None) -> UUID:
        """A problem on one row of the form (存在问题, with 备注 and evidence). Before the visit only the online
        pre-check's findings are recorded; on site, both."""
        self.check_stage("record a finding", Stage.PLANNED, Stage.ON_SITE)
        try:
            origin = Source(source)
        except ValueError:
            raise InvalidFieldError("source", f"expected one of {', '.join(s.value for s in Source)}") from None
        if origin is Source.ON_SITE:
            if self.stage != Stage.ON_SITE.value:
                raise ConflictError("an on-site finding is recorded once the on-site check has started",
                                    code="not_on_site")
            self.check_present_inspector(actor)
        else:
            inspector_of(actor)
        if row_id == OTHER_ROW_ID:
            own = check_form_text("other_text", other_text, max_length=200)
        elif row_id in ROWS_BY_ID:
            if other_text is not None and other_text.strip():
                raise InvalidFieldError("other_text", f"only a free row ({OTHER_ROW_ID}) has its own text")
            own = None
        else:
            raise InvalidFieldError("row_id", f"expected a row of the form ({', '.join(ROWS_BY_ID)}) or "
                                    f"{OTHER_ROW_ID}")
        items = [check_evidence(e).as_dict() for e in evidence]
        if len(items) > MAX_EVIDENCE:
            raise InvalidFieldError("evidence", f"at most {MAX_EVIDENCE} references, found {len(items)}")
        finding_id = uuid4()
        self.trigger_event(self.FindingRecorded, timestamp=now, actor=actor, authority=INSPECTION,
                           finding_id=finding_id, row_id=row_id, other_text=own,
                           problem=check_form_text("problem", problem, max_length=1000),
                           remark=check_form_text("remark", remark, max_length=500, required=False) or None,
                           evidence=items, source=origin.value)
        return finding_id

    def withdraw_finding(self, *, now: dt.datetime, actor: str, finding_id: UUID, reason: str) -> None:
        """Withdraw a finding that does not hold, with a reason; it stays in the history."""
        self.check_stage("withdraw a finding", Stage.PLANNED, Stage.ON_SITE)
        if self.stage == Stage.ON_SITE.value:
            self.check_present_inspector(actor)
        else:
            self.check_team_inspector(actor)
        finding = next((f for f in self.findings if f.finding_id == finding_id), None)
        if finding is None:
            raise RuleViolationError(f"no finding {finding_id} on this inspection", code="no_such_finding")
        if finding.withdrawn:
            raise ConflictError("the finding was already withdrawn", code="finding_withdrawn")
        self.trigger_event(self.FindingWithdrawn, timestamp=now, actor=actor, authority=INSPECTION,
                           finding_id=finding_id, reason=check_form_text("reason", reason, max_length=500))

    def record_opinion(self, *, now: dt.datetime, actor: str, opinion: str, name: str) -> None:
        """The inspected organization's representative's opinion (被检查对象代表人(负责人)意见) and name, once."""
        self.check_stage("record the representative's opinion", Stage.ON_SITE)
        self.check_present_inspector(actor)
        if self.opinion is not None:
            raise ConflictError("the representative's opinion was already recorded", code="opinion_recorded")
        self.trigger_event(self.RepresentativeOpinionRecorded, timestamp=now, actor=actor, authority=INSPECTION,
                           opinion=check_form_text("opinion", opinion, max_length=1000),
                           name=check_form_text("name", name, max_length=50))

    def decide(self, *, now: dt.datetime, actor: str, result: str, reason: str) -> None:
        """The inspector's decision (§七), with a reason, beside the rules' suggestion. 合格 and 予以处罚 close the
        inspection; 责令改正 waits for a rectification order. After a failed follow-up only 予以处罚 can follow."""
        self.check_stage("decide the result", Stage.ON_SITE, Stage.NOT_RECTIFIED)
        chosen = parse_result(result)
        why = check_form_text("reason", reason, max_length=1000)
        if self.stage == Stage.NOT_RECTIFIED.value:
            self.check_team_inspector(actor)
            if chosen is not Result.PENALTY:
                raise RuleViolationError("after a failed follow-up the result is 予以处罚, or order the "
                                         "rectification again", code="escalation_is_penalty")
        else:
            self.check_present_inspector(actor)
            if self.opinion is None:
                raise ConflictError("record the representative's opinion (被检查对象代表人意见) before deciding",
                                    code="opinion_missing")
        suggested, milder = self.check_decision(chosen, why)
        self.trigger_event(self.ResultDecided, timestamp=now, actor=actor, authority=INSPECTION, result=chosen.value,
                           suggested=suggested.value, rows_with_problems=sorted(self.rows_with_problems),
                           reason=why, milder_than_suggested=milder)
        if chosen is not Result.ORDER_TO_CORRECT:
            self.trigger_event(self.InspectionClosed, timestamp=now, actor=actor, authority=INSPECTION,
                               result=chosen.value, penalty=chosen is Result.PENALTY, rectified=None)

    def order_rectification(self, *, now: dt.datetime, actor: str, deadline: dt.date,
                            instructions: str | None = None) -> None:
        """责令限期改正 (§七(二)1): a deadline after today (China time), within a year."""
        self.check_stage("order a rectification", Stage.DECIDED, Stage.NOT_RECTIFIED)
        self.check_team_inspector(actor)
        today = china_date(now)
        if not today < deadline <= today + dt.timedelta(days=MAX_RECTIFICATION_DAYS):
            raise InvalidFieldError("deadline", f"expected a day after {today} and within "
                                    f"{MAX_RECTIFICATION_DAYS} days", code="bad_deadline")
        self.trigger_event(self.RectificationOrdered, timestamp=now, actor=actor, authority=INSPECTION,
                           deadline=deadline,
                           instructions=check_form_text("instructions", instructions, max_length=1000, required=False)
                           or None)

    def report_rectification(self, *, now: dt.datetime, actor: str, report: str) -> None:
        """What the organization did (整改报告), reported by the organization itself or entered by an inspector."""
        self.check_stage("report the rectification", Stage.RECTIFYING)
        if actor != f"organization:{self.org_id}":
            self.check_team_inspector(actor)
        self.trigger_event(self.RectificationReported, timestamp=now, actor=actor, authority=INSPECTION,
                           report=check_form_text("report", report, max_length=2000))

    def follow_up(self, *, now: dt.datetime, actor: str, done: bool, reason: str) -> None:
        """The inspector checks the rectification: done closes the inspection; not done leaves a new order or a
        penalty. Without a report the follow-up waits for the deadline to pass."""
        self.check_stage("follow up the rectification", Stage.RECTIFYING, Stage.REPORTED)
        self.check_team_inspector(actor)
        deadline = self.rectification_deadline
        if self.stage == Stage.RECTIFYING.value and deadline is not None and china_date(now) <= deadline:
            raise ConflictError(f"nothing reported yet and the deadline {deadline} has not passed",
                                code="rectification_pending")
        self.trigger_event(self.FollowUpChecked, timestamp=now, actor=actor, authority=INSPECTION, done=bool(done),
                           reason=check_form_text("reason", reason, max_length=1000))
        if done:
            self.trigger_event(self.InspectionClosed, timestamp=now, actor=actor, authority=INSPECTION,
                               result=Result.ORDER_TO_CORRECT.value, penalty=False, rectified=True)


def penalised_orgs(inspections: Iterable[Inspection], year: int) -> frozenset[UUID]:
    """Organizations whose check of ``year`` closed with a penalty: key targets of the next year's draw
    (``domain.draw.TargetFacts.penalty_last_year``; Gangcheng plan 000 七(二)2)."""
    return frozenset(i.org_id for i in inspections if i.year == year and i.stage == Stage.CLOSED.value and i.penalty)
