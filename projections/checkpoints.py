"""Signed checkpoints of the transparency log. Not a view: they are signed history, so `vledger rebuild`
keeps them, and audit checks the rebuilt tree against every one of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.store import ViewStore

SCHEMA = ("CREATE TABLE IF NOT EXISTS log_checkpoints (tree_size BIGINT PRIMARY KEY, root TEXT NOT NULL, "
          "note TEXT NOT NULL, signed_at TEXT NOT NULL)",)


@dataclass(frozen=True)
class StoredCheckpoint:
    tree_size: int
    root: bytes
    note: str
    signed_at: str


def _of(row: dict[str, Any]) -> StoredCheckpoint:
    return StoredCheckpoint(row["tree_size"], bytes.fromhex(row["root"]), row["note"], row["signed_at"])


class CheckpointStore:
    def __init__(self, store: ViewStore) -> None:
        self.store = store
        store.install(SCHEMA)

    def latest(self) -> StoredCheckpoint | None:
        with self.store.transaction(commit=False) as c:
            row = c.execute("SELECT * FROM log_checkpoints ORDER BY tree_size DESC LIMIT 1").fetchone()
        return _of(row) if row else None

    def covering(self, index: int) -> StoredCheckpoint | None:
        """The newest checkpoint whose tree holds leaf ``index``."""
        with self.store.transaction(commit=False) as c:
            row = c.execute("SELECT * FROM log_checkpoints WHERE tree_size > ? ORDER BY tree_size DESC LIMIT 1",
                            (index,)).fetchone()
        return _of(row) if row else None

    def all(self) -> list[StoredCheckpoint]:
        with self.store.transaction(commit=False) as c:
            return [_of(r) for r in c.execute("SELECT * FROM log_checkpoints ORDER BY tree_size").fetchall()]

    def add(self, tree_size: int, root: bytes, note: str, signed_at: str) -> None:
        """Keep a checkpoint; a second signer of the same size (another process) changes nothing."""
        with self.store.transaction() as c:
            c.execute("INSERT INTO log_checkpoints VALUES (?, ?, ?, ?) ON CONFLICT (tree_size) DO NOTHING",
                      (tree_size, root.hex(), note, signed_at))
