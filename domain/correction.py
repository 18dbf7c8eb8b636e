"""Corrections (更正): a volunteer who finds an error in their record asks the organization to correct it; the
organization verifies and amends, or declines with a reason (办法: a volunteer who finds their record wrong or
incomplete may raise it with the organization, which verifies and corrects it promptly; domain.md, "Corrections
and history").

The request and its outcome are events of the ServiceRecord (``domain.record``), so they stay in the record's
history for good. This module holds the rules about their states; the record holds the states themselves.

States: ``open`` → ``amended`` (an amendment names the request) | ``declined`` (with a reason). One open request
per record at a time: the organization answers one before the next is raised.
"""

from __future__ import annotations

from uuid import UUID

from domain.access import Principal, check_is_the_volunteer
from domain.errors import ConflictError, NotFoundError

OPEN = "open"
AMENDED = "amended"
DECLINED = "declined"

# A record's correction requests as (correction id, state) pairs in the order they were raised: a tuple, so the
# aggregate's state is replaced on each event, never changed in place.
Corrections = tuple[tuple[str, str], ...]


def status_of(corrections: Corrections, correction_id: UUID) -> str | None:
    """The state of one request, or None when the record has no such request."""
    return dict(corrections).get(str(correction_id))


def with_status(corrections: Corrections, correction_id: UUID, status: str) -> Corrections:
    """The requests with one of them (new or known) in ``status``."""
    key = str(correction_id)
    return (*((k, s) for k, s in corrections if k != key), (key, status))


def check_none_open(corrections: Corrections) -> None:
    """One open request per record: the organization answers it before another is raised (409)."""
    if any(status == OPEN for _, status in corrections):
        raise ConflictError("this record already has an open correction request; wait for the organization to "
                            "amend the record or decline the request", code="correction_already_open")


def check_open(corrections: Corrections, correction_id: UUID) -> None:
    """The request exists on this record (404) and is still open (409): an outcome is given once."""
    status = status_of(corrections, correction_id)
    if status is None:
        raise NotFoundError(f"no correction request with id {correction_id} on this record")
    if status != OPEN:
        raise ConflictError(f"the correction request was already {status}; it cannot be resolved again",
                            code="correction_closed")


def check_requested_by_the_volunteer(principal: Principal, volunteer_id: UUID) -> None:
    """Only the volunteer the record is about asks for its correction: the organization amends directly, and
    nobody else may speak for the volunteer."""
    check_is_the_volunteer(principal, volunteer_id, "only the volunteer this record is about may ask for its "
                           "correction", code="not_your_record")
