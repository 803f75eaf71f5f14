"""The bus interface every backend implements, and the filters subscribers give it."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import Feed, FeedEvent
from callboard.events.fanout import DirectFactory

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
    """Call events and the feeds (agent statuses, messages), each with its own ids.

    Publish is called by the store, under its write lock, right after the commit;
    subscribe replays what was stored after `after` and then goes live, without a gap
    or a duplicate at the seam."""

    @abc.abstractmethod
    async def publish(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None: ...

    @abc.abstractmethod
    def subscribe(
        self,
        where: EventFilter,
        after: int | None = None,
        direct: DirectFactory[CallEvent, EventFilter] | None = None,
    ) -> AsyncIterator[CallEvent]:
        """`direct`: once caught up, live events may go around the iterator (fanout.py)."""

    @abc.abstractmethod
    def subscribe_feed(
        self, feed: Feed[T], where: FeedFilter, after: int | None = None
    ) -> AsyncIterator[FeedEvent[T]]: ...

    async def start(self) -> None:  # noqa: B027 - backends without resources need nothing
        """Connect, and start whatever reads events from other instances."""

    async def close(self) -> None:  # noqa: B027 - backends without resources need nothing
        """Release what the backend holds (connections, tasks)."""


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
