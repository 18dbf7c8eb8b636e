"""The online pre-check (线上抽查) of one organization over a period: the facts gathered from the views, judged by
``domain.precheck`` row by row of the on-site form."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.usecases.base import UseCases
from domain.access import Principal, check_may_precheck
from domain.errors import InvalidFieldError, NotFoundError
from domain.precheck import (
    ActivityFacts,
    Amendment,
    CertificateFacts,
    CitedRecord,
    EvaluationFacts,
    FailedVerification,
    PrecheckInput,
    PrecheckRules,
    RecordFacts,
    VolunteerFacts,
    precheck,
)
from domain.succession import holder_of
from projections.base import hours_of
from projections.certificate_requests import successors_of
from projections.store import ViewCursor
from projections.verification_failures import failure_totals

if TYPE_CHECKING:
    from domain.verdicts import Verdict

# A pre-check reads every record of the period: a bound keeps one request from reading a decade.
MAX_PERIOD_DAYS = 3 * 366
# Certificates of the period re-verified through the system, at most (each costs a read of its events).
MAX_REVERIFIED = 1000

# Which basic fields a volunteer's entry holds, as flags computed in SQL: the ID number, the phone number and the
# e-mail address never leave the database here (the view keeps no phone or e-mail anyway, only whether present).
_VOLUNTEER_FLAGS = (
    "SELECT id, CASE WHEN name <> '' THEN 1 ELSE 0 END AS has_name, "
    "CASE WHEN id_type <> '' THEN 1 ELSE 0 END AS has_id_type, "
    "CASE WHEN id_digest <> '' THEN 1 ELSE 0 END AS has_id_number, "
    "CASE WHEN gender IS NOT NULL AND gender <> '' THEN 1 ELSE 0 END AS has_gender, "
    "CASE WHEN birth_date IS NOT NULL THEN 1 ELSE 0 END AS has_birth_date, "
    "CASE WHEN has_phone = 1 OR has_email = 1 THEN 1 ELSE 0 END AS has_contact "
    "FROM view_volunteers WHERE id IN ({marks})")


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / 100


def _codes(text: str | None) -> tuple[str, ...]:
    return tuple(str(w["code"]) for w in json.loads(text)) if text else ()


def _hours(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


class PrecheckCases(UseCases):
    """The online pre-check of an organization (issue 6, item 3)."""

    precheck_rules = PrecheckRules()

    if TYPE_CHECKING:
        # Use cases of CertificateCases: the pre-check verifies certificates as any verifier would.
        def verify(self, text: Any, *, record: bool = True) -> Verdict: ...
        def qr_text(self, code: str) -> str: ...

    def precheck_organization(self, principal: Principal, org_id: UUID, *, period_start: dt.date,
                              period_end: dt.date) -> dict[str, Any]:
        """Every row of the on-site form computed from the data over ``period_start``..``period_end`` (both
        included, China time): status, findings with evidence ids and history links, and the result §七 suggests.
        For inspectors and the registry.

        No read receipt is recorded (unlike an inspector's reads of records, histories or volunteers): the
        pre-check never reads an ID number, a phone number or a name — only whether each is present — and answers
        with ids, counts and codes, not with any volunteer's personal data."""
        check_may_precheck(principal)
        if period_start > period_end:
            raise InvalidFieldError("period_end", "the period ends before it starts", code="empty_period")
        if (period_end - period_start).days > MAX_PERIOD_DAYS:
            raise InvalidFieldError("period_end", f"a pre-check covers at most {MAX_PERIOD_DAYS} days",
                                    code="period_too_long")
        with self.read() as c:
            org = c.execute("SELECT id, name FROM view_organizations WHERE id = ?", (str(org_id),)).fetchone()
            if org is None:
                raise NotFoundError(f"no organization with id {org_id}")
            data, codes = self._precheck_facts(c, org_id, period_start, period_end)
        data = self._reverified(data, codes)
        report = precheck(data, self.precheck_rules)
        return {**report.as_dict(), "organization": {"id": org["id"], "name": org["name"]},
                # Evidence names certificates by id; readers know them by the number printed on them.
                "certificate_numbers": {str(c.id): c.number for c in data.certificates},
                "computed_at": self.clock().isoformat(), "rules": self.precheck_rules.as_dict()}

    @staticmethod
    def _failed_verifications(c: ViewCursor, org_id: UUID, period_start: dt.date,
                              period_end: dt.date) -> list[FailedVerification] | None:
        """Failed verifications seen for the organization's certificates or key over the period (China days of
        the verifications, not the certificates' issue dates): the counts that ``CertificateCases.verify`` keeps
        (``projections.verification_failures`` — organization, day, verdict, reasons, logged certificate id;
        nothing of the verifier or the code)."""
        return [FailedVerification(verdict=t.verdict, reasons=t.reasons, count=t.count,
                                   certificate_id=t.certificate_id)
                for t in failure_totals(c, org_id, period_start, period_end)]

    def _precheck_facts(self, c: ViewCursor, org_id: UUID, period_start: dt.date,
                        period_end: dt.date) -> tuple[PrecheckInput, dict[UUID, str]]:
        """The facts of the period from the views, and each certificate's code (for re-verification).

        Activities are selected by their start stored as ISO text, with a day's margin on each side: an instant's
        day in China time differs from its text's day by at most one. ``domain.precheck`` keeps the exact period."""
        org = str(org_id)
        low, high = (period_start - dt.timedelta(days=1)).isoformat(), (period_end + dt.timedelta(days=2)).isoformat()
        first, last = period_start.isoformat(), period_end.isoformat()
        activities = [
            ActivityFacts(id=UUID(a["id"]), start=dt.datetime.fromisoformat(a["start_at"]),
                          end=dt.datetime.fromisoformat(a["end_at"]), name=a["name"], content=a["content"],
                          place=a["place"], recipients=a["recipients"], leader=a["leader"], recorder=a["recorder"],
                          category=a["category"], fee=_yuan(a["fee_fen"]) or Decimal(0),
                          subsidy=_yuan(a["subsidy_fen"]) or Decimal(0), warnings=_codes(a["warnings"]))
            for a in c.execute("SELECT * FROM view_activities WHERE org_id = ? AND start_at >= ? AND start_at < ?",
                               (org, low, high)).fetchall()]
        record_rows = c.execute(
            "SELECT r.* FROM view_records r JOIN view_activities a ON a.id = r.activity_id "
            "WHERE r.org_id = ? AND a.start_at >= ? AND a.start_at < ?", (org, low, high)).fetchall()
        certificate_rows = c.execute(
            "SELECT v.*, l.position AS log_position FROM view_certificates v "
            "LEFT JOIN view_log_index l ON l.notification_id = v.notification_id "
            "WHERE v.org_id = ? AND v.issue_date >= ? AND v.issue_date <= ?", (org, first, last)).fetchall()
        cited_ids = sorted({str(ref["id"]) for cert in certificate_rows for ref in json.loads(cert["records"])})
        cited_rows = c.select_in("SELECT * FROM view_records WHERE id IN ({marks})", cited_ids)
        amendments = self._amendments(c, sorted({r["id"] for r in record_rows} | set(cited_ids)))
        records = [self._record_facts(r, amendments) for r in record_rows]
        volunteer_ids = sorted({r["volunteer_id"] for r in record_rows})
        volunteers = [VolunteerFacts(id=UUID(v["id"]), present=frozenset(
            name for name in ("name", "id_type", "id_number", "gender", "birth_date", "contact") if v[f"has_{name}"]))
            for v in c.select_in(_VOLUNTEER_FLAGS, volunteer_ids)]
        trainings = {UUID(r["volunteer_id"]): int(r["n"]) for r in c.execute(
            "SELECT volunteer_id, COUNT(*) AS n FROM view_trainings WHERE org_id = ? AND held_on >= ? "
            "AND held_on <= ? GROUP BY volunteer_id", (org, first, last)).fetchall()}
        awards = {UUID(r["volunteer_id"]): int(r["n"]) for r in c.execute(
            "SELECT volunteer_id, COUNT(*) AS n FROM view_awards WHERE org_id = ? AND awarded_on >= ? "
            "AND awarded_on <= ? GROUP BY volunteer_id", (org, first, last)).fetchall()}
        evaluations = [EvaluationFacts(UUID(e["volunteer_id"]), dt.date.fromisoformat(e["period_start"]),
                                       dt.date.fromisoformat(e["period_end"])) for e in c.execute(
            "SELECT volunteer_id, period_start, period_end FROM view_evaluations WHERE org_id = ? "
            "AND period_start <= ? AND period_end >= ?", (org, last, first)).fetchall()]
        certificates = [CertificateFacts(
            id=UUID(cert["id"]), number=cert["number"], volunteer_id=UUID(cert["volunteer_id"]),
            issue_date=dt.date.fromisoformat(cert["issue_date"]), hours=hours_of(cert["centi_hours"]),
            records=tuple(CitedRecord(UUID(str(ref["id"])), int(ref["version"]), _hours(ref.get("hours")))
                          for ref in json.loads(cert["records"])),
            status=cert["status"], in_log=cert["log_position"] is not None) for cert in certificate_rows]
        successors = successors_of(c)
        held = frozenset(o for o in successors if holder_of(o, successors) == org_id)
        data = PrecheckInput(
            org_id=org_id, period_start=period_start, period_end=period_end, volunteers=volunteers,
            activities=activities, records=records, trainings=trainings, awards=awards, evaluations=evaluations,
            certificates=certificates,
            cited_records={UUID(r["id"]): self._record_facts(r, amendments) for r in cited_rows},
            held_org_ids=held,
            failed_verifications=self._failed_verifications(c, org_id, period_start, period_end))
        return data, {UUID(cert["id"]): cert["code"] for cert in certificate_rows}

    @staticmethod
    def _amendments(c: ViewCursor, record_ids: list[str]) -> dict[str, list[Amendment]]:
        """Each record's amendments from the history index: version, time, fields, reason, hours from and to."""
        found: dict[str, list[Amendment]] = defaultdict(list)
        for h in c.select_in("SELECT aggregate_id, version, at, changes, reason FROM view_history "
                             "WHERE type = 'Amended' AND aggregate_id IN ({marks})", record_ids):
            changes = json.loads(h["changes"])
            hours = changes.get("hours") or {}
            found[h["aggregate_id"]].append(Amendment(
                version=int(h["version"]), at=dt.datetime.fromisoformat(h["at"]), fields=frozenset(changes),
                reason=h["reason"] or "", hours_from=_hours(hours.get("from")), hours_to=_hours(hours.get("to"))))
        return found

    @staticmethod
    def _record_facts(r: dict[str, Any], amendments: dict[str, list[Amendment]]) -> RecordFacts:
        return RecordFacts(
            id=UUID(r["id"]), org_id=UUID(r["org_id"]), volunteer_id=UUID(r["volunteer_id"]),
            activity_id=UUID(r["activity_id"]), hours=hours_of(r["centi_hours"]),
            entered_at=dt.datetime.fromisoformat(r["recorded_at"]), content=r["content"], evaluation=r["evaluation"],
            paper_recorded_on=dt.date.fromisoformat(r["paper_recorded_on"]) if r["paper_recorded_on"] else None,
            payment=_yuan(r["payment_fen"]), warnings=_codes(r["warnings"]), version=int(r["version"]),
            amendments=tuple(sorted(amendments.get(r["id"], []), key=lambda a: a.version)))

    def _reverified(self, data: PrecheckInput, codes: dict[UUID, str]) -> PrecheckInput:
        """Each certificate's own code verified through the system, as a school or employer would (the first
        ``MAX_REVERIFIED``; the others are reported as not re-verified). Not counted as failed verifications:
        the pre-check is no verifier, and counting its own checks would grow the counts at every pre-check."""
        checked = [replace(cert, reverified=self.verify(self.qr_text(codes[cert.id]), record=False).verdict
                           if n < MAX_REVERIFIED else None) for n, cert in enumerate(data.certificates)]
        return replace(data, certificates=tuple(checked))
