"""The in-process bus: call events and each feed fanned out to this instance's
subscribers (events/fanout.py), replayed from the store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any, TypeVar, cast

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import AGENT_STATUSES, FEEDS, SMS, Feed, FeedEvent
from callboard.events.bus import CallEventLog, EventBus, EventFilter, FeedEventLog, FeedFilter
from callboard.events.fanout import DirectFactory, Fanout

__all__ = ["MemoryBus"]

T = TypeVar("T")

# What a client whose cursor expired reads instead, by feed (CURSOR_EXPIRED's message).
_REQUERY = {AGENT_STATUSES.name: "agentStatuses", SMS.name: "sms"}


class MemoryBus(EventBus):
    def __init__(self, log: CallEventLog, feeds: FeedEventLog, *, buffer: int = 1000) -> None:
        self._calls: Fanout[CallEvent, EventFilter] = Fanout(
            _CallReplay(log), buffer=buffer, requery="calls", cursor="the id of the last event"
        )
        self._feeds: dict[str, Fanout[FeedEvent[Any], FeedFilter]] = {
            feed.name: Fanout(
                _FeedReplay(feeds, feed),
                buffer=buffer,
                requery=_REQUERY[feed.name],
                cursor="the cursor of the last one",
            )
            for feed in FEEDS
        }

    @property
    def subscriber_count(self) -> int:
        return self._calls.subscriber_count + sum(f.subscriber_count for f in self._feeds.values())

    async def publish(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        self.deliver(events)

    def deliver(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        """Hand events to this instance's subscribers (in id order, each once)."""
        calls: list[CallEvent] = []
        fed: defaultdict[str, list[FeedEvent[Any]]] = defaultdict(list)
        for event in events:
            if isinstance(event, CallEvent):
                calls.append(event)
            else:
                fed[event.feed.name].append(event)
        if calls:
            self._calls.deliver(calls)
        for name, items in fed.items():
            self._feeds[name].deliver(items)

    def subscribe(
        self,
        where: EventFilter,
        after: int | None = None,
        direct: DirectFactory[CallEvent, EventFilter] | None = None,
    ) -> AsyncIterator[CallEvent]:
        return self._calls.subscribe(where, after, direct)

    def subscribe_feed(
        self, feed: Feed[T], where: FeedFilter, after: int | None = None
    ) -> AsyncIterator[FeedEvent[T]]:
        # A feed's fanout holds only events of that feed, whose items are its type.
        return cast(AsyncIterator[FeedEvent[T]], self._feeds[feed.name].subscribe(where, after))


class _CallReplay:
    def __init__(self, log: CallEventLog) -> None:
        self._log = log

    async def pruned_through(self) -> int:
        return await self._log.pruned_through()

    async def after(self, cursor: int, where: EventFilter, limit: int) -> Sequence[CallEvent]:
        return await self._log.events_after(
            cursor,
            provider_ids=where.provider_ids,
            call_id=where.call_id,
            phone=where.phone,
            limit=limit,
        )


class _FeedReplay:
    def __init__(self, log: FeedEventLog, feed: Feed[Any]) -> None:
        self._log = log
        self._feed = feed

    async def pruned_through(self) -> int:
        return await self._log.pruned_through()

    async def after(self, cursor: int, where: FeedFilter, limit: int) -> Sequence[FeedEvent[Any]]:
        return await self._log.after(
            self._feed, cursor, provider_ids=where.provider_ids, limit=limit
        )
