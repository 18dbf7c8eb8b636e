"""Use cases of inspectors (抽查): appointment by the registry, and accountability for what they read."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.usecases.base import UseCases
from domain.access import Principal, check_registry
from domain.base import REGISTRY
from domain.errors import NotFoundError
from domain.inspector import INSPECTION, INSPECTOR_ROLE, Inspector, ReadReceipt, check_read_receipts_reader
from keys.errors import UnknownKeyError
from projections.inspectors import reads_of

if TYPE_CHECKING:
    pass

log = logging.getLogger("vledger")

# One process registers at most one inspection key on first need, however many requests race to it.
_INSPECTION_KEY_LOCK = threading.Lock()
# Who registers an inspection key for an instance initialized before inspection keys existed.
FIRST_NEED_ACTOR = "registry:inspection-key-on-first-need"


class InspectorCases(UseCases):
    """Inspectors and the record of their reads of personal data."""

    def appoint_inspector(self, principal: Principal, *, name: str, region_code: str | None = None) -> dict[str, Any]:
        """The registry appoints an inspector, who gets a token with the ``inspector`` role (shown once)."""
        check_registry(principal)
        now = self.clock()
        inspector = Inspector.appoint(now=now, actor=principal.actor, name=name, region_code=region_code)
        token, secret = self._new_token(now, principal.actor, REGISTRY, INSPECTOR_ROLE, str(inspector.id), None)
        self.save_and_project(inspector, token)
        log.info("inspector appointed id=%s", inspector.id)
        return {"id": str(inspector.id), "token": secret}

    def account_for_read(self, principal: Principal, volunteer_id: UUID, what: str) -> None:
        """Record, as a signed event, that an inspector read a volunteer's personal data (``what`` names the
        resource, e.g. ``volunteer``, ``record``, ``history``, ``export``). No-op for other roles.

        Saved before the data is returned: if the account cannot be written, the read fails with it."""
        self.account_for_reads(principal, [volunteer_id], what)

    def account_for_reads(self, principal: Principal, volunteer_ids: Iterable[UUID], what: str) -> None:
        """``account_for_read`` for a page that shows several volunteers' data: one receipt per volunteer, all in
        one atomic save (one signed checkpoint), so a page is accounted for entirely or not served at all."""
        if principal.role != INSPECTOR_ROLE:
            return
        ids = list(dict.fromkeys(volunteer_ids))
        if not ids:
            return
        # The key first: a receipt dated before its key's registration would never verify.
        self.ensure_inspection_key()
        now = self.clock()
        inspector_id = UUID(principal.subject)
        self.save_and_project(*(ReadReceipt.record(now=now, actor=principal.actor, inspector_id=inspector_id,
                                                   volunteer_id=vid, what=what) for vid in ids))

    def ensure_inspection_key(self) -> None:
        """Instances initialized before inspection keys existed get one, registered by the root key, the first
        time a receipt must be signed (new instances get it at `vledger init`)."""
        with _INSPECTION_KEY_LOCK:
            try:
                self.keyring.current(INSPECTION)  # reloads from the log first: another process may have made it
                return
            except UnknownKeyError:
                pass
            self.save_and_project(self._new_inspection_key(self.clock(), FIRST_NEED_ACTOR))
            log.warning("inspection key registered on first need (instance initialized before inspection keys)")

    def reads_of_volunteer(self, principal: Principal, volunteer_id: UUID) -> dict[str, Any]:
        """Who read this volunteer's personal data, when, and what: the volunteer's view of inspectors' reads."""
        check_read_receipts_reader(principal, volunteer_id)
        with self.read() as c:
            if c.execute("SELECT 1 AS found FROM view_volunteers WHERE id = ?", (str(volunteer_id),)).fetchone() \
                    is None:
                raise NotFoundError(f"no volunteer with id {volunteer_id}")
            rows = reads_of(c, str(volunteer_id))
        return {"volunteer_id": str(volunteer_id),
                "reads": [{"id": r["id"], "inspector_id": r["inspector_id"], "inspector_name": r["inspector_name"],
                           "at": r["read_at"], "what": r["what"]} for r in rows]}
