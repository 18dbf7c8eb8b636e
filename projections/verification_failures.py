"""The record of failed verifications: how many times, per organization and China day, a verifier was told that a
certificate of that organization is altered, forged or revoked (issue 6: "failed verifications seen for the
organization's certificates", "certificates not in the log").

Not events: this is telemetry about anonymous public reads. Nobody made a record, nothing is signed, and the log
could not rebuild it. Not a view either: it lives beside the views in their store, like the signed checkpoints,
created when the service starts. ``vledger rebuild`` drops only the tables the views declare, so it keeps these
counts; deleting the view store (the SQLite views file) loses them, as it loses the checkpoints.

Nothing personal and nothing from the request is kept: the organization and the certificate id come from the log
(a logged certificate, or the registered key that verified a signature), the verdict and the reason codes from the
fixed vocabulary of ``domain.verdicts``, the day from the service's clock. Never the code, never an address, never
a time finer than the day; one row per key, its count incremented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from domain.verdicts import REASONS
from projections.store import ViewCursor, ViewStore

# The verdicts counted: a verifier was shown that the certificate is not what it claims (altered, forged) or no
# longer stands (revoked). Malformed codes name nothing to attribute; valid ones are not failures.
RECORDED_VERDICTS = ("altered", "forged", "revoked")

# ``certificate_id`` is '' when the certificate is not in the log (a primary key column cannot hold NULL, and
# NULLs never conflict in an upsert); readers get None.
SCHEMA = ("CREATE TABLE IF NOT EXISTS verification_failures (org_id TEXT NOT NULL, day TEXT NOT NULL, "
          "verdict TEXT NOT NULL, reasons TEXT NOT NULL, certificate_id TEXT NOT NULL, count BIGINT NOT NULL, "
          "PRIMARY KEY (org_id, day, verdict, reasons, certificate_id))",)

_UPSERT = ("INSERT INTO verification_failures (org_id, day, verdict, reasons, certificate_id, count) "
           "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (org_id, day, verdict, reasons, certificate_id) "
           "DO UPDATE SET count = verification_failures.count + 1")


@dataclass(frozen=True)
class FailureTotal:
    """Failed verifications of one organization over some days, for one verdict, reasons and certificate."""

    verdict: str
    reasons: tuple[str, ...]
    certificate_id: UUID | None
    count: int


class VerificationFailureStore:
    """Counts of failed verifications per organization, China day, verdict, reasons and certificate."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store
        store.install(SCHEMA)

    def add(self, org_id: UUID, day: dt.date, verdict: str, reasons: Sequence[str],
            certificate_id: UUID | None) -> None:
        """Count one failed verification (one upsert). Only verdicts of ``RECORDED_VERDICTS`` and reason codes of
        ``domain.verdicts.REASONS`` are accepted, so that no free text can ever be stored here."""
        if verdict not in RECORDED_VERDICTS:
            raise ValueError(f"verdict {verdict!r} is not counted; expected one of {RECORDED_VERDICTS}")
        unknown = [r for r in reasons if r not in REASONS]
        if unknown or not reasons:
            raise ValueError(f"expected reason codes of domain.verdicts, got {len(unknown)} unknown or none")
        with self.store.transaction() as c:
            c.execute(_UPSERT, (str(org_id), day.isoformat(), verdict, ",".join(reasons),
                                str(certificate_id) if certificate_id else ""))

    def totals(self, org_id: UUID, first: dt.date, last: dt.date) -> list[FailureTotal]:
        """The organization's counts over ``first``..``last`` (China days, both included), summed over the days."""
        with self.store.transaction(commit=False) as c:
            return failure_totals(c, org_id, first, last)


def failure_totals(c: ViewCursor, org_id: UUID, first: dt.date, last: dt.date) -> list[FailureTotal]:
    """``VerificationFailureStore.totals`` within a transaction the caller holds (a pre-check reads its facts in
    one)."""
    rows = c.execute(
        "SELECT verdict, reasons, certificate_id, SUM(count) AS n FROM verification_failures "
        "WHERE org_id = ? AND day >= ? AND day <= ? GROUP BY verdict, reasons, certificate_id "
        "ORDER BY verdict, reasons, certificate_id", (str(org_id), first.isoformat(), last.isoformat()),
    ).fetchall()
    return [FailureTotal(r["verdict"], tuple(r["reasons"].split(",")),
                         UUID(r["certificate_id"]) if r["certificate_id"] else None, int(r["n"])) for r in rows]
