"""Outgoing webhooks: an endpoint (a client's URL and subscription), the events it takes,
and each delivery of one event to it."""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["CALL_STREAM", "Attempt", "Delivery", "DeliveryStatus", "Endpoint", "EndpointFilter"]

# The stream of call events; the feeds' streams are named by their feed (domain/feeds.py).
CALL_STREAM = "call"


class DeliveryStatus(enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class EndpointFilter:
    """Which events an endpoint's subscription takes: what its resolver asked the bus
    for when the document was validated (outbound/validation.py)."""

    stream: str
    provider_ids: frozenset[str] | None = None  # None: every provider
    call_id: str | None = None
    phone: str | None = None

    def matches(
        self, stream: str, provider_id: str, call_id: str | None, phones: Collection[str]
    ) -> bool:
        if stream != self.stream:
            return False
        if self.provider_ids is not None and provider_id not in self.provider_ids:
            return False
        if self.call_id is not None and call_id != self.call_id:
            return False
        return self.phone is None or self.phone in phones

    def dump(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "provider_ids": None if self.provider_ids is None else sorted(self.provider_ids),
            "call_id": self.call_id,
            "phone": self.phone,
        }

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> EndpointFilter:
        providers = data.get("provider_ids")
        return cls(
            stream=str(data["stream"]),
            provider_ids=None if providers is None else frozenset(providers),
            call_id=data.get("call_id"),
            phone=data.get("phone"),
        )


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    client: str
    url: str
    subscription: str
    variables: Mapping[str, Any] | None
    description: str | None
    filter: EndpointFilter
    disabled_reason: str | None  # None: enabled
    created_at: datetime
    # whsec_...: kept to sign with, shown only by create and rotate
    secret: str = field(repr=False)
    # the secret before the last rotation, signing too until `previous_secret_until`
    previous_secret: str | None = field(default=None, repr=False)
    previous_secret_until: datetime | None = None
    # True: up to `[outbound] parallel_deliveries` at once, in no promised order; False:
    # one at a time, in event order.
    parallel: bool = False

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None

    def secrets(self, now: datetime) -> list[str]:
        """The secrets that sign a delivery sent at `now`: both during a rotation's overlap."""
        found = [self.secret]
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            found.append(self.previous_secret)
        return found


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at delivering: when, the receiver's HTTP status (None: no answer), how long
    it took, and what went wrong."""

    at: datetime
    status_code: int | None
    duration_ms: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event for one endpoint; its id is the `webhook-id` the receiver dedups by."""

    id: int
    endpoint_id: str
    stream: str
    event_id: int
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    failing_since: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    history: tuple[Attempt, ...] = ()
