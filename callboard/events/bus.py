"""The bus every backend builds on, the logs it replays from, the filters subscribers give."""

from __future__ import annotations

import abc
from collections import defaultdict
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from opentelemetry import trace

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import AGENT_STATUSES, FEEDS, SMS, Feed, FeedEvent
from callboard.events.fanout import DirectFactory, Fanout
from callboard.observability.metrics import EVENTS_PUBLISHED

__all__ = ["CallEventLog", "EventBus", "EventFilter", "FeedEventLog", "FeedFilter", "open_bus"]

T = TypeVar("T")


class CallEventLog(Protocol):
    """Where a backend replays stored call events from (the store's CallLog)."""

    async def pruned_through(self) -> int:
        """The newest id retention removed (0: none): an older cursor is void."""

    async def events_after(
        self,
        cursor: int,
        *,
        provider_ids: Collection[str] | None,
        call_id: str | None,
        phone: str | None,
        limit: int,
    ) -> Sequence[CallEvent]:
        """Up to `limit` stored events after `cursor`, oldest first."""


class FeedEventLog(Protocol):
    """Where a backend replays stored feed changes from (the store's FeedLog)."""

    async def pruned_through(self) -> int:
        """The newest id retention removed (0: none): an older cursor is void."""

    async def after(
        self, feed: Feed[Any], cursor: int, *, provider_ids: Collection[str] | None, limit: int
    ) -> Sequence[FeedEvent[Any]]:
        """Up to `limit` of the feed's changes after `cursor`, oldest first."""


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which events a subscriber wants. `provider_ids` None means every provider."""

    provider_ids: frozenset[str] | None = None
    call_id: str | None = None
    phone: str | None = None

    def matches(self, event: CallEvent) -> bool:
        if self.provider_ids is not None and event.provider_id not in self.provider_ids:
            return False
        if self.call_id is not None and event.call_id != self.call_id:
            return False
        return self.phone is None or self.phone in event.phones


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """Which changes of a feed a subscriber wants. `provider_ids` None means every provider."""

    provider_ids: frozenset[str] | None = None

    def matches(self, event: FeedEvent[Any]) -> bool:
        return self.provider_ids is None or event.provider_id in self.provider_ids


class EventBus(abc.ABC):
    """Call events and the feeds (agent statuses, messages), each with its own ids, fanned
    out to this instance's subscribers (events/fanout.py); a backend says how what is
    published reaches `deliver` on every instance.

    Publish is called by the store, under its write lock, right after the commit;
    subscribe replays what was stored after `after` and then goes live, without a gap
    or a duplicate at the seam."""

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
        # Set by the app when it traces (observability/tracing.py): each delivery of an
        # event to this instance's subscribers is then a span carrying the event's id.
        self.tracer: trace.Tracer | None = None

    @abc.abstractmethod
    async def publish(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        """Every backend calls `published` with what it publishes."""

    def published(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        """Count what is published and, under a span (the webhook's), name its ids: the
        link from a webhook to the subscribers' deliveries."""
        EVENTS_PUBLISHED.inc(len(events))
        if self.tracer is not None:
            span = trace.get_current_span()
            if span.is_recording():
                span.set_attribute("callboard.event_ids", [_event_key(e) for e in events])

    @property
    def subscriber_count(self) -> int:
        return self._calls.subscriber_count + sum(f.subscriber_count for f in self._feeds.values())

    def deliver(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        """Hand events to this instance's subscribers (in id order, each once)."""
        if self.tracer is None or not self.subscriber_count:
            self._deliver(events)
            return
        with self.tracer.start_as_current_span(
            "deliver events",
            attributes={
                "callboard.event_ids": [_event_key(e) for e in events],
                "callboard.subscribers": self.subscriber_count,
            },
        ):
            self._deliver(events)

    def _deliver(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
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
        """`direct`: once caught up, live events may go around the iterator (fanout.py)."""
        return self._calls.subscribe(where, after, direct)

    def subscribe_feed(
        self, feed: Feed[T], where: FeedFilter, after: int | None = None
    ) -> AsyncIterator[FeedEvent[T]]:
        # A feed's fanout holds only events of that feed, whose items are its type.
        return cast(AsyncIterator[FeedEvent[T]], self._feeds[feed.name].subscribe(where, after))

    async def start(self) -> None:  # noqa: B027 - backends without resources need nothing
        """Connect, and start whatever reads events from other instances."""

    async def close(self) -> None:  # noqa: B027 - backends without resources need nothing
        """Release what the backend holds (connections, tasks)."""


def _event_key(event: CallEvent | FeedEvent[Any]) -> str:
    """An event's id in a trace: a call event's alone, a feed's after its feed's name
    (each feed counts its own ids)."""
    return str(event.id) if isinstance(event, CallEvent) else f"{event.feed.name}:{event.id}"


# What a client whose cursor expired reads instead, by feed (CURSOR_EXPIRED's message).
_REQUERY = {AGENT_STATUSES.name: "agentStatuses", SMS.name: "sms"}


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


def open_bus(
    url: str,
    log: CallEventLog,
    feeds: FeedEventLog,
    *,
    buffer: int = 1000,
    stream: str = "callboard:events",
) -> EventBus:
    """The backend for `[events] url`: memory:// (one instance) or redis:// (several),
    replaying from `log` and `feeds`."""
    from callboard.events.memory import MemoryBus

    if url == "memory://":
        return MemoryBus(log, feeds, buffer=buffer)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from callboard.events.redis_streams import RedisBus

        return RedisBus(log, feeds, url, stream=stream, buffer=buffer)
    raise ValueError("unsupported events url")
