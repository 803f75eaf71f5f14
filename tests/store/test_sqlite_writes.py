"""Writes that add events, on SQLite, run on a thread of their own (store/transactions.py):
while one waits for SQLite (here: another process holding the write lock), the server
keeps answering, and a write whose caller gives up is undone, as on the loop, before the
next one starts."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callboard.domain.calls import CallEventKind, CallSignal, CallStatus
from callboard.store import Store

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def answered(ref: str) -> CallSignal:
    return CallSignal(
        refs=(ref,), kind=CallEventKind.ANSWERED, status=CallStatus.IN_PROGRESS, occurred_at=NOW
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(f"sqlite:///{tmp_path}/cb.db")
    try:
        yield store
    finally:
        await store.close()


@contextlib.contextmanager
def locked_by_another_process(path: Path) -> Iterator[sqlite3.Connection]:
    """SQLite's write lock, held (as another program on the file would) until commit."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield db
    finally:
        db.close()


class Published:
    def __init__(self) -> None:
        self.ids: list[int] = []

    async def __call__(self, events: Sequence[Any]) -> None:
        self.ids.extend(e.id for e in events)


async def test_a_webhook_waiting_for_sqlite_leaves_the_server_answering(
    store: Store, tmp_path: Path
) -> None:
    published = Published()
    with locked_by_another_process(tmp_path / "cb.db") as other:
        webhook = asyncio.create_task(
            store.calls.keep_and_process("p", "k1", {}, {}, NOW, [answered("A")], published)
        )
        started = time.monotonic()
        for _ in range(10):
            await asyncio.sleep(0.01)
        assert time.monotonic() - started < 1, "the event loop was held up"
        assert await store.calls.count(None) == 0, "a query answers meanwhile"
        assert not webhook.done(), "still waiting for the lock"
        other.commit()
        events = await asyncio.wait_for(webhook, 10)
    assert events is not None
    assert [e.id for e in events] == published.ids != []
    assert await store.calls.count(None) == 1


async def test_a_write_whose_caller_gives_up_is_undone_before_the_next_one(
    store: Store, tmp_path: Path
) -> None:
    published = Published()
    with locked_by_another_process(tmp_path / "cb.db") as other:
        first = asyncio.create_task(store.calls.record_many("p", [answered("A")], published))
        await asyncio.sleep(0.1)
        first.cancel()
        second = asyncio.create_task(store.calls.record_many("p", [answered("B")], published))
        await asyncio.sleep(0.2)
        assert not first.done(), "the caller waits for its transaction to end"
        other.commit()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(first, 10)
        await asyncio.wait_for(second, 10)
    # As a cancelled transaction on the loop would be: undone, nothing published. The
    # next write went in after it.
    events = await store.calls.events_after(0, provider_ids=None)
    assert await store.calls.count(None) == 1
    assert [e.id for e in events] == published.ids != []
