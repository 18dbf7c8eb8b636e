"""Fixtures of the security tier: the same HTTP world as tests/api (see tests/api/http_world.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from http_world import client, initialized, registry_token, service, settings, world  # noqa: E402,F401
