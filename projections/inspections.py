"""Spot checks (抽查): complaints, published draws and inspections, as the use cases and pages read them.

``view_inspections`` has one row per inspection with exactly the columns the form PDF, the annual summary and the
inspector pages are written against; the other tables hold what one inspection is made of (team, findings, the
timeline of its steps) and the draws' published data (seed, rules, the candidate list, targets, inspector rounds),
enough for anyone to re-run a draw.

Complaint texts are kept here for inspectors (who assess them); no public list shows them.
"""

from __future__ import annotations

import json
from functools import singledispatchmethod
from typing import Any

from domain.checklist import Result, suggested_result
from domain.complaint import Complaint
from domain.draw import Draw
from domain.inspection import Inspection, Stage
from domain.organization import Organization
from projections.base import View
from projections.store import ViewCursor

INSPECTION_COLUMNS = (
    "id", "org_id", "region_code", "year", "basis", "stage", "planned_on", "place", "period_start", "period_end",
    "inspectors", "suggested_result", "result", "decided_at", "rectification_deadline", "closed_at", "penalty",
    "findings_count", "problem_rows", "updated_at")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


class SpotChecksView(View):
    name = "spot_checks"
    tables = ("view_spot_check_orgs", "view_complaints", "view_draws", "view_draw_inspectors", "view_inspections",
              "view_inspection_members", "view_inspection_findings", "view_inspection_steps")
    schema = (
        # Each organization's region and kind, as registered (neither changes): what an inspection's row and a
        # draw's candidate list need, kept here so this view never depends on another view's progress.
        "CREATE TABLE IF NOT EXISTS view_spot_check_orgs (org_id TEXT PRIMARY KEY, region_code TEXT, "
        "kind TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS view_complaints (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, year INTEGER NOT NULL, "
        "about TEXT NOT NULL, filed_by TEXT NOT NULL, filed_at TEXT NOT NULL, assessed INTEGER NOT NULL, "
        "founded INTEGER, text TEXT NOT NULL, certificate_number TEXT, record_id TEXT, assessed_at TEXT, "
        "assessed_by TEXT, assessment_reason TEXT, notification_id BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_complaints_year ON view_complaints (year, org_id)",
        "CREATE TABLE IF NOT EXISTS view_draws (id TEXT PRIMARY KEY, region TEXT NOT NULL, year INTEGER NOT NULL, "
        "algorithm TEXT NOT NULL, seed_hex TEXT NOT NULL, seed_source TEXT NOT NULL, candidates_digest TEXT NOT NULL, "
        "candidate_count INTEGER NOT NULL, rules TEXT NOT NULL, candidates TEXT NOT NULL, published_at TEXT NOT NULL, "
        "published_by TEXT NOT NULL, drawn_at TEXT, targets TEXT, shortfall INTEGER, notification_id BIGINT NOT NULL, "
        "inspector_pool TEXT)",
        "CREATE INDEX IF NOT EXISTS view_draws_year ON view_draws (year, region)",
        "CREATE TABLE IF NOT EXISTS view_draw_inspectors (draw_id TEXT NOT NULL, org_id TEXT NOT NULL, "
        "draw_round INTEGER NOT NULL, eligible TEXT NOT NULL, excluded_for_conflict TEXT NOT NULL, "
        "already_on_team TEXT NOT NULL, inspectors TEXT NOT NULL, drawn_at TEXT NOT NULL, "
        "declared_conflicts TEXT NOT NULL, registry_conflicts TEXT NOT NULL, "
        "PRIMARY KEY (draw_id, org_id, draw_round))",
        "CREATE TABLE IF NOT EXISTS view_inspections (id TEXT PRIMARY KEY, org_id TEXT NOT NULL, region_code TEXT, "
        "year INTEGER NOT NULL, basis TEXT NOT NULL, stage TEXT NOT NULL, planned_on TEXT NOT NULL, "
        "place TEXT NOT NULL, period_start TEXT NOT NULL, period_end TEXT NOT NULL, inspectors TEXT NOT NULL, "
        "suggested_result TEXT, result TEXT, decided_at TEXT, rectification_deadline TEXT, closed_at TEXT, "
        "penalty INTEGER NOT NULL, findings_count INTEGER NOT NULL, problem_rows TEXT NOT NULL, "
        "updated_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_inspections_year ON view_inspections (year, region_code)",
        "CREATE INDEX IF NOT EXISTS view_inspections_org ON view_inspections (org_id)",
        # The team in the order inspectors joined it; conflict NULL until declared; present: at the on-site check.
        "CREATE TABLE IF NOT EXISTS view_inspection_members (inspection_id TEXT NOT NULL, inspector_id TEXT NOT NULL, "
        "position INTEGER NOT NULL, org_id TEXT NOT NULL, conflict INTEGER, statement TEXT, declared_at TEXT, "
        "present INTEGER NOT NULL, PRIMARY KEY (inspection_id, inspector_id))",
        "CREATE INDEX IF NOT EXISTS view_inspection_members_org ON view_inspection_members (org_id, inspector_id)",
        "CREATE TABLE IF NOT EXISTS view_inspection_findings (id TEXT PRIMARY KEY, inspection_id TEXT NOT NULL, "
        "row_id TEXT NOT NULL, other_text TEXT, problem TEXT NOT NULL, remark TEXT, evidence TEXT NOT NULL, "
        "source TEXT NOT NULL, withdrawn INTEGER NOT NULL, withdrawal_reason TEXT, recorded_at TEXT NOT NULL, "
        "recorded_by TEXT NOT NULL, notification_id BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS view_inspection_findings_inspection ON view_inspection_findings "
        "(inspection_id, notification_id)",
        # Every step of an inspection as a readable timeline: what, when, who, and its own fields (JSON).
        "CREATE TABLE IF NOT EXISTS view_inspection_steps (inspection_id TEXT NOT NULL, version INTEGER NOT NULL, "
        "type TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, details TEXT NOT NULL, "
        "PRIMARY KEY (inspection_id, version))",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        pass

    # -- organizations --------------------------------------------------------------------------------------

    @apply.register
    def _(self, event: Organization.Registered, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_spot_check_orgs VALUES (?, ?, ?)",
                  (str(event.originator_id), event.region_code, event.kind))

    # -- complaints -----------------------------------------------------------------------------------------

    @apply.register
    def _(self, event: Complaint.ComplaintFiled, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_complaints VALUES (?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?, NULL, NULL, NULL, ?)",
                  (str(event.originator_id), str(event.org_id), event.year, event.about, event.filed_by,
                   event.timestamp.isoformat(), event.text, event.certificate_number,
                   str(event.record_id) if event.record_id else None, nid))

    @apply.register
    def _(self, event: Complaint.ComplaintAssessed, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_complaints SET assessed = 1, founded = ?, assessed_at = ?, assessed_by = ?, "
                  "assessment_reason = ? WHERE id = ?",
                  (int(event.founded), event.timestamp.isoformat(), event.actor, event.reason,
                   str(event.originator_id)))

    # -- draws ----------------------------------------------------------------------------------------------

    @apply.register
    def _(self, event: Draw.DrawSeedPublished, c: ViewCursor, nid: int) -> None:
        pool = None if event.inspector_pool is None else json.dumps([str(i) for i in event.inspector_pool])
        c.execute("INSERT INTO view_draws VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)",
                  (str(event.originator_id), event.region, event.year, event.algorithm, event.seed_hex,
                   event.seed_source, event.candidates_digest, event.candidate_count, _json(event.rules),
                   _json(event.candidates), event.timestamp.isoformat(), event.actor, nid, pool))

    @apply.register
    def _(self, event: Draw.TargetsDrawn, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_draws SET drawn_at = ?, targets = ?, shortfall = ? WHERE id = ?",
                  (event.timestamp.isoformat(), json.dumps(event.targets, ensure_ascii=False), event.shortfall,
                   str(event.originator_id)))

    @apply.register
    def _(self, event: Draw.InspectorsDrawn, c: ViewCursor, nid: int) -> None:
        c.execute("INSERT INTO view_draw_inspectors VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), str(event.org_id), event.draw_round,
                   json.dumps([str(i) for i in event.eligible]),
                   json.dumps([str(i) for i in event.excluded_for_conflict]),
                   json.dumps([str(i) for i in event.already_on_team]),
                   json.dumps([str(i) for i in event.inspectors]), event.timestamp.isoformat(),
                   json.dumps([str(i) for i in event.declared_conflicts]),
                   json.dumps(event.registry_conflicts, ensure_ascii=False)))

    # -- inspections ----------------------------------------------------------------------------------------

    def _step(self, event: Any, c: ViewCursor, **details: Any) -> None:
        """One line of the inspection's timeline, and the row's ``updated_at``."""
        at = event.timestamp.isoformat()
        c.execute("INSERT INTO view_inspection_steps VALUES (?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), event.originator_version, type(event).__name__, at, event.actor,
                   _json(details)))
        c.execute("UPDATE view_inspections SET updated_at = ? WHERE id = ?", (at, str(event.originator_id)))

    def _add_members(self, c: ViewCursor, inspection_id: str, org_id: str, inspectors: list[Any]) -> None:
        row = c.execute("SELECT COUNT(*) AS n FROM view_inspection_members WHERE inspection_id = ?",
                        (inspection_id,)).fetchone()
        start = int(row["n"]) if row else 0
        for n, inspector in enumerate(inspectors):
            c.execute("INSERT INTO view_inspection_members VALUES (?, ?, ?, ?, NULL, NULL, NULL, 0)",
                      (inspection_id, str(inspector), start + n, org_id))
        team = [r["inspector_id"] for r in c.execute(
            "SELECT inspector_id FROM view_inspection_members WHERE inspection_id = ? ORDER BY position",
            (inspection_id,)).fetchall()]
        c.execute("UPDATE view_inspections SET inspectors = ? WHERE id = ?", (json.dumps(team), inspection_id))

    def _refresh_findings(self, c: ViewCursor, inspection_id: str) -> None:
        """Findings count, rows with an active finding and what §七 suggests for them (until the decision)."""
        rows = c.execute("SELECT row_id FROM view_inspection_findings WHERE inspection_id = ? AND withdrawn = 0",
                         (inspection_id,)).fetchall()
        problem_rows = sorted({r["row_id"] for r in rows})
        c.execute("UPDATE view_inspections SET findings_count = ?, problem_rows = ? WHERE id = ?",
                  (len(rows), json.dumps(problem_rows), inspection_id))
        # Once decided, the suggestion stays the one recorded beside the decision.
        c.execute("UPDATE view_inspections SET suggested_result = ? WHERE id = ? AND result IS NULL",
                  (suggested_result(frozenset(problem_rows)).value, inspection_id))

    @apply.register
    def _(self, event: Inspection.InspectionPlanned, c: ViewCursor, nid: int) -> None:
        iid, org = str(event.originator_id), str(event.org_id)
        found = c.execute("SELECT region_code FROM view_spot_check_orgs WHERE org_id = ?", (org,)).fetchone()
        c.execute(f"INSERT INTO view_inspections ({', '.join(INSPECTION_COLUMNS)}) VALUES "
                  f"({', '.join('?' * len(INSPECTION_COLUMNS))})",
                  (iid, org, found["region_code"] if found else None, event.year, event.basis, Stage.PLANNED.value,
                   event.planned_on.isoformat(), event.place, event.period_start.isoformat(),
                   event.period_end.isoformat(), "[]", None, None, None, None, None, 0, 0, "[]",
                   event.timestamp.isoformat()))
        self._add_members(c, iid, org, list(event.inspectors))
        self._step(event, c, inspectors=[str(i) for i in event.inspectors], basis=event.basis,
                   draw_id=str(event.draw_id) if event.draw_id else None,
                   complaint_id=str(event.complaint_id) if event.complaint_id else None, note=event.note,
                   planned_on=event.planned_on.isoformat(), place=event.place)

    def _org_of(self, c: ViewCursor, inspection_id: str) -> str:
        row = c.execute("SELECT org_id FROM view_inspections WHERE id = ?", (inspection_id,)).fetchone()
        return str(row["org_id"]) if row else ""

    @apply.register
    def _(self, event: Inspection.InspectorsAdded, c: ViewCursor, nid: int) -> None:
        iid = str(event.originator_id)
        self._add_members(c, iid, self._org_of(c, iid), list(event.inspectors))
        self._step(event, c, inspectors=[str(i) for i in event.inspectors], reason=event.reason,
                   draw_round=event.draw_round)

    @apply.register
    def _(self, event: Inspection.ConflictDeclared, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_inspection_members SET conflict = ?, statement = ?, declared_at = ? "
                  "WHERE inspection_id = ? AND inspector_id = ?",
                  (int(event.conflict), event.statement, event.timestamp.isoformat(), str(event.originator_id),
                   str(event.inspector_id)))
        self._step(event, c, inspector_id=str(event.inspector_id), conflict=event.conflict)

    @apply.register
    def _(self, event: Inspection.OnSiteStarted, c: ViewCursor, nid: int) -> None:
        iid = str(event.originator_id)
        for inspector in event.inspectors:
            c.execute("UPDATE view_inspection_members SET present = 1 WHERE inspection_id = ? AND inspector_id = ?",
                      (iid, str(inspector)))
        c.execute("UPDATE view_inspections SET stage = ? WHERE id = ?", (Stage.ON_SITE.value, iid))
        self._refresh_findings(c, iid)
        self._step(event, c, inspectors=[str(i) for i in event.inspectors],
                   credentials_shown=event.credentials_shown)

    @apply.register
    def _(self, event: Inspection.FindingRecorded, c: ViewCursor, nid: int) -> None:
        iid = str(event.originator_id)
        c.execute("INSERT INTO view_inspection_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?, ?)",
                  (str(event.finding_id), iid, event.row_id, event.other_text, event.problem, event.remark,
                   _json(list(event.evidence)), event.source, event.timestamp.isoformat(), event.actor, nid))
        self._refresh_findings(c, iid)
        self._step(event, c, finding_id=str(event.finding_id), row_id=event.row_id, source=event.source,
                   evidence_count=len(event.evidence))

    @apply.register
    def _(self, event: Inspection.FindingWithdrawn, c: ViewCursor, nid: int) -> None:
        iid = str(event.originator_id)
        c.execute("UPDATE view_inspection_findings SET withdrawn = 1, withdrawal_reason = ? WHERE id = ?",
                  (event.reason, str(event.finding_id)))
        self._refresh_findings(c, iid)
        self._step(event, c, finding_id=str(event.finding_id), reason=event.reason)

    @apply.register
    def _(self, event: Inspection.RepresentativeOpinionRecorded, c: ViewCursor, nid: int) -> None:
        self._step(event, c, opinion=event.opinion, name=event.name)

    @apply.register
    def _(self, event: Inspection.ResultDecided, c: ViewCursor, nid: int) -> None:
        iid = str(event.originator_id)
        c.execute("UPDATE view_inspections SET result = ?, suggested_result = ?, decided_at = ? WHERE id = ?",
                  (event.result, event.suggested, event.timestamp.isoformat(), iid))
        if event.result == Result.ORDER_TO_CORRECT.value:
            c.execute("UPDATE view_inspections SET stage = ? WHERE id = ?", (Stage.DECIDED.value, iid))
        self._step(event, c, result=event.result, suggested=event.suggested, reason=event.reason,
                   rows_with_problems=list(event.rows_with_problems),
                   milder_than_suggested=event.milder_than_suggested)

    @apply.register
    def _(self, event: Inspection.RectificationOrdered, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_inspections SET stage = ?, rectification_deadline = ? WHERE id = ?",
                  (Stage.RECTIFYING.value, event.deadline.isoformat(), str(event.originator_id)))
        self._step(event, c, deadline=event.deadline.isoformat(), instructions=event.instructions)

    @apply.register
    def _(self, event: Inspection.RectificationReported, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_inspections SET stage = ? WHERE id = ?",
                  (Stage.REPORTED.value, str(event.originator_id)))
        self._step(event, c, report=event.report)

    @apply.register
    def _(self, event: Inspection.FollowUpChecked, c: ViewCursor, nid: int) -> None:
        if not event.done:
            c.execute("UPDATE view_inspections SET stage = ? WHERE id = ?",
                      (Stage.NOT_RECTIFIED.value, str(event.originator_id)))
        self._step(event, c, done=event.done, reason=event.reason)

    @apply.register
    def _(self, event: Inspection.InspectionClosed, c: ViewCursor, nid: int) -> None:
        c.execute("UPDATE view_inspections SET stage = ?, closed_at = ?, penalty = ?, result = ? WHERE id = ?",
                  (Stage.CLOSED.value, event.timestamp.isoformat(), int(event.penalty), event.result,
                   str(event.originator_id)))
        self._step(event, c, result=event.result, penalty=event.penalty, rectified=event.rectified)
