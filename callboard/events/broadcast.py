"""Live updates without a cursor (agent statuses, SMS): a broadcast per provider.

For state that a subscriber reads in full first (the current statuses, the SMS as
stored), then follows; it needs no replay, only no gap: listening starts when `listen`
returns, before the subscriber reads the state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from callboard.domain.errors import SubscriberTooSlow

__all__ = ["Broadcast", "Stream"]


class _OfProvider(Protocol):
    @property
    def provider_id(self) -> str: ...


T = TypeVar("T", bound=_OfProvider)


@dataclass(eq=False)
class _Listener(Generic[T]):
    provider_ids: frozenset[str]
    queue: asyncio.Queue[T | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False


class Broadcast(Generic[T]):
    def __init__(self, *, buffer: int = 1000) -> None:
        self._buffer = buffer
        self._listeners: set[_Listener[T]] = set()

    def publish(self, items: Sequence[T]) -> None:
        for listener in self._listeners:
            for item in items:
                if listener.overflowed or item.provider_id not in listener.provider_ids:
                    continue
                if listener.queue.qsize() >= self._buffer:
                    # Never block the webhook path for one slow reader: cut it off instead.
                    listener.overflowed = True
                    listener.queue.put_nowait(None)
                else:
                    listener.queue.put_nowait(item)

    def listen(self, provider_ids: Collection[str]) -> Stream[T]:
        """Listening from now on; close the stream when done."""
        listener: _Listener[T] = _Listener(frozenset(provider_ids))
        self._listeners.add(listener)
        return Stream(listener, lambda: self._listeners.discard(listener))


class Stream(Generic[T]):
    def __init__(self, listener: _Listener[T], release: Callable[[], None]) -> None:
        self._listener = listener
        self._release = release

    def __aiter__(self) -> Stream[T]:
        return self

    async def __anext__(self) -> T:
        item = await self._listener.queue.get()
        if item is None:
            self._release()
            raise SubscriberTooSlow(
                "This subscription fell too far behind and was closed; subscribe again "
                "to get the current state."
            )
        return item

    async def aclose(self) -> None:
        self._release()
