"""Transparency-log leaves appended per second and proof latency at 1,000,000 leaves, next to the event
appends themselves and to raw hashing, in the same run.

Run from the repository root:  python bench/bench_merkle.py [--leaves 1000000] [--postgres URL]

Append phase. ``--leaves`` synthetic but correctly enveloped notifications (``keys.mapper.seal`` with a fixed
key id, 64 random signature bytes and the transcoded body of a real ``ServiceRecord.Recorded`` event; ids
1..n, one random originator each) are built batch by batch, untimed. Every batch of ``--batch`` leaves (the
runner's rebuild batch is 2000) goes through each variant below, the order rotating from batch to batch so
that disk or CPU drift hits all of them alike; each variant keeps its own tree growing to n leaves.

  raw hashlib            SHA-256(0x00‖data) per leaf and SHA-256(0x01‖l‖r) per subtree the leaf closes,
                         in memory, over leaf data prepared before the clock starts: the hashing that
                         apply_stored does and nothing else                                   ← baseline
  leaf_data()            the canonical leaf encoding alone (unseal, UUID, struct, SHA-256 of the body)
  raw executemany        the same rows apply_stored writes (view_log_index + view_merkle_nodes, hex hashes)
                         with executemany into the same schema in a database of their own, one transaction
                         per batch (sqlite3; psycopg with --postgres): the floor for storing them
  apply_stored           the production TransparencyLogView.apply_stored for each leaf inside one
                         ViewStore transaction per batch, plus the view's tracking upsert, as ViewRunner
                         does it; the store is built as VledgerApplication builds its view store (its own
                         views.sqlite file; a PostgreSQL schema with --postgres)

Every k-th batch (``--save-samples`` samples over the run) also times the event appends on the instance's
own event store: ``VledgerApplication.save`` of 1 event per save and of 100 events per save (signed, views not
caught up, as in bench_appends). At the end the events so saved are projected once by the real
``ViewRunner.catch_up`` (signature checks, all views), for scale.

Proof phase, against the stored tree of n leaves: ``--queries`` random queries each of root(random size),
inclusion_proof(random index, n) and consistency_proof(random old size, n), each in its own read transaction
through fetch_nodes (what the endpoints do, without the HTTP layer), then the same proof computed in memory
from the very hashes the stored call fetched (baseline). Every proof is checked with merkle.verify_*, and the
stored root of n against the raw hashlib tree. Then inclusion and consistency proofs at growing tree sizes
over the same table, to show the O(log n) cost.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse, urlunparse
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    PASSPHRASE,
    Fixture,
    Series,
    bench_dir,
    load_average,
    make_fixture,
    new_records,
    postgres_schema,
    print_header,
    print_table,
)
from eventsourcing.persistence import InfrastructureFactory, Notification  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from api.settings import Settings  # noqa: E402
from keys.mapper import seal, unseal  # noqa: E402
from projections import merkle  # noqa: E402
from projections.store import PostgresViewStore, SQLiteViewStore  # noqa: E402
from projections.transparency import TransparencyLogView, fetch_nodes, leaf_data, tree_size  # noqa: E402

KEY_ID = bytes.fromhex("0b5e55ed")
SAVES_1 = 50  # saves of 1 event per sample
SAVES_100 = 3  # saves of 100 events per sample


class Event:
    """All that apply_stored reads of the decoded event."""

    __slots__ = ("originator_id", "originator_version")

    def __init__(self, originator_id: UUID, originator_version: int) -> None:
        self.originator_id = originator_id
        self.originator_version = originator_version


def progress(message: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{message}\033[K", end="", file=sys.stderr, flush=True)


def done_progress() -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)


# -- synthetic leaves -----------------------------------------------------------------------------------------


def sample_event(fx: Fixture) -> tuple[str, bytes]:
    """Topic and transcoded body of one real ServiceRecord.Recorded event (not saved)."""
    event = new_records(fx, 1)[0].collect_events()[0]
    stored = fx.app.mapper.to_stored_event(event)
    sealed = unseal(stored.state)
    assert sealed is not None
    return stored.topic, sealed.body


def make_batch(rng: random.Random, first_id: int, n: int, topic: str, body: bytes
               ) -> tuple[list[Notification], list[Event]]:
    notes, events = [], []
    for i in range(first_id, first_id + n):
        oid = UUID(int=rng.getrandbits(128), version=4)
        version = rng.randint(1, 3)
        notes.append(Notification(originator_id=oid, originator_version=version, topic=topic,
                                  state=seal(KEY_ID, rng.randbytes(64), body), id=i))
        events.append(Event(oid, version))
    return notes, events


class CompactRange:
    """The right edge of a tree grown leaf by leaf: the perfect subtrees tiling [0, size), largest first.
    Written with hashlib only (not projections.merkle), so its root is an independent check."""

    def __init__(self) -> None:
        self.stack: list[bytes] = []
        self.size = 0

    def push(self, data: bytes, rows: list[tuple[int, int, str]]) -> None:
        h = hashlib.sha256(b"\x00" + data).digest()
        index, level = self.size, 0
        rows.append((0, index, h.hex()))
        while index & 1:
            h = hashlib.sha256(b"\x01" + self.stack.pop() + h).digest()
            index, level = index >> 1, level + 1
            rows.append((level, index, h.hex()))
        self.stack.append(h)
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return hashlib.sha256(b"").digest()
        r = self.stack[-1]
        for h in reversed(self.stack[:-1]):
            r = hashlib.sha256(b"\x01" + h + r).digest()
        return r


# -- stores ---------------------------------------------------------------------------------------------------


@contextmanager
def view_store(data_dir: Path, url: str | None) -> Iterator[Any]:
    """A fresh view store made exactly as VledgerApplication._construct_view_store makes it."""
    settings = Settings(data_dir=data_dir, key_passphrase=SecretStr(PASSPHRASE), database_url=url)
    data_dir.mkdir(parents=True, exist_ok=True)
    factory = InfrastructureFactory.construct(settings.views_env())
    store = factory.tracking_recorder(PostgresViewStore if settings.uses_postgres else SQLiteViewStore)
    try:
        yield store
    finally:
        factory.close()


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def sqlite_size(path: Path) -> str:
    wal = Path(f"{path}-wal")
    return f"{mib(path.stat().st_size)} + WAL {mib(wal.stat().st_size if wal.exists() else 0)}"


def view_store_size(store: Any, data_dir: Path, postgres: bool) -> str:
    if postgres:
        with store.transaction(commit=False) as c:
            row = c.execute("SELECT pg_total_relation_size('view_log_index') + "
                            "pg_total_relation_size('view_merkle_nodes') AS n").fetchone()
        return mib(int(row["n"]) if row else 0)
    return sqlite_size(data_dir / "views.sqlite")


class RawSQLite:
    """sqlite3 straight, WAL like eventsourcing's connections, the view's own schema."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        for statement in TransparencyLogView.schema:
            self.conn.execute(statement)

    def insert(self, log_rows: list[tuple[Any, ...]], node_rows: list[tuple[Any, ...]]) -> None:
        c = self.conn
        c.execute("BEGIN")
        c.executemany("INSERT INTO view_log_index VALUES (?, ?, ?, ?)", log_rows)
        c.executemany("INSERT INTO view_merkle_nodes VALUES (?, ?, ?)", node_rows)
        c.execute("COMMIT")

    def size(self) -> str:
        return sqlite_size(self.path)

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """psycopg straight, in the URL's schema, the view's own schema."""

    def __init__(self, url: str) -> None:
        import psycopg

        schema = parse_qs(urlparse(url).query)["schema"][0]
        self.conn = psycopg.connect(urlunparse(urlparse(url)._replace(query="")))
        self.conn.execute(f'SET search_path TO "{schema}"')
        for statement in TransparencyLogView.schema:
            self.conn.execute(statement)
        self.conn.commit()

    def insert(self, log_rows: list[tuple[Any, ...]], node_rows: list[tuple[Any, ...]]) -> None:
        with self.conn.cursor() as c:
            c.executemany("INSERT INTO view_log_index VALUES (%s, %s, %s, %s)", log_rows)
            c.executemany("INSERT INTO view_merkle_nodes VALUES (%s, %s, %s)", node_rows)
        self.conn.commit()

    def size(self) -> str:
        row = self.conn.execute("SELECT pg_total_relation_size('view_log_index') + "
                                "pg_total_relation_size('view_merkle_nodes')").fetchone()
        self.conn.commit()
        return mib(int(row[0]) if row else 0)

    def close(self) -> None:
        self.conn.close()


