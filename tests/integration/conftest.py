"""The integration tier runs every application test on both stores.

``settings`` is parametrized over SQLite (events and views in files under a temporary data directory) and
PostgreSQL (a fresh schema per test, see ``postgres_url`` in tests/conftest.py). A test that takes
``settings`` — directly or through ``app`` or ``world`` — therefore runs once per store: one test case,
two backends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from api.application import VledgerApplication
from api.settings import Settings

from .support import THRESHOLDS, World, add_org


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "instance"
    if request.param == "sqlite":
        return Settings(data_dir=data_dir, database_url=None, star_thresholds=THRESHOLDS)
    url = request.getfixturevalue("postgres_url")
    return Settings(data_dir=data_dir, database_url=url, star_thresholds=THRESHOLDS)


@pytest.fixture
def opened() -> Iterator[list[VledgerApplication]]:
    """Every application a test opens is closed at the end (before its PostgreSQL schema is dropped)."""
    apps: list[VledgerApplication] = []
    yield apps
    for app in reversed(apps):
        app.close()


@pytest.fixture
def app(settings: Settings, opened: list[VledgerApplication]) -> VledgerApplication:
    """A new instance, as `vledger init` makes it."""
    application, _token, _generated = VledgerApplication.initialize(settings)
    opened.append(application)
    return application


@pytest.fixture
def open_app(settings: Settings, opened: list[VledgerApplication]) -> Callable[[], VledgerApplication]:
    """Open another application on the same store, as a second process would."""
    def open_() -> VledgerApplication:
        application = VledgerApplication(settings)
        opened.append(application)
        return application
    return open_


@pytest.fixture
def world(app: VledgerApplication) -> World:
    return World(app=app,
                 a=add_org(app, "朝阳区阳光志愿者协会", "张三明", "11010520000615001"),
                 b=add_org(app, "海淀区义工联合会", "欧阳小明", "11010819990101002"))
