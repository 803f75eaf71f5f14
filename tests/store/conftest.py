from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from callboard.store import Store
from tests.services import fresh_database, needs_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=needs_postgres)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """The same store tests on the embedded default and on PostgreSQL."""
    async with contextlib.AsyncExitStack() as stack:
        url = "sqlite://"
        if request.param == "postgresql":
            url = await stack.enter_async_context(fresh_database())
        store = await Store.open(url)
        stack.push_async_callback(store.close)
        yield store
