"""Paper-record import: rows per second of one `import_records` call next to entering the same rows one request
at a time through the use cases an API client would call.

Run from the repository root:  python bench/bench_import.py [--rows 10000] [--same 400] [--postgres URL]

Compared on the same rows (the first --same rows of the file, each a new person, so each costs a registration
and a record either way), interleaved in rotating order after a warm-up, a fresh instance per variant and
repetition (SQLite by default, a fresh PostgreSQL schema with --postgres):

  one request per row   register_volunteer for each new person, create_activity for each new activity, then
                        record_service for each row: what entering a paper sheet through the HTTP API costs
                        (each write verifies, saves, catches the views up and signs a checkpoint)   ← baseline
  import_records        the same rows as one file: checked (formats and every hard rule across stored records and
                        the file's own rows), saved in one transaction, the views caught up once

Then, for scale, the whole file of --rows rows (2,000 people at five activities: later rows match people already
in the file, so it is not the same work per row as above) through import_records alone.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Series,
    bench_dir,
    make_fixture,
    postgres_schema,
    print_header,
    print_table,
    run_interleaved,
)
from stdnum.cn import ric  # noqa: E402

from api.imports import parse_import  # noqa: E402

VOLUNTEERS = 2_000


def resident_id(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum takes a full-length number


def paper_file(rows: int) -> bytes:
    """``rows`` records: 2,000 people at one morning activity a day from 2026-03-02, as a sheet would list them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓名", "证件号码", "活动名称", "开始时间", "结束时间", "服务地点", "服务对象", "服务内容",
                     "负责人", "记录人", "服务时长", "纸质记录日期"])
    for i in range(rows):
        person, day = i % VOLUNTEERS, i // VOLUNTEERS
        born = dt.date(1990, 1, 1) + dt.timedelta(days=person // 500)
        start = dt.datetime(2026, 3, 2, 8, 0) + dt.timedelta(days=day)
        writer.writerow([f"志愿者{person:04d}", resident_id(f"110105{born:%Y%m%d}{person % 500:03d}"),
                         f"社区服务第{day + 1}天", f"{start:%Y-%m-%d %H:%M}",
                         f"{start + dt.timedelta(hours=4):%Y-%m-%d %H:%M}", "和平街社区", "社区居民", "环境清洁",
                         "李四", "王五", "3.5", f"{start:%Y-%m-%d}"])
    return out.getvalue().encode("utf-8")


def one_request_per_row(data: bytes, rows: int, parent: Path, url: str | None) -> float:
    fx = make_fixture(parent, url)
    try:
        parsed = parse_import(data)
        people: dict[str, UUID] = {}
        activities: dict[str, UUID] = {}
        started = time.perf_counter()
        for row in parsed.rows[:rows]:
            v = row.values
            if v["id_number"] not in people:
                people[v["id_number"]] = UUID(fx.app.register_volunteer(
                    fx.org, fx.org_id, name=v["name"], id_number=v["id_number"])["id"])
            if v["activity_name"] not in activities:
                activities[v["activity_name"]] = UUID(fx.app.create_activity(
                    fx.org, fx.org_id, name=v["activity_name"], start=v["start"], end=v["end"], place=v["place"],
                    recipients=v["recipients"], content=v["activity_content"], leader=v["leader"],
                    recorder=v["recorder"])["id"])
            fx.app.record_service(fx.org, activities[v["activity_name"]], volunteer_id=people[v["id_number"]],
                                  hours=v["hours"], paper_recorded_on=v["paper_date"])
        return time.perf_counter() - started
    finally:
        fx.app.close()


def one_import(data: bytes, parent: Path, url: str | None) -> float:
    fx = make_fixture(parent, url)
    try:
        started = time.perf_counter()
        fx.app.import_records(fx.org, fx.org_id, data)
        return time.perf_counter() - started
    finally:
        fx.app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--same", type=int, default=400, help="rows both variants enter (at most 2,000: new people)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--postgres", default=None)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    print_header("bench_import", args)
    data = paper_file(args.rows)
    same = paper_file(args.same)

    def fresh(run: Callable[[Path, str | None], float], rows: int) -> Callable[[], tuple[int, float]]:
        def variant() -> tuple[int, float]:
            with bench_dir(args.dir) as parent, postgres_schema(args.postgres) as url:
                return rows, run(parent, url)
        return variant

    baseline = Series("one request per row")
    imported = Series("import_records")
    run_interleaved([(baseline, fresh(lambda p, u: one_request_per_row(same, args.same, p, u), args.same)),
                     (imported, fresh(lambda p, u: one_import(same, p, u), args.same))], reps=args.reps)
    store = "PostgreSQL" if args.postgres else "SQLite"
    print_table(f"the same {args.same} rows ({args.same} new people, one activity) on {store}", [baseline, imported],
                baseline, unit="row")
    whole = Series(f"import_records, {args.rows} rows")
    for _ in range(args.reps):
        rows, seconds = fresh(lambda p, u: one_import(data, p, u), args.rows)()
        whole.add(rows, seconds)
    print(f"\nfor scale: the whole file of {args.rows} rows ({VOLUNTEERS} people, {-(-args.rows // VOLUNTEERS)} "
          f"activities) through import_records: {whole.ops_per_s:,.0f} rows/s "
          f"({whole.us_per_op * args.rows / 1e6:.1f} s, spread {whole.spread:.0%})")


if __name__ == "__main__":
    main()
