"""The authority guard: the first view every event meets.

The mapper proves an event was signed by the key of the authority it names; this guard proves that
authority is the one its aggregate belongs to (domain/base.py states the rule for aggregates). It keeps
each aggregate's authority and refuses, before any other view applies the batch, an event that names
another one — the same refusals the aggregate itself makes when it is loaded (who may create what:
domain/base.py ``check_created_authority``).
"""

from __future__ import annotations

from typing import Any

from domain.base import AuthorityMismatchError, check_created_authority
from projections.base import View
from projections.store import ViewCursor


class AuthorityGuardView(View):
    name = "authority_guard"
    tables = ("view_authorities",)
    schema = ("CREATE TABLE IF NOT EXISTS view_authorities (aggregate_id TEXT PRIMARY KEY, authority TEXT NOT NULL)",)

    def apply(self, event: Any, c: ViewCursor, nid: int) -> None:
        aggregate_id = str(event.originator_id)
        authority = getattr(event, "authority", None)
        if hasattr(event, "originator_topic"):  # a created event
            check_created_authority(event, f"created event {aggregate_id}")
            c.execute("INSERT INTO view_authorities VALUES (?, ?)", (aggregate_id, authority))
            return
        row = c.execute("SELECT authority FROM view_authorities WHERE aggregate_id = ?", (aggregate_id,)).fetchone()
        if row is None or row["authority"] != authority:
            raise AuthorityMismatchError(
                f"event {aggregate_id} v{event.originator_version} names authority {authority}, but the aggregate "
                f"belongs to {row['authority'] if row else 'nobody (it was never created)'}")
