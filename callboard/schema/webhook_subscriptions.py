"""An endpoint's subscription document, validated as a WebSocket subscription would be.

The document runs through the schema's `subscribe` with the client's scope, limits and
resolver checks, against a bus that only notes what the resolver asks it for: that is
the endpoint's filter (which stream, providers, call, phone), kept with the endpoint so
that the transaction storing an event can tell which endpoints take it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, TypeVar

from strawberry import Schema
from strawberry.types import ExecutionResult

from callboard.auth import Caller
from callboard.domain.calls import CallEvent
from callboard.domain.errors import BadInput
from callboard.domain.feeds import Feed, FeedEvent
from callboard.domain.webhook_endpoints import CALL_STREAM, EndpointFilter
from callboard.events.bus import EventBus, EventFilter, FeedFilter
from callboard.events.fanout import DirectFactory
from callboard.resolvers.loaders import Loaders
from callboard.runtime import Runtime
from callboard.schema.context import Context

__all__ = ["subscription_filter"]

T = TypeVar("T")


async def subscription_filter(
    schema: Schema,
    runtime: Runtime,
    caller: Caller,
    document: str,
    variables: Mapping[str, Any] | None,
) -> EndpointFilter:
    """What `document` subscribes to for `caller`; `BadInput` (field `subscription`) with
    the first error a subscriber would have got."""
    noted = _NotingBus()
    context = Context(
        runtime=dataclasses.replace(runtime, bus=noted),
        loaders=Loaders(runtime, cache=False),
        caller=caller,
    )
    stream = await schema.subscribe(
        document, variable_values=dict(variables or {}), context_value=context
    )
    if isinstance(stream, ExecutionResult):
        results: list[ExecutionResult] = [stream]
    else:
        results = [result async for result in stream]
    for result in results:
        if result.errors:
            error = result.errors[0]
            raise BadInput(f"The subscription fails: {error.message}", field="subscription")
    if noted.filter is None:
        raise BadInput(
            "`subscription` must be a subscription: callEvents, agentStatusChanged or smsEvents.",
            field="subscription",
        )
    if noted.after is not None:
        raise BadInput(
            "An endpoint gets the events stored from its creation on: leave out `after`.",
            field="subscription",
        )
    return noted.filter


class _NotingBus(EventBus):
    """Notes the filter a subscription resolver asks for, and gives it no events."""

    def __init__(self) -> None:
        self.filter: EndpointFilter | None = None
        self.after: int | None = None

    async def publish(self, events: Sequence[CallEvent | FeedEvent[Any]]) -> None:
        raise AssertionError("validation publishes nothing")

    def subscribe(
        self,
        where: EventFilter,
        after: int | None = None,
        direct: DirectFactory[CallEvent, EventFilter] | None = None,
    ) -> AsyncIterator[CallEvent]:
        self.filter = EndpointFilter(CALL_STREAM, where.provider_ids, where.call_id, where.phone)
        self.after = after
        return _nothing()

    def subscribe_feed(
        self, feed: Feed[T], where: FeedFilter, after: int | None = None
    ) -> AsyncIterator[FeedEvent[T]]:
        self.filter = EndpointFilter(feed.name, where.provider_ids)
        self.after = after
        return _nothing()


async def _nothing() -> AsyncIterator[Any]:
    return
    yield
