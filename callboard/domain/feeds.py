"""Feeds: the changes of kept state (agent statuses, text messages) as id-ordered events.

Each change gets an id from one sequence per deployment, like a call event; that id is
a subscriber's cursor, so a feed can be replayed after a reconnect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from callboard.domain.pbx import AgentStatus
from callboard.domain.sms import Sms

__all__ = ["AGENT_STATUSES", "FEEDS", "SMS", "Feed", "FeedEvent"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Feed(Generic[T]):
    """One kind of change: `name` tells its events apart in the store and the bus."""

    name: str
    item_type: type[T]


@dataclass(frozen=True, slots=True)
class FeedEvent(Generic[T]):
    """One change: the item as it was right after it."""

    id: int
    feed: Feed[T]
    provider_id: str
    item: T


AGENT_STATUSES: Feed[AgentStatus] = Feed("agent_status", AgentStatus)
SMS: Feed[Sms] = Feed("sms", Sms)
FEEDS: tuple[Feed[Any], ...] = (AGENT_STATUSES, SMS)
