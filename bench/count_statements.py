"""Diagnostic, not a benchmark: how many SQL statements and transactions one use case costs.

Run from the repository root:  python bench/count_statements.py [--postgres URL]

Counts what VledgerApplication.record_service and VledgerApplication.verify send to the store (event log
and views together), by statement text, averaged over --n calls. A round trip costs little on SQLite and a
lot on PostgreSQL, so the count explains most of the gap between the two stores in bench_appends and
bench_verify.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_dir, make_fixture, new_volunteers, postgres_schema, print_header  # noqa: E402
from bench_verify import forged_copy, issue_certificate  # noqa: E402

LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")  # values SQLite's trace expands


def normalized(statement: Any, connection: Any = None) -> str:
    if not isinstance(statement, str):
        try:
            statement = statement.as_string(connection)
        except Exception:  # noqa: BLE001 - a composed query we cannot render: name its type
            statement = repr(statement)
    text = " ".join(statement.split())
    return text[:110]


@contextmanager
def counting(postgres: bool) -> Iterator[collections.Counter[str]]:
    """Count every statement executed through eventsourcing's and the views' cursors."""
    counts: collections.Counter[str] = collections.Counter()
    if postgres:
        import psycopg

        original = psycopg.Cursor.execute

        def execute(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
            counts[normalized(query, self.connection)] += 1
            return original(self, query, params, **kwargs)

        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        try:
            yield counts
        finally:
            psycopg.Cursor.execute = original  # type: ignore[method-assign]
    else:
        from eventsourcing.sqlite import SQLiteConnection

        traced: list[Any] = []
        original_cursor = SQLiteConnection.cursor

        def trace(statement: str) -> None:
            counts[normalized(LITERALS.sub("?", statement))] += 1

        def cursor(self: Any) -> Any:
            if self._sqlite_conn not in traced:
                self._sqlite_conn.set_trace_callback(trace)  # sees BEGIN, COMMIT and ROLLBACK too
                traced.append(self._sqlite_conn)
            return original_cursor(self)

        SQLiteConnection.cursor = cursor  # type: ignore[method-assign]
        try:
            yield counts
        finally:
            SQLiteConnection.cursor = original_cursor  # type: ignore[method-assign]
            for conn in traced:
                conn.set_trace_callback(None)


def report(title: str, postgres: bool, n: int, call: Callable[[], Any]) -> None:
    call()  # warm: first calls may create tables or prepare statements
    with counting(postgres) as counts:
        for _ in range(n):
            call()
    total = sum(counts.values())
    print(f"\n{title}: {total / n:.1f} statements per call")
    for statement, count in counts.most_common():
        print(f"  {count / n:5.1f}  {statement}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=20, help="calls to average over (default 20)")
    p.add_argument("--postgres", metavar="URL", default=None, help="count on PostgreSQL in a fresh schema")
    p.add_argument("--dir", default=None, help="parent of the temporary directory (default: system temp)")
    args = p.parse_args()
    print_header("count_statements", args)
    with bench_dir(args.dir) as data_dir, postgres_schema(args.postgres) as url:
        fx = make_fixture(data_dir, url)
        try:
            qr_text = issue_certificate(fx, 10)
            postgres = url is not None
            volunteers = iter(new_volunteers(fx, args.n + 10))  # one record per volunteer and activity
            report("VledgerApplication.record_service", postgres, args.n, lambda: fx.app.record_service(
                fx.org, fx.activity_id, volunteer_id=next(volunteers), hours="2.5", content="c", evaluation="e"))
            report("VledgerApplication.verify (valid certificate)", postgres, args.n,
                   lambda: fx.app.verify(qr_text))
            forged = forged_copy(fx, qr_text)
            report("VledgerApplication.verify (forged: unknown key id)", postgres, args.n,
                   lambda: fx.app.verify(forged))
            if postgres:
                print("\n(psycopg sends BEGIN, COMMIT and ROLLBACK outside Cursor.execute: not counted here)")
        finally:
            fx.app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
