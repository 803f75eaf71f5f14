"""Rate limits per client: requests to /graphql, and operations open over WebSocket.

A client with `[[clients]] rate` (and `burst`) has its authenticated HTTP requests to
/graphql metered by GCRA, throttled-py's token bucket without a timer: `burst` at once,
then `rate` on average. Over it the request is answered 429 with `Retry-After`. Every
client may have `max_subscriptions` operations open over WebSocket at once, across its
connections; one more is refused with an error for that operation, the socket kept (as
graphql-ws and Yoga refuse). The open local caller (no `[[clients]]`) has neither limit.

Both are counted in this instance's memory: several instances share nothing, so each
lets a client through at the full rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol
from weakref import WeakSet

from throttled.asyncio import MemoryStore, RateLimiterType, Throttled, per_duration

from callboard.auth import Caller
from callboard.settings import ClientSettings

__all__ = ["RATE_LIMITED", "OpenOperations", "RateLimited", "RateLimits"]

RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class RateLimited:
    """Why a request or an operation was refused, and when to try again (whole seconds,
    rounded up; None for an operation: when one of the client's others ends)."""

    message: str
    retry_after: int | None = None


class OpenOperations(Protocol):
    """A WebSocket connection, as the limit counts it."""

    @property
    def open_operations(self) -> int: ...


class RateLimits:
    """The limits of every configured client, for one running app."""

    def __init__(self, clients: Sequence[ClientSettings]) -> None:
        # One key per client: a store that size never evicts one.
        store = MemoryStore(options={"MAX_SIZE": max(1, len(clients))})
        self._requests = {
            client.name: (
                Throttled(
                    key=client.name,
                    using=RateLimiterType.GCRA.value,
                    quota=per_duration(
                        timedelta(seconds=rate.per_seconds), rate.requests, rate.burst
                    ),
                    store=store,
                ),
                f"{rate}, {rate.burst} at once",
            )
            for client in clients
            if (rate := client.rate) is not None
        }
        self._max_operations = {client.name: client.max_subscriptions for client in clients}
        self._connections: dict[str, WeakSet[OpenOperations]] = {}

    async def admit(self, caller: Caller) -> RateLimited | None:
        """Count one request of `caller`'s: None if it may go on."""
        found = self._requests.get(caller.name)
        if found is None:
            return None
        throttle, rate = found
        result = await throttle.limit()
        if not result.limited:
            return None
        wait = max(1, math.ceil(result.state.retry_after))
        return RateLimited(
            f"Too many requests: this client may send {rate}. Retry after {wait} s.", wait
        )

    def refuse_operation(
        self, caller: Caller | None, connection: OpenOperations
    ) -> RateLimited | None:
        """Whether `caller` may open one more operation on `connection`: None if so."""
        if caller is None:
            return None  # not authenticated: the protocol refuses it
        limit = self._max_operations.get(caller.name)
        if limit is None:
            return None
        # Weak: a connection that has gone counts no more, unregistered or not.
        connections = self._connections.setdefault(caller.name, WeakSet())
        connections.add(connection)
        if sum(c.open_operations for c in connections) < limit:
            return None
        return RateLimited(
            f"Too many operations open: this client may have {limit:,} open at once "
            "over WebSocket ([[clients]] max_subscriptions); complete one first."
        )
