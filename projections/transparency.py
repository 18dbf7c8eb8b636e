"""The transparency log (RFC 9162 / C2SP tlog): one leaf per stored event, in notification order.

Leaf ``i`` is the i-th event of the log (PostgreSQL notification ids can have gaps, so the position is
counted, never derived from the id; the id is inside the leaf data). The tree is kept as its complete
subtrees (see projections/merkle.py), so any root or proof costs O(log n) stored hashes. The same table of
positions is the views' memory of the log's tip: if the event at the position they reached is no longer
the one they applied, the log was rewritten under them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from keys.canonical import state_hash
from keys.mapper import unseal
from projections import merkle
from projections.base import View
from projections.store import ViewCursor

LEAF_DOMAIN = b"vledger/leaf/v1\n"


def leaf_data(notification: Notification) -> bytes:
    """Canonical leaf encoding: domain tag ‖ notification id u64 ‖ len-prefixed originator id (hex) ‖
    version u64 ‖ len-prefixed topic ‖ SHA-256 of the event body ‖ key id (4) ‖ signature (64)."""
    sealed = unseal(notification.state)
    if sealed is None:
        raise ValueError(f"notification {notification.id} carries no signature envelope")
    oid = UUID(str(notification.originator_id)).hex.encode()
    topic = notification.topic.encode("utf-8")
    return b"".join((LEAF_DOMAIN, struct.pack(">Q", notification.id), struct.pack(">H", len(oid)), oid,
                     struct.pack(">Q", notification.originator_version), struct.pack(">H", len(topic)), topic,
                     state_hash(sealed.body), sealed.key_id, sealed.signature))


def fetch_nodes(c: ViewCursor, nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored subtree hashes for the given (level, index) keys, in one query."""
    keys = list(nodes)
    if not keys:
        return {}
    where = " OR ".join("(level = ? AND idx = ?)" for _ in keys)
    rows = c.execute(f"SELECT level, idx, hash FROM view_merkle_nodes WHERE {where}",
                     [v for key in keys for v in key]).fetchall()
    return {(r["level"], r["idx"]): bytes.fromhex(r["hash"]) for r in rows}


def leaf_index(c: ViewCursor, notification_id: int) -> int | None:
    """The 0-based position of an event's leaf, or None if the views have not applied it."""
    row = c.execute("SELECT position FROM view_log_index WHERE notification_id = ?", (notification_id,)).fetchone()
    return row["position"] if row else None


def tree_size(c: ViewCursor) -> int:
    row = c.execute("SELECT MAX(position) AS last FROM view_log_index").fetchone()
    return row["last"] + 1 if row and row["last"] is not None else 0


class TransparencyLogView(View):
    name = "transparency_log"
    tables = ("view_log_index", "view_merkle_nodes")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_log_index (position BIGINT PRIMARY KEY, "
        "notification_id BIGINT NOT NULL UNIQUE, originator_id TEXT NOT NULL, originator_version BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS view_merkle_nodes (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
        "hash TEXT NOT NULL, PRIMARY KEY (level, idx))",
    )

    def apply_stored(self, event: Any, notification: Notification, c: ViewCursor) -> None:
        index = tree_size(c)
        c.execute("INSERT INTO view_log_index VALUES (?, ?, ?, ?)",
                  (index, notification.id, str(event.originator_id), event.originator_version))
        # Append the leaf and every complete subtree it closes (amortized one more node per leaf).
        digest = merkle.leaf_hash(leaf_data(notification))
        c.execute("INSERT INTO view_merkle_nodes VALUES (0, ?, ?)", (index, digest.hex()))
        level, idx = 0, index
        while idx & 1:
            left = fetch_nodes(c, [(level, idx - 1)])[(level, idx - 1)]
            digest = merkle.node_hash(left, digest)
            level, idx = level + 1, idx >> 1
            c.execute("INSERT INTO view_merkle_nodes VALUES (?, ?, ?)", (level, idx, digest.hex()))

    def check_tip(self, c: ViewCursor, tip: Notification) -> str | None:
        """None if the event at ``tip.id`` is the one this view applied there; otherwise what differs."""
        row = c.execute("SELECT originator_id, originator_version FROM view_log_index WHERE notification_id = ?",
                        (tip.id,)).fetchone()
        if row is None:
            return None  # this view has not reached the tip yet
        if row["originator_id"] != str(UUID(str(tip.originator_id))) or \
                row["originator_version"] != tip.originator_version:
            return (f"notification {tip.id} now holds {tip.originator_id} v{tip.originator_version}, "
                    f"but views applied {row['originator_id']} v{row['originator_version']} there")
        return None
