"""The online pre-check (线上抽查) of one organization over a period: every row of the on-site form
(``domain.checklist``) computed from the data wherever the data allows it.

Seed ``000_…`` §五 lists what inspectors check and §七 what a problem on each row leads to; the Hunan notice
(``001_…`` 二(二)) names what may not be recorded as volunteer service. The pre-check prepares the visit: each row
says ``ok``, ``problem`` (with findings and the evidence to open: record, activity and certificate ids, history
links) or ``not_computable`` (with the reason the data cannot decide it and what to ask on site). Findings are
indications for the inspector to confirm, not a decision: the inspector decides the result (issue 6, item 4).

The rules reused, never re-implemented: the screening of records and activities (``domain.screening`` — the same
rule codes as at write time, recomputed here so that records made before screening existed are judged too) and
Chinese working days (``domain.workdays``, through the screening). The statistical checks (bursts of entries, hours
far above the organization's norm) have their thresholds in ``PrecheckRules``.

Pure: no I/O, no clock. The caller gathers the facts; no ID number or phone number is ever among them (only
whether each basic field is present).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any, Literal
from uuid import UUID

from domain.checklist import ROWS, Result, Row, suggested_result
from domain.errors import InvalidFieldError
from domain.screening import parse_category, screen_activity, screen_record
from domain.workdays import china_date

Status = Literal["ok", "problem", "not_computable"]

# Basic personal information (条例 art.19; the national certificate format): what a volunteer's entry must hold.
# "contact" is a phone number or an e-mail address; only their presence is ever known here.
BASIC_FIELDS = ("name", "id_type", "id_number", "gender", "birth_date", "contact")
BASIC_FIELD_LABELS = {"name": "姓名", "id_type": "证件类型", "id_number": "证件号码", "gender": "性别",
                      "birth_date": "出生日期", "contact": "联系方式"}
# The Beijing minimum of an activity record (seed 004_… 三(三)) beyond its date and time.
ACTIVITY_FIELDS = ("name", "place", "recipients", "content", "leader", "recorder")
ACTIVITY_FIELD_LABELS = {"name": "项目名称", "place": "地点", "recipients": "服务对象", "content": "服务内容",
                         "leader": "活动负责人", "recorder": "记录人"}

# Screening codes (domain.screening) and the form row each one belongs to.
INELIGIBLE_CODES = ("ineligible_job_duty", "ineligible_internal_activity", "ineligible_donation_or_reposting",
                    "ineligible_fee_charging_trip")
# Verdicts of a failed verification that point at the organization (domain.verdicts).
FAILED_VERDICTS = ("forged", "altered", "malformed")


def history_link(record_id: UUID) -> str:
    """Where an inspector opens a record's full signed history (DESIGN §8)."""
    return f"/api/v1/records/{record_id}/history"


# -- thresholds ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrecheckRules:
    """Thresholds of the checks that are judgement, not rule. Defaults:

    - Bursts: ``burst_min_records`` (20) or more records entered within ``burst_window`` (5 minutes) for at least
      ``burst_min_activities`` (5) different activities — one sitting that "records" many separate activities is how
      bought hours were entered in the 2025 case (five hours of elder care, entered in two minutes). Records taken
      on paper are left out by default (``burst_counts_paper_records``): entering a stack of paper sheets at once is
      what the paper rule asks for, and their lateness is judged by the paper-entry rule.
    - Hours far above the norm: a record's hours above ``median + outlier_mad_factor × MAD`` (5) of the
      organization's records in the period, with the MAD taken as at least ``outlier_min_mad`` (0.5 h) so that an
      organization whose records all say 2 h does not flag 2.5 h, and never below ``outlier_min_hours`` (8 h, a
      working day); judged only with ``outlier_min_records`` (10) records or more, fewer make no norm.
    - Evidence: at most ``max_evidence`` (200) ids of each kind per finding; the count is always the full count.
    - ``required_volunteer_fields``: the basic fields (``BASIC_FIELDS``) a volunteer's entry must hold.
    """

    burst_min_records: int = 20
    burst_min_activities: int = 5
    burst_window: dt.timedelta = dt.timedelta(minutes=5)
    burst_counts_paper_records: bool = False
    outlier_mad_factor: Decimal = Decimal(5)
    outlier_min_mad: Decimal = Decimal("0.5")
    outlier_min_hours: Decimal = Decimal(8)
    outlier_min_records: int = 10
    max_evidence: int = 200
    required_volunteer_fields: tuple[str, ...] = BASIC_FIELDS

    def __post_init__(self) -> None:
        if self.burst_min_records < 2 or self.burst_min_activities < 1 or self.burst_window <= dt.timedelta(0):
            raise ValueError("a burst needs at least 2 records, 1 activity and a positive window")
        if self.outlier_min_records < 3 or self.outlier_mad_factor <= 0 or self.outlier_min_mad < 0:
            raise ValueError("the norm needs at least 3 records, a positive factor and a MAD floor of 0 or more")
        if self.max_evidence < 1:
            raise ValueError("max_evidence must be at least 1")
        unknown = set(self.required_volunteer_fields) - set(BASIC_FIELDS)
        if unknown:
            raise ValueError(f"unknown basic fields {sorted(unknown)}; expected some of {BASIC_FIELDS}")

    def as_dict(self) -> dict[str, Any]:
        """The thresholds as plain JSON, so that a report says what it was computed with."""
        return {"burst_min_records": self.burst_min_records, "burst_min_activities": self.burst_min_activities,
                "burst_window_seconds": int(self.burst_window.total_seconds()),
                "burst_counts_paper_records": self.burst_counts_paper_records,
                "outlier_mad_factor": str(self.outlier_mad_factor), "outlier_min_mad": str(self.outlier_min_mad),
                "outlier_min_hours": str(self.outlier_min_hours), "outlier_min_records": self.outlier_min_records,
                "max_evidence": self.max_evidence, "required_volunteer_fields": list(self.required_volunteer_fields)}


