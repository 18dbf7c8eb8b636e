"""Reports of the spot checks (issue 6, items 5 and 7): the filled on-site form of one inspection, the annual
summary of a year's checks, and the annual list of identified volunteer organizations.

The form is built from the ``Inspection`` aggregate itself (its findings with their evidence, the opinion, the
decision); the summary from ``view_inspections`` and ``view_complaints``; the identification list from the
organizations' own events, replayed up to 30 June, since the directory view keeps only the current state.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from api.inspection_pdf import EvidenceItem, FormFinding, InspectionForm, form_rows
from api.inspection_summary import (
    AnnualSummary,
    IdentificationList,
    IdentifiedOrganization,
    ProblemRowCount,
    RegionIdentification,
    RegionSummary,
)
from api.usecases.base import UseCases
from domain.access import Principal
from domain.checklist import OTHER_ROW_ID, ROWS_BY_ID, Result
from domain.draw import DEFAULT_QUOTA, MAX_QUOTA, check_year, quota_deadline, quota_status
from domain.errors import ForbiddenError, InvalidFieldError
from domain.inspection import EvidenceKind, Finding, Inspection, Stage
from domain.organization import Organization, region_prefix
from domain.workdays import CHINA_TIME, china_date

REPORT_READERS = ("inspector", "registry")
TOP_ROWS = 10  # the most frequent problem rows the summary lists
COUNTY_DIGITS = 6  # checks, quotas and populations are per county (GB/T 2260): a longer code's first six digits
PUBLICATION_MONTH, PUBLICATION_DAY = 6, 30  # Hunan notice 001 二(一): the list is published each year by 30 June
OTHER_ROW_LABEL = "其他检查事项（自由填写）"
# Organization events that decide whether it is identified at a given moment.
_IDENTIFICATION_EVENTS = (Organization.Registered, Organization.Identified, Organization.IdentificationWithdrawn,
                          Organization.Dissolved)
_PAGE = 500


def check_report_reader(principal: Principal) -> None:
    """Spot-check reports are the inspectors' and the registry's (the bureau that reports to the city/province)."""
    if principal.role not in REPORT_READERS:
        raise ForbiddenError("only inspectors and the registry may read spot-check reports", code="reports_not_yours")


def check_form_reader(principal: Principal, inspection: Inspection) -> None:
    """The form: inspectors and the registry; the inspected organization its own, once the on-site check began —
    before, its findings are the online pre-check's, which the organization does not see (domain.access)."""
    if principal.role in REPORT_READERS:
        return
    if principal.role == "organization" and principal.org_id == inspection.org_id:
        if inspection.stage == Stage.PLANNED.value:
            raise ForbiddenError("the organization receives its form once the on-site check has started",
                                 code="form_not_yet_shown")
        return
    raise ForbiddenError("only inspectors, the registry and the inspected organization may read this form",
                         code="form_not_yours")


def county_of(region_code: str | None) -> str | None:
    return region_code[:COUNTY_DIGITS] if region_code else None


def check_region(region: str | None) -> str | None:
    """A selection of divisions by code (430000: all of Hunan), as its significant prefix; None: everything."""
    if region is None or not region.strip():
        return None
    return region_prefix(region)


def _within(prefix: str | None) -> tuple[str, tuple[Any, ...]]:
    """SQL for ``region_code`` within a prefix: a text range the index can use on both stores (no LIKE)."""
    if prefix is None:
        return "", ()
    return " AND region_code >= ? AND region_code < ?", (prefix, prefix + ":")  # ':' sorts right after '9'


def _result_of(value: str | None) -> Result | None:
    if value is None:
        return None
    try:
        return Result(value)
    except ValueError:
        return Result[value.upper()]


def _on_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    return dt.date.fromisoformat(value[:10])


