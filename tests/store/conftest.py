from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from callboard.store import Store
from tests.services import BOTH_DATABASES, database


@pytest.fixture(params=BOTH_DATABASES)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """The same store tests on the embedded default and on PostgreSQL."""
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(database(request.param))
        store = await Store.open(url)
        stack.push_async_callback(store.close)
        yield store