# -- the facts the caller gathers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerFacts:
    """A volunteer of the organization: which basic fields are present, never their values."""

    id: UUID
    present: frozenset[str]  # names from BASIC_FIELDS


@dataclass(frozen=True)
class ActivityFacts:
    """An activity as declared: times, the Beijing fields, category, fee and subsidy, and its stored warnings."""

    id: UUID
    start: dt.datetime
    end: dt.datetime
    name: str
    content: str
    place: str = "-"
    recipients: str = "-"
    leader: str = "-"
    recorder: str = "-"
    category: str | None = None
    fee: Decimal = Decimal(0)  # 元 each participant is charged
    subsidy: Decimal = Decimal(0)  # 元 of necessary subsidy per volunteer
    warnings: tuple[str, ...] = ()  # screening codes stored with the activity when it was created

    @property
    def duration_hours(self) -> Decimal:
        return Decimal(int((self.end - self.start).total_seconds())) / Decimal(3600)


@dataclass(frozen=True)
class Amendment:
    """One amendment of a record: its version, when, which fields and, when hours changed, from what to what."""

    version: int
    at: dt.datetime
    fields: frozenset[str]
    reason: str = ""
    hours_from: Decimal | None = None
    hours_to: Decimal | None = None


@dataclass(frozen=True)
class RecordFacts:
    """A service record as it is now, with the amendments that made it so."""

    id: UUID
    org_id: UUID
    volunteer_id: UUID
    activity_id: UUID
    hours: Decimal  # current
    entered_at: dt.datetime  # when the Recorded event was made
    content: str = ""
    evaluation: str = ""
    paper_recorded_on: dt.date | None = None
    payment: Decimal | None = None  # 元 paid to the volunteer, when declared
    warnings: tuple[str, ...] = ()  # screening codes stored with the record
    version: int = 1
    amendments: tuple[Amendment, ...] = ()

    def hours_at(self, version: int) -> Decimal:
        """The hours the record said at ``version`` (its versions also count correction requests, which change
        nothing): the last hours amendment up to that version, else what it was first recorded with."""
        changes = sorted((a for a in self.amendments if a.hours_to is not None), key=lambda a: a.version)
        said = changes[0].hours_from if changes and changes[0].hours_from is not None else self.hours
        for change in changes:
            if change.version <= version and change.hours_to is not None:
                said = change.hours_to
        return said


@dataclass(frozen=True)
class EvaluationFacts:
    """An evaluation entry of a volunteer (评价情况) and the period it covers."""

    volunteer_id: UUID
    period_start: dt.date
    period_end: dt.date


@dataclass(frozen=True)
class CitedRecord:
    """A record a certificate names, at the version it was based on, with the hours the certificate took from it."""

    record_id: UUID
    version: int
    hours: Decimal | None  # as the certificate's issuance states them (None in certificates that did not say)


@dataclass(frozen=True)
class CertificateFacts:
    """A certificate the organization issued: its claims, the records it cites and how the system sees it."""

    id: UUID
    number: str
    volunteer_id: UUID
    issue_date: dt.date
    hours: Decimal
    records: tuple[CitedRecord, ...]
    status: str = "valid"  # or "revoked"
    in_log: bool = True  # its issuance has a leaf in the transparency log
    reverified: str | None = None  # the verdict of re-verifying its own code through the system; None: not done


@dataclass(frozen=True)
class FailedVerification:
    """Failed verifications seen for the organization's certificates or keys, counted by verdict and reasons.

    ``certificate_id`` names a certificate in the log; None for one that is not (its id would be only the signer's
    word). The service counts ``altered``, ``forged`` and ``revoked`` verdicts it can attribute to the organization
    (``CertificateCases.verify``)."""

    verdict: str  # altered, forged, revoked (malformed and others are reported as unattributed notes)
    reasons: tuple[str, ...]
    count: int
    certificate_id: UUID | None = None

    @property
    def not_in_log(self) -> bool:
        """Signed by the organization's key, never issued through the log: a certificate outside the system."""
        return self.verdict == "forged" and "signature_valid" in self.reasons and "not_in_log" in self.reasons


