"""The real PostgreSQL and Redis the scale-out tests use, from the environment.

`make test` starts both (scripts/test-services.sh) and sets the URLs; given the URLs,
these tests run and fail if the servers cannot be reached; without them they are skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

POSTGRES_URL = os.environ.get("CALLBOARD_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("CALLBOARD_TEST_REDIS_URL", "")

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="CALLBOARD_TEST_POSTGRES_URL not set (make test sets it)"
)
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="CALLBOARD_TEST_REDIS_URL not set (make test sets it)"
)


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test; dropped after it."""
    name = f"callboard_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _ = POSTGRES_URL.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        await _drop(name)


# Parameters of a fixture that runs its tests on the embedded default and on PostgreSQL.
BOTH_DATABASES = ["sqlite", pytest.param("postgresql", marks=needs_postgres)]


@contextlib.asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    """The URL of a new, empty store of `kind` (one of `BOTH_DATABASES`)."""
    if kind == "postgresql":
        async with fresh_database() as url:
            yield url
    else:
        yield "sqlite://"


async def _drop(name: str) -> None:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        for attempt in range(50):
            try:
                # FORCE: the test's own Callboard processes may still hold connections.
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except asyncpg.InsufficientPrivilegeError:
                # A session of another role is on it, most likely an autovacuum worker
                # (seen once in a fresh-clone CI run): not ours to terminate, and gone
                # within moments.
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await admin.close()


def fresh_stream() -> str:
    return f"callboard-test:{secrets.token_hex(6)}"
