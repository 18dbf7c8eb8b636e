"""Signed appends per second, next to an unsigned eventsourcing application and raw Ed25519 signing.

Run from the repository root:  python bench/bench_appends.py [--postgres postgresql://postgres@127.0.0.1:5432/test]

What is compared, all in one process and run, on the same store (a file-backed SQLite database per
application in one temporary directory, as the default instance keeps its events; or one fresh PostgreSQL
schema with --postgres):

  unsigned Application       eventsourcing Application, plain Mapper, the same JSONTranscoder and
                             transcodings as vledger: ``app.save(aggregate)``            ← baseline
  unsigned again (A/A)       the same class on a second store of its own: how far two identical variants
                             drift apart in one run, i.e. the noise floor of every other ratio
  signed Application         the same Application class whose construct_mapper returns vledger's
                             SigningMapper with the real Keyring, Signer and encrypted KeyStore
  VledgerApplication.save    the production application's save (signed), views NOT caught up
  record_service (use case)  VledgerApplication.record_service: loads activity and volunteer (reads
                             verify signatures), saves, catches the six views up (read your writes)
  raw Ed25519 sign           cryptography's Ed25519PrivateKey.sign over the same canonical bytes
                             (keys.canonical.event_signing_bytes), no store at all

Each timed save writes new ServiceRecord aggregates (one ``Recorded`` event each), built before the clock
starts. "1 event per save" is the typical API write; "batch" saves many aggregates in one transaction.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    Fixture,
    Series,
    bench_dir,
    load_average,
    make_fixture,
    new_records,
    new_volunteers,
    postgres_schema,
    print_header,
    print_table,
    run_interleaved,
)
from eventsourcing.application import Application  # noqa: E402
from eventsourcing.persistence import JSONTranscoder, Mapper, Transcoder  # noqa: E402

from api.application import DateAsISO  # noqa: E402
from keys.canonical import event_signing_bytes, state_hash  # noqa: E402
from keys.keyring import Keyring, Signer  # noqa: E402
from keys.mapper import SigningMapper  # noqa: E402


def vledger_transcoder(app: Application[Any]) -> Transcoder:
    """Exactly what VledgerApplication.construct_mapper builds."""
    transcoder = JSONTranscoder()
    app.register_transcodings(transcoder)
    transcoder.register(DateAsISO())
    return transcoder


class UnsignedApp(Application[UUID]):
    """The baseline: plain eventsourcing, same transcoder, plain Mapper."""

    def construct_mapper(self) -> Mapper[UUID]:
        return Mapper(transcoder=vledger_transcoder(self))


class UnsignedControlApp(UnsignedApp):
    """A second, identical unsigned application on its own store: an A/A control that shows the noise."""


class SignedApp(Application[UUID]):
    """The same Application class; only the mapper differs (vledger's SigningMapper)."""

    def __init__(self, env: dict[str, str], signer: Signer, keyring: Keyring) -> None:
        self._signer = signer
        self._keyring = keyring
        super().__init__(env=env)

    def construct_mapper(self) -> Mapper[UUID]:
        return SigningMapper(vledger_transcoder(self), self._signer, self._keyring)


def store_env(fx: Fixture, data_dir: Path, name: str) -> dict[str, str]:
    """The instance's own persistence settings; on SQLite a separate file per application."""
    env = fx.settings.persistence_env()
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        env["SQLITE_DBNAME"] = str(data_dir / f"{name}.sqlite")
    return env


def saver(app: Any, fx: Fixture, events: int, per_save: int, after: Any = None):
    """A variant: save ``events`` new records, ``per_save`` aggregates per save call."""
    def run() -> tuple[int, float]:
        records = new_records(fx, events)
        groups = [records[i:i + per_save] for i in range(0, events, per_save)]
        save = app.save
        t0 = time.perf_counter()
        for group in groups:
            save(*group)
        seconds = time.perf_counter() - t0
        if after is not None:
            after()  # untimed
        return events, seconds
    return run


def use_case(fx: Fixture, events: int):
    def run() -> tuple[int, float]:
        app = fx.app
        volunteers = new_volunteers(fx, events)  # untimed: each volunteer is recorded once per activity
        t0 = time.perf_counter()
        for volunteer_id in volunteers:
            app.record_service(fx.org, fx.activity_id, volunteer_id=volunteer_id, hours="2.5",
                               content="litter picking, north shore", evaluation="good")
        return events, time.perf_counter() - t0
    return run


PARTS = ("2 aggregate loads (select + verify)", "domain command ServiceRecord.record", "save (1 event)",
         "  of which SigningMapper.to_stored_event", "views catch_up (1 event)",
         "  one ViewRunner.positions() call (catch_up makes 2)")


def use_case_parts(fx: Fixture, events: int, reps: int) -> dict[str, float]:
    """The steps of VledgerApplication.record_service, timed one by one (median µs per call over reps)."""
    from domain.activity import Activity
    from domain.record import ServiceRecord
    from domain.volunteer import Volunteer

    app = fx.app
    mapper = app.mapper
    original = mapper.to_stored_event
    encode: list[float] = []

    def timed_encode(event: Any) -> Any:
        t = time.perf_counter()
        try:
            return original(event)
        finally:
            encode.append(time.perf_counter() - t)

    per_rep: dict[str, list[float]] = {name: [] for name in PARTS}
    mapper.to_stored_event = timed_encode  # type: ignore[method-assign]
    try:
        for rep in range(reps + 1):  # the first repetition warms up
            sums = dict.fromkeys(PARTS, 0.0)
            encode.clear()
            for _ in range(events):
                t0 = time.perf_counter()
                activity = app.load(Activity, fx.activity_id, "activity")
                volunteer = app.load(Volunteer, fx.volunteer_id, "volunteer")
                t1 = time.perf_counter()
                record = ServiceRecord.record(now=app.clock(), actor=fx.org.actor, org_id=activity.org_id,
                                              activity_id=activity.id, activity_hours=activity.duration_hours,
                                              activity_end=activity.end, volunteer_id=volunteer.id, hours="2.5",
                                              content="litter picking, north shore", evaluation="good")
                t2 = time.perf_counter()
                app.save(record)
                t3 = time.perf_counter()
                app.views.catch_up()
                t4 = time.perf_counter()
                app.views.positions()
                t5 = time.perf_counter()
                for name, seconds in zip(PARTS, (t1 - t0, t2 - t1, t3 - t2, 0.0, t4 - t3, t5 - t4), strict=True):
                    sums[name] += seconds
            sums[PARTS[3]] = sum(encode)
            if rep:
                for name in PARTS:
                    per_rep[name].append(sums[name] / events * 1e6)
    finally:
        del mapper.to_stored_event  # back to the class's method
    return {name: statistics.median(values) for name, values in per_rep.items()}


def raw_signing(fx: Fixture, plain_mapper: Mapper[UUID], events: int):
    """Sign canonical bytes of real events with the organization's key; nothing else is timed."""
    info = fx.app.keyring.current(str(fx.org_id))
    private = fx.app.key_store.private_key(info.public_key)
    messages = []
    for record in new_records(fx, events):
        for event in record.collect_events():
            stored = plain_mapper.to_stored_event(event)
            messages.append(event_signing_bytes(stored.originator_id, stored.originator_version, stored.topic,
                                                state_hash(stored.state), info.key_id))

    def run() -> tuple[int, float]:
        sign = private.sign
        t0 = time.perf_counter()
        for m in messages:
            sign(m)
        return len(messages), time.perf_counter() - t0
    return run


def encode_only(fx: Fixture, mapper: Mapper[UUID], events: int):
    """Mapper.to_stored_event alone (transcode, and for SigningMapper hash + canonical bytes + sign)."""
    def run() -> tuple[int, float]:
        pending = [e for r in new_records(fx, events) for e in r.collect_events()]
        to_stored = mapper.to_stored_event
        t0 = time.perf_counter()
        for e in pending:
            to_stored(e)
        return len(pending), time.perf_counter() - t0
    return run


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=None,
                   help="events per repetition, one event per save (default 500; 200 with --postgres)")
    p.add_argument("--batches", type=int, default=None,
                   help="saves per repetition in the batch test (default 20; 10 with --postgres)")
    p.add_argument("--batch-size", type=int, default=100, help="events per save in the batch test (default 100)")
    p.add_argument("--n-use-case", type=int, default=None,
                   help="record_service calls per repetition (default 100; 30 with --postgres)")
    p.add_argument("--n-raw", type=int, default=3000, help="signatures per repetition of the raw baseline")
    p.add_argument("--reps", type=int, default=7, help="timed repetitions; the median is reported (default 7)")
    p.add_argument("--postgres", metavar="URL", default=None,
                   help="run on PostgreSQL instead of SQLite, in a fresh schema dropped afterwards, "
                        "e.g. postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--dir", default=None, help="parent of the temporary directory (default: system temp)")
    args = p.parse_args()
    # A PostgreSQL commit costs several times a SQLite one here: smaller defaults keep the run near a minute.
    for name, sqlite_default, postgres_default in (("n", 500, 200), ("batches", 20, 10), ("n_use_case", 100, 30)):
        if getattr(args, name) is None:
            setattr(args, name, postgres_default if args.postgres else sqlite_default)
    print_header("bench_appends", args)

    with bench_dir(args.dir) as data_dir, postgres_schema(args.postgres) as url:
        fx = make_fixture(data_dir, url)
        unsigned = UnsignedApp(env=store_env(fx, data_dir, "unsigned"))
        control = UnsignedControlApp(env=store_env(fx, data_dir, "unsigned-control"))
        signed = SignedApp(env=store_env(fx, data_dir, "signed"), signer=fx.app.signer, keyring=fx.app.keyring)
        store = "PostgreSQL " + url if url else "SQLite files in a fresh temporary directory"
        print(f"store: {store}")
        catch_up = fx.app.views.catch_up
        try:
            # 1 event per save ----------------------------------------------------------------------------
            s_unsigned = Series("unsigned Application.save")
            s_control = Series("unsigned again, 2nd store (A/A control)")
            s_signed = Series("signed Application.save (SigningMapper)")
            s_vledger = Series("VledgerApplication.save (no views)")
            s_case = Series("VledgerApplication.record_service (use case)")
            s_raw = Series("raw Ed25519 sign of canonical bytes")
            run_interleaved([
                (s_unsigned, saver(unsigned, fx, args.n, 1)),
                (s_control, saver(control, fx, args.n, 1)),
                (s_signed, saver(signed, fx, args.n, 1)),
                (s_vledger, saver(fx.app, fx, args.n, 1, after=catch_up)),
                (s_case, use_case(fx, args.n_use_case)),
                (s_raw, raw_signing(fx, unsigned.mapper, args.n_raw)),
            ], reps=args.reps)
            print_table("1 event per save (one transaction each)",
                        [s_unsigned, s_control, s_signed, s_vledger, s_case, s_raw], s_unsigned, unit="event")

            # batch ------------------------------------------------------------------------------------------
            n_batch = args.batches * args.batch_size
            b_unsigned = Series("unsigned Application.save")
            b_control = Series("unsigned again, 2nd store (A/A control)")
            b_signed = Series("signed Application.save (SigningMapper)")
            b_vledger = Series("VledgerApplication.save (no views)")
            b_raw = Series("raw Ed25519 sign of canonical bytes")
            run_interleaved([
                (b_unsigned, saver(unsigned, fx, n_batch, args.batch_size)),
                (b_control, saver(control, fx, n_batch, args.batch_size)),
                (b_signed, saver(signed, fx, n_batch, args.batch_size)),
                (b_vledger, saver(fx.app, fx, n_batch, args.batch_size, after=catch_up)),
                (b_raw, raw_signing(fx, unsigned.mapper, args.n_raw)),
            ], reps=args.reps)
            print_table(f"{args.batch_size} events per save (one transaction each)",
                        [b_unsigned, b_control, b_signed, b_vledger, b_raw], b_unsigned, unit="event")

            # encoding alone ---------------------------------------------------------------------------------
            e_plain = Series("Mapper.to_stored_event (unsigned)")
            e_signing = Series("SigningMapper.to_stored_event")
            e_raw = Series("raw Ed25519 sign of canonical bytes")
            run_interleaved([
                (e_plain, encode_only(fx, unsigned.mapper, args.n_raw)),
                (e_signing, encode_only(fx, signed.mapper, args.n_raw)),
                (e_raw, raw_signing(fx, unsigned.mapper, args.n_raw)),
            ], reps=args.reps)
            print_table("encoding only, no store", [e_plain, e_signing, e_raw], e_plain, unit="event")

            # record_service by part -------------------------------------------------------------------------
            parts = use_case_parts(fx, args.n_use_case, args.reps)
            total = sum(v for k, v in parts.items() if not k.startswith(" "))
            print("\nrecord_service, step by step (same calls as the use case; median µs per call)")
            for name, us in parts.items():
                print(f"  {name:<52} {us:9.1f}  {us / total:6.1%}")
            print(f"  {'sum of the steps':<52} {total:9.1f}   (record_service measured above: "
                  f"{s_case.us_per_op:.1f})")

            # where the time goes ----------------------------------------------------------------------------
            sign_cost = e_signing.us_per_op - e_plain.us_per_op
            print("\nper event, µs (medians):")
            print(f"  signing added by SigningMapper (encode-only difference)    {sign_cost:8.1f}"
                  f"   of which raw Ed25519 sign {e_raw.us_per_op:.1f}")
            print(f"  1/save : signed - unsigned save                            "
                  f"{s_signed.us_per_op - s_unsigned.us_per_op:8.1f}"
                  f"   unsigned save (transcode + insert + commit) {s_unsigned.us_per_op:.1f}")
            print(f"  batch  : signed - unsigned save                            "
                  f"{b_signed.us_per_op - b_unsigned.us_per_op:8.1f}"
                  f"   unsigned save {b_unsigned.us_per_op:.1f}")
            print(f"  use case: record_service - VledgerApplication.save         "
                  f"{s_case.us_per_op - s_vledger.us_per_op:8.1f}"
                  f"   (two verified aggregate loads + views catch-up)")
        finally:
            unsigned.close()
            control.close()
            signed.close()
            fx.app.close()
    print(f"\nload average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
