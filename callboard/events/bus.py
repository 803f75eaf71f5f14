"""The bus interface every backend implements, and the filter subscribers give it."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from callboard.domain.calls import CallEvent
from callboard.store.calls import CallLog

__all__ = ["EventBus", "EventFilter", "open_bus"]


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


class EventBus(abc.ABC):
    """Publish is called by the store, under its write lock, right after the commit;
    subscribe replays stored events after `after` and then goes live, without a gap
    or a duplicate at the seam."""

    @abc.abstractmethod
    async def publish(self, events: Sequence[CallEvent]) -> None: ...

    @abc.abstractmethod
    def subscribe(
        self, where: EventFilter, after: int | None = None
    ) -> AsyncIterator[CallEvent]: ...

    async def start(self) -> None:  # noqa: B027 - backends without resources need nothing
        """Connect, and start whatever reads events from other instances."""

    async def close(self) -> None:  # noqa: B027 - backends without resources need nothing
        """Release what the backend holds (connections, tasks)."""


def open_bus(
    url: str, log: CallLog, *, buffer: int = 1000, stream: str = "callboard:events"
) -> EventBus:
    """The backend for `[events] url`: memory:// (one instance) or redis:// (several)."""
    from callboard.events.memory import MemoryBus

    if url == "memory://":
        return MemoryBus(log, buffer=buffer)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from callboard.events.redis_streams import RedisBus

        return RedisBus(log, url, stream=stream, buffer=buffer)
    raise ValueError("unsupported events url")
