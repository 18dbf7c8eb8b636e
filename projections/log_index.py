"""Log positions: the 0-based place of every event in notification order.

PostgreSQL notification ids can have gaps, so the position is counted, never derived from the id. The
transparency log's leaves will be indexed by exactly this position.
"""

from __future__ import annotations

from typing import Any

from projections.base import View
from projections.store import ViewCursor


class LogIndexView(View):
    name = "log_index"
    tables = ("view_log_index",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_log_index (position BIGINT PRIMARY KEY, "
        "notification_id BIGINT NOT NULL UNIQUE)",
    )

    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        row = c.execute("SELECT MAX(position) AS last FROM view_log_index").fetchone()
        last = row["last"] if row and row["last"] is not None else -1
        c.execute("INSERT INTO view_log_index VALUES (?, ?)", (last + 1, nid))
