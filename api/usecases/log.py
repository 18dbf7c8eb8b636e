"""Use cases of the transparency log and the key directory (public)."""

from __future__ import annotations

import base64
from typing import Any

from api.usecases.base import UseCases
from api.verification import LoggedCertificate
from domain.errors import NotFoundError, VledgerError
from keys.notes import Verifier, parse_checkpoint, parse_note
from projections import merkle
from projections.runner import LogShrankError
from projections.transparency import fetch_nodes, leaf_data, leaf_index, tree_size


class LogCases(UseCases):
    """Use cases of the transparency log and the key directory (public)."""

    def log_index(self, notification_id: int) -> int | None:
        """The index of an event's leaf in the transparency log."""
        with self.read() as c:
            return leaf_index(c, notification_id)

    # -- transparency log --------------------------------------------------------------------------------------

    def latest_checkpoint(self) -> str:
        """The newest signed checkpoint note (C2SP tlog-checkpoint)."""
        self.views.ensure_fresh()
        latest = self.checkpoints.latest()
        if latest is None:
            raise NotFoundError("no checkpoint has been signed yet")
        return latest.note

    def log_verifier_key(self) -> str:
        """The log's note verifier key ``name+hex8+base64``."""
        return self.keyring.current("log").verifier_key

    def log_leaf(self, index: int) -> dict[str, Any]:
        """The exact bytes hashed into leaf ``index``, and which event they stand for."""
        with self.read() as c:
            size = tree_size(c)
            check_log_index(index, size)
            row = c.execute("SELECT notification_id, originator_id, originator_version FROM view_log_index "
                            "WHERE position = ?", (index,)).fetchone()
        note = self.recorder.select_notifications(start=row["notification_id"], limit=1)
        if not note or note[0].id != row["notification_id"]:
            raise LogShrankError(f"leaf {index} names notification {row['notification_id']}, which the log "
                                 "no longer holds; run `vledger audit`")
        return {"index": index, "leaf_data": base64.b64encode(leaf_data(note[0])).decode(),
                "notification_id": row["notification_id"], "originator_id": row["originator_id"],
                "originator_version": row["originator_version"]}

    def inclusion_proof(self, index: int, size: int) -> list[str]:
        """RFC 9162 audit path of leaf ``index`` in the tree of ``size`` leaves (base64)."""
        with self.read() as c:
            check_log_size(size, tree_size(c))
            check_log_index(index, size)
            return [base64.b64encode(h).decode()
                    for h in merkle.inclusion_proof(index, size, lambda keys: fetch_nodes(c, keys))]

    def consistency_proof(self, old_size: int, size: int) -> list[str]:
        """RFC 9162 consistency proof from the tree of ``old_size`` leaves to the tree of ``size`` (base64)."""
        with self.read() as c:
            check_log_size(size, tree_size(c))
            if not 0 <= old_size <= size:
                raise LogRequestError(f"old_size must be between 0 and tree_size ({size}), found {old_size}")
            return [base64.b64encode(h).decode()
                    for h in merkle.consistency_proof(old_size, size, lambda keys: fetch_nodes(c, keys))]

    def _log_evidence(self, logged: LoggedCertificate) -> tuple[dict[str, Any], bool]:
        """Inclusion of the issuance in the newest checkpoint covering it, checked here: the leaf is rebuilt
        from the stored event, the checkpoint's signature verified with the log key."""
        index = logged.log_index
        assert index is not None and logged.notification_id is not None
        checkpoint = self.checkpoints.covering(index)
        if checkpoint is None:
            return {"index": index, "tree_size": None, "inclusion": None, "checkpoint": None}, False
        with self.views.store.transaction(commit=False) as c:
            proof = merkle.inclusion_proof(index, checkpoint.tree_size, lambda keys: fetch_nodes(c, keys))
        note = self.recorder.select_notifications(start=logged.notification_id, limit=1)
        signed_root = self._signed_root(checkpoint.note)
        ok = (bool(note) and signed_root is not None
              and merkle.verify_inclusion(merkle.leaf_hash(leaf_data(note[0])), index, checkpoint.tree_size,
                                          proof, signed_root))
        return {"index": index, "tree_size": checkpoint.tree_size,
                "inclusion": [base64.b64encode(h).decode() for h in proof], "checkpoint": checkpoint.note}, ok

    def _signed_root(self, note_text: str) -> bytes | None:
        """The root a checkpoint note signs, if the log key's signature on it verifies (the last answer kept)."""
        if self._checked_checkpoint is None or self._checked_checkpoint[0] != note_text:
            key = self.keyring.current("log")
            parsed = parse_note(note_text)
            verified = Verifier(key.name, key.key_id, key.public_key).verifies(parsed)
            self._checked_checkpoint = (note_text, parse_checkpoint(parsed.text).root if verified else None)
        return self._checked_checkpoint[1]

    # -- keys --------------------------------------------------------------------------------------------------

    def list_keys(self) -> list[dict[str, Any]]:
        with self.read() as c:
            rows = c.execute("SELECT * FROM view_keys ORDER BY notification_id").fetchall()
        return rows





class LogRequestError(VledgerError):
    """A leaf index or tree size the log cannot answer for (HTTP 400)."""

    code = "bad_log_request"


def check_log_size(size: int, current: int) -> None:
    if not 0 <= size <= current:
        raise LogRequestError(f"tree_size must be between 0 and the current size {current}, found {size}")


def check_log_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise LogRequestError(f"leaf index must be between 0 and {size - 1}, found {index}")
