"""Where views live: an eventsourcing tracking recorder plus the views' own tables.

SQLite keeps views in their own file beside the events (dropping them never touches the log);
PostgreSQL keeps them in the log's database and schema. View SQL is written once with ``?``
placeholders and portable types; the PostgreSQL cursor translates placeholders.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

IN_LIST_SIZE = 500


class ViewCursor:
    """A cursor that speaks one SQL dialect for both stores and returns rows as dicts."""

    def __init__(self, raw: Any, *, postgres: bool) -> None:
        self._raw = raw
        self._postgres = postgres

    def execute(self, sql: str, params: Sequence[Any] = ()) -> ViewCursor:
        if self._postgres:
            self._raw.execute(sql.replace("?", "%s"), tuple(params), prepare=False)
        else:
            self._raw.execute(sql, tuple(params))
        return self

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._raw.fetchall()]

    def fetchone(self) -> dict[str, Any] | None:
        row = self._raw.fetchone()
        return dict(row) if row is not None else None

    def select_in(self, sql: str, values: Sequence[Any], params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """All rows of ``sql``, whose ``IN ({marks})`` takes ``values`` a chunk at a time (SQLite bounds the number
        of parameters of one statement); ``params`` fill the placeholders before the list."""
        rows: list[dict[str, Any]] = []
        for start in range(0, len(values), IN_LIST_SIZE):
            chunk = values[start:start + IN_LIST_SIZE]
            rows += self.execute(sql.format(marks=", ".join("?" * len(chunk))), (*params, *chunk)).fetchall()
        return rows

    @property
    def raw(self) -> Any:
        return self._raw


class ViewStore(Protocol):
    """What projections and their runner need from a store."""

    def transaction(self, *, commit: bool = True) -> Any: ...
    def track(self, cursor: ViewCursor, name: str, notification_id: int) -> None: ...
    def position(self, name: str) -> int: ...
    def positions(self, names: Sequence[str]) -> dict[str, int]: ...
    def install(self, schema: Sequence[str]) -> None: ...
    def drop(self, tables: Sequence[str], names: Sequence[str]) -> None: ...


class _Tracking:
    """Position bookkeeping shared by both stores (each view's tracking row is keyed by its name)."""

    def track(self, cursor: ViewCursor, name: str, notification_id: int) -> None:
        self._insert_tracking(cursor.raw, Tracking(name, notification_id))  # type: ignore[attr-defined]

    def position(self, name: str) -> int:
        return self.max_tracking_id(name) or 0  # type: ignore[attr-defined,no-any-return]

    def positions(self, names: Sequence[str]) -> dict[str, int]:
        """Positions of several views in one query (a write pays this on every catch-up)."""
        table = getattr(self, "tracking_table_name", "tracking")
        with self.transaction(commit=False) as c:  # type: ignore[attr-defined]
            rows = c.execute(f"SELECT application_name, MAX(notification_id) AS n FROM {table} "
                             f"WHERE application_name IN ({', '.join('?' * len(names))}) GROUP BY application_name",
                             list(names)).fetchall()
        return {r["application_name"]: r["n"] or 0 for r in rows}


class SQLiteViewStore(_Tracking, SQLiteTrackingRecorder):
    """Views in a SQLite file."""

    datastore: SQLiteDatastore

    @contextmanager
    def transaction(self, *, commit: bool = True) -> Iterator[ViewCursor]:
        with self.datastore.transaction(commit=commit) as c:
            yield ViewCursor(c, postgres=False)

    def install(self, schema: Sequence[str]) -> None:
        with self.transaction() as c:
            for statement in schema:
                c.execute(statement)

    def drop(self, tables: Sequence[str], names: Sequence[str]) -> None:
        with self.transaction() as c:
            for table in tables:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            for name in names:
                c.execute("DELETE FROM tracking WHERE application_name = ?", (name,))


class PostgresViewStore(_Tracking, PostgresTrackingRecorder):
    """Views in the log's PostgreSQL database, in the same schema."""

    datastore: PostgresDatastore

    @contextmanager
    def transaction(self, *, commit: bool = True) -> Iterator[ViewCursor]:
        with self.datastore.transaction(commit=commit) as c:
            # The views' SQL names no schema; put the configured one first for this transaction only.
            c.execute(f'SET LOCAL search_path TO "{self.datastore.schema}"', prepare=False)
            yield ViewCursor(c, postgres=True)

    def install(self, schema: Sequence[str]) -> None:
        with self.transaction() as c:
            for statement in schema:
                c.execute(statement.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"))

    def drop(self, tables: Sequence[str], names: Sequence[str]) -> None:
        with self.transaction() as c:
            for table in tables:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            for name in names:
                c.execute(f"DELETE FROM {self.tracking_table_name} WHERE application_name = ?", (name,))