@dataclass(frozen=True)
class PrecheckInput:
    """One organization's data over a period (both days included, China time).

    ``records`` and ``activities`` may hold more than the period: only those whose activity starts in the period
    (China time) are judged. ``cited_records`` holds every record a certificate of the period cites, of any
    organization; ``held_org_ids`` the dissolved organizations whose records this one now holds and may certify.
    ``failed_verifications`` are those seen over the period (days of the verifications, China time); None when
    the caller has no record of verifications."""

    org_id: UUID
    period_start: dt.date
    period_end: dt.date
    volunteers: Sequence[VolunteerFacts] = ()
    activities: Sequence[ActivityFacts] = ()
    records: Sequence[RecordFacts] = ()
    trainings: Mapping[UUID, int] = field(default_factory=dict)  # volunteer → training entries in the period
    awards: Mapping[UUID, int] = field(default_factory=dict)  # volunteer → award entries in the period
    evaluations: Sequence[EvaluationFacts] = ()
    certificates: Sequence[CertificateFacts] = ()
    cited_records: Mapping[UUID, RecordFacts] = field(default_factory=dict)
    held_org_ids: frozenset[UUID] = frozenset()
    failed_verifications: Sequence[FailedVerification] | None = None


# -- the report ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What a check found: a code, a plain zh-CN sentence, counts and the evidence to open. ``problem`` is False
    for notes (what was seen and is not a problem, or limits of what could be judged)."""

    code: str
    message: str
    problem: bool = True
    count: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    record_ids: tuple[UUID, ...] = ()
    activity_ids: tuple[UUID, ...] = ()
    certificate_ids: tuple[UUID, ...] = ()
    volunteer_ids: tuple[UUID, ...] = ()
    truncated: bool = False  # some ids were left out (``PrecheckRules.max_evidence``); ``count`` is complete

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "problem": self.problem, "count": self.count,
                "counts": dict(self.counts), "record_ids": [str(i) for i in self.record_ids],
                "activity_ids": [str(i) for i in self.activity_ids],
                "certificate_ids": [str(i) for i in self.certificate_ids],
                "volunteer_ids": [str(i) for i in self.volunteer_ids],
                "history": [history_link(i) for i in self.record_ids], "truncated": self.truncated}


@dataclass(frozen=True)
class RowCheck:
    """One form row: its status, the reason when the data cannot decide it, and the findings."""

    row: Row
    status: Status
    findings: tuple[Finding, ...] = ()
    reason: str | None = None  # why the data cannot decide it (status ``not_computable``)

    @property
    def suggests(self) -> Result:
        """What this row alone suggests under §七."""
        return suggested_result({self.row.id} if self.status == "problem" else set())

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.row.id, "section": self.row.section.value, "text": self.row.text,
                "source": self.row.source, "key_point": self.row.key_point, "status": self.status,
                "reason": self.reason, "suggests": self.suggests.value,
                "findings": [f.as_dict() for f in self.findings]}


@dataclass(frozen=True)
class PrecheckReport:
    """Every row of the form, in the form's order, and the result §七 suggests for the rows with problems."""

    org_id: UUID
    period_start: dt.date
    period_end: dt.date
    rows: tuple[RowCheck, ...]
    scope: Mapping[str, int]  # how much was looked at: volunteers, activities, records, certificates

    @property
    def problem_rows(self) -> frozenset[str]:
        return frozenset(r.row.id for r in self.rows if r.status == "problem")

    @property
    def suggested_result(self) -> Result:
        return suggested_result(self.problem_rows)

    def row(self, row_id: str) -> RowCheck:
        return next(r for r in self.rows if r.row.id == row_id)

    def as_dict(self) -> dict[str, Any]:
        return {"org_id": str(self.org_id), "period_start": self.period_start.isoformat(),
                "period_end": self.period_end.isoformat(), "scope": dict(self.scope),
                "suggested_result": self.suggested_result.value, "problem_rows": sorted(self.problem_rows),
                "not_computable_rows": [r.row.id for r in self.rows if r.status == "not_computable"],
                "rows": [r.as_dict() for r in self.rows]}


# -- the checks ---------------------------------------------------------------------------------------------------


class _Scope:
    """The facts of the period, indexed once."""

    def __init__(self, data: PrecheckInput, rules: PrecheckRules) -> None:
        if data.period_start > data.period_end:
            raise ValueError("the period starts after it ends")
        self.data = data
        self.rules = rules
        self.all_activities = {a.id: a for a in data.activities}
        self.activities = [a for a in data.activities if self.in_period(a.start)]
        self.records = [r for r in data.records
                        if r.org_id == data.org_id and r.activity_id in self.all_activities
                        and self.in_period(self.all_activities[r.activity_id].start)]
        self.volunteer_ids = {r.volunteer_id for r in self.records}
        self.volunteers = [v for v in data.volunteers if v.id in self.volunteer_ids]
        self.certificates = [c for c in data.certificates
                             if data.period_start <= c.issue_date <= data.period_end]

    def in_period(self, start: dt.datetime) -> bool:
        return self.data.period_start <= china_date(start) <= self.data.period_end

    def activity_of(self, record: RecordFacts) -> ActivityFacts:
        return self.all_activities[record.activity_id]

    def finding(self, code: str, message: str, *, problem: bool = True, count: int | None = None,
                counts: Mapping[str, int] | None = None, records: Iterable[UUID] = (),
                activities: Iterable[UUID] = (), certificates: Iterable[UUID] = (),
                volunteers: Iterable[UUID] = ()) -> Finding:
        """A finding whose id lists are deduplicated, in first-seen order, and capped at ``max_evidence``."""
        cap = self.rules.max_evidence
        lists = [tuple(dict.fromkeys(ids)) for ids in (records, activities, certificates, volunteers)]
        truncated = any(len(ids) > cap for ids in lists)
        rec, act, cert, vol = (ids[:cap] for ids in lists)
        full = count if count is not None else max((len(ids) for ids in lists), default=0)
        return Finding(code=code, message=message, problem=problem, count=full, counts=dict(counts or {}),
                       record_ids=rec, activity_ids=act, certificate_ids=cert, volunteer_ids=vol,
                       truncated=truncated)


