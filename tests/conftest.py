"""Shared test fixtures.

PostgreSQL: tests that need it take the ``postgres_url`` fixture, which creates a fresh schema in the test
database and drops it afterwards. Without a reachable server those tests are skipped — except under
``CI=true``, where a missing PostgreSQL fails them: CI must never pass by skipping the PostgreSQL tier.
The server defaults to 127.0.0.1:5432 (user postgres, database test, trust auth); set
``VLEDGER_TEST_POSTGRES_URL`` to point elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import urlparse

import pytest

POSTGRES_BASE_URL = os.environ.get("VLEDGER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@lru_cache(maxsize=1)
def postgres_problem() -> str | None:
    """None when the test PostgreSQL answers; otherwise why not (checked once per test run)."""
    try:
        import psycopg
    except ImportError as error:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed: {error}"
    try:
        with psycopg.connect(POSTGRES_BASE_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {redacted(POSTGRES_BASE_URL)} is unreachable: {error}".strip()
    return None


def redacted(url: str) -> str:
    parsed = urlparse(url)
    return url.replace(f":{parsed.password}@", ":***@") if parsed.password else url


def require_postgres() -> None:
    """Skip when PostgreSQL is unreachable — or fail, under CI=true."""
    problem = postgres_problem()
    if problem is None:
        return
    if running_in_ci():
        pytest.fail(f"CI=true requires the PostgreSQL tests to run, but {problem}", pytrace=False)
    pytest.skip(problem)


def with_schema(url: str, schema: str) -> str:
    parsed = urlparse(url)
    query = "&".join(p for p in parsed.query.split("&") if p and not p.startswith("schema="))
    query = f"{query}&schema={schema}" if query else f"schema={schema}"
    return parsed._replace(query=query).geturl()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A ``postgresql://…?schema=…`` URL naming a fresh, empty schema, dropped after the test."""
    require_postgres()
    import psycopg

    schema = f"vltest_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(POSTGRES_BASE_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_schema(POSTGRES_BASE_URL, schema)
    finally:
        with psycopg.connect(POSTGRES_BASE_URL, autocommit=True) as conn:
            # Everything the test opened should be closed by now; do not hang forever if it is not.
            conn.execute("SET lock_timeout = '30s'")
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
