"""Record history index: every event of a service record or certificate, with who, when, what and why.

Signature status is not stored here: the history API re-checks each stored event, so a view can never
vouch for a signature the log no longer carries.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any

from domain.certificate import Certificate
from domain.record import ServiceRecord
from projections.base import View
from projections.store import ViewCursor


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return str(value) if value is not None and not isinstance(value, (str, int, float, bool)) else value


class HistoryView(View):
    name = "history"
    # 2: a record's creation lists every field of its event (payment, warnings …), and correction requests and
    # their outcomes are indexed.
    revision = 2
    tables = ("view_history",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_history (aggregate_id TEXT NOT NULL, version INTEGER NOT NULL, "
        "type TEXT NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL, authority TEXT NOT NULL, changes TEXT NOT NULL, "
        "reason TEXT, notification_id BIGINT NOT NULL, PRIMARY KEY (aggregate_id, version))",
    )

    @singledispatchmethod
    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        entry = history_entry(event)
        if entry is None:
            return
        changes, reason = entry
        c.execute("INSERT INTO view_history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (str(event.originator_id), event.originator_version, type(event).__name__,
                   event.timestamp.isoformat(), event.actor, event.authority,
                   json.dumps(plain(changes), ensure_ascii=False), reason, nid))


# What every event carries besides its content: its place, time and who made it for whom. Shown elsewhere in a
# history entry, never as "changes".
ENVELOPE = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp", "actor", "authority",
                      "org_id"})


def history_entry(event: Any) -> tuple[dict[str, Any], str | None] | None:
    """What an event changed and why, for events that belong in a history; None for the others.

    A record's creation lists every field of its event (so fields added later, such as payment and warnings, are
    shown without a change here). A correction request and a declined request change nothing in the record:
    their ``changes`` are empty, the volunteer's or the organization's words are the reason, and
    ``correction_of`` says what was asked. The view and the history API both use this, so the log and the index
    tell the same story."""
    if isinstance(event, ServiceRecord.Recorded):
        return {f: {"from": None, "to": v} for f, v in vars(event).items() if f not in ENVELOPE}, None
    if isinstance(event, ServiceRecord.Amended):
        return dict(event.changes), event.reason
    if isinstance(event, (ServiceRecord.CorrectionRequested, ServiceRecord.CorrectionDeclined)):
        return {}, event.reason
    if isinstance(event, Certificate.Issued):
        fields = ("number", "hours", "period_start", "period_end", "issue_date", "records")
        return {f: {"from": None, "to": getattr(event, f)} for f in fields}, None
    if isinstance(event, Certificate.Revoked):
        return {"status": {"from": "valid", "to": "revoked"}}, event.reason
    return None


def correction_of(event: Any) -> dict[str, Any] | None:
    """The correction request an event raises or answers: its id, the step (``requested``, ``amended``,
    ``declined``) and, for a request, the values proposed (``{field: {"from", "to"}}``); None for other events."""
    if isinstance(event, ServiceRecord.CorrectionRequested):
        return {"id": str(event.correction_id), "step": "requested", "proposed": plain(dict(event.proposed))}
    if isinstance(event, ServiceRecord.CorrectionDeclined):
        return {"id": str(event.correction_id), "step": "declined"}
    if isinstance(event, ServiceRecord.Amended) and event.correction_id is not None:
        return {"id": str(event.correction_id), "step": "amended"}
    return None
