"""Fixtures of the security tier: the same HTTP world as tests/api (see tests/api/http_world.py)."""

from __future__ import annotations

from tests.api.http_world import client, initialized, registry_token, service, settings, world  # noqa: F401
