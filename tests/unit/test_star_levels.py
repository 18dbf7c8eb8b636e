"""Star levels from cumulative hours; thresholds are configuration (domain/stars.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.stars import NATIONAL_THRESHOLDS, star_level


def test_the_national_thresholds_are_the_default() -> None:
    assert NATIONAL_THRESHOLDS == (100, 300, 600, 1000, 1500)


@pytest.mark.parametrize(("hours", "stars"), [
    ("0", 0), ("99.99", 0), ("100", 1), ("299.99", 1), ("300", 2), ("599.99", 2), ("600", 3),
    ("999.99", 3), ("1000", 4), ("1499.99", 4), ("1500", 5), ("20000", 5),
])
def test_national_thresholds_give_one_star_per_threshold_reached(hours: str, stars: int) -> None:
    assert star_level(Decimal(hours)) == stars


@pytest.mark.parametrize(("hours", "stars"), [("99", 0), ("200", 2), ("499.99", 2), ("500", 3), ("800", 4),
                                              ("1000", 5)])
def test_custom_thresholds_such_as_beijings_old_ones_are_honoured(hours: str, stars: int) -> None:
    assert star_level(Decimal(hours), (100, 200, 500, 800, 1000)) == stars
