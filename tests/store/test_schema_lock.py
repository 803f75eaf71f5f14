"""Instances starting at once on one database (SQLite and PostgreSQL) take turns making
the schema: each starts, and finds what the others made."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from callboard.domain.errors import IdempotencyConflict
from callboard.store import Store
from tests.services import fresh_database, needs_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with contextlib.AsyncExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'new.db'}"
        if request.param == "postgresql":
            url = await stack.enter_async_context(fresh_database())
        yield url


async def test_instances_starting_at_once_all_start_on_one_schema(new_database: str) -> None:
    stores = await asyncio.gather(*(Store.open(new_database) for _ in range(4)))
    try:
        # a key one of them claims is taken for every other
        await stores[0].idempotency.claim("crm", "key-1", "request")
        for store in stores[1:]:
            with pytest.raises(IdempotencyConflict):
                await store.idempotency.claim("crm", "key-1", "request")
    finally:
        for store in stores:
            await store.close()
