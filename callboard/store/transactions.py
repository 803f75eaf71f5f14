"""Running the body of a write transaction: plain SQLAlchemy code on a `Connection`.

On SQLite the whole body runs on a thread of its own, on a sync connection: one hop
there and one back per transaction. Through aiosqlite every statement makes three hops
to its thread and back (cursor, execute, close), ~18 for a webhook; each is a context
switch and, under load, a wait for the loop to come round. The thread also keeps the
loop free while SQLite waits (a lock held by another process, a checkpoint's fsync).

On other databases (PostgreSQL, over asyncpg) the body runs in
`AsyncConnection.run_sync`, statement by statement on the loop, as any other query.

`run_and_publish` is how every write that adds events goes: under the write lock, the
transaction, then its events handed to the bus. The transaction also writes the
outgoing webhooks its events make (store/webhook_outbox.py), so none is lost to a crash
between storing an event and sending it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import FeedEvent
from callboard.store.webhook_outbox import Outbox
from callboard.store.write_lock import Publish, WriteLock

__all__ = ["Body", "Transactions"]

T = TypeVar("T")
Body = Callable[[Connection], T]
# A body that adds events: what the caller gets, and the events to publish.
Publishing = Body[tuple[T, Sequence[CallEvent | FeedEvent[Any]]]]


class _GivenUp(Exception):
    """The caller stopped waiting for the transaction."""


class Transactions:
    def __init__(
        self, engine: AsyncEngine, write_lock: WriteLock, sync_engine: Engine | None = None
    ) -> None:
        """`sync_engine`: the same SQLite database through the sync driver; without it,
        bodies run over `engine`."""
        self._engine = engine
        self._lock = write_lock
        self._sync_engine = sync_engine
        # Writes each event's deliveries to webhook endpoints in the event's transaction.
        self.outbox: Outbox | None = None
        self._thread = (
            ThreadPoolExecutor(1, thread_name_prefix="callboard-sqlite")
            if sync_engine is not None
            else None
        )

    @property
    def on_the_loop(self) -> bool:
        """Whether a transaction's statements run on the event loop (PostgreSQL): each
        round trip then waits for the loop to come round."""
        return self._thread is None

    async def run(self, body: Body[T]) -> T:
        """Run `body` in one transaction, committed if it returns, undone if it raises
        or the caller is cancelled before the commit."""
        if self._thread is None:
            async with self._engine.begin() as conn:
                return await conn.run_sync(body)
        given_up = threading.Event()
        done = asyncio.get_running_loop().run_in_executor(
            self._thread, self._run_here, body, given_up
        )
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # As on the loop, a cancelled transaction is undone, but the thread cannot be
            # interrupted: it is told, and waited for. The caller keeps the write lock
            # until then, so the next writer starts after.
            given_up.set()
            await asyncio.wait([done])
            raise

    async def run_and_publish(self, body: Publishing[T], publish: Publish) -> T:
        """Under the write lock, run `body`, then hand the events it returns to `publish`
        while still holding the lock: ids reach subscribers in commit order."""
        async with self._lock:
            outbox = self.outbox
            result, events = await self.run(body if outbox is None else outbox.alongside(body))
            await publish(events)
        if outbox is not None:
            outbox.committed()
        return result

    def _run_here(self, body: Body[T], given_up: threading.Event) -> T:
        assert self._sync_engine is not None
        with self._sync_engine.begin() as conn:
            result = body(conn)
            if given_up.is_set():
                raise _GivenUp  # leaving the block undoes the transaction
            return result

    def close(self) -> None:
        if self._thread is not None and self._sync_engine is not None:
            # On the thread: SQLite connections are closed where they were made.
            self._thread.submit(self._sync_engine.dispose)
            self._thread.shutdown()
