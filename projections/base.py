"""The base of every view: an eventsourcing Projection whose handlers write portable SQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.projection import Projection

from projections.store import ViewCursor, ViewStore


def centi(hours: Decimal | str) -> int:
    """Hours as integer hundredths: sums stay exact in SQL."""
    return int((Decimal(str(hours)) * 100).to_integral_value())


def hours_of(centi_hours: int) -> Decimal:
    return (Decimal(centi_hours) / 100).quantize(Decimal("0.01"))


class View(Projection[Any]):
    """A projection owning some tables. ``apply`` is dispatched on the event class; others are ignored."""

    schema: ClassVar[tuple[str, ...]] = ()
    tables: ClassVar[tuple[str, ...]] = ()
    # Bump when a view fills its tables differently without their definitions changing: the runner then
    # rebuilds it from the log on the next start (see projections.runner.fingerprint).
    revision: ClassVar[int] = 1

    def __init__(self, view: ViewStore) -> None:
        super().__init__(view=view)

    def apply_stored(self, event: Any, notification: Notification, cursor: ViewCursor) -> None:
        """Entry point of the runner: views that need the stored bytes (the transparency log) override this."""
        self.apply(event, cursor, notification.id)

    def apply(self, event: Any, cursor: ViewCursor, notification_id: int) -> None:
        """Write what ``event`` changes. Subclasses declare their own ``singledispatchmethod`` so that
        handlers never leak between views; events a view does not hold are skipped."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        """eventsourcing's one-event entry point: apply and track in one transaction."""
        with self.view.transaction() as c:
            self.apply(domain_event, c, tracking.notification_id)
            self.view.track(c, self.name, tracking.notification_id)
