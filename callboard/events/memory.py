"""The in-process bus: what is published goes straight to this instance's subscribers
(one instance; events/bus.py fans it out, replayed from the store)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from callboard.domain.calls import CallEvent
from callboard.domain.feeds import FeedEvent
from callboard.events.bus import EventBus

__all__ = ["MemoryBus"]


class MemoryBus(EventBus):
    async def publish(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        self.published(events)
        self.deliver(events)
