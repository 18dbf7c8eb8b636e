"""What changed on a certificate's records after it was issued — the public side of ``valid_with_warnings``.

Anyone holding a genuine certificate may see, for each record it cites that changed after issuance, each later
version: when, which fields, and the hours before and after (the hours are printed on the certificate anyway).
Never the free text (an amendment's reason or a new content may name people) and never who made the change:
that stays in the record's history (api/usecases/history.py), for the organization and inspectors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.usecases.base import UseCases
from domain.certificate import Certificate
from domain.errors import NotFoundError
from domain.record import ServiceRecord
from projections.history import history_entry

if TYPE_CHECKING:
    from domain.verdicts import Verdict

# Later versions of a record and how the page names them; a correction request or a declined one changes no field
# but still counts as a version, and the verdict's "amended after issuance" counts versions.
CHANGE_TYPES: dict[type[Any], str] = {ServiceRecord.Amended: "amended",
                                      ServiceRecord.CorrectionRequested: "correction_requested",
                                      ServiceRecord.CorrectionDeclined: "correction_declined"}


class NoPublicChangesError(NotFoundError):
    """The code does not verify as a certificate issued through the log: there is nothing to show (HTTP 404)."""

    code = "no_such_certificate"


class PublicChangeCases(UseCases):
    """The public list of changes made to a certificate's records after its issuance."""

    if TYPE_CHECKING:
        def verify(self, text: Any, *, record: bool = True) -> Verdict: ...  # CertificateCases

    def public_changes(self, code: Any) -> dict[str, Any]:
        """For a code that verifies as issued through the log: the certificate (masked, as the log records it) and,
        per cited record changed since, each later version with its time, changed field names and hours before
        and after. Anything else is ``NoPublicChangesError``: a forged or altered code must not open records."""
        verdict = self.verify(code, record=False)  # the verdict page already counted this code, if it failed
        if not verdict.trusted_by_log or verdict.certificate is None:
            raise NoPublicChangesError(
                f"this code does not verify as a certificate issued through the log (verdict: {verdict.verdict}); "
                "changes are shown only for a genuine certificate")
        certificate = self.load(Certificate, UUID(verdict.certificate["id"]), "certificate")
        records = []
        for ref in certificate.records:
            changes, current = self._changes_since(UUID(str(ref["id"])), int(ref["version"]))
            if changes:
                records.append({"record_id": str(ref["id"]), "issued_version": int(ref["version"]),
                                "issued_hours": str(ref.get("hours", "")), "current_version": changes[-1]["version"],
                                "current_hours": str(current), "changes": changes})
        return {"verdict": verdict.verdict, "certificate": verdict.certificate, "records": records}

    def _changes_since(self, record_id: UUID, issued_version: int) -> tuple[list[dict[str, Any]], Decimal | None]:
        """The record's versions after ``issued_version`` and its current hours. Every stored event is read through
        the verifying mapper and replayed under the aggregate's rules, as the history does: a tampered event stops
        the answer (LogIntegrityError, 503) instead of being shown."""
        record: Any = None
        changes: list[dict[str, Any]] = []
        for stored in self.recorder.select_events(record_id):
            event: Any = self.mapper.to_domain_event(stored)
            before = record.hours if record is not None else None
            record = event.mutate(record)
            kind = CHANGE_TYPES.get(type(event))
            if event.originator_version <= issued_version or kind is None:
                continue
            described = history_entry(event)
            changes.append({"version": event.originator_version, "type": kind, "at": event.timestamp.isoformat(),
                            "fields": sorted(described[0]) if described else [],
                            "hours_before": str(before), "hours_after": str(record.hours)})
        return changes, (record.hours if record is not None else None)
