"""The aggregate base: every event names its actor and the authority it was made for.

The authority decides which key signs the stored event: ``registry`` (root key), an organization id (that
organization's key) or ``inspection`` (the inspection key: inspectors' read receipts, draws and inspections —
the aggregates bound to it, nothing else).
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import resolve_topic

from domain.errors import InvalidFieldError, LogIntegrityError

REGISTRY = "registry"
INSPECTION = "inspection"
# Authorities that exist for one kind of aggregate (whose class names it in ``AUTHORITY``): they create nothing else.
RESERVED_AUTHORITIES = frozenset({INSPECTION})


class AuthorityMismatchError(LogIntegrityError):
    """An event names another authority than the aggregate it belongs to.

    A signature only proves that the key's owner made the event; this rule ties the event to the
    aggregate, so one organization's key cannot write into another organization's records.
    """

    code = "authority_mismatch"


class VledgerAggregate(Aggregate):
    """Base of all vledger aggregates.

    Every aggregate keeps the authority that created it, and every later event must name the same one.
    Who may create what is ``check_created_authority``: aggregates owned by an organization (``ORG_OWNED``) are
    created for that very organization, and one bound to an authority (``AUTHORITY``) for that one alone.
    """

    ORG_OWNED: ClassVar[bool] = False
    AUTHORITY: ClassVar[str | None] = None
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
            check_created_authority(self, f"created event {self.originator_id}")
            created = super().mutate(aggregate)
            created.authority = self.authority
            return created


def created_classes(event: Any) -> list[type]:
    """The aggregate classes a creating event could make: the one its ``originator_topic`` names (what a
    repository builds) and the one its own class is declared in (whose ``apply`` runs). A forged event may set
    them apart, so a rule about aggregate classes must hold for both."""
    classes: list[type] = []
    cls = type(event)
    outer: Any = sys.modules.get(cls.__module__)
    for part in cls.__qualname__.split(".")[:-1]:
        outer = getattr(outer, part, None)
    if isinstance(outer, type):
        classes.append(outer)
    topic = getattr(event, "originator_topic", None)
    if isinstance(topic, str):
        try:
            named = resolve_topic(topic)
        except Exception:  # a topic naming nothing: no aggregate can be built from it either
            named = None
        if isinstance(named, type) and named not in classes:
            classes.append(named)
    return classes


def check_authority_scope(authority: str | None, aggregate_cls: type | None, what: str) -> None:
    """An aggregate bound to an authority (``AUTHORITY``) is created for it alone, and a reserved authority
    (``RESERVED_AUTHORITIES``: the inspection authority) creates only the aggregates bound to it.

    A valid signature proves which key made an event; this binds such a key to the one kind of aggregate it exists
    for, so the inspection key cannot register an organization or write a record, and no other authority can make
    (or forge away) an account of an inspector's read."""
    bound = getattr(aggregate_cls, "AUTHORITY", None) if isinstance(aggregate_cls, type) else None
    name = aggregate_cls.__name__ if isinstance(aggregate_cls, type) else "an unknown aggregate"
    if authority in RESERVED_AUTHORITIES and bound != authority:
        raise AuthorityMismatchError(f"{what} creates {name} on behalf of the {authority} authority, which may "
                                     "create nothing else than what it exists for")
    if bound is not None and authority != bound:
        raise AuthorityMismatchError(f"{what} creates {name}, which only the {bound} authority makes, on behalf "
                                     f"of {authority}")


def check_created_authority(event: Any, what: str) -> None:
    """Who may create what, over every class a creating event could make (``created_classes``): the authority's
    scope (``check_authority_scope``) and, for an organization's aggregate, that organization itself. One rule for
    the aggregate when it is loaded, the authority guard view and ``vledger audit``."""
    authority = getattr(event, "authority", None)
    classes: list[type | None] = [*created_classes(event)]
    for cls in classes or [None]:  # no class at all: only an unreserved authority passes
        check_authority_scope(authority, cls, what)
        if cls is not None and getattr(cls, "ORG_OWNED", False) is True:
            org_id = getattr(event, "org_id", None)
            if org_id is None or authority != str(org_id):
                raise AuthorityMismatchError(f"{what} creates {cls.__name__} of organization {org_id} but was made "
                                             f"for authority {authority}")


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


def parse_decimal(field: str, value: Any, expected: str) -> Decimal:
    """A finite decimal from a number or its text; ``expected`` names it in the message, e.g. "a number of hours
    such as 2.5"."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidFieldError(field, f"expected {expected}") from None
    if not number.is_finite():
        raise InvalidFieldError(field, f"expected {expected}, and finite")
    return number


def check_hours(field: str, value: Any) -> Decimal:
    """Hours are positive decimals with at most two places."""
    hours = parse_decimal(field, value, "a number of hours such as 2.5")
    if hours <= 0:
        raise InvalidFieldError(field, f"hours must be greater than 0, found {hours}", code="hours_not_positive")
    if hours != hours.quantize(HOURS_QUANTUM):
        raise InvalidFieldError(field, "at most two decimal places")
    if hours > 10000:
        raise InvalidFieldError(field, f"hours must be at most 10000, found {hours}")
    return hours.quantize(HOURS_QUANTUM)


MAX_YUAN = Decimal(1_000_000)  # the bound only catches slips of the keyboard


def check_yuan(field: str, value: Any) -> Decimal:
    """An amount of money in 元: a finite decimal, at least 0, with at most two places (分)."""
    amount = parse_decimal(field, value, "an amount in yuan such as 12.50")
    if amount < 0:
        raise InvalidFieldError(field, "must not be negative", code="negative_amount")
    if amount != amount.quantize(HOURS_QUANTUM):
        raise InvalidFieldError(field, "at most two decimal places (分)")
    if amount > MAX_YUAN:
        raise InvalidFieldError(field, f"at most {MAX_YUAN} yuan")
    return amount.quantize(HOURS_QUANTUM)
