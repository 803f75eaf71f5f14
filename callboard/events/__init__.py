"""The event bus: publish call events; subscribe with a filter and resume from a cursor."""

from callboard.events.bus import EventBus, EventFilter, open_bus
from callboard.events.memory import MemoryBus

__all__ = ["EventBus", "EventFilter", "MemoryBus", "open_bus"]