def _row(row_id: str, findings: Iterable[Finding], not_computable: str | None = None) -> RowCheck:
    found = tuple(findings)
    row = next(r for r in ROWS if r.id == row_id)
    if any(f.problem for f in found):
        return RowCheck(row, "problem", found, not_computable)
    if not_computable is not None:
        return RowCheck(row, "not_computable", found, not_computable)
    return RowCheck(row, "ok", found)


def _codes_now(s: _Scope, record: RecordFacts) -> set[str]:
    """The screening codes of a record under today's rules (domain.screening): the same rules as at write time,
    applied again so that records stored before screening existed, or by an import, are judged alike."""
    activity = s.activity_of(record)
    return {w.code for w in screen_record(activity_end=activity.end, subsidy=activity.subsidy, payment=record.payment,
                                          paper_recorded_on=record.paper_recorded_on, entered_at=record.entered_at)}


def _activity_codes(activity: ActivityFacts) -> set[str]:
    """The activity's warnings when it was created and under today's screening: a flag once raised stays
    evidence, and activities created before screening are screened too."""
    try:
        category = parse_category(activity.category)
    except InvalidFieldError:
        category = None  # free text stored before the set of categories existed: judged by its words alone
    now = {w.code for w in screen_activity(category=category, name=activity.name, content=activity.content,
                                           fee=activity.fee, subsidy=activity.subsidy, start=activity.start,
                                           end=activity.end)}
    return now | set(activity.warnings)


def _records_on(s: _Scope, activity_ids: set[UUID]) -> list[UUID]:
    return [r.id for r in s.records if r.activity_id in activity_ids]


def check_basic_info(s: _Scope) -> RowCheck:
    missing: dict[str, list[UUID]] = defaultdict(list)
    for volunteer in s.volunteers:
        for name in s.rules.required_volunteer_fields:
            if name not in volunteer.present:
                missing[name].append(volunteer.id)
    unknown = sorted(s.volunteer_ids - {v.id for v in s.volunteers})
    findings = []
    if missing:
        who = sorted({vid for ids in missing.values() for vid in ids})
        what = "、".join(f"{BASIC_FIELD_LABELS[n]}（{len(ids)}人）" for n, ids in sorted(missing.items()))
        findings.append(s.finding("volunteer_basic_info_incomplete",
                                  f"{len(who)}名服务过的志愿者基本信息不完整，缺少：{what}。",
                                  counts={n: len(ids) for n, ids in missing.items()}, volunteers=who,
                                  records=[r.id for r in s.records if r.volunteer_id in set(who)]))
    if unknown:
        findings.append(s.finding("records_of_unregistered_volunteers",
                                  f"{len(unknown)}名志愿者有服务记录，但在本组织没有登记的基本信息。",
                                  volunteers=unknown,
                                  records=[r.id for r in s.records if r.volunteer_id in set(unknown)]))
    findings.append(s.finding("volunteers_checked", f"检查了期间内有服务记录的{len(s.volunteers)}名志愿者的基本信息。",
                              problem=False, count=len(s.volunteers)))
    return _row("basic_info", findings)


def check_service_time(s: _Scope) -> RowCheck:
    above = [r for r in s.records if r.hours > s.activity_of(r).duration_hours]
    not_positive = [r for r in s.records if r.hours <= 0]
    findings = []
    if above:
        findings.append(s.finding(
            "hours_above_activity_duration",
            f"{len(above)}条记录的服务时长超过所属活动本身的时长（可能由事后修改或导入造成），时长记录不准确。",
            records=[r.id for r in above], activities=[r.activity_id for r in above]))
    if not_positive:
        findings.append(s.finding("hours_not_positive", f"{len(not_positive)}条记录的服务时长不大于0。",
                                  records=[r.id for r in not_positive]))
    return _row("service_time", findings)


def check_service_content(s: _Scope) -> RowCheck:
    empty = [r for r in s.records if not r.content.strip() and not s.activity_of(r).content.strip()]
    incomplete: dict[str, list[UUID]] = defaultdict(list)
    for activity in s.activities:
        for name in ACTIVITY_FIELDS:
            if not str(getattr(activity, name)).strip():
                incomplete[name].append(activity.id)
    findings = []
    if empty:
        findings.append(s.finding("records_without_content",
                                  f"{len(empty)}条记录没有服务内容（记录和所属活动都没有填写）。",
                                  records=[r.id for r in empty], activities=[r.activity_id for r in empty]))
    if incomplete:
        ids = [aid for ids in incomplete.values() for aid in ids]
        what = "、".join(f"{ACTIVITY_FIELD_LABELS[n]}（{len(v)}项）" for n, v in sorted(incomplete.items()))
        findings.append(s.finding("activities_incomplete", f"{len(set(ids))}项活动缺少记录要素：{what}。",
                                  counts={n: len(v) for n, v in incomplete.items()}, activities=ids))
    return _row("service_content", findings)


