"""What every use-case mixin may rely on: the core (``api.core.VledgerCore``) and a few use cases of other mixins.

At run time the mixins are composed over the core in ``api.application``; for the type checker each mixin *is* a
core, so the core's attributes and helpers need no second declaration here that could drift from the real ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.errors import InvalidFieldError

if TYPE_CHECKING:
    from api.core import VledgerCore as _Base
    from api.verification import LoggedCertificate
    from domain.access import Principal
else:
    _Base = object


MAX_PAGE = 1000  # rows one list request may ask for


def check_page(limit: int, offset: int) -> None:
    """A page of a list: 1 to MAX_PAGE rows from a non-negative offset."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidFieldError("limit", f"expected 1 to {MAX_PAGE}")
    if offset < 0:
        raise InvalidFieldError("offset", "expected 0 or more")


class UseCases(_Base):
    """The base of the use-case mixins."""

    if TYPE_CHECKING:
        # Use cases of one mixin that others call (inspectors' accountability, the log, a volunteer's service).
        def account_for_read(self, principal: Principal, volunteer_id: UUID, what: str) -> None: ...
        def account_for_reads(self, principal: Principal, volunteer_ids: Iterable[UUID], what: str) -> None: ...
        def _service_of(self, volunteer_id: UUID) -> list[dict[str, Any]]: ...
        def log_index(self, notification_id: int) -> int | None: ...
        def _log_evidence(self, logged: LoggedCertificate) -> tuple[dict[str, Any], bool]: ...
