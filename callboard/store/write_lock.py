"""The lock writes that add events (call events, feed events) hold until those events
are published.

Event ids are the subscription cursor, so they must become visible (committed, then
published) in id order: a resuming subscriber reads `id > cursor` and would never see a
smaller id committed after it. In one process an asyncio lock does it (SQLite has one
writer anyway); on PostgreSQL, where several instances write, a session-level advisory
lock held from before the insert until after the publish makes it true deployment-wide.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import FeedEvent

__all__ = ["Publish", "WriteLock"]

# What a write hands its new events to (the bus), after the commit, under the lock.
Publish = Callable[[Sequence[CallEvent | FeedEvent[Any]]], Awaitable[None]]

# Any fixed number: every Callboard instance on the database takes the same lock.
_ADVISORY_KEY = 0x43414C4C  # "CALL"


class WriteLock:
    def __init__(self, engine: AsyncEngine) -> None:
        self._local = asyncio.Lock()
        self._engine = engine
        self._shared = engine.dialect.name == "postgresql"
        self._conn: AsyncConnection | None = None

    @property
    def local(self) -> asyncio.Lock:
        """This process's part alone, for writes that add no events (keeping a webhook,
        an idempotency key): they need no order across instances, only SQLite's one
        writer at a time."""
        return self._local

    async def __aenter__(self) -> None:
        await self._local.acquire()
        if not self._shared:
            return
        try:
            await self._advisory("pg_advisory_lock")
        except DBAPIError:
            # The lock's connection dropped (a database restart): take a new one, once.
            await self._drop()
            try:
                await self._advisory("pg_advisory_lock")
            except BaseException:
                self._local.release()
                raise
        except BaseException:
            self._local.release()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._shared:
                try:
                    await asyncio.shield(self._advisory("pg_advisory_unlock"))
                except DBAPIError:
                    await self._drop()  # a closed session holds no lock
        finally:
            self._local.release()

    async def close(self) -> None:
        await self._drop()

    async def _advisory(self, function: str) -> None:
        if self._conn is None:
            conn = await self._engine.connect()
            self._conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await self._conn.execute(text(f"SELECT {function}(:key)"), {"key": _ADVISORY_KEY})

    async def _drop(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(DBAPIError):
                await conn.close()
