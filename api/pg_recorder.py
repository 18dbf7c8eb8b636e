"""The PostgreSQL event recorder, with large saves split into chunks inside one transaction.

eventsourcing inserts a save's events with one ``INSERT … SELECT … FROM unnest(%s)`` in psycopg's pipeline mode.
With a parameter of several megabytes (a 4,000-row paper import is ~12,000 events) psycopg 3.3 hangs in pipeline
mode while holding the events table's EXCLUSIVE lock, stalling every writer. A save above ``CHUNK`` events
therefore takes the same lock and notification, then inserts chunk by chunk without pipeline mode — still one
transaction, so the save stays all or nothing and the insert order stays the commit order. Smaller saves keep the
library's own path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry

CHUNK = 500  # events per INSERT; a save of more is split


class ChunkedPostgresApplicationRecorder(PostgresApplicationRecorder):
    """``PostgresApplicationRecorder`` whose large saves are inserted in chunks (see the module docstring)."""

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if len(stored_events) <= CHUNK or self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)  # retried by the library itself
        return self._insert_in_chunks(stored_events)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _insert_in_chunks(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        ids: list[int] = []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._lock_table(curs)
            self._notify_channel(curs)
            for at in range(0, len(stored_events), CHUNK):
                chunk = [self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
                         for e in stored_events[at:at + CHUNK]]
                curs.execute(self.insert_events_statement, (chunk,))
                ids.extend(row["notification_id"] for row in curs.fetchall())
        return ids
