"""Star levels (星级) from cumulative hours; thresholds are configuration."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

NATIONAL_THRESHOLDS: tuple[int, ...] = (100, 300, 600, 1000, 1500)


def star_level(total_hours: Decimal, thresholds: Sequence[int] = NATIONAL_THRESHOLDS) -> int:
    """Number of thresholds reached: 0 (none) to 5 stars."""
    return sum(1 for t in thresholds if total_hours >= t)
