"""Complaints (投诉) about an organization's records or certificates: filed by anyone, assessed by inspectors.

A complained-about organization is a must-check target of that year's draw (``SpotCheckCases.target_candidates``
counts the complaints). The text may name people: only inspectors, who assess it, read it; nobody else sees more
than that a complaint was filed, when, about what and by which kind of filer.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from api.usecases.base import UseCases
from domain.access import Principal
from domain.complaint import PUBLIC_ACTOR, Complaint, FiledBy
from domain.errors import ForbiddenError, InvalidFieldError, NotFoundError
from domain.inspector import INSPECTOR_ROLE

log = logging.getLogger("vledger")

# Who may list complaints: inspectors (with the texts) and the registry (without them).
COMPLAINT_READERS = (INSPECTOR_ROLE, "registry")


def check_complaint_reader(principal: Principal) -> None:
    if principal.role not in COMPLAINT_READERS:
        raise ForbiddenError("only inspectors and the registry may read complaints", code="complaints_not_yours")


def complaint_summary(row: dict[str, Any], *, with_text: bool) -> dict[str, Any]:
    """A complaint as listed; the text, the certificate and the record it names only for inspectors."""
    out: dict[str, Any] = {
        "id": row["id"], "org_id": row["org_id"], "year": int(row["year"]), "about": row["about"],
        "filed_by": row["filed_by"], "filed_at": row["filed_at"], "assessed": bool(row["assessed"]),
        "founded": None if row["founded"] is None else bool(row["founded"])}
    if with_text:
        out.update(text=row["text"], certificate_number=row["certificate_number"], record_id=row["record_id"],
                   assessed_at=row["assessed_at"], assessed_by=row["assessed_by"],
                   assessment_reason=row["assessment_reason"])
    return out


class ComplaintCases(UseCases):
    """Filing, listing and assessing complaints (issue 6, item 1)."""

    def file_complaint(self, principal: Principal | None, org_id: UUID, *, about: str, text: str,
                       certificate_number: str | None = None, record_id: UUID | None = None) -> dict[str, Any]:
        """Anyone files: without a token as the public, or with a volunteer's own token as that volunteer. Other
        tokens do not file: an organization, the registry and inspectors have their own ways to act."""
        if principal is None:
            actor, filed_by = PUBLIC_ACTOR, FiledBy.PUBLIC.value
        elif principal.role == "volunteer":
            actor, filed_by = principal.actor, FiledBy.VOLUNTEER.value
        else:
            raise ForbiddenError("a complaint is filed by a volunteer with their own token, or by the public "
                                 "without one", code="complaints_by_volunteers_or_public")
        number = (certificate_number or "").strip() or None
        with self.read() as c:
            if c.execute("SELECT 1 AS found FROM view_organizations WHERE id = ?", (str(org_id),)).fetchone() is None:
                raise NotFoundError(f"no organization with id {org_id}")
            if record_id is not None and c.execute(
                    "SELECT 1 AS found FROM view_records WHERE id = ? AND org_id = ?",
                    (str(record_id), str(org_id))).fetchone() is None:
                raise InvalidFieldError("record_id", "names no record of this organization", code="unknown_record")
            if number is not None and c.execute(
                    "SELECT 1 AS found FROM view_certificates WHERE number = ? AND org_id = ?",
                    (number, str(org_id))).fetchone() is None:
                raise InvalidFieldError("certificate_number", "names no certificate of this organization",
                                        code="unknown_certificate")
        complaint = Complaint.file(now=self.clock(), actor=actor, org_id=org_id, about=about, text=text,
                                   filed_by=filed_by, certificate_number=number, record_id=record_id)
        self.save_and_project(complaint)
        log.info("complaint filed id=%s org=%s by=%s", complaint.id, org_id, filed_by)
        return {"id": str(complaint.id), "org_id": str(org_id), "year": complaint.year, "about": complaint.about,
                "filed_by": filed_by, "filed_at": complaint.created_on.isoformat()}

    def list_complaints(self, principal: Principal, *, year: int | None = None,
                        org_id: UUID | None = None) -> dict[str, Any]:
        """Complaints, newest first, for inspectors (with the texts) and the registry (without them)."""
        check_complaint_reader(principal)
        where: list[str] = ["1 = 1"]
        params: list[Any] = []
        if year is not None:
            where.append("year = ?")
            params.append(year)
        if org_id is not None:
            where.append("org_id = ?")
            params.append(str(org_id))
        with self.read() as c:
            rows = c.execute(f"SELECT * FROM view_complaints WHERE {' AND '.join(where)} "
                             "ORDER BY notification_id DESC", params).fetchall()
        with_text = principal.role == INSPECTOR_ROLE
        return {"total": len(rows), "complaints": [complaint_summary(r, with_text=with_text) for r in rows]}

    def assess_complaint(self, principal: Principal, complaint_id: UUID, *, founded: bool,
                         reason: str) -> dict[str, Any]:
        """An inspector assesses a complaint once, founded or not, with a reason. Either way the organization
        stays a must-check target of that year: the plans exempt none."""
        if principal.role != INSPECTOR_ROLE:
            raise ForbiddenError("only an inspector assesses a complaint", code="inspectors_only")
        complaint = self.load(Complaint, complaint_id, "complaint")
        complaint.assess(now=self.clock(), actor=principal.actor, founded=founded, reason=reason)
        self.save_and_project(complaint)
        return {"id": str(complaint.id), "assessed": True, "founded": complaint.founded}