class InspectionReportCases(UseCases):
    """The on-site form, the annual summary and the identification list."""

    # -- the form ---------------------------------------------------------------------------------------------

    def inspection_form(self, principal: Principal, inspection_id: UUID) -> InspectionForm:
        """The filled on-site form of one inspection, for ``api.inspection_pdf.render_form``."""
        inspection = self.load(Inspection, inspection_id, "inspection")
        check_form_reader(principal, inspection)
        people = list(inspection.present or inspection.active_team)
        with self.read() as c:
            org = c.execute("SELECT name FROM view_organizations WHERE id = ?",
                            (str(inspection.org_id),)).fetchone()
            names = {r["id"]: r["name"] for r in c.select_in("SELECT id, name FROM view_inspectors WHERE id IN "
                                                             "({marks})", [str(i) for i in people])}
            numbers = self._certificate_numbers(c, inspection.active_findings)
        findings = [self._form_finding(f, numbers) for f in inspection.active_findings]
        return InspectionForm(
            inspection_id=inspection.id, year=inspection.year,
            organization_name=org["name"] if org else str(inspection.org_id),
            inspected_on=inspection.on_site_on or inspection.planned_on, place=inspection.place,
            period_start=inspection.period_start, period_end=inspection.period_end, stage=inspection.stage,
            rows=form_rows(findings), opinion=inspection.opinion, representative=inspection.representative,
            inspectors=tuple(names.get(str(i), str(i)) for i in people),
            suggested_result=(inspection.suggested or inspection.suggested_result.value),
            result=inspection.result, decision_reason=inspection.decision_reason,
            rectification_deadline=inspection.rectification_deadline, generated_on=china_date(self.clock()))

    def _certificate_numbers(self, c: Any, findings: Iterable[Finding]) -> dict[str, str]:
        """Certificate evidence given by id, with its number (what a person reads on the certificate)."""
        ids = sorted({e.ref for f in findings for e in f.evidence
                      if e.kind == EvidenceKind.CERTIFICATE.value and not e.ref.startswith("VC")})
        return {r["id"]: r["number"] for r in c.select_in("SELECT id, number FROM view_certificates WHERE id IN "
                                                           "({marks})", ids)}

    def _form_finding(self, finding: Finding, numbers: dict[str, str]) -> FormFinding:
        base = self.settings.public_url
        items = []
        for e in finding.evidence:
            link = None
            ref = e.ref
            if e.kind in (EvidenceKind.RECORD.value, EvidenceKind.HISTORY.value):
                link = f"{base}/api/v1/records/{e.ref}/history"
            elif e.kind == EvidenceKind.CERTIFICATE.value:
                ref = numbers.get(e.ref, e.ref)
            items.append(EvidenceItem(kind=e.kind, ref=ref, version=e.version, link=link))
        row = ROWS_BY_ID.get(finding.row_id)
        text = finding.other_text if finding.row_id == OTHER_ROW_ID else (row.text if row else finding.row_id)
        return FormFinding(row_id=finding.row_id, row_text=text or "", problem=finding.problem,
                           remark=finding.remark, source=finding.source, evidence=tuple(items))

    # -- the annual summary -----------------------------------------------------------------------------------

    def annual_summary(self, principal: Principal, *, year: int, region: str | None = None,
                       quota: int = DEFAULT_QUOTA) -> AnnualSummary:
        """A year's spot checks per county: checks done on site against the quota due before September (Hunan
        notice 001 二(二)), results by type, rectifications, the most frequent problem rows, complaints received.

        ``view_inspections`` keeps no day of the visit: a check past "planned" counts as done on site on its
        planned day (``planned_on``)."""
        check_report_reader(principal)
        check_year(year)
        if not 1 <= quota <= MAX_QUOTA:
            raise InvalidFieldError("quota", f"expected 1 to {MAX_QUOTA} organizations")
        prefix = check_region(region)
        where, params = _within(prefix)
        with self.read() as c:
            rows = c.execute(
                "SELECT id, region_code, stage, planned_on, result, rectification_deadline, problem_rows "
                f"FROM view_inspections WHERE year = ?{where}", (year, *params)).fetchall()
            complaints = c.execute(
                "SELECT o.region_code AS region_code, COUNT(*) AS n FROM view_complaints k "
                "JOIN view_organizations o ON o.id = k.org_id WHERE k.year = ?"
                f"{where.replace('region_code', 'o.region_code')} GROUP BY o.region_code",
                (year, *params)).fetchall()
        today = china_date(self.clock())
        by_county: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_county[county_of(row["region_code"])].append(row)
        complained: Counter[str | None] = Counter()
        for row in complaints:
            complained[county_of(row["region_code"])] += int(row["n"])
        counties = sorted(set(by_county) | set(complained), key=lambda k: (k is None, k or ""))
        regions = tuple(self._county(k, by_county.get(k, []), complained[k], year, quota, today) for k in counties)
        problems: Counter[str] = Counter()
        for row in rows:
            problems.update(set(json.loads(row["problem_rows"] or "[]")))
        ranked = sorted(problems.items(), key=lambda item: (-item[1], item[0]))[:TOP_ROWS]
        top = tuple(ProblemRowCount(row_id, ROWS_BY_ID[row_id].text if row_id in ROWS_BY_ID else OTHER_ROW_LABEL,
                                    count) for row_id, count in ranked)
        return AnnualSummary(year=year, region=prefix, as_of=today, deadline=quota_deadline(year), quota=quota,
                             regions=regions, total=_total(regions), top_rows=top)

    @staticmethod
    def _county(county: str | None, rows: list[dict[str, Any]], complaints: int, year: int, quota: int,
                today: dt.date) -> RegionSummary:
        on_site = [r for r in rows if r["stage"] != Stage.PLANNED.value]
        results = Counter(_result_of(r["result"]) for r in rows)
        open_stages = {Stage.DECIDED.value, Stage.RECTIFYING.value, Stage.REPORTED.value, Stage.NOT_RECTIFIED.value}
        rectifying = overdue = 0
        for r in rows:
            if r["stage"] not in open_stages:
                continue
            deadline = _on_day(r["rectification_deadline"])
            late = r["stage"] == Stage.NOT_RECTIFIED.value or (
                r["stage"] == Stage.RECTIFYING.value and deadline is not None and deadline < today)
            if late:
                overdue += 1
            else:
                rectifying += 1
        rectified = sum(1 for r in rows if r["stage"] == Stage.CLOSED.value
                        and _result_of(r["result"]) is Result.ORDER_TO_CORRECT)
        counted = None
        if county is not None:
            days = [d for d in (_on_day(r["planned_on"]) for r in on_site) if d is not None]
            counted = quota_status(county, year, days, quota).checks_done_on_site
        return RegionSummary(
            region_code=county, inspections=len(rows), done_on_site=len(on_site), counted=counted,
            quota=quota if county is not None else None, passed=results[Result.PASS],
            ordered_to_correct=results[Result.ORDER_TO_CORRECT], penalised=results[Result.PENALTY],
            undecided=results[None], rectifying=rectifying, overdue=overdue, rectified=rectified,
            complaints=complaints)

    # -- the identification list ------------------------------------------------------------------------------

    def identification_list(self, *, year: int, region: str | None = None) -> IdentificationList:
        """The organizations identified as volunteer service organizations as of 30 June of ``year`` (identified on
        or before that day, China time, and neither withdrawn nor dissolved by its end), per county with the count
        per million residents against the target of 20 (Hunan notice 001 二(一)). Public: organizations only."""
        check_year(year)
        prefix = check_region(region)
        cutoff = dt.date(year, PUBLICATION_MONTH, PUBLICATION_DAY)
        end = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(0, 0), CHINA_TIME)
        since = self._identified_as_of(end)
        where, params = _within(prefix)
        with self.read() as c:
            # select_in puts ``params`` before the list: the region's range comes first.
            rows = c.select_in(f"SELECT id, name, kind, credit_code, region_code FROM view_organizations "
                               f"WHERE 1 = 1{where} AND id IN ({{marks}})", sorted(str(i) for i in since),
                               params) if since else []
        organizations = tuple(sorted(
            (IdentifiedOrganization(id=UUID(r["id"]), name=r["name"], kind=r["kind"], credit_code=r["credit_code"],
                                    region_code=r["region_code"], identified_since=china_date(since[UUID(r["id"])]))
             for r in rows), key=lambda o: (o.region_code is None, o.region_code or "", o.name, str(o.id))))
        populations = self.settings.region_populations
        counted = Counter(county_of(o.region_code) for o in organizations)
        # Configured counties within the selection are listed even with no identified organization: 0 per million
        # is what the target is about.
        counties = set(counted) | {k for k in populations if prefix is None or k.startswith(prefix)}
        regions = tuple(RegionIdentification(region_code=k, population=populations.get(k) if k else None,
                                             identified=counted[k])
                        for k in sorted(counties, key=lambda k: (k is None, k or "")))
        total_population: int | None
        if prefix is not None and len(prefix) == COUNTY_DIGITS:
            total_population = populations.get(prefix)
        elif regions and all(r.population for r in regions):
            total_population = sum(r.population or 0 for r in regions)
        else:
            total_population = None  # some county's population is unknown: so is the total's
        total = RegionIdentification(region_code=None, population=total_population, identified=len(organizations))
        return IdentificationList(year=year, region=prefix, cutoff=cutoff, final=self.clock() >= end,
                                  regions=regions, total=total, organizations=organizations)

    def _identified_as_of(self, end: dt.datetime) -> dict[UUID, dt.datetime]:
        """Organizations identified at ``end`` (exclusive), with the instant of their latest identification: one
        pass over the organizations' identification events in the log, each checked like any other read."""
        topics = [get_topic(cls) for cls in _IDENTIFICATION_EVENTS]
        top = self.recorder.max_notification_id() or 0
        since: dict[UUID, dt.datetime] = {}
        position: int | None = None
        while (position or 0) < top:
            notes = self.recorder.select_notifications(start=position, limit=_PAGE, stop=top, topics=topics,
                                                       inclusive_of_start=False)
            for note in notes:
                position = note.id
                event: Any = self.mapper.to_domain_event(note)
                if event.timestamp >= end:
                    continue  # the log is in write order, not strictly in time order: look at every event
                org = event.originator_id
                if isinstance(event, Organization.Registered):
                    if event.identified:
                        since[org] = event.timestamp
                elif isinstance(event, Organization.Identified):
                    since[org] = event.timestamp
                else:  # withdrawn, or dissolved: no longer on the list
                    since.pop(org, None)
            if len(notes) < _PAGE:
                break
        return since


def _total(regions: tuple[RegionSummary, ...]) -> RegionSummary:
    return RegionSummary(
        region_code=None, inspections=sum(r.inspections for r in regions),
        done_on_site=sum(r.done_on_site for r in regions), counted=None, quota=None,
        passed=sum(r.passed for r in regions), ordered_to_correct=sum(r.ordered_to_correct for r in regions),
        penalised=sum(r.penalised for r in regions), undecided=sum(r.undecided for r in regions),
        rectifying=sum(r.rectifying for r in regions), overdue=sum(r.overdue for r in regions),
        rectified=sum(r.rectified for r in regions), complaints=sum(r.complaints for r in regions))
