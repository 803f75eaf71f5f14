"""The event bus: publish call events and feed changes; subscribe with a filter and resume
from a cursor."""

from callboard.events.bus import EventBus, EventFilter, FeedFilter, open_bus
from callboard.events.memory import MemoryBus

__all__ = ["EventBus", "EventFilter", "FeedFilter", "MemoryBus", "open_bus"]
