"""One execution per live event for every subscriber asking the same thing.

A live event goes to every matching subscriber. Executing the subscription document for
each of them would cost as many executions as there are listeners (1,000 subscribers at
100 events/s: 100,000 executions/s), though subscribers who sent the same document with
the same variables, as the same client, get the same answer. `SharingExecutor` runs the
per-event execution once per (document, variables, client, event) and hands the result
to the others; `SharedData` keeps the result's JSON once encoded, so it is serialized
once too (app.py sends it as it is).

Shared: events a subscription yields with a `shared_key()` (live call events). Not
shared: results with errors (each subscriber's error handling sees its own), replayed
events, queries and mutations.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Awaitable, Hashable
from contextvars import ContextVar
from typing import Any, Protocol

from graphql import ExecutionResult, GraphQLField, GraphQLObjectType, OperationType
from graphql.language import FieldNode
from graphql.pyutils import Path
from graphql.type import GraphQLResolveInfo
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = [
    "SUBSCRIPTION_EXECUTOR",
    "Shareable",
    "SharedData",
    "SharedResults",
    "SharingExecutor",
    "encode_shared",
]

# Live events are shared within milliseconds of each other; a few thousand entries cover
# seconds of events for many distinct documents. A subscriber further behind executes
# its own: slower, never wrong.
_MAX_ENTRIES = 4096


class Shareable(Protocol):
    def shared_key(self) -> Hashable | None:
        """Names the event for every subscriber that gets this very event; None: don't share."""


class SharedData(dict[str, Any]):
    """A result's `data`, encoded to JSON at most once for all who send it."""

    __slots__ = ("_json",)

    def json(self) -> str:
        try:
            return self._json
        except AttributeError:
            self._json: str = json.dumps(self, separators=(",", ":"))
            return self._json


class SharedResults:
    """Finished results (or executions under way) by key, the oldest dropped first.

    One per running app (event ids are unique only within one deployment's store); the
    view puts it in every request's context."""

    def __init__(self, size: int = _MAX_ENTRIES) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[Hashable, ...], _Shared] = OrderedDict()

    def get(self, key: tuple[Hashable, ...]) -> _Shared | None:
        return self._entries.get(key)

    def put(self, key: tuple[Hashable, ...], value: _Shared) -> None:
        self._entries[key] = value
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def drop(self, key: tuple[Hashable, ...]) -> None:
        self._entries.pop(key, None)


_Shared = ExecutionResult | asyncio.Future[ExecutionResult]

# The executor of the subscription whose resolver this task is about to run: the resolver
# hands it on to audiences.py, which executes each live event with it.
SUBSCRIPTION_EXECUTOR: ContextVar[SharingExecutor | None] = ContextVar(
    "callboard_subscription_executor", default=None
)


class SharingExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with subscription events executed once per audience."""

    _share_key: tuple[Hashable, ...] | None = None
    _cache: SharedResults
    _audience: tuple[Hashable, ...] | None = None
    _per_event = False

    def __copy__(self) -> SharingExecutor:
        # graphql-core copies the executor for every subscriber and event; the generic
        # copy.copy took a quarter of the time spent delivering a live event.
        executor = object.__new__(type(self))
        executor.__dict__.update(self.__dict__)
        return executor

    def build_per_event_executor(self, payload: Any) -> SharingExecutor:
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, SharingExecutor)
        executor._per_event = True
        # getattr, not isinstance(payload, Shareable): a runtime protocol check costs
        # more than the rest of this method, once per subscriber per event.
        shared_key = getattr(payload, "shared_key", None)
        cache = getattr(self.context_value, "shared_results", None)
        if cache is not None and shared_key is not None and (event := shared_key()) is not None:
            audience = self.audience_key()
            if audience is not None:
                executor._share_key = (*audience, event)
                executor._cache = cache
        return executor

    def build_resolve_info(
        self,
        field_def: GraphQLField,
        field_nodes: list[FieldNode],
        parent_type: GraphQLObjectType,
        path: Path,
    ) -> GraphQLResolveInfo[Any]:
        if (
            path.prev is None
            and not self._per_event
            and self.operation.operation is OperationType.SUBSCRIPTION
        ):
            SUBSCRIPTION_EXECUTOR.set(self)  # the subscription's own root field
        return super().build_resolve_info(field_def, field_nodes, parent_type, path)

    def execute_event(self, payload: Any) -> ExecutionResult | Awaitable[ExecutionResult]:
        """One event's result, as the subscription's response stream would give it."""
        result: ExecutionResult | Awaitable[ExecutionResult] = self.build_per_event_executor(
            payload
        ).execute_operation(False)
        return result

    def audience_key(self) -> tuple[Hashable, ...] | None:
        """Who gets the same answer: the same document text and operation, the same
        variables, the same client. None (share nothing) for a document parsed without
        its source text."""
        if self._audience is None:
            location = self.operation.loc
            if location is None:
                return None
            caller = getattr(self.context_value, "caller", None)
            self._audience = (
                location.source.body,
                self.operation.name.value if self.operation.name else None,
                repr(sorted(self.variable_values.coerced.items())),
                getattr(caller, "name", None),
            )
        return self._audience

    def execute_operation(self, serially: bool | None = None) -> Any:
        key = self._share_key
        if key is None or self.operation.operation is not OperationType.SUBSCRIPTION:
            return super().execute_operation(serially)
        found = self._cache.get(key)
        if isinstance(found, ExecutionResult):
            return found
        if found is not None:
            return self._await_shared(found, serially)
        result = self._own(serially)
        if not self.is_awaitable(result):
            return self._keep(key, result)
        # Executed in a task of its own: a subscriber that leaves meanwhile must not
        # cancel the execution the others are waiting for.
        task = asyncio.ensure_future(self._finish(key, result))
        self._cache.put(key, task)
        return self._await_shared(task, serially)

    async def _await_shared(
        self, shared: asyncio.Future[ExecutionResult], serially: bool | None
    ) -> ExecutionResult:
        try:
            result = shared.result() if shared.done() else await asyncio.shield(shared)
        except Exception:  # the subscriber's own execution below reports it
            result = None
        if result is None or result.errors:
            # Not shared (see _keep): this subscriber gets an execution of its own.
            own = self._own(serially)
            mine: ExecutionResult = await own if self.is_awaitable(own) else own
            return mine
        return result

    def _own(self, serially: bool | None) -> Any:
        """This subscriber's execution: an ExecutionResult, or an awaitable of one
        (a subscription has no incremental delivery)."""
        return super().execute_operation(serially)

    async def _finish(
        self, key: tuple[Hashable, ...], pending: Awaitable[ExecutionResult]
    ) -> ExecutionResult:
        try:
            result = await pending
        except BaseException:
            self._cache.drop(key)
            raise
        return self._keep(key, result)

    def _keep(self, key: tuple[Hashable, ...], result: ExecutionResult) -> ExecutionResult:
        if result.errors or result.data is None:
            # Error handling (logging, masking with a correlation id) is per subscriber.
            self._cache.drop(key)
            return result
        result.data = SharedData(result.data)
        self._cache.put(key, result)
        return result


def encode_shared(message: Any) -> str | None:
    """A message carrying shared data (a WebSocket message, or a multipart subscription's
    part: `{"payload": ...}` alone), encoded around the data's one JSON text; None for any
    other message."""
    if not isinstance(message, dict):
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or len(payload) != 1:
        return None
    data = payload.get("data")
    if not isinstance(data, SharedData):
        return None
    head = "".join(
        f"{json.dumps(name)}:{json.dumps(value, separators=(',', ':'))},"
        for name, value in message.items()
        if name != "payload"
    )
    return f'{{{head}"payload":{{"data":{data.json()}}}}}'