# -- append phase ---------------------------------------------------------------------------------------------


def saver(fx: Fixture, events: int, per_save: int) -> Callable[[], tuple[int, float]]:
    """Signed saves on the instance's event store (records built before the clock starts)."""
    def run() -> tuple[int, float]:
        records = new_records(fx, events)
        groups = [records[i:i + per_save] for i in range(0, events, per_save)]
        save = fx.app.save
        t0 = time.perf_counter()
        for group in groups:
            save(*group)
        return events, time.perf_counter() - t0
    return run


def append_phase(args: argparse.Namespace, fx: Fixture, store: Any, raw: Any) -> bytes:
    """Build the tree of ``args.leaves`` leaves; print the tables; return the stored root."""
    rng = random.Random(args.seed)
    topic, body = sample_event(fx)
    view = TransparencyLogView(store)
    store.install(view.schema)

    setup_tree = CompactRange()  # untimed: the rows for the raw baseline
    baseline = {"stack": [], "size": 0}  # the timed raw hashlib tree
    s_hash = Series("raw hashlib: leaf + node hashes in memory")
    s_leaf = Series("leaf_data() encoding only")
    s_raw = Series("raw executemany of the same rows")
    s_view = Series("TransparencyLogView.apply_stored")
    s_save1 = Series("VledgerApplication.save, 1 event per save")
    s_save100 = Series("VledgerApplication.save, 100 events per save")
    per_batch: dict[str, list[tuple[int, int, float]]] = {"raw": [], "view": []}
    totals: dict[str, list[float]] = {s.label: [0, 0.0] for s in (s_hash, s_leaf, s_raw, s_view)}

    batches = (args.leaves + args.batch - 1) // args.batch
    every = max(1, batches // max(1, args.save_samples))
    t_start = time.perf_counter()
    for b in range(batches):
        first = b * args.batch
        n = min(args.batch, args.leaves - first)
        notes, events = make_batch(rng, first + 1, n, topic, body)
        datas = [leaf_data(note) for note in notes]
        log_rows = [(first + i, note.id, str(ev.originator_id), ev.originator_version)
                    for i, (note, ev) in enumerate(zip(notes, events, strict=True))]
        node_rows: list[tuple[int, int, str]] = []
        for d in datas:
            setup_tree.push(d, node_rows)

        def v_hash(datas: list[bytes] = datas) -> tuple[int, float]:
            sha = hashlib.sha256
            stack: list[bytes] = baseline["stack"]  # type: ignore[assignment]
            size: int = baseline["size"]  # type: ignore[assignment]
            t0 = time.perf_counter()
            for d in datas:
                h = sha(b"\x00" + d).digest()
                index = size
                while index & 1:
                    h = sha(b"\x01" + stack.pop() + h).digest()
                    index >>= 1
                stack.append(h)
                size += 1
            seconds = time.perf_counter() - t0
            baseline["size"] = size
            return len(datas), seconds

        def v_leaf(notes: list[Notification] = notes) -> tuple[int, float]:
            t0 = time.perf_counter()
            for note in notes:
                leaf_data(note)
            return len(notes), time.perf_counter() - t0

        def v_raw(log_rows: list[Any] = log_rows, node_rows: list[Any] = node_rows,
                  first: int = first) -> tuple[int, float]:
            t0 = time.perf_counter()
            raw.insert(log_rows, node_rows)
            seconds = time.perf_counter() - t0
            per_batch["raw"].append((first, len(log_rows), seconds))
            return len(log_rows), seconds

        def v_view(notes: list[Notification] = notes, events: list[Event] = events,
                   first: int = first) -> tuple[int, float]:
            apply = view.apply_stored
            t0 = time.perf_counter()
            with store.transaction() as c:
                for event, note in zip(events, notes, strict=True):
                    apply(event, note, c)
                store.track(c, view.name, notes[-1].id)
            seconds = time.perf_counter() - t0
            per_batch["view"].append((first, len(notes), seconds))
            return len(notes), seconds

        variants: list[tuple[Series, Callable[[], tuple[int, float]]]] = [
            (s_hash, v_hash), (s_leaf, v_leaf), (s_raw, v_raw), (s_view, v_view)]
        if b % every == every // 2:
            variants += [(s_save1, saver(fx, SAVES_1, 1)), (s_save100, saver(fx, SAVES_100 * 100, 100))]
        k = len(variants)
        for i in range(k):
            series, fn = variants[(b + i) % k]
            ops, seconds = fn()
            if n == args.batch:  # a short last batch would skew the per-batch median
                series.add(ops, seconds)
            if series.label in totals:
                totals[series.label][0] += ops
                totals[series.label][1] += seconds
        if b % 10 == 9 or b == batches - 1:
            progress(f"  leaves {first + n:,} / {args.leaves:,}  ({time.perf_counter() - t_start:.0f} s)")
    done_progress()
    wall = time.perf_counter() - t_start

    baseline_tree = CompactRange()
    baseline_tree.stack, baseline_tree.size = baseline["stack"], baseline["size"]  # type: ignore[assignment]
    assert baseline_tree.size == setup_tree.size == args.leaves
    assert baseline_tree.root() == setup_tree.root()
    with store.transaction(commit=False) as c:
        stored_size = tree_size(c)
        stored_root = merkle.root(stored_size, lambda keys: fetch_nodes(c, keys))
    if stored_size != args.leaves or stored_root != baseline_tree.root():
        raise SystemExit("the stored tree differs from the raw hashlib tree")
    print(f"\nstored root of {args.leaves:,} leaves = raw hashlib root: {stored_root.hex()}")

    print_table(f"transparency-log appends: {args.leaves:,} leaves in batches of {args.batch:,} "
                f"(median over {len(s_view.seconds)} batches; µs per leaf)",
                [s_hash, s_leaf, s_raw, s_view], s_hash, unit="leaf")
    print_table(f"next to the event appends ({len(s_save1.seconds)} samples of {SAVES_1} saves of 1 event and "
                f"{SAVES_100} saves of 100, taken every {every} batches of the same build; one leaf per event)",
                [s_save100, s_save1, s_view, s_raw, s_hash], s_save100, unit="event")

    print("\nthe whole build (total leaves / total seconds over all batches, not the median):")
    for label, (total_ops, total_s) in totals.items():
        print(f"  {label:<46} {total_ops / total_s:>12,.0f} leaf/s   {total_s:8.1f} s")
    print(f"  {'wall time of the append phase':<46} {'':>12}          {wall:8.1f} s   "
          "(with the untimed setup and the event samples)")

    print("\napply_stored and raw executemany as the tree grows (leaf/s per tenth of the build):")
    tenth = max(args.batch, args.leaves // 10)
    print(f"  {'leaves':>21}  {'apply_stored':>12}  {'raw':>9}  {'raw / apply_stored':>18}")
    for lo in range(0, args.leaves, tenth):
        hi = min(lo + tenth, args.leaves)
        rates: list[float] = []
        for name in ("view", "raw"):
            part = [(count, sec) for start, count, sec in per_batch[name] if lo <= start < hi]
            rates.append(sum(c for c, _ in part) / sum(t for _, t in part) if part else float("nan"))
        print(f"  {lo:>9,}–{hi:>10,}  {rates[0]:>12,.0f}  {rates[1]:>9,.0f}  {rates[1] / rates[0]:>17.2f}x")
    return stored_root


# -- proof phase ----------------------------------------------------------------------------------------------


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


class Kind:
    """Latencies (seconds) of one kind of query, stored and in memory, and how many hashes each fetched."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.stored: list[float] = []
        self.memory: list[float] = []
        self.fetched: list[int] = []


def one_query(store: Any, kind: Kind, compute: Callable[[merkle.Fetch], Any]) -> Any:
    """Time ``compute`` against the stored tree (one read transaction, fetch_nodes, as the endpoints do),
    then, untimed, find which hashes it fetched, then time it again over just those hashes held in memory."""
    t0 = time.perf_counter()
    with store.transaction(commit=False) as c:
        result = compute(lambda keys: fetch_nodes(c, keys))
    kind.stored.append(time.perf_counter() - t0)

    captured: dict[merkle.Node, bytes] = {}
    asked: list[int] = []
    with store.transaction(commit=False) as c2:
        def capture(keys: Any) -> dict[merkle.Node, bytes]:
            keys = list(keys)
            asked.append(len(keys))
            found = fetch_nodes(c2, keys)
            captured.update(found)
            return found

        assert compute(capture) == result
    kind.fetched.append(sum(asked))

    def from_memory(keys: Any) -> dict[merkle.Node, bytes]:
        return {k: captured[k] for k in keys}

    t0 = time.perf_counter()
    in_memory = compute(from_memory)
    kind.memory.append(time.perf_counter() - t0)
    assert in_memory == result
    return result


def stored(store: Any, compute: Callable[[merkle.Fetch], Any]) -> Any:
    with store.transaction(commit=False) as c:
        return compute(lambda keys: fetch_nodes(c, keys))


def proof_phase(args: argparse.Namespace, store: Any, size: int, root_n: bytes) -> None:
    rng = random.Random(args.seed + 1)
    k_root = Kind("root(random size)")
    k_incl = Kind(f"inclusion_proof(random index, {size:,})")
    k_cons = Kind(f"consistency_proof(random old, {size:,})")
    size_s: list[float] = []

    def q_root() -> None:
        s = rng.randint(1, size)
        r = one_query(store, k_root, lambda f: merkle.root(s, f))
        proof = stored(store, lambda f: merkle.consistency_proof(s, size, f))
        assert merkle.verify_consistency(s, size, r, root_n, proof)

    def q_incl() -> None:
        i = rng.randrange(size)
        proof = one_query(store, k_incl, lambda f: merkle.inclusion_proof(i, size, f))
        leaf = stored(store, lambda f: f([(0, i)])[(0, i)])
        assert merkle.verify_inclusion(leaf, i, size, proof, root_n)

    def q_cons() -> None:
        old = rng.randint(1, size - 1)
        proof = one_query(store, k_cons, lambda f: merkle.consistency_proof(old, size, f))
        old_root = stored(store, lambda f: merkle.root(old, f))
        assert merkle.verify_consistency(old, size, old_root, root_n, proof)

    def q_size() -> None:
        t0 = time.perf_counter()
        with store.transaction(commit=False) as c:
            n = tree_size(c)
        size_s.append(time.perf_counter() - t0)
        assert n == size

    queries = [q_root, q_incl, q_cons, q_size]
    for j in range(args.queries):
        for i in range(len(queries)):
            queries[(j + i) % len(queries)]()
        if j % 50 == 49:
            progress(f"  proof queries {j + 1:,} / {args.queries:,}")
    done_progress()

    print(f"\nproof latency at {size:,} leaves ({args.queries:,} random queries of each kind, interleaved; "
          "one read transaction per query; µs; every proof verified)")
    print(f"  log2(n) = {math.log2(size):.1f}; the table holds {2 * size - size.bit_count():,} hashes "
          "(every complete subtree)")
    head = (f"  {'query':<42}  {'hashes fetched':>14}  {'stored p50':>10}  {'p99':>7}  "
            f"{'in-memory p50':>13}  {'p99':>6}  {'stored / in-memory':>18}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for k in (k_root, k_incl, k_cons):
        fetched = f"{statistics.median(k.fetched):.0f} (max {max(k.fetched)})"
        s50, s99 = pct(k.stored, 0.5) * 1e6, pct(k.stored, 0.99) * 1e6
        m50, m99 = pct(k.memory, 0.5) * 1e6, pct(k.memory, 0.99) * 1e6
        print(f"  {k.label:<42}  {fetched:>14}  {s50:>10.1f}  {s99:>7.1f}  {m50:>13.1f}  {m99:>6.1f}  "
              f"{s50 / m50:>17.1f}x")
    print(f"  {'tree_size(c) alone (every endpoint runs it)':<42}  {'—':>14}  {pct(size_s, .5) * 1e6:>10.1f}  "
          f"{pct(size_s, .99) * 1e6:>7.1f}")
    print("  in-memory = the same projections.merkle function over the hashes the stored call fetched, in a dict")

    # The same proofs at growing sizes of the same stored tree: the cost follows log n.
    sizes = [s for s in (1_000, 10_000, 100_000) if s < size] + [size]
    per_size = max(50, args.queries // 4)
    print(f"\nproofs at growing tree sizes of the same stored tree ({per_size} random queries per size; "
          "stored p50 / p99, µs)")
    head = (f"  {'tree size':>10}  {'incl. fetched':>13}  {'incl. p50':>9}  {'p99':>7}  "
            f"{'cons. fetched':>13}  {'cons. p50':>9}  {'p99':>7}")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for s in sizes:
        ki, kc = Kind("inclusion"), Kind("consistency")
        for _ in range(per_size):
            i, old = rng.randrange(s), rng.randint(1, s - 1)

            def incl(f: merkle.Fetch, i: int = i, s: int = s) -> list[bytes]:
                return merkle.inclusion_proof(i, s, f)

            def cons(f: merkle.Fetch, old: int = old, s: int = s) -> list[bytes]:
                return merkle.consistency_proof(old, s, f)

            one_query(store, ki, incl)
            one_query(store, kc, cons)
        print(f"  {s:>10,}  {statistics.median(ki.fetched):>13.0f}  {pct(ki.stored, .5) * 1e6:>9.1f}  "
              f"{pct(ki.stored, .99) * 1e6:>7.1f}  {statistics.median(kc.fetched):>13.0f}  "
              f"{pct(kc.stored, .5) * 1e6:>9.1f}  {pct(kc.stored, .99) * 1e6:>7.1f}")


# -- main -----------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, fx: Fixture, data_dir: Path, tlog_url: str | None, raw: Any) -> None:
    where = ("PostgreSQL, three fresh schemas (the instance's events and views, the tree, the raw baseline)"
             if tlog_url else "SQLite: the instance's events.sqlite, the tree in a views.sqlite of its own, the "
             "raw baseline in a third file, all in one fresh temporary directory")
    print(f"store: {where}")
    with view_store(data_dir / "tlog", tlog_url) as store:
        root_n = append_phase(args, fx, store, raw)
        print(f"\nstorage after {args.leaves:,} leaves (view_log_index + view_merkle_nodes): "
              f"tree {view_store_size(store, data_dir / 'tlog', tlog_url is not None)}; "
              f"raw baseline {raw.size()} (same rows, same schema)")

        # For scale: the real runner over the events the samples saved (decode, signature check, all views).
        t0 = time.perf_counter()
        applied = fx.app.views.catch_up()
        seconds = time.perf_counter() - t0
        if applied:
            print(f"\nfor scale: ViewRunner.catch_up of the {applied:,} events the samples saved: "
                  f"{applied / seconds:,.0f} event/s, {seconds / applied * 1e6:.1f} µs per event "
                  f"(decode + Ed25519 verify + all {len(fx.app.views.views)} views incl. the tree, "
                  f"batches of {fx.app.views.batch_size})")
        proof_phase(args, store, args.leaves, root_n)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--leaves", type=int, default=1_000_000, help="leaves to append (default 1,000,000)")
    p.add_argument("--batch", type=int, default=2000,
                   help="leaves per transaction (default 2000, the runner's rebuild batch)")
    p.add_argument("--save-samples", type=int, default=50,
                   help=f"event-append samples taken during the build ({SAVES_1} saves of 1 event and "
                        f"{SAVES_100} of 100 each; default 50)")
    p.add_argument("--queries", type=int, default=1000, help="random queries per proof kind (default 1000)")
    p.add_argument("--seed", type=int, default=20261122, help="seed of the synthetic leaves and the queries")
    p.add_argument("--postgres", metavar="URL", default=None,
                   help="run on PostgreSQL instead of SQLite, in fresh schemas dropped afterwards, "
                        "e.g. postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--dir", default=None, help="parent of the temporary directory (default: system temp)")
    args = p.parse_args()
    if args.leaves < 2 or args.batch < 1 or args.queries < 1:
        p.error("--leaves must be at least 2, --batch and --queries at least 1")
    print_header("bench_merkle", args)
    print(f"sqlite {sqlite3.sqlite_version}, eventsourcing {version('eventsourcing')}")

    with bench_dir(args.dir) as data_dir, postgres_schema(args.postgres) as app_url, \
            postgres_schema(args.postgres) as tlog_url, postgres_schema(args.postgres) as raw_url:
        fx = make_fixture(data_dir, app_url)
        raw = RawPostgres(raw_url) if raw_url else RawSQLite(data_dir / "raw.sqlite")
        try:
            run(args, fx, data_dir, tlog_url, raw)
        finally:
            raw.close()
            fx.app.close()
    print(f"\nload average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
