"""One event executed for one endpoint: the JSON a graphql-transport-ws `next` message
would carry to a subscriber of the endpoint's document, as the body of the webhook."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import orjson
from graphql import DocumentNode, ExecutionResult, GraphQLError, parse
from strawberry import Schema

from callboard.auth import LOCAL, Caller
from callboard.domain.feeds import AGENT_STATUSES, FEEDS, SMS
from callboard.domain.webhook_endpoints import CALL_STREAM, Delivery, Endpoint
from callboard.resolvers.loaders import Loaders
from callboard.runtime import Runtime
from callboard.schema.agent_status import AgentStatus
from callboard.schema.calls import CallEvent
from callboard.schema.context import Context
from callboard.schema.sms import SmsMessage

__all__ = ["ClientGone", "Renderer"]

# What each feed's subscription resolver yields for a change (schema/pbx.py, sms.py).
_FEED_ROOTS: dict[str, Callable[[Any, int], Any]] = {
    AGENT_STATUSES.name: AgentStatus.of,
    SMS.name: SmsMessage.of,
}
_FEEDS = {feed.name: feed for feed in FEEDS}
# Documents kept parsed; an endpoint's text rarely changes.
_PARSED_MAX = 1024


class ClientGone(Exception):
    """The endpoint's client is no longer configured: nobody may see its events."""


class Renderer:
    def __init__(self, schema: Schema, runtime: Runtime) -> None:
        self._schema = schema
        self._runtime = runtime
        self._parsed: dict[str, DocumentNode] = {}

    async def body(self, endpoint: Endpoint, delivery: Delivery) -> bytes | None:
        """The webhook's body; None if the event is no longer kept (retention)."""
        root = await self._root(delivery)
        if root is None:
            return None
        runtime = self._runtime
        context = Context(
            runtime=runtime,
            loaders=Loaders(runtime, cache=False),
            caller=self._caller(endpoint.client),
        )
        executor = self._schema.execution_context_class.build(
            self._schema._schema,
            self._document(endpoint.subscription),
            context_value=context,
            raw_variable_values=dict(endpoint.variables or {}),
        )
        if isinstance(executor, list):  # the variables do not fit the document any more
            return self._encode(None, executor)
        # As graphql-core maps each event of a subscription's stream to its result.
        result = executor.build_per_event_executor(root).execute_operation(False)
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult), "a subscription delivers nothing incremental"
        return self._encode(result.data, result.errors)

    def _encode(self, data: Any, errors: list[GraphQLError] | None) -> bytes:
        payload: dict[str, Any] = {"data": data}
        if errors:
            # Mapped as for every other result: codes, and no internals shown.
            self._schema.process_errors(errors)
            payload["errors"] = [error.formatted for error in errors]
        return orjson.dumps(payload)

    async def _root(self, delivery: Delivery) -> Any:
        """What the subscription's resolver would have yielded for the event."""
        store = self._runtime.store
        if delivery.stream == CALL_STREAM:
            events = await store.calls.events_after(
                delivery.event_id - 1, provider_ids=None, limit=1
            )
            if not events or events[0].id != delivery.event_id:
                return None
            return CallEvent.of(events[0])
        feed = _FEEDS[delivery.stream]
        changes = await store.feeds.after(feed, delivery.event_id - 1, provider_ids=None, limit=1)
        if not changes or changes[0].id != delivery.event_id:
            return None
        return _FEED_ROOTS[feed.name](changes[0].item, changes[0].id)

    def caller(self, client: str) -> Caller:
        """The client as configured now; `ClientGone` if it no longer is."""
        return self._caller(client)

    def _caller(self, client: str) -> Caller:
        settings = self._runtime.settings
        if settings.open_access and client == LOCAL.name:
            return LOCAL
        for entry in settings.clients:
            if entry.name == client:
                return Caller(entry.name, entry.providers)
        raise ClientGone(client)

    def _document(self, text: str) -> DocumentNode:
        found = self._parsed.get(text)
        if found is None:
            if len(self._parsed) >= _PARSED_MAX:
                self._parsed.clear()
            found = self._parsed[text] = parse(text)
        return found
