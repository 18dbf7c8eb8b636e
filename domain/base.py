"""The aggregate base: every event names its actor and the authority it was made for.

The authority decides which key signs the stored event: ``registry`` (root key) or an
organization id (that organization's key).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from domain.errors import InvalidFieldError, LogIntegrityError

REGISTRY = "registry"


class AuthorityMismatchError(LogIntegrityError):
    """An event names another authority than the aggregate it belongs to.

    A signature only proves that the key's owner made the event; this rule ties the event to the
    aggregate, so one organization's key cannot write into another organization's records.
    """

    code = "authority_mismatch"


class VledgerAggregate(Aggregate):
    """Base of all vledger aggregates.

    Every aggregate keeps the authority that created it, and every later event must name the same one.
    Aggregates owned by an organization (``ORG_OWNED``) must be created for that very organization.
    """

    ORG_OWNED: ClassVar[bool] = False
    authority: str

    class Event(Aggregate.Event):
        actor: str
        authority: str

        def mutate(self, aggregate: Any) -> Any:
            if aggregate is not None and aggregate.authority != self.authority:
                raise AuthorityMismatchError(
                    f"event {self.originator_id} v{self.originator_version} names authority {self.authority}, "
                    f"but the aggregate belongs to {aggregate.authority}")
            return super().mutate(aggregate)

    class Created(Event, Aggregate.Created):
        def mutate(self, aggregate: Any) -> Any:
            created = super().mutate(aggregate)
            if type(created).ORG_OWNED and self.authority != str(created.org_id):
                raise AuthorityMismatchError(
                    f"{type(created).__name__} {self.originator_id} belongs to organization {created.org_id} "
                    f"but was made for authority {self.authority}")
            created.authority = self.authority
            return created


def check_text(field: str, value: str | None, *, max_length: int = 200, required: bool = True) -> str:
    """Strip and bound a free-text field."""
    text = (value or "").strip()
    if "\x00" in text:
        # PostgreSQL text cannot hold NUL: accepted here, it would break every view that projects the event.
        raise InvalidFieldError(field, "must not contain the NUL character")
    if required and not text:
        raise InvalidFieldError(field, "must not be empty")
    if len(text) > max_length:
        raise InvalidFieldError(field, f"at most {max_length} characters, found {len(text)}")
    return text


def check_aware(field: str, value: dt.datetime) -> dt.datetime:
    """Times must carry a UTC offset: a volunteer's hours are compared across the country."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidFieldError(field, "expected an ISO 8601 time with a UTC offset, e.g. 2026-05-01T09:00:00+08:00")
    return value


HOURS_QUANTUM = Decimal("0.01")


def check_hours(field: str, value: Any) -> Decimal:
    """Hours are positive decimals with at most two places."""
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidFieldError(field, "expected a number of hours such as 2.5") from None
    if not hours.is_finite():
        raise InvalidFieldError(field, "expected a finite number of hours")
    if hours <= 0:
        raise InvalidFieldError(field, f"hours must be greater than 0, found {hours}", code="hours_not_positive")
    if hours != hours.quantize(HOURS_QUANTUM):
        raise InvalidFieldError(field, "at most two decimal places")
    if hours > 10000:
        raise InvalidFieldError(field, f"hours must be at most 10000, found {hours}")
    return hours.quantize(HOURS_QUANTUM)
