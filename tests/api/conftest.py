"""Fixtures of the API tier (defined in http_world.py, shared with tests/security): an initialized service on
SQLite, a TestClient around it and a world registered over HTTP. test_flow.py overrides ``settings`` to run on
PostgreSQL too, through ``postgres_url`` of tests/conftest.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_world import client, initialized, registry_token, service, settings, world  # noqa: E402,F401
