"""The in-process bus: one bounded queue per subscriber, replay from the call log."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from callboard.domain.calls import CallEvent
from callboard.domain.errors import CursorExpired, SubscriberTooSlow
from callboard.events.bus import EventBus, EventFilter
from callboard.store.calls import CallLog

__all__ = ["MemoryBus"]

_REPLAY_BATCH = 500


@dataclass(eq=False)
class _Subscriber:
    where: EventFilter
    queue: asyncio.Queue[CallEvent | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False


class MemoryBus(EventBus):
    def __init__(self, log: CallLog, *, buffer: int = 1000) -> None:
        self._log = log
        self._buffer = buffer
        self._subscribers: set[_Subscriber] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    async def publish(self, events: Sequence[CallEvent]) -> None:
        self.deliver(events)

    def deliver(self, events: Sequence[CallEvent]) -> None:
        """Hand events to this instance's subscribers (in id order, each once)."""
        for subscriber in self._subscribers:
            if subscriber.overflowed:
                continue
            for event in events:
                if not subscriber.where.matches(event):
                    continue
                if subscriber.queue.qsize() >= self._buffer:
                    # Never block the webhook path for one slow reader: cut it off instead.
                    subscriber.overflowed = True
                    subscriber.queue.put_nowait(None)
                    break
                subscriber.queue.put_nowait(event)

    async def subscribe(
        self, where: EventFilter, after: int | None = None
    ) -> AsyncIterator[CallEvent]:
        # Registered before the replay reads the log: an event committed meanwhile is
        # both replayed and queued, and the id check below drops the second copy.
        if after is not None and after < await self._log.pruned_through():
            raise CursorExpired(
                "The events after this cursor are older than the retention window and were "
                "removed; query the current state (calls), then subscribe again without "
                "`after`.",
                field="after",
            )
        subscriber = _Subscriber(where)
        self._subscribers.add(subscriber)
        last = after
        try:
            if after is not None:
                while True:
                    batch = await self._log.events_after(
                        last or 0,
                        provider_ids=where.provider_ids,
                        call_id=where.call_id,
                        phone=where.phone,
                        limit=_REPLAY_BATCH,
                    )
                    for event in batch:
                        yield event
                        last = event.id
                    if len(batch) < _REPLAY_BATCH:
                        break
            while True:
                item = await subscriber.queue.get()
                if item is None:
                    raise SubscriberTooSlow(
                        "This subscription fell too far behind and was closed; subscribe "
                        "again with after: the id of the last event you received.",
                    )
                if last is not None and item.id <= last:
                    continue
                yield item
                last = item.id
        finally:
            self._subscribers.discard(subscriber)
