"""Removing the oldest entries of an id-ordered log (call events, feed events).

Always a prefix of ids, and the newest id removed is kept: every entry after a cursor
still retained is there, and a cursor before it is known to be void.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from callboard.store.tables import store_meta

__all__ = ["prune_prefix", "pruned_through"]


async def prune_prefix(conn: AsyncConnection, log: Table, before: datetime, key: str) -> int:
    """Remove the entries of `log` up to the newest that occurred before `before`,
    noting that id under `key`; how many."""
    newest_old = (
        await conn.execute(select(func.max(log.c.id)).where(log.c.occurred_at < before))
    ).scalar_one()
    if newest_old is None:
        return 0
    removed = (await conn.execute(delete(log).where(log.c.id <= newest_old))).rowcount
    await _set_meta(conn, key, str(newest_old))
    return removed


async def pruned_through(engine: AsyncEngine, key: str) -> int:
    """The newest id retention has removed from the log noted under `key` (0: none)."""
    async with engine.connect() as conn:
        value = (
            await conn.execute(select(store_meta.c.value).where(store_meta.c.key == key))
        ).scalar_one_or_none()
    return int(value or 0)


async def _set_meta(conn: AsyncConnection, key: str, value: str) -> None:
    await conn.execute(delete(store_meta).where(store_meta.c.key == key))
    await conn.execute(insert(store_meta).values(key=key, value=value))
