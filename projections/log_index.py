"""Log positions: the 0-based place of every event in notification order.

PostgreSQL notification ids can have gaps, so the position is counted, never derived from the id. The
transparency log's leaves will be indexed by exactly this position.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from projections.base import View
from projections.store import ViewCursor


class LogIndexView(View):
    """Which event sits at which position. Also the views' memory of the log's tip: if the event at the
    position they reached is no longer the one they applied, the log was rewritten under them."""

    name = "log_index"
    tables = ("view_log_index",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_log_index (position BIGINT PRIMARY KEY, "
        "notification_id BIGINT NOT NULL UNIQUE, originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL)",
    )

    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        row = c.execute("SELECT MAX(position) AS last FROM view_log_index").fetchone()
        last = row["last"] if row and row["last"] is not None else -1
        c.execute("INSERT INTO view_log_index VALUES (?, ?, ?, ?)",
                  (last + 1, nid, str(event.originator_id), event.originator_version))

    def check_tip(self, c: ViewCursor, tip: Notification) -> str | None:
        """None if the event at ``tip.id`` is the one this view applied there; otherwise what differs."""
        row = c.execute("SELECT originator_id, originator_version FROM view_log_index WHERE notification_id = ?",
                        (tip.id,)).fetchone()
        if row is None:
            return None  # this view has not reached the tip yet
        if row["originator_id"] != str(UUID(str(tip.originator_id))) or row["originator_version"] != \
                tip.originator_version:
            return (f"notification {tip.id} now holds {tip.originator_id} v{tip.originator_version}, "
                    f"but views applied {row['originator_id']} v{row['originator_version']} there")
        return None
