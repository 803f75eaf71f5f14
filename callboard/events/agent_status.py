"""Live agent status changes: a broadcast to the subscribers of each provider.

A status is state, not history: a subscriber first gets the current statuses (from the
store) and then each change, so it needs no cursor to catch up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from callboard.domain.errors import SubscriberTooSlow
from callboard.domain.pbx import AgentStatus

__all__ = ["AgentStatusFeed", "AgentStatusStream"]


@dataclass(eq=False)
class _Listener:
    provider_ids: frozenset[str]
    queue: asyncio.Queue[AgentStatus | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False


class AgentStatusFeed:
    def __init__(self, *, buffer: int = 1000) -> None:
        self._buffer = buffer
        self._listeners: set[_Listener] = set()

    def publish(self, statuses: Sequence[AgentStatus]) -> None:
        for listener in self._listeners:
            for status in statuses:
                if listener.overflowed or status.provider_id not in listener.provider_ids:
                    continue
                if listener.queue.qsize() >= self._buffer:
                    listener.overflowed = True
                    listener.queue.put_nowait(None)
                else:
                    listener.queue.put_nowait(status)

    def listen(self, provider_ids: Collection[str]) -> AgentStatusStream:
        """Registered now, before the first item is asked for, so a caller can read a
        snapshot after this call and miss no change made meanwhile. Close it when done."""
        listener = _Listener(frozenset(provider_ids))
        self._listeners.add(listener)
        return AgentStatusStream(listener, lambda: self._listeners.discard(listener))


class AgentStatusStream:
    def __init__(self, listener: _Listener, release: Callable[[], None]) -> None:
        self._listener = listener
        self._release = release

    def __aiter__(self) -> AgentStatusStream:
        return self

    async def __anext__(self) -> AgentStatus:
        status = await self._listener.queue.get()
        if status is None:
            self._release()
            raise SubscriberTooSlow(
                "This subscription fell too far behind and was closed; subscribe again "
                "to get the current statuses."
            )
        return status

    async def aclose(self) -> None:
        self._release()