def check_evaluation(s: _Scope) -> RowCheck:
    """Every record is evaluated, on the record itself (服务质量评价) or by an evaluation entry of the volunteer
    whose period covers the day of service."""
    covering: dict[UUID, list[EvaluationFacts]] = defaultdict(list)
    for e in s.data.evaluations:
        covering[e.volunteer_id].append(e)

    def evaluated(r: RecordFacts) -> bool:
        day = china_date(s.activity_of(r).start)
        return bool(r.evaluation.strip()) or any(e.period_start <= day <= e.period_end
                                                 for e in covering[r.volunteer_id])

    missing = [r for r in s.records if not evaluated(r)]
    findings = []
    if missing:
        findings.append(s.finding("records_without_evaluation",
                                  f"{len(missing)}条记录没有服务评价，志愿者在该期间也没有评价记录。",
                                  records=[r.id for r in missing], volunteers=[r.volunteer_id for r in missing]))
    return _row("evaluation", findings)


def _counted_entries(s: _Scope, row_id: str, counts: Mapping[UUID, int], what: str, code: str) -> RowCheck:
    """Training and awards: the data says what was recorded, never what took place; with entries the row is
    judged complete as far as the data goes, without any it cannot be decided."""
    total = sum(counts.values())
    if total == 0:
        return _row(row_id, [], f"期间内没有任何{what}记录：是否确实没有开展，数据无法判断，需现场核实{what}材料。")
    people = sorted(v for v, n in counts.items() if n > 0)
    return _row(row_id, [s.finding(code, f"期间内有{total}条{what}记录，涉及{len(people)}名志愿者。", problem=False,
                                   count=total, volunteers=people)])


def check_training(s: _Scope) -> RowCheck:
    return _counted_entries(s, "training", s.data.trainings, "技能培训", "training_entries")


def check_awards(s: _Scope) -> RowCheck:
    return _counted_entries(s, "awards", s.data.awards, "表彰奖励", "award_entries")


def _with_calendar_note(s: _Scope, findings: list[Finding], unknown: list[RecordFacts]) -> None:
    if unknown:
        findings.append(s.finding(
            "workday_calendar_unknown",
            f"{len(unknown)}条记录涉及官方节假日安排未知的年份，工作日按周一至周五计算，需人工核对。",
            problem=False, records=[r.id for r in unknown]))


def check_within_10_working_days(s: _Scope) -> RowCheck:
    codes = {r.id: _codes_now(s, r) for r in s.records}
    late = [r for r in s.records if "late_record" in codes[r.id]]
    findings = []
    if late:
        findings.append(s.finding("late_record",
                                  f"{len(late)}条记录未在活动结束后10个工作日内完成。",
                                  records=[r.id for r in late], activities=[r.activity_id for r in late]))
    _with_calendar_note(s, findings, [r for r in s.records if "workday_calendar_unknown" in codes[r.id]])
    return _row("within_10_working_days", findings)


def check_paper_entered(s: _Scope) -> RowCheck:
    paper = [r for r in s.records if r.paper_recorded_on is not None]
    late = [r for r in paper if "paper_entered_late" in _codes_now(s, r)]
    findings = []
    if late:
        findings.append(s.finding("paper_entered_late",
                                  f"{len(late)}条纸质记录在纸质记录日期后超过10个工作日才录入系统。",
                                  records=[r.id for r in late], activities=[r.activity_id for r in late]))
    findings.append(s.finding("paper_records", f"期间内有{len(paper)}条纸质记录录入系统。", problem=False,
                              count=len(paper)))
    # Paper never entered leaves nothing in the system to see.
    return _row("paper_entered", findings)


def check_pay_beyond_subsidy(s: _Scope) -> RowCheck:
    declared = [r for r in s.records if r.payment is not None]
    beyond = [r for r in declared if r.payment is not None and r.payment > s.activity_of(r).subsidy]
    judged = {r.id for r in beyond}
    stored = [r for r in s.records if "pay_beyond_subsidy" in r.warnings and r.id not in judged]
    findings = []
    if beyond or stored:
        hit = beyond + stored
        findings.append(s.finding("pay_beyond_subsidy",
                                  f"{len(hit)}条记录向志愿者发放的报酬超过活动申报的必要补贴。",
                                  records=[r.id for r in hit], activities=[r.activity_id for r in hit]))
    if not declared and not findings:
        return _row("pay_beyond_subsidy", findings,
                    "期间内没有任何记录申报向志愿者的发放金额：是否发放了必要补贴之外的报酬，数据无法判断，需现场核实。")
    if len(declared) < len(s.records):
        findings.append(s.finding("payment_not_declared",
                                  f"{len(s.records) - len(declared)}条记录未申报发放金额，无法判断。",
                                  problem=False, count=len(s.records) - len(declared)))
    return _row("pay_beyond_subsidy", findings)


def check_not_volunteering(s: _Scope) -> RowCheck:
    labels = {"ineligible_job_duty": "职务行为", "ineligible_internal_activity": "单位或学校内部要求的活动",
              "ineligible_donation_or_reposting": "捐赠、奖励或转发折算时长",
              "ineligible_fee_charging_trip": "收费旅游、参观、会议、研学、夏令营"}
    findings = []
    for code in INELIGIBLE_CODES:
        hit = [a.id for a in s.activities if code in _activity_codes(a)]
        if hit:
            records = _records_on(s, set(hit))
            findings.append(s.finding(code, f"{len(hit)}项活动属于不得认定为志愿服务的{labels[code]}，"
                                            f"涉及{len(records)}条服务记录。",
                                      count=len(hit), activities=hit, records=records))
    return _row("not_volunteering", findings)


