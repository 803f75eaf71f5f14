"""The feed log: each change of an agent status or a message, in id order, for replay.

Rows are appended in the transaction that changes the state (store/agents.py,
store/sms.py), under the write lock, so feed ids become visible in order like event ids.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, Row, Subquery, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from callboard.domain.feeds import Feed, FeedEvent
from callboard.domain.outcome_codec import dump, load
from callboard.store.retention import prune_prefix, pruned_through
from callboard.store.tables import feed_events, store_meta
from callboard.store.write_lock import WriteLock

__all__ = ["FeedLog", "append_feed", "feed_head", "head_cursor"]

_PRUNED_THROUGH = "feed_events_pruned_through"


class _Change(Protocol):
    @property
    def provider_id(self) -> str: ...

    @property
    def updated_at(self) -> datetime: ...


C = TypeVar("C", bound=_Change)


class FeedLog:
    def __init__(self, engine: AsyncEngine, write_lock: WriteLock) -> None:
        self._engine = engine
        self._lock = write_lock

    async def after(
        self,
        feed: Feed[C],
        cursor: int,
        *,
        provider_ids: Collection[str] | None,
        limit: int = 500,
    ) -> list[FeedEvent[C]]:
        """The feed's changes after `cursor`, oldest first: what a resuming subscriber
        missed."""
        query = (
            select(feed_events)
            .where(feed_events.c.feed == feed.name)
            .where(feed_events.c.id > cursor)
            .order_by(feed_events.c.id)
            .limit(limit)
        )
        if provider_ids is not None:
            query = query.where(feed_events.c.provider_id.in_(provider_ids))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [FeedEvent(r.id, feed, r.provider_id, load(feed.item_type, r.body)) for r in rows]

    async def prune(self, *, before: datetime) -> int:
        """Remove the changes made before `before` (a run of the oldest ids, as for call
        events); how many."""
        async with self._lock.local, self._engine.begin() as conn:
            return await prune_prefix(conn, feed_events, before, _PRUNED_THROUGH)

    async def pruned_through(self) -> int:
        """The newest feed id retention has removed (0: none); older cursors are void."""
        return await pruned_through(self._engine, _PRUNED_THROUGH)


def append_feed(conn: Connection, feed: Feed[C], changed: Sequence[C]) -> list[FeedEvent[C]]:
    """Log each changed item (as it is now) in the transaction that changed it."""
    appended = []
    for item in changed:
        result = conn.execute(
            insert(feed_events).values(
                feed=feed.name,
                provider_id=item.provider_id,
                occurred_at=item.updated_at,
                body=dump(item),
            )
        )
        feed_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        appended.append(FeedEvent(feed_id, feed, item.provider_id, item))
    return appended


def feed_head(feed: Feed[Any]) -> Subquery:
    """One row: the feed's newest id and the newest id retention removed from the log.

    Joined to a read of the state the feed follows, so that both come from one statement
    (one snapshot, on PostgreSQL's READ COMMITTED too): a subscriber continuing after
    `head_cursor` of that row misses no change and gets none twice.
    """
    newest = select(func.max(feed_events.c.id)).where(feed_events.c.feed == feed.name)
    pruned = select(store_meta.c.value).where(store_meta.c.key == _PRUNED_THROUGH)
    return select(
        newest.scalar_subquery().label("feed_newest"),
        pruned.scalar_subquery().label("feed_pruned"),
    ).subquery()


def head_cursor(row: Row[Any]) -> int:
    # Retention may have emptied the log: then its last id is the one it noted.
    return max(row.feed_newest or 0, int(row.feed_pruned or 0))
