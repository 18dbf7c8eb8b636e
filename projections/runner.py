"""Feeds the log to every view, many events per transaction, each event exactly once.

SQLite recorders cannot push notifications, so instead of eventsourcing's threaded ProjectionRunner this
runner pulls: after each write (read your writes) and before reads when the log has grown (a CLI may have
written beside a server). Each view's tracking row moves in the same transaction as its rows; a second
process racing on the same position makes the tracking insert fail, the transaction roll back and this
runner re-read the positions: nothing is ever applied twice.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Mapper

from domain.errors import LogIntegrityError
from projections.base import View
from projections.store import ViewStore

Progress = Callable[[int, int], None]
# A phase name (e.g. "save", "views") → the (done, total) callback drawing that phase's progress.
Phases = Callable[[str], Progress]

SCHEMA_TABLE = "CREATE TABLE IF NOT EXISTS view_schemas (name TEXT PRIMARY KEY, fingerprint TEXT NOT NULL)"


def fingerprint(view: View) -> str:
    """What a view's rows were written under: its tables' definitions and its revision (bumped when only
    the way it fills them changes)."""
    text = "\n".join((*view.schema, f"revision {view.revision}"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class LogShrankError(LogIntegrityError):
    """The log no longer holds the events the views have already applied."""

    code = "log_shrank"


class ViewRunner:
    """Keeps a set of views caught up with an application's notification log."""

    def __init__(self, recorder: ApplicationRecorder, mapper: Mapper[Any], store: ViewStore,
                 views: Sequence[View], batch_size: int = 500) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self.store = store
        self.views = list(views)
        self.batch_size = batch_size
        self._lock = threading.RLock()
        self._known_position = -1
        self._attempt_positions: dict[str, int] = {}
        self.install()

    def install(self) -> None:
        """Create the views' tables; a view whose definition changed since its rows were written is dropped
        first, so the next catch-up rebuilds it from the log (an upgraded instance needs no manual step)."""
        self.store.install([SCHEMA_TABLE])
        with self.store.transaction(commit=False) as c:
            stored = {r["name"]: r["fingerprint"] for r in c.execute("SELECT name, fingerprint FROM view_schemas")
                      .fetchall()}
        stale = [v for v in self.views if stored.get(v.name) != fingerprint(v)]
        if stale:
            self.store.drop([t for v in stale for t in v.tables], [v.name for v in stale])
        self.store.install([s for v in self.views for s in v.schema])
        if not stale:
            return
        with self.store.transaction() as c:
            for view in stale:
                c.execute("INSERT INTO view_schemas (name, fingerprint) VALUES (?, ?) ON CONFLICT (name) "
                          "DO UPDATE SET fingerprint = excluded.fingerprint", (view.name, fingerprint(view)))

    def positions(self) -> dict[str, int]:
        """Every view's position, in one query."""
        found = self.store.positions([v.name for v in self.views])
        return {v.name: found.get(v.name, 0) for v in self.views}

    def ensure_fresh(self) -> None:
        """Catch up only if the log has grown past what this process has seen (one cheap query)."""
        if (self.recorder.max_notification_id() or 0) > self._known_position:
            self.catch_up()

    def catch_up(self, progress: Progress | None = None, batch_size: int | None = None) -> int:
        """Apply every notification not yet in every view; return how many events were applied."""
        with self._lock:
            while True:
                try:
                    return self._catch_up(progress, batch_size or self.batch_size)
                except IntegrityError:
                    # Another process moved a view first: re-read positions and go on. Two runners may
                    # collide on every batch, so a fixed number of retries is not enough; retry as long as
                    # the views advance (bounded by the log's length) and re-raise a conflict that does not.
                    if self.positions() == self._attempt_positions:
                        raise

    def _catch_up(self, progress: Progress | None, batch_size: int) -> int:
        positions = self.positions()
        self._attempt_positions = dict(positions)
        start = min(positions.values(), default=0)
        total = (self.recorder.max_notification_id() or 0)
        if total < max(positions.values(), default=0):
            # Views have seen events the log no longer holds: rows were deleted from the end. SQLite would
            # reuse their ids for new events, which the views would then skip. Stop instead.
            raise LogShrankError(f"the log ends at notification {total} but views have applied up to "
                                 f"{max(positions.values())}: events were removed; run `vledger audit`")
        self._check_tip(max(positions.values(), default=0))
        applied = 0
        while True:
            notes = self.recorder.select_notifications(start=start, limit=batch_size, inclusive_of_start=False)
            if not notes:
                break
            # Decoding verifies each signature: a tampered event stops the views here, loudly.
            events = [(self.mapper.to_domain_event(n), n) for n in notes]
            last = notes[-1].id
            with self.store.transaction() as c:
                for view in self.views:
                    done = positions[view.name]
                    for event, note in events:
                        if note.id > done:
                            view.apply_stored(event, note, c)
                    if last > done:
                        self.store.track(c, view.name, last)
            for view in self.views:
                positions[view.name] = max(positions[view.name], last)
            applied += len(notes)
            start = last
            if progress is not None:
                progress(last, max(total, last))
            if len(notes) < batch_size:
                break  # a short page is the last one: no need to ask again
        self._known_position = max(self._known_position, start)
        return applied

    def _check_tip(self, position: int) -> None:
        """The event where the views stopped must still be the one they applied there. SQLite reuses the id
        of a deleted last row, so "delete the newest event, then write" would otherwise go unnoticed."""
        if position <= 0:
            return
        tip = self.recorder.select_notifications(start=position, limit=1)
        if not tip or tip[0].id != position:
            raise LogShrankError(f"notification {position}, which the views applied, is missing from the log; "
                                 "run `vledger audit`")
        with self.store.transaction(commit=False) as c:
            for view in self.views:
                check = getattr(view, "check_tip", None)
                problem = check(c, tip[0]) if check is not None else None
                if problem:
                    raise LogShrankError(f"the log was rewritten under the views: {problem}; run `vledger audit`")

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop every view and apply the whole log again."""
        with self._lock:
            # Forgetting every view's definition makes ``install`` drop and recreate them all.
            with self.store.transaction() as c:
                c.execute("DELETE FROM view_schemas")
            self._known_position = -1
            self.install()
            return self.catch_up(progress=progress, batch_size=max(self.batch_size, 2000))