def check_profit(s: _Scope) -> RowCheck:
    charged = [a for a in s.activities if a.fee > 0 or "fee_charging_activity" in a.warnings]
    findings = []
    if charged:
        records = _records_on(s, {a.id for a in charged})
        fees = "、".join(sorted({f"{a.fee}元" for a in charged}))
        findings.append(s.finding("fee_charging_activity",
                                  f"{len(charged)}项以志愿服务名义开展的活动向参加者收费（每人{fees}），"
                                  f"涉及{len(records)}条服务记录：须现场查阅账目，核实是否以志愿服务名义营利。",
                                  problem=False, count=len(charged), activities=[a.id for a in charged],
                                  records=records))
        # A fee is not yet profit (§七(一)3(1) is a penalty for profit-making under the name of volunteering): the
        # fee-charging activity is already a problem on the "not volunteering" row (Hunan 001 二(二) ④, an order to
        # correct); whether it made a profit is for the accounts seen on site, so the rules do not suggest a
        # penalty on a fee alone.
        return _row("profit_under_volunteer_name", findings,
                    not_computable="收费本身不能证明营利；是否以志愿服务名义开展营利性活动须现场查阅账目")
    return _row("profit_under_volunteer_name", findings)


def check_certificates_from_records(s: _Scope) -> RowCheck:
    """Each certificate of the period against the records it cites, at the versions it cites: the records exist,
    are this organization's (or held by it as a successor), are the volunteer's, and their hours add up."""
    own = {s.data.org_id} | set(s.data.held_org_ids)
    missing, foreign, other_person, sums, claims, amended = [], [], [], [], [], []
    for cert in s.certificates:
        cited = [(ref, s.data.cited_records.get(ref.record_id)) for ref in cert.records]
        if any(rec is None for _, rec in cited):
            missing.append(cert)
        if any(rec is not None and rec.org_id not in own for _, rec in cited):
            foreign.append(cert)
        if any(rec is not None and rec.volunteer_id != cert.volunteer_id for _, rec in cited):
            other_person.append(cert)
        if any(rec is not None and ref.hours is not None and ref.hours != rec.hours_at(ref.version)
               for ref, rec in cited):
            claims.append(cert)
        total = sum((rec.hours_at(ref.version) for ref, rec in cited if rec is not None), Decimal(0))
        if all(rec is not None for _, rec in cited) and total != cert.hours:
            sums.append(cert)
        if any(rec is not None and any(a.version > ref.version for a in rec.amendments) for ref, rec in cited):
            amended.append(cert)

    def refs(certs: list[CertificateFacts]) -> list[UUID]:
        return [ref.record_id for c in certs for ref in c.records]

    findings = []
    for code, certs, message in (
            ("certificate_cites_missing_record", missing, "张证明引用了系统中不存在的服务记录。"),
            ("certificate_cites_other_organization", foreign, "张证明引用了其他组织的服务记录（谁记录谁证明）。"),
            ("certificate_cites_other_volunteer", other_person, "张证明引用了其他志愿者的服务记录。"),
            ("certificate_hours_differ_from_records", sums,
             "张证明的服务时长与其所依据记录在引用版本下的时长合计不一致。"),
            ("certificate_record_hours_differ", claims, "张证明所载的单条记录时长与该记录在引用版本下的时长不一致。")):
        if certs:
            findings.append(s.finding(code, f"{len(certs)}{message}", count=len(certs),
                                      certificates=[c.id for c in certs], records=refs(certs)))
    if amended:
        findings.append(s.finding("records_amended_after_certificate",
                                  f"{len(amended)}张证明所依据的记录在出具后被修改过（查验时显示“有效但有提示”），"
                                  "请查看记录的修改历史。", problem=False, count=len(amended),
                                  certificates=[c.id for c in amended], records=refs(amended)))
    findings.append(s.finding("certificates_checked", f"期间内本系统出具证明{len(s.certificates)}张。",
                              problem=False, count=len(s.certificates)))
    return _row("certificates_from_records", findings)


def check_certificates_verifiable(s: _Scope) -> RowCheck:
    """Each certificate of the period is in the transparency log and its own code verifies through the system
    (``valid``, ``valid_with_warnings`` or ``revoked`` — a revoked certificate is verifiable: it says revoked).
    Verifiers also saw, in the period, certificates signed with the organization's key that the system never
    issued: those cannot be verified through it (a problem), and revoked ones (a note: the system said so)."""
    not_logged = [c for c in s.certificates if not c.in_log]
    failing = [c for c in s.certificates if c.reverified in FAILED_VERDICTS]
    unchecked = [c for c in s.certificates if c.reverified is None]
    seen = s.data.failed_verifications or ()
    outside = [f for f in seen if f.not_in_log]
    revoked = [f for f in seen if f.verdict == "revoked"]
    findings = []
    if outside:
        findings.append(s.finding("certificates_outside_the_system_presented",
                                  f"有{sum(f.count for f in outside)}次查验出示了用本组织密钥签名、"
                                  "但未经本系统出具的证明：这些证明无法通过本系统查验。",
                                  count=sum(f.count for f in outside)))
    if revoked:
        findings.append(s.finding("revoked_certificates_presented",
                                  f"有{sum(f.count for f in revoked)}次查验出示了已撤销的证明（系统已如实显示撤销）。",
                                  problem=False, count=sum(f.count for f in revoked),
                                  certificates=[f.certificate_id for f in revoked if f.certificate_id]))
    if not_logged:
        findings.append(s.finding("certificate_not_in_transparency_log",
                                  f"{len(not_logged)}张证明的出具事件不在透明日志中，无法通过系统查验。",
                                  certificates=[c.id for c in not_logged]))
    if failing:
        findings.append(s.finding("certificate_fails_verification",
                                  f"{len(failing)}张证明用其自身二维码在本系统查验未通过。",
                                  counts=Counter(str(c.reverified) for c in failing),
                                  certificates=[c.id for c in failing]))
    if unchecked and s.certificates:
        findings.append(s.finding("certificates_not_reverified", f"{len(unchecked)}张证明未重新查验。",
                                  problem=False, certificates=[c.id for c in unchecked]))
    return _row("certificates_verifiable", findings)


