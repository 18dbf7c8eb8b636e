"""Use cases of certificates: issue, revoke, download, verify."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from api import qr
from api.pdf import CertificateDocument, CitedActivity
from api.usecases.base import UseCases
from api.verification import LoggedCertificate, parse_code, signing_key_of, verify_code
from domain.access import Principal, check_holder
from domain.activity import Activity
from domain.base import VledgerAggregate
from domain.certificate import Certificate, certificate_number, summarize
from domain.certificate_code import CertificateClaims, claims_bytes, encode, signing_message, to_text
from domain.errors import ConflictError, NotFoundError
from domain.organization import Organization
from domain.people import mask_id_number, mask_name
from domain.record import ServiceRecord, service_day
from domain.succession import check_may_issue, check_may_revoke
from domain.verdicts import Verdict
from domain.volunteer import Volunteer
from domain.workdays import china_date
from keys.keyring import KeyInfo
from projections.certificate_requests import successors_of
from projections.verification_failures import RECORDED_VERDICTS

log = logging.getLogger("vledger")


class CertificateCases(UseCases):
    """Use cases of certificates: issue, revoke, download, verify."""

    # -- certificates ------------------------------------------------------------------------------------------

    def issue_certificate(self, principal: Principal, volunteer_id: UUID, *, period_start: dt.date | None = None,
                          period_end: dt.date | None = None, person_in_charge: str | None = None,
                          handler: str | None = None, contact: str | None = None,
                          along: Callable[[Certificate], Sequence[VledgerAggregate]] | None = None) -> dict[str, Any]:
        """Issue a certificate from the volunteer's records kept by this organization (谁记录谁证明), naming the
        signatories the printed certificate shows (负责人, 经办人, 联系方式). ``along`` gives what must be saved in
        the same atomic write as the new certificate (a request it fulfils)."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        issuer = self._check_may_issue(principal, volunteer.org_id)
        with self.read() as c:
            ids = [r["id"] for r in c.execute("SELECT id FROM view_records WHERE volunteer_id = ? AND org_id = ?",
                                              (str(volunteer_id), str(volunteer.org_id))).fetchall()]
        # The views say which records exist; the signed log says what they hold and at which version.
        activities: dict[UUID, Activity] = {}
        candidates = []
        for rid in ids:
            record = self.load(ServiceRecord, UUID(rid), "service record")
            if record.activity_id not in activities:
                activities[record.activity_id] = self.load(Activity, record.activity_id, "activity")
            candidates.append({"id": record.id, "version": record.version, "hours": record.hours,
                               "day": service_day(activities[record.activity_id].start)})
        chosen, total, start, end = summarize(candidates, period_start, period_end)
        now = self.clock()
        issue_date = china_date(now)
        certificate_id = self._unused(uuid4, "view_certificates", "number",
                                      lambda cid: certificate_number(cid, issue_date))

        def claims_by(key: KeyInfo) -> CertificateClaims:
            return CertificateClaims(certificate_id=certificate_id, key_id=key.key_id,
                                     masked_name=mask_name(volunteer.name), hours=total, period_start=start,
                                     period_end=end, issue_date=issue_date)

        # One look at the key lifecycle for the signature and the save that logs it (keys/keyring.py Signer).
        with self.signer.batch():
            info, signature = self.signer.sign(str(issuer),
                                               lambda key: signing_message(claims_bytes(claims_by(key))))
            claims = claims_by(info)
            code = to_text(encode(claims, signature))
            qr.checked_symbol(self.qr_text(code))  # a code no QR can carry is refused before saving
            certificate = Certificate.issue(
                now=now, actor=principal.actor, id=certificate_id, org_id=issuer, records_org_id=volunteer.org_id,
                volunteer_id=volunteer.id, masked_name=claims.masked_name, hours=total, period_start=start,
                period_end=end, issue_date=issue_date,
                records=[{"id": r["id"], "version": r["version"], "hours": r["hours"]} for r in chosen],
                key_id=info.kid, code=code, person_in_charge=person_in_charge, handler=handler, contact=contact)
            recordings = self.save_and_project(certificate, *(along(certificate) if along else ()))
        return {"id": str(certificate.id), "number": certificate.number, "qr_text": self.qr_text(code),
                "hours": str(total), "period_start": start.isoformat(), "period_end": end.isoformat(),
                "log_index": self.log_index(recordings[0].notification.id)}

    def _check_may_issue(self, principal: Principal, records_org_id: UUID) -> UUID:
        """The organization that issues from these records: the one that kept them (谁记录谁证明) or, once it was
        dissolved, the successor now holding them (domain.succession); a dissolved organization issues nothing."""
        with self.read() as c:
            successors = successors_of(c)
        return check_may_issue(principal, records_org_id, successors)

    def revoke_certificate(self, principal: Principal, certificate_id: UUID, reason: str | None) -> dict[str, Any]:
        """The issuer revokes a certificate — or, once the issuer is dissolved, the organization now holding its
        records (domain.succession.check_may_revoke)."""
        certificate = self.load(Certificate, certificate_id, "certificate")
        with self.read() as c:
            successors = successors_of(c)
        check_may_revoke(principal, certificate.org_id, successors)
        certificate.revoke(now=self.clock(), actor=principal.actor, reason=reason)
        self.save_and_project(certificate)
        return {"id": str(certificate.id), "status": "revoked"}

    def certificate_for_holder(self, principal: Principal, certificate_id: UUID) -> dict[str, Any]:
        """The certificate row for its organization or its volunteer (QR and PDF downloads)."""
        with self.read() as c:
            row = c.execute("SELECT * FROM view_certificates WHERE id = ?", (str(certificate_id),)).fetchone()
        if row is None:
            raise NotFoundError(f"no certificate with id {certificate_id}")
        check_holder(principal, UUID(row["org_id"]), UUID(row["volunteer_id"]))
        return {**row, "qr_text": self.qr_text(row["code"])}

    def certificate_document(self, principal: Principal, certificate_id: UUID) -> CertificateDocument:
        """What the printed certificate shows, for its organization or its volunteer (as ``certificate_for_holder``).

        The claims come from the signed log: the certificate, and each record it cites at the version it cites
        (a record amended since still prints as certified). The volunteer's name, document type, volunteer number
        and ID tail come from the views, which hold neither the full ID number nor the phone: neither can reach
        the PDF."""
        self.certificate_for_holder(principal, certificate_id)
        certificate = self.load(Certificate, certificate_id, "certificate")
        if certificate.revoked:
            # A printed copy would look valid to anyone who does not scan it.
            raise ConflictError(f"certificate {certificate.number} was revoked; a revoked certificate is not printed",
                                code="certificate_revoked")
        activities: dict[UUID, Activity] = {}
        cited: list[CitedActivity] = []
        for entry in certificate.records:
            record_id, version = UUID(str(entry["id"])), int(entry["version"])
            try:
                record: VledgerAggregate = self.repository.get(record_id, version=version)
            except AggregateNotFoundError:
                raise NotFoundError(f"certificate {certificate.number} cites record {record_id} version {version}, "
                                    "which the log does not hold") from None
            if not isinstance(record, ServiceRecord):
                raise NotFoundError(f"certificate {certificate.number} cites {record_id}, which is not a record")
            if record.activity_id not in activities:
                activities[record.activity_id] = self.load(Activity, record.activity_id, "activity")
            activity = activities[record.activity_id]
            cited.append(CitedActivity(day=service_day(activity.start), name=activity.name, hours=record.hours))
        with self.read() as c:
            volunteer = c.execute("SELECT name, id_type, id_tail, volunteer_number FROM view_volunteers WHERE id = ?",
                                  (str(certificate.volunteer_id),)).fetchone()
        if volunteer is None:
            raise NotFoundError(f"no volunteer with id {certificate.volunteer_id}")
        issuer = self.load(Organization, certificate.org_id, "organization")
        kept_by = issuer
        if certificate.records_org_id != certificate.org_id:
            kept_by = self.load(Organization, certificate.records_org_id, "organization")
        return CertificateDocument(
            number=certificate.number, volunteer_name=volunteer["name"], id_type=volunteer["id_type"],
            # The view keeps only the last four characters: masking them gives what masking the number would.
            masked_id_number=mask_id_number(volunteer["id_tail"]), volunteer_number=volunteer["volunteer_number"],
            period_start=certificate.period_start, period_end=certificate.period_end, hours=certificate.hours,
            activities=tuple(sorted(cited, key=lambda a: (a.day, a.name))),
            organization_name=issuer.name,
            records_organization_name=kept_by.name if kept_by is not issuer else None,
            # Dissolved: its successor issues from its records; otherwise the issuer certifies on its behalf.
            records_organization_dissolved=kept_by.dissolved,
            person_in_charge=certificate.person_in_charge, handler=certificate.handler, contact=certificate.contact,
            issue_date=certificate.issue_date, qr_text=self.qr_text(certificate.code), code=certificate.code,
            verify_url=f"{self.settings.public_url}/verify")

    def qr_text(self, code: str) -> str:
        """The uppercase URL a phone camera opens (alphanumeric QR mode needs uppercase)."""
        return f"{self.settings.public_url.upper()}/V/{code}"

    # -- verification -----------------------------------------------------------------------------------------

    def verify(self, text: Any, *, record: bool = True) -> Verdict:
        """Verify a QR text or bare code against the keyring and the log (anyone may ask).

        An ``altered``, ``forged`` or ``revoked`` verdict that names an organization is counted in the record of
        failed verifications (``projections.verification_failures``), unless ``record`` is False (the pre-check's
        own re-verification, which is no verifier's)."""
        self.views.ensure_fresh()  # once per code; the lookup below then reads the views directly
        seen: list[LoggedCertificate] = []

        def lookup(certificate_id: UUID) -> LoggedCertificate | None:
            logged = self._logged_certificate(certificate_id)
            seen.extend([logged] if logged else [])
            return logged

        verdict = verify_code(text, public_url=self.settings.public_url, keyring=self.keyring, lookup=lookup)
        if verdict.certificate is not None and seen and seen[0].log_index is not None:
            evidence, included = self._log_evidence(seen[0])
            verdict = replace(verdict, details={**verdict.details, "log": evidence})
            if verdict.trusted_by_log and not included:
                # The issuance is in the event store but not provably in the signed tree: the log was altered.
                verdict = replace(verdict, verdict="altered", reasons=(*verdict.reasons, "log_inclusion_failed"))
        if record and verdict.verdict in RECORDED_VERDICTS:
            self._count_failed_verification(text, verdict, seen[0].certificate if seen else None)
        return verdict

    def _count_failed_verification(self, text: Any, verdict: Verdict, logged: Certificate | None) -> None:
        """Count a failed verification against the organization it names: the logged certificate's organization
        when its id is in the log, else the owner of the organization key whose signature verified (a well-signed
        certificate that is not in the log), else none (an unknown key, a bad signature: anyone could have made
        them). Kept: organization, China day, verdict, reason codes, the logged certificate's id — never the code,
        nor anything else of the request. Counting is one upsert and never changes or fails the verdict."""
        try:
            if logged is not None:
                org_id, certificate_id = logged.org_id, logged.id
            elif verdict.verdict == "forged" and {"signature_valid", "not_in_log"} <= set(verdict.reasons):
                # The signature verified a moment ago: find the key again (one parse, one signature check).
                parsed = parse_code(text, self.settings.public_url)
                key = None if isinstance(parsed, Verdict) else signing_key_of(parsed, self.keyring)
                if key is None or key.purpose != "organization" or not key.owner:
                    return
                # Not the id the code claims: it is the signer's word only, and nothing the log holds.
                org_id, certificate_id = UUID(key.owner), None
            else:
                return
            self.verification_failures.add(org_id, china_date(self.clock()), verdict.verdict, verdict.reasons,
                                           certificate_id)
        except Exception as e:  # a verifier's answer must never depend on the count
            # The error's class only: its message could quote the organization or the store's parameters.
            log.warning("a failed verification was not counted (%s)", type(e).__name__)

    def _logged_certificate(self, certificate_id: UUID) -> LoggedCertificate | None:
        try:
            certificate: VledgerAggregate = self.repository.get(certificate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(certificate, Certificate):
            return None
        ids = [str(r["id"]) for r in certificate.records]
        with self.views.store.transaction(commit=False) as c:
            org = c.execute("SELECT name FROM view_organizations WHERE id = ?", (str(certificate.org_id),)).fetchone()
            versions = {r["id"]: r["version"] for r in c.select_in(
                "SELECT id, version FROM view_records WHERE id IN ({marks})", ids)}
            issued = c.execute("SELECT l.position, l.notification_id FROM view_certificates v "
                               "JOIN view_log_index l ON l.notification_id = v.notification_id WHERE v.id = ?",
                               (str(certificate_id),)).fetchone()
        return LoggedCertificate(certificate=certificate, organization_name=org["name"] if org else None,
                                 record_versions=versions, log_index=issued["position"] if issued else None,
                                 notification_id=issued["notification_id"] if issued else None)
