"""Shared helpers for the benchmarks in bench/: timing, tables, a throwaway instance, PostgreSQL schemas.

Every benchmark measures its baseline in the same process and run, interleaves the variants within each
repetition (so drift in disk or CPU affects all of them alike) and reports the median of the repetitions.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse
from uuid import UUID, uuid4

from stdnum.cn import ric

from api.application import VledgerApplication
from api.settings import Settings
from domain.access import Principal

TZ = dt.timezone(dt.timedelta(hours=8))
PASSPHRASE = "bench-passphrase-not-secret"


# -- timing -------------------------------------------------------------------------------------------------


@dataclass
class Series:
    """Seconds per repetition of one variant, each repetition doing ``ops`` operations."""

    label: str
    ops: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, ops: int, seconds: float) -> None:
        self.ops = ops
        self.seconds.append(seconds)

    @property
    def us_per_op(self) -> float:
        return statistics.median(s / self.ops for s in self.seconds) * 1e6

    @property
    def ops_per_s(self) -> float:
        return 1e6 / self.us_per_op

    @property
    def spread(self) -> float:
        """(max - min) / median of the per-op times, as a rough noise indicator."""
        per = [s / self.ops for s in self.seconds]
        return (max(per) - min(per)) / statistics.median(per)


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run_interleaved(variants: Sequence[tuple[Series, Callable[[], tuple[int, float]]]], reps: int,
                    warmup: int = 1) -> None:
    """Run each variant ``warmup`` times unrecorded, then ``reps`` times recorded, rotating the order
    every repetition. A variant callable returns (operations done, seconds spent on them)."""
    for _ in range(warmup):
        for _, fn in variants:
            fn()
    n = len(variants)
    for r in range(reps):
        for i in range(n):
            series, fn = variants[(r + i) % n]
            ops, seconds = fn()
            series.add(ops, seconds)


def print_table(title: str, rows: Sequence[Series], baseline: Series, unit: str = "op") -> None:
    print(f"\n{title}")
    width = max(len(r.label) for r in rows)
    head = f"  {'variant':<{width}}  {unit + '/s':>12}  {'µs/' + unit:>11}  {'vs baseline':>11}  {'spread':>6}"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for r in rows:
        ratio = r.ops_per_s / baseline.ops_per_s
        mark = "  (baseline)" if r is baseline else ""
        print(f"  {r.label:<{width}}  {r.ops_per_s:>12,.0f}  {r.us_per_op:>11.1f}  {ratio:>10.3f}x  "
              f"{r.spread:>5.0%}{mark}")


def machine_line() -> str:
    return (f"python {platform.python_version()} on {platform.machine()}, nproc {os.cpu_count()}, "
            f"{platform.system()} {platform.release()}")


def load_average() -> str:
    """Other processes on a 2-core machine skew every figure: print the load so a reader can judge."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def print_header(name: str, args: Any) -> None:
    print(f"{name}  {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(machine_line())
    print(f"code: {code_version()}")
    print("command: " + " ".join([Path(sys.executable).name, *sys.argv]))
    print(f"settings: {vars(args)}")
    print(f"load average at start: {load_average()}")


# -- a throwaway instance ---------------------------------------------------------------------------------


def id_number(seq: int) -> str:
    """A valid test resident ID number (GB 11643 check character), born 1990-03-07 in Beijing Chaoyang."""
    base = f"11010519900307{seq % 1000:03d}"
    return base + ric.calc_check_digit(base + "0")


@dataclass
class Fixture:
    """An initialized instance with one organization, one activity and one volunteer."""

    app: VledgerApplication
    settings: Settings
    org_id: UUID
    org: Principal
    activity_id: UUID
    volunteer_id: UUID
    activity_hours: Any
    activity_end: dt.datetime


@contextmanager
def bench_dir(parent: str | None) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="vledger-bench-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def with_schema(url: str, schema: str) -> str:
    parts = urlparse(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["schema"] = schema
    return urlunparse(parts._replace(query=urlencode(query)))


@contextmanager
def postgres_schema(url: str | None) -> Iterator[str | None]:
    """A fresh schema ``bench_<random>`` for the run, dropped afterwards; None for SQLite."""
    if url is None:
        yield None
        return
    import psycopg

    schema = f"bench_{uuid4().hex[:8]}"
    plain = urlunparse(urlparse(url)._replace(query=""))
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_schema(url, schema)
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def make_fixture(data_dir: Path, database_url: str | None) -> Fixture:
    settings = Settings(data_dir=data_dir / "instance", key_passphrase=PASSPHRASE, database_url=database_url)
    app, _, _ = VledgerApplication.initialize(settings)
    registry = Principal(role="registry", subject="registry")
    org = app.register_organization(registry, name="Benchmark Volunteers", charter_purpose="benchmarking")
    org_id = UUID(org["id"])
    principal = Principal(role="organization", subject=org["id"], org_id=org_id)
    volunteer = app.register_volunteer(principal, org_id, name="张三明", id_number=id_number(123))
    activity = app.create_activity(
        principal, org_id, name="Park cleanup", start=dt.datetime(2026, 1, 3, 9, tzinfo=TZ),
        end=dt.datetime(2026, 1, 3, 17, tzinfo=TZ), place="Chaoyang Park", recipients="park visitors",
        content="litter picking along the lake", leader="李四", recorder="王五")
    activity_id = UUID(activity["id"])
    from domain.activity import Activity

    loaded = app.load(Activity, activity_id, "activity")
    return Fixture(app=app, settings=settings, org_id=org_id, org=principal, activity_id=activity_id,
                   volunteer_id=UUID(volunteer["id"]), activity_hours=loaded.duration_hours,
                   activity_end=loaded.end)


def new_volunteers(fx: Fixture, n: int) -> list[UUID]:
    """n more volunteers (passport holders) of the fixture's organization: one volunteer is recorded at
    most once per activity, so repeated record_service calls each need their own (registered untimed)."""
    return [UUID(fx.app.register_volunteer(fx.org, fx.org_id, name="志愿者", id_type="passport",
                                           id_number=f"E{uuid.uuid4().hex[:12].upper()}",
                                           birth_date=dt.date(1990, 1, 1))["id"])
            for _ in range(n)]


def new_activities(fx: Fixture, n: int) -> list[UUID]:
    """n more activities on successive days of 2026 (a certificate built from many records needs them)."""
    start = dt.datetime(2026, 2, 1, 9, tzinfo=TZ)
    return [UUID(fx.app.create_activity(
        fx.org, fx.org_id, name=f"Park cleanup {i}", start=start + dt.timedelta(days=i),
        end=start + dt.timedelta(days=i, hours=4), place="Chaoyang Park", recipients="park visitors",
        content="litter picking", leader="李四", recorder="王五")["id"]) for i in range(n)]


def new_records(fx: Fixture, n: int) -> list[Any]:
    """n fresh ServiceRecord aggregates (one pending Recorded event each), as record_service makes them."""
    from domain.record import ServiceRecord

    now = dt.datetime.now(dt.UTC)
    return [ServiceRecord.record(now=now, actor=fx.org.actor, org_id=fx.org_id, activity_id=fx.activity_id,
                                 activity_hours=fx.activity_hours, activity_end=fx.activity_end,
                                 volunteer_id=fx.volunteer_id, hours="2.5",
                                 content="litter picking, north shore", evaluation="good")
            for _ in range(n)]