def check_forged_or_altered(s: _Scope) -> RowCheck:
    """Forgeries show only when someone verifies them, and the service counts the failed verifications it can
    attribute to the organization. Problems: a well-signed certificate that is not in the log (``forged`` with
    ``signature_valid`` and ``not_in_log``: made with the organization's key outside the system), another forgery
    under the organization's key (signed after the key was compromised or retired), and ``altered`` certificates
    (claims changed after signing). Notes: copies of its certificates signed by a key that is not the
    organization's (anyone who saw one could make them) and failures that name no organization's doing."""
    seen = s.data.failed_verifications
    if seen is None:
        return _row("forged_or_altered_certificates", [],
                    "本系统未保存他人查验证明的记录：伪造、变造的证明只有在被查验时才能发现，"
                    "需现场核查纸质证明并向使用单位了解查验情况。")
    not_in_log = [f for f in seen if f.not_in_log]
    own_key = [f for f in seen if f.verdict == "forged" and "signature_valid" in f.reasons and not f.not_in_log]
    altered = [f for f in seen if f.verdict == "altered"]
    other_key = [f for f in seen if f.verdict == "forged" and "signature_valid" not in f.reasons
                 and f.certificate_id is not None]
    other = [f for f in seen if f.verdict != "revoked"
             and not any(f in kind for kind in (not_in_log, own_key, altered, other_key))]

    def total(kind: list[FailedVerification]) -> int:
        return sum(f.count for f in kind)

    def by_reasons(kind: list[FailedVerification]) -> Counter[str]:
        counts: Counter[str] = Counter()
        for f in kind:
            counts[",".join(f.reasons)] += f.count
        return counts

    findings = []
    if not_in_log:
        findings.append(s.finding("certificates_not_in_log",
                                  f"有{total(not_in_log)}次查验发现用本组织密钥签名、但从未在系统中出具的证明。",
                                  count=total(not_in_log),
                                  certificates=[f.certificate_id for f in not_in_log if f.certificate_id]))
    if own_key:
        findings.append(s.finding("forged_with_organization_key",
                                  f"有{total(own_key)}次查验发现本组织密钥在泄露或停用后签名的证明（伪造）。",
                                  count=total(own_key), counts=by_reasons(own_key),
                                  certificates=[f.certificate_id for f in own_key if f.certificate_id]))
    if altered:
        findings.append(s.finding("altered_certificates",
                                  f"有{total(altered)}次查验发现内容与系统出具记录不一致（变造）的证明。",
                                  count=total(altered), counts=by_reasons(altered),
                                  certificates=[f.certificate_id for f in altered if f.certificate_id]))
    if other_key:
        findings.append(s.finding("copies_signed_by_other_keys",
                                  f"有{total(other_key)}次查验发现冒用本组织证明编号、但非本组织密钥签名的伪造证明"
                                  "（见过该证明的任何人都可制作，不指向本组织）。",
                                  problem=False, count=total(other_key), counts=by_reasons(other_key),
                                  certificates=[f.certificate_id for f in other_key if f.certificate_id]))
    if other:
        findings.append(s.finding("other_failed_verifications",
                                  f"另有{total(other)}次查验未通过（无法归因于本组织的伪造或变造）。",
                                  problem=False, count=total(other),
                                  counts=Counter({v: total([f for f in other if f.verdict == v])
                                                  for v in {f.verdict for f in other}})))
    return _row("forged_or_altered_certificates", findings)


def check_fees_for_certificates() -> RowCheck:
    return _row("fees_for_certificates", [],
                "本系统从不记录出具证明的收费：是否以出具证明为由收费或营利，需现场询问志愿者并核查财务资料。")


def _bursts(s: _Scope) -> list[list[RecordFacts]]:
    """Maximal runs of records entered close together: each window of ``burst_window`` holding enough records
    for enough activities marks its records; overlapping marked windows are one burst."""
    rules = s.rules
    entered = sorted((r for r in s.records if rules.burst_counts_paper_records or r.paper_recorded_on is None),
                     key=lambda r: r.entered_at)
    marked: list[tuple[int, int]] = []
    first = 0
    for last in range(len(entered)):
        while entered[last].entered_at - entered[first].entered_at > rules.burst_window:
            first += 1
        window = entered[first:last + 1]
        if (len(window) >= rules.burst_min_records
                and len({r.activity_id for r in window}) >= rules.burst_min_activities):
            if marked and first <= marked[-1][1]:
                marked[-1] = (marked[-1][0], last)
            else:
                marked.append((first, last))
    return [entered[a:b + 1] for a, b in marked]


