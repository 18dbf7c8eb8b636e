"""Fixtures of the API tier (defined in http_world.py, shared with tests/security): an initialized service on
SQLite, a TestClient around it and a world registered over HTTP. test_flow.py overrides ``settings`` to run on
PostgreSQL too, through ``postgres_url`` of tests/conftest.py."""

from __future__ import annotations

from tests.api.http_world import client, initialized, registry_token, service, settings, world  # noqa: F401