def _mad_threshold(hours: list[Decimal], rules: PrecheckRules) -> Decimal | None:
    if len(hours) < rules.outlier_min_records:
        return None
    middle = Decimal(median(hours))
    mad = Decimal(median([abs(h - middle) for h in hours]))
    return max(middle + rules.outlier_mad_factor * max(mad, rules.outlier_min_mad), rules.outlier_min_hours)


def check_matches_reality(s: _Scope) -> RowCheck:
    """Consistency of the records with what can really have happened: one person at two activities at once,
    many activities "recorded" in one sitting, hours far above the organization's norm."""
    findings = []
    by_volunteer: dict[UUID, list[RecordFacts]] = defaultdict(list)
    for r in s.records:
        by_volunteer[r.volunteer_id].append(r)
    overlapping: list[RecordFacts] = []
    for records in by_volunteer.values():
        spans = sorted(records, key=lambda r: (s.activity_of(r).start, s.activity_of(r).end))
        latest: RecordFacts | None = None
        for r in spans:
            if latest is not None and s.activity_of(r).start < s.activity_of(latest).end:
                overlapping += [latest, r]
            if latest is None or s.activity_of(r).end > s.activity_of(latest).end:
                latest = r
    if overlapping:
        people = {r.volunteer_id for r in overlapping}
        findings.append(s.finding("overlapping_service",
                                  f"{len(people)}名志愿者在时间重叠的活动中各有服务记录（同一人不能同时参加两项活动），"
                                  f"涉及{len(set(r.id for r in overlapping))}条记录。",
                                  count=len({r.id for r in overlapping}), records=[r.id for r in overlapping],
                                  activities=[r.activity_id for r in overlapping], volunteers=people))

    bursts = _bursts(s)
    if bursts:
        hit = [r for burst in bursts for r in burst]
        sizes = "、".join(f"{b[0].entered_at.isoformat()}起{len(b)}条/{len({r.activity_id for r in b})}项活动"
                         for b in bursts)
        findings.append(s.finding("burst_of_entries",
                                  f"{len(bursts)}次在{int(s.rules.burst_window.total_seconds() // 60)}分钟内集中录入"
                                  f"多项不同活动的记录（{sizes}），需核实是否真实发生。",
                                  count=len(hit), counts={"bursts": len(bursts)}, records=[r.id for r in hit],
                                  activities=[r.activity_id for r in hit]))

    threshold = _mad_threshold([r.hours for r in s.records], s.rules)
    if threshold is not None:
        high = [r for r in s.records if r.hours > threshold]
        if high:
            findings.append(s.finding("hours_far_above_norm",
                                      f"{len(high)}条记录的服务时长高于本组织同期记录的常态（超过{threshold:.2f}小时：中位数加"
                                      f"{s.rules.outlier_mad_factor}倍绝对中位差），需核实。",
                                      records=[r.id for r in high], activities=[r.activity_id for r in high]))
    elif s.records:
        findings.append(s.finding("too_few_records_for_norm",
                                  f"期间内仅有{len(s.records)}条记录，不足{s.rules.outlier_min_records}条，未判断时长是否异常。",
                                  problem=False, count=len(s.records)))
    return _row("matches_reality", findings)


def check_privacy() -> RowCheck:
    return _row("privacy", [], "泄露志愿者信息或服务对象隐私发生在记录之外，数据无法判断："
                               "需现场核查信息保管情况及相关投诉。")


def precheck(data: PrecheckInput, rules: PrecheckRules | None = None) -> PrecheckReport:
    """The pre-check of one organization over a period: a ``RowCheck`` for every row of ``domain.checklist``,
    in the form's order."""
    s = _Scope(data, rules or PrecheckRules())
    computed = {
        "basic_info": check_basic_info(s),
        "service_time": check_service_time(s),
        "service_content": check_service_content(s),
        "evaluation": check_evaluation(s),
        "training": check_training(s),
        "awards": check_awards(s),
        "within_10_working_days": check_within_10_working_days(s),
        "paper_entered": check_paper_entered(s),
        "pay_beyond_subsidy": check_pay_beyond_subsidy(s),
        "not_volunteering": check_not_volunteering(s),
        "profit_under_volunteer_name": check_profit(s),
        "certificates_from_records": check_certificates_from_records(s),
        "certificates_verifiable": check_certificates_verifiable(s),
        "forged_or_altered_certificates": check_forged_or_altered(s),
        "fees_for_certificates": check_fees_for_certificates(),
        "matches_reality": check_matches_reality(s),
        "privacy": check_privacy(),
    }
    missing = [row.id for row in ROWS if row.id not in computed]
    if missing:  # a row added to the form without a check here must not vanish from the report
        raise ValueError(f"no pre-check for checklist rows {missing}")
    scope = {"volunteers": len(s.volunteers), "activities": len(s.activities), "records": len(s.records),
             "certificates": len(s.certificates)}
    return PrecheckReport(data.org_id, data.period_start, data.period_end,
                          tuple(computed[row.id] for row in ROWS), scope)
